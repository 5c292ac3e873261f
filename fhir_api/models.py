"""Which partner system an OAuth client is, and what it may do (the administrator sets both in the
admin, on the client's Application)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from oauth2_provider.settings import oauth2_settings

# The scopes a client may be given (settings.OAUTH2_PROVIDER["SCOPES"] describes each).
READ = "system/*.read"
REFERRAL_WRITE = "system/ServiceRequest.write"
REFERRAL_STATUS = "system/ServiceRequest.status"
AUDIT_READ = "system/AuditEvent.read"
SCOPES = (READ, REFERRAL_WRITE, REFERRAL_STATUS, AUDIT_READ)


def check_scopes(value: str) -> None:
    unknown = sorted(set(value.split()) - set(SCOPES))
    if unknown:
        raise ValidationError(
            f"Unknown scope(s): {', '.join(unknown)}. Known scopes: {', '.join(SCOPES)}."
        )


class PartnerClient(models.Model):
    """A partner's system (an eReferral hub, a referring clinic's EMR, a rapid-access clinic) behind
    one OAuth client-credentials Application: the scopes it may ask for, and whose records it sees.

    A partner's client sees only the patients it has to do with: those its clinicians referred to us
    (intake.Referrer.partner_key is the client id) and those we referred to its destination (whose
    referrals it may update). Only a client the administrator marks `sees_every_patient` (the
    clinic's own systems: analytics, a migration) sees everyone."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="partner"
    )
    scopes = models.CharField(
        max_length=200,
        default=READ,
        validators=[check_scopes],
        help_text="Space-separated: " + " ".join(SCOPES),
    )
    destination = models.ForeignKey(
        "referrals.Destination",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The destination this partner is, for our referrals out (status updates).",
    )
    sees_every_patient = models.BooleanField(
        default=False,
        help_text="Only for the clinic's own systems (analytics, migration): every patient's record.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Partner client {self.application}"

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in self.scopes.split() if scope in SCOPES]

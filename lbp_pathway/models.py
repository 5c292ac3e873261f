from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from lbp_pathway.languages import StaffLanguage


class AuditEvent(models.Model):
    """Who did what to which patient's record, when, from where and why.

    Append-only: a database trigger (migration 0004) refuses UPDATE and DELETE, and the app's runtime
    role may only INSERT and SELECT (lbp_pathway/db_roles.py). Tamper-evident: a BEFORE INSERT trigger
    (migration 0006) takes the chain's lock, numbers the row (`seq`, 1, 2, 3, … with no gaps), stamps
    `at` with the database clock and stores `hash` = SHA-256 over the previous row's hash and this
    row's content (lbp_pathway/audit_chain.py recomputes it; `manage.py audit_verify`)."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        PRINT = "print", _("Printed / exported")
        DENIED = "denied", _("Access refused")
        BREAK_GLASS = "break_glass", _("Break-the-glass access")
        # Sign-in, failure, lockout, unlock, sign-out, password and two-factor events (no patient).
        AUTH = "auth", _("Sign-in and two-factor")
        # Roles, staff and superuser flags, two-factor rules: who changed whose access.
        ACCOUNT = "account", _("Account and role change")

    # Set by the database (the chain trigger), whatever the insert says: rows cannot be back-dated.
    at = models.DateTimeField(db_default=Now(), db_index=True, editable=False)
    seq = models.BigIntegerField(unique=True, db_default=0, editable=False)
    hash = models.CharField(max_length=64, db_default="", editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    username = models.CharField(max_length=150)
    # A plain id, not a foreign key: the audit trail outlives and never blocks patient records.
    patient_id = models.BigIntegerField(null=True, db_index=True)
    action = models.CharField(max_length=12, choices=Action.choices)
    what = models.CharField(max_length=200)
    path = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.what}"


class AuditVerification(models.Model):
    """One check of the audit chain (`manage.py audit_verify` or the nightly job). Append-only like
    the log; a verification's last row and hash are an anchor the next one checks again, so rows cut
    from the end of the chain after a verification are noticed too."""

    at = models.DateTimeField(db_default=Now(), editable=False)
    ok = models.BooleanField()
    rows_checked = models.PositiveBigIntegerField()
    last_seq = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64, blank=True)
    first_break_seq = models.BigIntegerField(null=True)
    message = models.CharField(max_length=500)
    by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'intact' if self.ok else 'BROKEN'}: {self.message}"


class AppendOnlyError(Exception):
    """A grant is part of the record: it is reviewed, never deleted."""


class EmergencyAccessQuerySet(models.QuerySet["EmergencyAccess"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Break-the-glass grants are kept: review them, never delete them.")


class EmergencyAccess(models.Model):
    """Break the glass: a clinician opens a record outside their care or panel for a stated reason.

    Time-limited; every grant waits for a privacy officer's review. Append-only: neither a grant nor
    a queryset of grants can be deleted through the ORM (and the admin has no page for them)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    # A plain id like AuditEvent's: a grant never blocks or follows the patient record.
    patient_id = models.BigIntegerField(db_index=True)
    reason = models.CharField(max_length=300)
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=300, blank=True)

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["user", "patient_id", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("granted_at")),
                name="emergency_access_expires_after_grant",
            ),
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="emergency_access_has_a_reason"
            ),
            models.CheckConstraint(
                condition=models.Q(reviewed_at__isnull=True, reviewed_by__isnull=True)
                | models.Q(reviewed_at__isnull=False, reviewed_by__isnull=False),
                name="emergency_access_review_has_reviewer_and_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → patient {self.patient_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Break-the-glass grants are kept: review them, never delete them.")


class SignInFailures(models.Model):
    """Failed sign-ins (passwords or two-factor codes) per username and address, and the lock they
    lead to. Rows go once a sign-in succeeds or an administrator unlocks."""

    username = models.CharField(max_length=150)
    ip_address = models.CharField(max_length=45, blank=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_failure_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["username", "ip_address"], name="sign_in_failures_one_row_per_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address or 'unknown'}: {self.failures}"


class TwoFactorRule(models.Model):
    """Whether a role (Django group) must use two-factor authentication; set by an administrator.
    A role without a rule follows settings.TWO_FACTOR_DEFAULT_ROLES. The authenticators themselves
    are django-otp's devices (TOTPDevice, and a StaticDevice holding the recovery codes)."""

    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="+")
    required = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.group}: {'required' if self.required else 'optional'}"


class StaffPreference(models.Model):
    """A staff member's own settings: the language of their screens (and of the notifications the
    app emails them). Copied into the session at sign-in (lbp_pathway.languages)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_preference"
    )
    language = models.CharField(
        max_length=5, choices=StaffLanguage.choices, default=StaffLanguage.ENGLISH
    )

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"

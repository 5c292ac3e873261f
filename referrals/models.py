import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lbp_pathway import history
from referrals import rules
from referrals.suggestions import SUGGESTION_LABELS

# Labels translated when shown (get_kind_display, get_status_display, forms).
KIND_CHOICES = [(kind, _(label)) for kind, label in rules.KIND_LABELS.items()]
STATUS_CHOICES = [
    (status, pgettext_lazy("referral status", label))
    for status, label in rules.STATUS_LABELS.items()
]


class PostalCode(models.Model):
    """Where a postal code is: a forward sortation area (K7L) or a full code (K7L3N6), no space."""

    code = models.CharField(max_length=6, unique=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="postal_code_coordinates_in_range",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z][0-9][A-Z]([0-9][A-Z][0-9])?$"),
                name="postal_code_normalised",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Destination(models.Model):
    """A place a physiotherapist refers to: a clinic, a specialist, imaging, the Emergency
    Department. Its location comes from the postal-code table."""

    class Eligibility(models.TextChoices):
        NONE = "", _("No program criteria")
        RAC_LBP = "rac_lbp", _("Rapid Access Clinic for LBP criteria")

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        NON_BINARY = "non_binary", _("Non-binary")

    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    address = models.CharField(max_length=250, blank=True)
    postal_code = models.CharField(max_length=7, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    fax = models.CharField(max_length=30, blank=True)
    services = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    eligibility_program = models.CharField(
        max_length=20, choices=Eligibility.choices, blank=True, default=""
    )
    typical_wait_days = models.PositiveIntegerField(default=0)
    next_available_on = models.DateField(null=True, blank=True)
    accepting = models.BooleanField(default=True)
    slots = models.PositiveIntegerField(default=0, help_text="Open referral slots")
    languages = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    provider_genders = ArrayField(
        models.CharField(max_length=12, choices=Gender.choices), default=list, blank=True
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "accepting"], name="destination_kind_accepting")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="destination_location_in_range",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=rules.KINDS), name="destination_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RoutingReview(models.Model):
    """What the physiotherapist knew when asking for routing suggestions: the triage result and the
    assessment facts. Suggestions hang off it, so a later review never rewrites an earlier one."""

    episode = models.ForeignKey(
        "care_episodes.Episode", on_delete=models.CASCADE, related_name="routing_reviews"
    )
    # The triage rules' output dict (or the part of it the review could establish).
    triage_result = models.JSONField(default=dict)
    rule_version = models.CharField(max_length=20, blank=True)
    leg_dominant = models.BooleanField(default=False)
    weeks_of_symptoms = models.PositiveIntegerField(default=0)
    surgical_candidate = models.BooleanField(default=False)
    opioid_concerns = models.BooleanField(default=False)
    not_improving = models.BooleanField(default=False)
    private_physio_coverage = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Routing review {self.pk} of episode {self.episode_id}"

    @property
    def red_flag(self) -> bool:
        disposition: str = (self.triage_result.get("red_flags") or {}).get("disposition", "none")
        return disposition != "none"


class ReferralSuggestion(models.Model):
    """One suggested destination kind with its reasons, and the physiotherapist's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Not decided")
        ACCEPTED = "accepted", _("Accepted")
        CHANGED = "changed", pgettext_lazy("routing suggestion", "Changed")
        DECLINED = "declined", pgettext_lazy("routing suggestion", "Declined")

    review = models.ForeignKey(RoutingReview, on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(
        max_length=20, choices=[(kind, _(label)) for kind, label in SUGGESTION_LABELS.items()]
    )
    reasons = models.JSONField(default=list)
    referable = models.BooleanField(default=True)
    unmet_need = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    changed_to_kind = models.CharField(max_length=20, choices=KIND_CHOICES, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "position"]
        constraints = [
            # Changing or declining a suggestion keeps the reason why.
            models.CheckConstraint(
                condition=~Q(decision__in=["changed", "declined"]) | ~Q(decision_reason=""),
                name="suggestion_change_or_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(decision="changed") | ~Q(changed_to_kind=""),
                name="suggestion_change_names_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_decision_display()})"

    @property
    def label(self) -> str:
        return gettext(SUGGESTION_LABELS[self.kind])

    @property
    def referral_kind(self) -> str:
        """The destination kind a referral from this suggestion goes to."""
        return self.changed_to_kind if self.decision == self.Decision.CHANGED else self.kind


def report_upload_to(instance: "Referral", filename: str) -> str:
    # Random names: the patient's name or the sender's file name never reaches the file system.
    extension = PurePosixPath(filename).suffix.lower().lstrip(".") or "bin"
    return f"referral_reports/{secrets.token_hex(16)}.{extension}"


@history.track(
    model_name="ReferralChange",
    exclude=[
        "created_at",
        "suggestion",
        "matched_destination",
        "matched_from_postal_code",
        "distance_km",
        "report",
        "report_content_type",
    ],
)
class Referral(models.Model):
    """A referral from an episode to a destination, tracked from draft to closure.

    Status changes only through referrals.services.move_referral (rules in referrals/rules.py).
    """

    class OverrideReason(models.TextChoices):
        NONE = "", _("No override")
        PREFERENCE = "preference", _("Patient preference (e.g. near work)")
        GENDER = "gender", _("Provider gender")
        LANGUAGE = "language", _("Language")
        OTHER = "other", _("Other")

    episode = models.ForeignKey(
        "care_episodes.Episode", on_delete=models.PROTECT, related_name="referrals"
    )
    suggestion = models.ForeignKey(
        ReferralSuggestion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    destination = models.ForeignKey(Destination, on_delete=models.PROTECT, related_name="+")
    # The first-ranked match when the referral was made; differs from destination on an override.
    matched_destination = models.ForeignKey(
        Destination, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_from_postal_code = models.CharField(max_length=7, blank=True)
    distance_km = models.FloatField(null=True, blank=True)
    override_reason = models.CharField(
        max_length=12, choices=OverrideReason.choices, blank=True, default=""
    )
    override_note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default=rules.DRAFT)
    # The letter.
    reason = models.TextField(_("Reason for referral"))
    findings = models.TextField(_("Findings"), blank=True)
    tried = models.TextField(_("What has been tried"), blank=True)
    question = models.TextField(_("The question asked"))
    imaging_outside_guideline = models.BooleanField(default=False)
    imaging_reason = models.CharField(
        _("Reason for imaging outside the guideline"), max_length=300, blank=True
    )
    sent_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True, help_text="Service-level date to be seen")
    report = models.FileField(upload_to=report_upload_to, blank=True)
    report_content_type = models.CharField(max_length=40, blank=True)
    report_received_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_on"], name="referral_status_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=rules.STATUSES), name="referral_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(imaging_outside_guideline=True) | ~Q(imaging_reason=""),
                name="referral_imaging_outside_guideline_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(override_reason="") | Q(matched_destination__isnull=False),
                name="referral_override_has_match",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} to {self.destination}"

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)

    @property
    def overdue(self) -> bool:
        return rules.is_overdue(self.status, self.due_on, timezone.localdate())

    @property
    def next_statuses(self) -> list[tuple[str, str]]:
        return [(s, gettext(rules.STATUS_LABELS[s])) for s in rules.next_statuses(self.status)]


class ReferralEvent(models.Model):
    """Each status change of a referral, dated; append-only in practice (services only add)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    on = models.DateField(default=timezone.localdate)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, choices=STATUS_CHOICES)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.on}: {rules.STATUS_LABELS.get(self.to_status, self.to_status)}"

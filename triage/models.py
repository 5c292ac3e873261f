"""Triage records: questionnaire answers, the decisions the rules made from them, red-flag alerts.

A stored decision is never rewritten (the app refuses and a database trigger refuses too): a new
triage makes a new decision, so every decision keeps the inputs and the rule version that made it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a record that may only be added to."""


class AppendOnlyModel(models.Model):
    """Rows are inserted once; save() on a stored row and delete() are refused."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(
                f"A stored {self._meta.verbose_name} is never changed: record a new one instead."
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"A stored {self._meta.verbose_name} is never deleted.")


class QuestionnaireResponse(models.Model):
    """One set of STarT Back answers for an episode, as entered (9 answers, null = unanswered)."""

    class Source(models.TextChoices):
        STAFF = "staff", _("Entered by staff")
        PATIENT_LINK = "patient_link", _("Completed by the patient (secure link)")

    episode = models.ForeignKey(
        "care_episodes.Episode", on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    answers = models.JSONField()
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.STAFF)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(default=timezone.now)
    # Patient-submitted answers count only once a physiotherapist has confirmed them.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source="patient_link") | models.Q(entered_by__isnull=False),
                name="triage_response_staff_entry_has_author",
            ),
        ]

    def __str__(self) -> str:
        return f"STarT Back answers for episode {self.episode_id} ({self.get_source_display()})"

    @property
    def awaiting_confirmation(self) -> bool:
        return self.source == self.Source.PATIENT_LINK and self.confirmed_at is None


class TriageDecision(AppendOnlyModel):
    """What the triage rules decided for an episode, with everything needed to explain it later."""

    class Risk(models.TextChoices):
        LOW = "low", _("Low risk")
        MEDIUM = "medium", _("Medium risk")
        HIGH = "high", _("High risk")
        INDETERMINATE = "indeterminate", _("Risk not known yet")

    class Disposition(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency: send to the Emergency Department")
        URGENT = "urgent_physician_review", _("Urgent family physician review")
        NONE = "none", _("No red flag that changes the pathway")

    episode = models.ForeignKey(
        "care_episodes.Episode", on_delete=models.PROTECT, related_name="triage_decisions"
    )
    patient = models.ForeignKey(
        "intake.Patient", on_delete=models.PROTECT, related_name="triage_decisions"
    )
    response = models.ForeignKey(
        QuestionnaireResponse,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    # The full case dict as passed to the rules, and TriageResult.to_dict() as they returned it.
    inputs = models.JSONField()
    outputs = models.JSONField()
    # The decision in words, written when it was made (see services.explain).
    reasons = models.JSONField(default=dict)
    risk = models.CharField(max_length=13, choices=Risk.choices)
    disposition = models.CharField(max_length=23, choices=Disposition.choices)
    rule_version = models.CharField(max_length=20)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["episode", "-decided_at"])]

    def __str__(self) -> str:
        return f"Triage of episode {self.episode_id}: {self.get_risk_display()}"


class PhoneScreen(AppendOnlyModel):
    """The front desk's two-question screen at the first call, kept as it was answered."""

    class Outcome(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency symptom: sent to the Emergency Department / 911")
        FAMILY_PHYSICIAN = "family_physician", _("Back pain not the main reason: family physician")
        BOOK = "book", _("Booked into the back pain pathway")

    patient = models.ForeignKey(
        "intake.Patient", on_delete=models.PROTECT, related_name="phone_screens"
    )
    episode = models.ForeignKey(
        "care_episodes.Episode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="phone_screens",
    )
    back_pain_main_reason = models.BooleanField()
    emergency_flags = models.JSONField(default=list)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    rule_version = models.CharField(max_length=20)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    screened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-screened_at", "-id"]

    def __str__(self) -> str:
        return f"Phone screen of patient {self.patient_id}: {self.get_outcome_display()}"


class PhysicianAlert(models.Model):
    """An emergency or urgent red flag the patient's family physician must see and clear."""

    class Kind(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency red flag")
        URGENT_REVIEW = "urgent_review", _("Urgent review")

    episode = models.ForeignKey(
        "care_episodes.Episode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="physician_alerts",
    )
    # Null only for a public self-referral (patients/): the person is not matched to a record yet,
    # so every family physician of the team sees the alert, with the details in the message.
    patient = models.ForeignKey(
        "intake.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="physician_alerts",
    )
    # The patient's family physician when the alert was raised (null: none on file).
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="triage_alerts",
    )
    kind = models.CharField(max_length=13, choices=Kind.choices)
    message = models.CharField(max_length=500)
    decision = models.ForeignKey(
        TriageDecision, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    phone_screen = models.ForeignKey(
        PhoneScreen, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    clearance_note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["physician", "cleared_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cleared_at__isnull=True)
                | (models.Q(cleared_by__isnull=False) & ~models.Q(clearance_note="")),
                name="triage_alert_clearance_has_physician_and_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for patient {self.patient_id}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None

    @property
    def overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()


def hash_token(token: str) -> str:
    """SHA-256 of a link token: only the hash is stored, so a database copy opens no link."""
    return hashlib.sha256(token.encode()).hexdigest()


class QuestionnaireLink(models.Model):
    """A single-use, expiring link that lets a patient answer STarT Back without signing in."""

    episode = models.ForeignKey(
        "care_episodes.Episode", on_delete=models.PROTECT, related_name="questionnaire_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    response = models.OneToOneField(
        QuestionnaireResponse,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="link",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Questionnaire link for episode {self.episode_id}"

    @property
    def usable(self) -> bool:
        return self.used_at is None and timezone.now() < self.expires_at


class InstrumentText(models.Model):
    """The official wording of a licensed questionnaire in one language, as a clinic holds it
    (load_instrument_text): STarT Back under Keele's terms (English, or Keele's approved French),
    the RMDQ. One row per instrument and language; a language with no row shows our placeholder."""

    instrument = models.CharField(max_length=30, default="start_back")
    # A language code of settings.LANGUAGES ("en", "fr").
    language = models.CharField(max_length=10, default="en")
    items = models.JSONField()
    item9_options = models.JSONField()
    copyright_notice = models.TextField()
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "language"], name="triage_instrument_text_one_per_language"
            ),
        ]

    def __str__(self) -> str:
        return f"Official wording of {self.instrument} ({self.language})"

"""Public, patient-facing records: self-referrals from /p/refer/ (no account)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SelfReferral(models.Model):
    """One self-referral as the person typed it, with the red-flag and eligibility answers and the
    rule version that judged them. The front desk matches it to a patient record (or registers one)."""

    class Outcome(models.TextChoices):
        # Order is the worklist's priority (emergency first, then urgent, then the rest).
        EMERGENCY = "emergency", "Emergency: told to go to Emergency / call 911"
        URGENT = "urgent", "Urgent: physician review first"
        CALLBACK = "callback", "Eligible: front desk calls back"
        NOT_ELIGIBLE = "not_eligible", "Not for this pathway: told to see their family physician"

    reference = models.CharField(max_length=16, unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    phone = models.CharField(max_length=20, blank=True)  # E.164, e.g. +16135550123
    email = models.EmailField(blank=True)
    postal_code = models.CharField(max_length=7)
    description = models.TextField(max_length=2000)
    # Red-flag codes of triage/rules (emergency, urgent, contextual) and the eligibility answers.
    red_flags = models.JSONField(default=list)
    answers = models.JSONField(default=dict)
    rule_version = models.CharField(max_length=40)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    language = models.CharField(max_length=8, default="en")
    alert = models.ForeignKey(
        "triage.PhysicianAlert",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    matched_patient = models.ForeignKey(
        "intake.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="self_referrals",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["handled_at", "created_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def priority(self) -> int:
        return list(self.Outcome.values).index(self.outcome)


# Booking links live in their own module (self-booking, patients/booking.py).
from patients.booking_models import BookingLink  # noqa: E402

__all__ = ["BookingLink", "SelfReferral"]

"""Booking links: a single-use, expiring, unguessable link that lets one patient book (and then
cancel or move, until the cut-off) a first-contact visit. Only a SHA-256 hash of the token is stored:
a copy of the database cannot be turned into working links."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BookingLink(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    patient = models.ForeignKey(
        "intake.Patient", on_delete=models.CASCADE, related_name="booking_links"
    )
    # Who sent it (the front desk); empty for a link given by an eligible self-referral.
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    self_referral = models.ForeignKey(
        "patients.SelfReferral",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="booking_links",
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Set when the link books its one visit; from then on it only cancels or moves that visit.
    used_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        "intake.Appointment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the patient cancels: the link is spent.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "patients"
        indexes = [models.Index(fields=["patient", "created_at"])]

    def __str__(self) -> str:
        return f"booking link {self.pk} for patient {self.patient_id}"

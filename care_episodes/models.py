from django.conf import settings
from django.db import models


class Episode(models.Model):
    """One care episode of low back pain for a patient, from the request to discharge.

    Status changes go through care_episodes/lifecycle.py only.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        BOOKED = "booked", "Booked"
        ASSESSED = "assessed", "Assessed"
        IN_CARE = "in_care", "In care"
        DISCHARGED = "discharged", "Discharged"
        SENT_TO_EMERGENCY = "sent_to_emergency", "Sent to emergency"
        REFERRED_ON = "referred_on", "Referred on"
        DECLINED = "declined", "Declined"
        LOST_TO_FOLLOW_UP = "lost_to_follow_up", "Lost to follow-up"

    class Source(models.TextChoices):
        DIRECT = "direct", "Direct booking (first contact)"
        PHYSICIAN_REFERRAL = "physician_referral", "Family physician referral"

    class Risk(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    patient = models.ForeignKey("intake.Patient", on_delete=models.PROTECT, related_name="episodes")
    physiotherapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="physio_episodes",
    )
    site = models.ForeignKey("intake.Site", null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.DIRECT)
    # The wait clock: request (call or referral received) -> booked -> first assessment.
    requested_on = models.DateField()
    booked_on = models.DateField(null=True, blank=True)
    first_assessed_on = models.DateField(null=True, blank=True)
    discharged_on = models.DateField(null=True, blank=True)
    # Latest triage result, copied here for lists and dashboards; the decision itself lives in triage.
    risk = models.CharField(max_length=6, choices=Risk.choices, blank=True)
    # Why routine booking is refused for this episode (an emergency red flag until a physician clears
    # it); empty when booking is allowed. Booking services must check it.
    booking_hold = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_on", "-id"]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["requested_on"]),
            models.Index(fields=["physiotherapist", "status"]),
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk} ({self.get_status_display()})"


class EpisodeEvent(models.Model):
    """The episode timeline: every status change and notable event, append-only."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=300)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.description

"""A questionnaire link sent to a patient at one timepoint of an episode (schedule.py)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class QuestionnaireInvite(models.Model):
    """Single-use, expiring; only the SHA-256 of the token is stored (triage.models.hash_token)."""

    episode = models.ForeignKey(
        "care_episodes.Episode", on_delete=models.CASCADE, related_name="questionnaire_invites"
    )
    timepoint = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    measurement = models.OneToOneField(
        "care_episodes.OutcomeMeasurement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invite",
    )
    schedule_version = models.CharField(max_length=30)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "timepoint"], name="one_invite_per_timepoint"
            ),
        ]
        indexes = [models.Index(fields=["sent_at"])]

    def __str__(self) -> str:
        return f"Questionnaire {self.timepoint} for episode {self.episode_id}"

    @property
    def usable(self) -> bool:
        return self.used_at is None and timezone.now() < self.expires_at

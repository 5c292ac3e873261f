from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what to which patient's record, when, from where and why. Append-only: a database
    trigger (migration 0003) refuses UPDATE and DELETE."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        PRINT = "print", "Printed / exported"
        DENIED = "denied", "Access refused"
        BREAK_GLASS = "break_glass", "Break-the-glass access"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
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

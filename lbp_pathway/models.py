from typing import Any

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


class TwoFactorDevice(models.Model):
    """A user's authenticator app (RFC 6238 TOTP). The secret is shown once at enrolment."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor_device"
    )
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField()
    # The last accepted time step: a code is never accepted twice.
    last_used_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Authenticator of {self.user}"


class TwoFactorRule(models.Model):
    """Whether a role (Django group) must use two-factor authentication; set by an administrator."""

    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="+")
    required = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.group}: {'required' if self.required else 'optional'}"

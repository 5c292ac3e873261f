"""Reminders as an outbox: each reminder is a row written in the same transaction as the event that
makes it due; Celery only moves rows from pending to sent (see services.py and tasks.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Reminder(models.Model):
    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", _("Appointment reminder")
        OUTCOME_DUE = "outcome_due", _("Outcome re-measurement due")
        FOLLOW_UP_NOT_BOOKED = "follow_up_not_booked", _("Follow-up not booked")
        NOTE_UNSIGNED = "note_unsigned", _("Consultation note not signed")
        REFERRAL_OVERDUE = "referral_overdue", _("Referral overdue")
        PHYSICIAN_REVIEW = "physician_review", _("Urgent physician review pending")
        NOTE_SIGNED = "note_signed", _("Consultation note ready")
        BOOKING_CONFIRMED = "booking_confirmed", _("Booking confirmed (self-booking)")
        BOOKING_LINK = "booking_link", _("Booking link (self-booking)")
        WAITLIST_OFFER = "waitlist_offer", _("Freed slot offered (waitlist)")
        WAITLIST_GONE = "waitlist_gone", _("Offered slot taken by another patient")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        IN_APP = "in_app", _("In the app")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    # The idempotency key: one reminder per event, e.g. "appointment:42:48h". Writing the same key twice
    # updates the one row instead of adding a second reminder.
    key = models.CharField(max_length=200, unique=True)
    patient = models.ForeignKey(
        "intake.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    # Whom a staff reminder is about (the recipient is then a user); lets staff see a patient's history.
    about_patient = models.ForeignKey(
        "intake.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    # Values for the message (site, time, link). Never clinical details: messages leave the clinic.
    context = models.JSONField(default=dict, blank=True)
    # A claim is a lease: the worker holding claim_token renews lease_expires_at while it is alive;
    # once it has passed (the worker died), another dispatcher may claim the row again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    # Raised when a manager re-sends a failed reminder, so the new send gets its own delivery key.
    generation = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="reminder_has_one_recipient",
                condition=Q(patient__isnull=False, user__isnull=True)
                | Q(patient__isnull=True, user__isnull=False),
            ),
            models.CheckConstraint(
                name="reminder_sent_has_sent_at",
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
            ),
        ]
        indexes = [
            # The dispatcher's question: what is due (or stuck in sending) now?
            models.Index(
                fields=["due_at"],
                name="reminder_waiting_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["patient", "due_at"]),
            models.Index(fields=["about_patient", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.key}, {self.status})"

    @property
    def delivery_key(self) -> str:
        return f"{self.key}#{self.generation}"

    @property
    def for_patient(self) -> bool:
        return self.patient_id is not None

    @property
    def staff_user(self) -> User:
        """The staff member a reminder not for a patient goes to (reminder_has_one_recipient)."""
        if self.user is None:
            raise ValueError(f"Reminder {self.pk} has neither a patient nor a user.")
        return self.user


class Delivery(models.Model):
    """One attempt to hand a reminder to a channel, keyed so that a message is sent at most once.

    The row is written *before* the message leaves; its key is also given to the email/SMS provider
    (Message-ID, idempotency key) so a send retried after a crash is recognised as a duplicate.
    """

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    key = models.CharField(max_length=220, unique=True)
    channel = models.CharField(max_length=8, choices=Reminder.Channel.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_reference = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class DeliveryLog(models.Model):
    """Append-only: one row for each time a channel accepted a message, written in its own
    transaction right after the channel answered. A later attempt at the same key consults it first
    and, if the message was accepted already, marks the reminder sent without sending again."""

    key = models.CharField(max_length=220)
    attempt = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=8, choices=Reminder.Channel.choices)
    provider_reference = models.CharField(max_length=200, blank=True)
    accepted_at = models.DateTimeField()

    class Meta:
        ordering = ["-accepted_at", "-id"]
        indexes = [models.Index(fields=["key"])]

    def __str__(self) -> str:
        return f"{self.key} accepted by {self.channel} at {self.accepted_at:%Y-%m-%d %H:%M:%S}"


class Notification(models.Model):
    """A staff reminder shown in the app's notification list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    reminder = models.OneToOneField(
        Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="notification"
    )
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user"], name="notification_unread", condition=Q(read_at__isnull=True)
            ),
            models.Index(fields=["user", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

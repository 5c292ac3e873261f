"""Writes for reminders. Other apps call schedule_reminder / cancel_reminders / reschedule_reminder
inside their own transaction, so a reminder exists exactly when the event that makes it due exists
(a transactional outbox). Celery tasks (tasks.py) call claim_due_reminders and deliver_reminder."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from reminders.channels import (
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
    channel_for,
)
from reminders.messages import patient_wording, staff_email_wording, staff_notification_text
from reminders.models import Delivery, Notification, Reminder
from reminders.rules import QuietHours, parse_quiet_hours, retry_delay

log = logging.getLogger(__name__)

Kind = Reminder.Kind
Status = Reminder.Status
Channel = Reminder.Channel
PATIENT_KINDS = {Kind.APPOINTMENT, Kind.OUTCOME_DUE, Kind.FOLLOW_UP_NOT_BOOKED}
# A link is easier to open from an email; a time and place read well as a text message.
CHANNEL_PREFERENCE = {Kind.OUTCOME_DUE: ("email", "sms")}
DEFAULT_PREFERENCE = ("sms", "email")
UNSENT = (Status.PENDING, Status.FAILED, Status.CANCELLED)


@lru_cache(maxsize=4)
def _quiet_hours(text: str) -> QuietHours | None:
    return parse_quiet_hours(text)


def quiet_hours() -> QuietHours | None:
    return _quiet_hours(settings.REMINDER_QUIET_HOURS)


def patient_channel(patient: Any, kind: str, current: str = "") -> str | None:
    """The channel a patient has consented to (and has an address for); None when there is none."""
    consented = []
    if patient.consent_sms_reminders and patient.phone:
        consented.append("sms")
    if patient.consent_email_reminders and patient.email:
        consented.append("email")
    if current in consented:
        return current
    for channel in CHANNEL_PREFERENCE.get(kind, DEFAULT_PREFERENCE):
        if channel in consented:
            return channel
    return None


def _patient_due(due_at: datetime) -> datetime:
    quiet = quiet_hours()
    return quiet.postpone(due_at) if quiet else due_at


def _upsert(key: str, values: dict[str, Any], now: datetime) -> Reminder:
    existing = Reminder.objects.select_for_update().filter(key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                return Reminder.objects.create(key=key, **values)
        except IntegrityError:  # written by a concurrent transaction a moment ago
            existing = Reminder.objects.select_for_update().get(key=key)
    if existing.status in UNSENT:
        for field, value in values.items():
            setattr(existing, field, value)
        existing.status = Status.PENDING
        existing.attempts = 0
        existing.last_error = ""
        existing.save()
    # Sent or being sent: the same key means the same reminder, so nothing is added.
    return existing


@transaction.atomic
def schedule_reminder(
    *,
    kind: str,
    key: str,
    due_at: datetime,
    patient: Any = None,
    user: Any = None,
    about_patient: Any = None,
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Reminder:
    """Write (or update) the reminder with this key. Call it inside the transaction of the event.

    Patient reminders are postponed out of quiet hours and go by the channel the patient consented to
    (checked again when sending); staff reminders appear in the app, and by email too when
    REMINDER_STAFF_EMAIL is on (a second reminder keyed "<key>:email").
    """
    if (patient is None) == (user is None):
        raise ValueError("a reminder goes to exactly one patient or one user")
    now = now or timezone.now()
    context = context or {}
    if patient is not None:
        channel = patient_channel(patient, kind) or "email"
        values = {
            "kind": kind,
            "patient": patient,
            "user": None,
            "about_patient": None,
            "channel": channel,
            "due_at": _patient_due(due_at),
            "context": context,
        }
        return _upsert(key, values, now)
    values = {
        "kind": kind,
        "patient": None,
        "user": user,
        "about_patient": about_patient,
        "channel": Channel.IN_APP,
        "due_at": due_at,
        "context": context,
    }
    reminder = _upsert(key, values, now)
    if settings.REMINDER_STAFF_EMAIL and user.email:
        _upsert(f"{key}:email", {**values, "channel": Channel.EMAIL}, now)
    return reminder


def _family(key: str) -> Q:
    return Q(key=key) | Q(key__startswith=f"{key}:")


@transaction.atomic
def cancel_reminders(key_prefix: str, reason: str = "cancelled") -> int:
    """Cancel every reminder not yet sent whose key starts with key_prefix (e.g. "appointment:42:")."""
    return Reminder.objects.filter(
        key__startswith=key_prefix, status__in=[Status.PENDING, Status.SENDING, Status.FAILED]
    ).update(status=Status.CANCELLED, last_error=reason[:300], updated_at=timezone.now())


@transaction.atomic
def reschedule_reminder(
    key: str,
    due_at: datetime,
    *,
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Move the reminder with this key (and its ":email" copy) to a new time, with new context values.

    A reminder already sent is armed again for the new time (under a new delivery key) when that time
    is still ahead, e.g. an appointment moved after its reminder went out. Returns how many moved.
    """
    now = now or timezone.now()
    moved = 0
    for reminder in Reminder.objects.select_for_update().filter(_family(key)):
        if reminder.status == Status.SENDING:
            continue  # in flight; it will be sent as it was
        if reminder.status == Status.SENT:
            if due_at <= now:
                continue
            reminder.generation += 1
            reminder.sent_at = None
        reminder.due_at = _patient_due(due_at) if reminder.for_patient else due_at
        if context:
            reminder.context = {**reminder.context, **context}
        reminder.status = Status.PENDING
        reminder.attempts = 0
        reminder.last_error = ""
        reminder.save()
        moved += 1
    return moved


# Appointment reminders, by appointment id so the intake app needs no more than plain values.


def appointment_key(appointment_id: int, lead_hours: int) -> str:
    return f"appointment:{appointment_id}:{lead_hours}h"


def schedule_appointment_reminders(
    *,
    patient: Any,
    appointment_id: int,
    starts_at: datetime,
    site: str,
    phone: str = "",
    lead_hours: Iterable[int] | None = None,
) -> list[Reminder]:
    leads = list(lead_hours or settings.REMINDER_APPOINTMENT_LEAD_HOURS)
    return [
        schedule_reminder(
            kind=Kind.APPOINTMENT,
            key=appointment_key(appointment_id, lead),
            due_at=starts_at - timedelta(hours=lead),
            patient=patient,
            context={"site": site, "phone": phone, "starts_at": starts_at.isoformat()},
        )
        for lead in leads
    ]


@transaction.atomic
def move_appointment_reminders(
    appointment_id: int, starts_at: datetime, *, site: str | None = None
) -> int:
    moved = 0
    context: dict[str, Any] = {"starts_at": starts_at.isoformat()}
    if site:
        context["site"] = site
    for reminder in Reminder.objects.filter(key__startswith=f"appointment:{appointment_id}:"):
        lead = int(reminder.key.split(":")[2].removesuffix("h"))
        moved += reschedule_reminder(
            reminder.key, starts_at - timedelta(hours=lead), context=context
        )
    return moved


def cancel_appointment_reminders(appointment_id: int) -> int:
    return cancel_reminders(f"appointment:{appointment_id}:", reason="appointment cancelled")


# Dispatching: claim due rows, then deliver each one at most once.


@transaction.atomic
def claim_due_reminders(*, limit: int = 500, now: datetime | None = None) -> tuple[str, list[int]]:
    """Mark up to `limit` due reminders as sending under a fresh claim token and return their ids.

    Rows locked by another dispatcher are skipped, so dispatchers running at once never claim the same
    row. A row left in sending longer than REMINDER_CLAIM_TIMEOUT_SECONDS (its worker died, or its task
    never reached the broker) is claimed again.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    token = uuid4().hex
    ids = list(
        Reminder.objects.filter(
            Q(status=Status.PENDING, due_at__lte=now)
            | Q(status=Status.SENDING, claimed_at__lt=stale)
        )
        .order_by("due_at")
        .select_for_update(skip_locked=True)
        .values_list("id", flat=True)[:limit]
    )
    if ids:
        Reminder.objects.filter(id__in=ids).update(
            status=Status.SENDING, claimed_at=now, claim_token=token, updated_at=now
        )
    return token, ids


@transaction.atomic
def release_claims(ids: list[int], token: str) -> int:
    """Give claimed rows back (their send task could not be queued): they stay due."""
    return Reminder.objects.filter(id__in=ids, status=Status.SENDING, claim_token=token).update(
        status=Status.PENDING, claimed_at=None, claim_token=""
    )


def _finish(reminder: Reminder, status: str, error: str = "") -> None:
    reminder.status = status
    reminder.last_error = error[:300]
    reminder.claimed_at = None
    reminder.claim_token = ""
    reminder.save()


def _appointment_passed(reminder: Reminder, now: datetime) -> bool:
    starts_at = reminder.context.get("starts_at")
    return (
        reminder.kind == Kind.APPOINTMENT
        and bool(starts_at)
        and datetime.fromisoformat(starts_at) <= now
    )


def _notify_in_app(reminder: Reminder, now: datetime) -> None:
    about = reminder.about_patient.full_name if reminder.about_patient_id else ""
    title, body = staff_notification_text(reminder.kind, about, reminder.context)
    Notification.objects.get_or_create(
        reminder=reminder,
        defaults={
            "user": reminder.user,
            "title": title,
            "body": body[:500],
            "url": reminder.context.get("url", "")[:300],
            "created_at": now,
        },
    )
    Delivery.objects.get_or_create(
        key=reminder.delivery_key,
        defaults={
            "reminder": reminder,
            "channel": Channel.IN_APP,
            "status": Delivery.Status.SENT,
            "attempts": 1,
            "started_at": now,
            "finished_at": now,
        },
    )
    reminder.attempts += 1
    reminder.sent_at = now
    _finish(reminder, Status.SENT)


def _prepare(
    reminder_id: int, token: str, now: datetime
) -> tuple[str, str, OutgoingMessage | None]:
    """Check the claim and the rules, write the delivery row; return what to send, if anything."""
    reminder = (
        Reminder.objects.select_for_update(of=("self",))
        .select_related("patient", "user", "about_patient")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None or reminder.status != Status.SENDING or reminder.claim_token != token:
        return "skipped", "", None
    if _appointment_passed(reminder, now):
        _finish(reminder, Status.CANCELLED, "the appointment time has passed")
        return "cancelled", "", None
    if reminder.for_patient:
        patient = reminder.patient
        channel = patient_channel(patient, reminder.kind, reminder.channel)
        if channel is None:
            _finish(reminder, Status.CANCELLED, "no consent to email or SMS reminders")
            return "cancelled", "", None
        quiet = quiet_hours()
        if quiet and quiet.contains(now):
            reminder.due_at = quiet.postpone(now)
            _finish(reminder, Status.PENDING, "postponed out of quiet hours")
            return "postponed", "", None
        reminder.channel = channel
        address = patient.phone if channel == "sms" else patient.email
        wording = patient_wording(reminder.kind, patient.preferred_language, reminder.context)
    elif reminder.channel == Channel.IN_APP:
        _notify_in_app(reminder, now)
        return "sent", "", None
    else:
        address = reminder.user.email
        if not address:
            _finish(reminder, Status.CANCELLED, "no email address")
            return "cancelled", "", None
        link = getattr(settings, "SITE_URL", "") + (
            reminder.context.get("url") or "/notifications/"
        )
        wording = staff_email_wording(reminder.kind, link)
    delivery, _ = Delivery.objects.select_for_update().get_or_create(
        key=reminder.delivery_key,
        defaults={"reminder": reminder, "channel": reminder.channel, "started_at": now},
    )
    if delivery.status == Delivery.Status.SENT:
        reminder.sent_at = delivery.finished_at or now
        _finish(reminder, Status.SENT)
        return "already sent", "", None
    delivery.attempts += 1
    delivery.status = Delivery.Status.SENDING
    delivery.channel = reminder.channel
    delivery.save()
    reminder.save()
    return (
        "send",
        reminder.channel,
        OutgoingMessage(delivery.key, address, wording.subject, wording.body),
    )


def _record_outcome(
    reminder_id: int,
    token: str,
    message: OutgoingMessage,
    reference: str,
    error: str,
    permanent: bool,
) -> str:
    now = timezone.now()
    reminder = Reminder.objects.select_for_update().get(pk=reminder_id)
    delivery = Delivery.objects.select_for_update().get(key=message.idempotency_key)
    delivery.finished_at = now
    if not error:
        delivery.status = Delivery.Status.SENT
        delivery.provider_reference = reference[:200]
        delivery.error = ""
        delivery.save()
        # Record what happened even if the reminder was cancelled or re-claimed meanwhile: it went out.
        reminder.attempts += 1
        reminder.sent_at = now
        _finish(reminder, Status.SENT)
        return "sent"
    delivery.status = Delivery.Status.FAILED
    delivery.error = error[:300]
    delivery.save()
    if reminder.status != Status.SENDING or reminder.claim_token != token:
        return "failed"  # cancelled or claimed again meanwhile: that owner decides
    reminder.attempts += 1
    if permanent or reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        _finish(reminder, Status.FAILED, error)
        return "failed"
    reminder.due_at = now + retry_delay(reminder.attempts, settings.REMINDER_RETRY_BASE_SECONDS)
    _finish(reminder, Status.PENDING, error)
    return "retry"


def deliver_reminder(reminder_id: int, token: str, *, now: datetime | None = None) -> str:
    """Send one claimed reminder at most once. Safe to run again for the same claim.

    1. Under a row lock, check the claim, consent and quiet hours and write the Delivery row (its
       unique key is the message's idempotency key), then commit.
    2. Hand the message to its channel outside any transaction.
    3. Record the outcome; a transient failure is retried later with exponential back-off, up to
       REMINDER_MAX_ATTEMPTS, then the reminder is failed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        outcome, channel, message = _prepare(reminder_id, token, now)
    if message is None:
        return outcome
    reference, error, permanent = "", "", False
    try:
        reference = channel_for(channel).send(message)
    except PermanentSendError as failure:
        error, permanent = str(failure) or "refused", True
    except TransientSendError as failure:
        error = str(failure) or "temporary failure"
    except Exception as failure:  # an unexpected provider error: retry rather than lose it
        log.exception("reminder %s: unexpected error while sending", reminder_id)
        error = f"{type(failure).__name__}: {failure}"
    with transaction.atomic():
        return _record_outcome(reminder_id, token, message, reference, error, permanent)


@transaction.atomic
def resend_reminder(reminder: Reminder, *, generation: int, now: datetime | None = None) -> bool:
    """A manager re-sends a failed reminder. Posting twice re-sends once: the generation the manager
    saw must still be the current one."""
    now = now or timezone.now()
    locked = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if locked.status != Status.FAILED or locked.generation != generation:
        return False
    locked.generation += 1
    locked.attempts = 0
    locked.due_at = _patient_due(now) if locked.for_patient else now
    _finish(locked, Status.PENDING, "")
    return True


@transaction.atomic
def mark_notifications_read(user: Any, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(id__in=list(ids))
    return unread.update(read_at=timezone.now())

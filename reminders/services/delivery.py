"""Delivering reminders: the dispatcher claims due rows (SKIP LOCKED), then each is delivered at most
once through its channel; failures back off and end failed; managers re-send. Celery tasks
(reminders/tasks.py) call claim_due_reminders and deliver_reminders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from lbp_pathway import audit
from reminders.channels import (
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
    channel_for,
)
from reminders.messages import patient_wording, staff_email_wording, staff_notification_text
from reminders.models import Delivery, Notification, Reminder
from reminders.rules import retry_delay
from reminders.services.scheduling import (
    Channel,
    Kind,
    Status,
    _patient_due,
    log,
    patient_channel,
    quiet_hours,
)

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
    about_patient = reminder.about_patient
    about = about_patient.full_name if about_patient is not None else ""
    title, body = staff_notification_text(reminder.kind, about, reminder.context)
    Notification.objects.get_or_create(
        reminder=reminder,
        defaults={
            "user": reminder.staff_user,
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


@dataclass(frozen=True)
class Send:
    reminder_id: int
    token: str
    channel: str
    message: OutgoingMessage


def _check(reminder: Reminder, now: datetime) -> tuple[str, OutgoingMessage | None]:
    """Apply the rules to one claimed reminder: what to send, or why nothing is sent."""
    if _appointment_passed(reminder, now):
        _finish(reminder, Status.CANCELLED, "the appointment time has passed")
        return "cancelled", None
    patient = reminder.patient  # None: a reminder for staff
    if patient is not None:
        channel = patient_channel(patient, reminder.kind, reminder.channel)
        if channel is None:
            _finish(reminder, Status.CANCELLED, "no consent to email or SMS reminders")
            return "cancelled", None
        quiet = quiet_hours()
        if quiet and quiet.contains(now):
            reminder.due_at = quiet.postpone(now)
            _finish(reminder, Status.PENDING, "postponed out of quiet hours")
            return "postponed", None
        if channel != reminder.channel:
            reminder.channel = channel
            reminder.save(update_fields=["channel", "updated_at"])
        address = patient.phone if channel == "sms" else patient.email
        wording = patient_wording(reminder.kind, patient.preferred_language, reminder.context)
    elif reminder.channel == Channel.IN_APP:
        _notify_in_app(reminder, now)
        return "sent", None
    else:
        address = reminder.staff_user.email
        if not address:
            _finish(reminder, Status.CANCELLED, "no email address")
            return "cancelled", None
        link = getattr(settings, "SITE_URL", "") + (
            reminder.context.get("url") or "/notifications/"
        )
        wording = staff_email_wording(reminder.kind, link)
    message = OutgoingMessage(reminder.delivery_key, address, wording.subject, wording.body)
    return "send", message


def _prepare(ids: list[int], token: str, now: datetime) -> tuple[dict[int, str], list[Send]]:
    """Step 1, one transaction for a chunk: lock the claimed rows, apply the rules, and write each
    delivery row (its unique key is the message's idempotency key) before anything leaves."""
    outcomes: dict[int, str] = dict.fromkeys(ids, "skipped")
    reminders = list(
        Reminder.objects.select_for_update(of=("self",))
        .select_related("patient", "user", "about_patient")
        .filter(pk__in=ids, status=Status.SENDING, claim_token=token)
    )
    sends: list[Send] = []
    for reminder in reminders:
        outcomes[reminder.pk], message = _check(reminder, now)
        if message is not None:
            sends.append(Send(reminder.pk, token, reminder.channel, message))
    if not sends:
        return outcomes, sends
    by_key = {send.message.idempotency_key: send for send in sends}
    existing = {d.key: d for d in Delivery.objects.filter(key__in=by_key)}
    already_sent = [k for k, d in existing.items() if d.status == Delivery.Status.SENT]
    if already_sent:  # recorded as sent before: never again, just bring the reminder up to date
        done = [by_key[k].reminder_id for k in already_sent]
        Reminder.objects.filter(pk__in=done).update(
            status=Status.SENT, sent_at=now, claimed_at=None, claim_token="", updated_at=now
        )
        for reminder_id in done:
            outcomes[reminder_id] = "already sent"
        sends = [s for s in sends if s.message.idempotency_key not in already_sent]
    retried = [k for k in existing if k not in already_sent]
    if retried:  # an earlier attempt died mid-send: send again under the same key
        Delivery.objects.filter(key__in=retried).update(
            attempts=F("attempts") + 1, status=Delivery.Status.SENDING, error=""
        )
    Delivery.objects.bulk_create(
        [
            Delivery(
                reminder_id=s.reminder_id,
                key=s.message.idempotency_key,
                channel=s.channel,
                attempts=1,
                started_at=now,
            )
            for s in sends
            if s.message.idempotency_key not in existing
        ]
    )
    return outcomes, sends


def _record_sent(sent: list[tuple[Send, str]]) -> None:
    """Step 3 for the messages the channels took: deliveries and reminders marked sent together.
    Recorded even if a reminder was cancelled or claimed again meanwhile: the message went out."""
    now = timezone.now()
    # One UPDATE for the chunk (Django's bulk_update builds a CASE per row, far slower here).
    rows = [(send.message.idempotency_key, reference[:200]) for send, reference in sent]
    values = ", ".join(["(%s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Delivery._meta.db_table} AS d SET status = %s, provider_reference = v.ref, "
            f"finished_at = %s, error = '' FROM (VALUES {values}) AS v(key, ref) WHERE d.key = v.key",
            [Delivery.Status.SENT, now, *[item for row in rows for item in row]],
        )
    Reminder.objects.filter(pk__in=[send.reminder_id for send, _ in sent]).update(
        status=Status.SENT,
        sent_at=now,
        attempts=F("attempts") + 1,
        last_error="",
        claimed_at=None,
        claim_token="",
        updated_at=now,
    )


def _record_failure(send: Send, error: str, permanent: bool) -> str:
    now = timezone.now()
    Delivery.objects.filter(key=send.message.idempotency_key).update(
        status=Delivery.Status.FAILED, error=error[:300], finished_at=now
    )
    reminder = Reminder.objects.select_for_update().get(pk=send.reminder_id)
    if reminder.status != Status.SENDING or reminder.claim_token != send.token:
        return "failed"  # cancelled or claimed again meanwhile: that owner decides
    reminder.attempts += 1
    if permanent or reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        _finish(reminder, Status.FAILED, error)
        return "failed"
    reminder.due_at = now + retry_delay(reminder.attempts, settings.REMINDER_RETRY_BASE_SECONDS)
    _finish(reminder, Status.PENDING, error)
    return "retry"


def deliver_reminders(ids: list[int], token: str, *, now: datetime | None = None) -> list[str]:
    """Send claimed reminders, each at most once; safe to run again for the same claim.

    1. In one transaction: lock the rows still claimed under `token`, check consent, quiet hours and
       the appointment time, and write each Delivery row (unique key = idempotency key); commit.
    2. Hand each message to its channel, outside any transaction, with that key.
    3. Record the outcomes. A transient failure is retried later with exponential back-off, up to
       REMINDER_MAX_ATTEMPTS, then the reminder is failed; a refused address fails it at once.
    A worker killed between 1 and 3 leaves the rows in sending: they are claimed again after
    REMINDER_CLAIM_TIMEOUT_SECONDS and sent again under the same key, which the provider deduplicates.
    """
    now = now or timezone.now()
    with transaction.atomic():
        outcomes, sends = _prepare(list(ids), token, now)
    sent: list[tuple[Send, str]] = []
    failures: list[tuple[Send, str, bool]] = []
    channels: dict[str, Any] = {}
    for send in sends:
        try:
            channel = channels.get(send.channel) or channels.setdefault(
                send.channel, channel_for(send.channel)
            )
            sent.append((send, channel.send(send.message)))
        except PermanentSendError as failure:
            failures.append((send, str(failure) or "refused", True))
        except TransientSendError as failure:
            failures.append((send, str(failure) or "temporary failure", False))
        except Exception as failure:  # an unexpected provider error: retry rather than lose it
            log.exception("reminder %s: unexpected error while sending", send.reminder_id)
            failures.append((send, f"{type(failure).__name__}: {failure}", False))
    if sent:
        with transaction.atomic():
            _record_sent(sent)
        for send, _ in sent:
            outcomes[send.reminder_id] = "sent"
    for send, error, permanent in failures:
        with transaction.atomic():
            outcomes[send.reminder_id] = _record_failure(send, error, permanent)
    return [outcomes[i] for i in ids]


def deliver_reminder(reminder_id: int, token: str, *, now: datetime | None = None) -> str:
    return deliver_reminders([reminder_id], token, now=now)[0]


@transaction.atomic
def resend_reminder(
    reminder: Reminder, *, generation: int, actor: audit.Actor, now: datetime | None = None
) -> bool:
    """A manager re-sends a failed reminder. Posting twice re-sends once: the generation the manager
    saw must still be the current one (a refused re-send writes nothing, audit row included)."""
    now = now or timezone.now()
    locked = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if locked.status != Status.FAILED or locked.generation != generation:
        return False
    locked.generation += 1
    locked.attempts = 0
    locked.due_at = _patient_due(now) if locked.for_patient else now
    _finish(locked, Status.PENDING, "")
    audit.record(
        actor,
        audit.Action.CHANGE,
        f"Reminder {locked.pk} re-sent",
        patient_id=locked.patient_id or locked.about_patient_id,
    )
    return True


@transaction.atomic
def mark_notifications_read(user: User, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(id__in=list(ids))
    if hasattr(user, "_lbp_unread_notifications"):  # the request's count (selectors.unread_count)
        delattr(user, "_lbp_unread_notifications")
    return unread.update(read_at=timezone.now())

"""Delivering reminders: a worker claims due rows under a lease (SKIP LOCKED) that it renews while
alive, then delivers each at most once through its channel, marking each sent in its own transaction
and consulting the delivery log first; failures back off and end failed; managers re-send. Celery
tasks (reminders/tasks.py) call claim_due_reminders and deliver_reminders."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.models import User
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from lbp_pathway import audit
from lbp_pathway.selectors import staff_language
from reminders import calendar
from reminders.channels import (
    Attachment,
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
    channel_for,
)
from reminders.channels import Channel as MessageChannel
from reminders.messages import patient_wording, staff_email_wording, staff_notification_text
from reminders.models import Delivery, DeliveryLog, Notification, Reminder
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

# Dispatching: claim due rows under a lease, then deliver each one at most once.


def _lease_until(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.REMINDER_LEASE_SECONDS)


def _claimable(now: datetime) -> Q:
    """Due and unclaimed, or claimed by a worker whose lease has run out (it died)."""
    return Q(status=Status.PENDING, due_at__lte=now) | Q(
        status=Status.SENDING, lease_expires_at__lt=now
    )


@transaction.atomic
def claim_due_reminders(*, limit: int = 500, now: datetime | None = None) -> tuple[str, list[int]]:
    """Mark up to `limit` due reminders as sending under a fresh claim token and a lease of
    REMINDER_LEASE_SECONDS, and return their ids.

    Rows locked by another claimer are skipped, so workers claiming at once never take the same row.
    The worker holding a claim renews its lease while it is alive (`renew_lease`, `LeaseKeeper`); a
    row whose lease has run out (its worker died) is claimed again, within a lease of the death.
    """
    now = now or timezone.now()
    token = uuid4().hex
    ids = list(
        Reminder.objects.filter(_claimable(now))
        .order_by("due_at")
        .select_for_update(skip_locked=True)
        .values_list("id", flat=True)[:limit]
    )
    if ids:
        Reminder.objects.filter(id__in=ids).update(
            status=Status.SENDING,
            claimed_at=now,
            lease_expires_at=_lease_until(now),
            claim_token=token,
            updated_at=now,
        )
    return token, ids


def count_claimable_reminders(*, limit: int, now: datetime | None = None) -> int:
    """How many reminders a worker could claim now, counted up to `limit` (the dispatcher's
    question: how many send tasks to queue)."""
    now = now or timezone.now()
    return Reminder.objects.filter(_claimable(now)).values("id")[:limit].count()


def renew_lease(token: str, *, reminder_id: int | None = None) -> int:
    """Extend the lease on the rows still claimed under `token` (or on one of them): the claimer is
    alive. Returns how many rows are still held; 0 means the claim was lost (cancelled, re-sent, or
    the lease ran out and another worker took the row). Renewing the whole claim (the heartbeat)
    never waits for a row another transaction holds: that row is renewed next time."""
    now = timezone.now()
    held = Reminder.objects.filter(status=Status.SENDING, claim_token=token)
    if reminder_id is not None:
        return held.filter(pk=reminder_id).update(lease_expires_at=_lease_until(now))
    unlocked = held.select_for_update(skip_locked=True).values("id")
    with transaction.atomic():
        return Reminder.objects.filter(id__in=unlocked).update(lease_expires_at=_lease_until(now))


class LeaseKeeper:
    """A heartbeat: while the block runs, a thread renews the lease on `token` every third of
    REMINDER_LEASE_SECONDS, so one slow provider answer does not let another worker take rows this
    (live) worker is sending. When the process dies the heartbeat dies with it and the lease runs out."""

    def __init__(self, token: str) -> None:
        self.token = token
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{token[:8]}", daemon=True)

    def _beat(self) -> None:
        interval = max(settings.REMINDER_LEASE_SECONDS / 3, 0.2)
        try:
            while not self._stop.wait(interval):
                try:
                    renew_lease(self.token)
                except DatabaseError:  # the database is away: the sends' own writes will say so
                    log.warning("could not renew the lease on claim %s", self.token)
        finally:
            connections.close_all()  # this thread's own connection

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=settings.REMINDER_LEASE_SECONDS)


@transaction.atomic
def release_claims(ids: list[int], token: str) -> int:
    """Give claimed rows back (they could not be worked on): they stay due."""
    return Reminder.objects.filter(id__in=ids, status=Status.SENDING, claim_token=token).update(
        status=Status.PENDING, claimed_at=None, lease_expires_at=None, claim_token=""
    )


def _finish(reminder: Reminder, status: str, error: str = "") -> None:
    reminder.status = status
    reminder.last_error = error[:300]
    reminder.claimed_at = None
    reminder.lease_expires_at = None
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
    title, body = staff_notification_text(
        reminder.kind, about, reminder.context, staff_language(reminder.staff_user)
    )
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
    attempt: int = 1


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
        wording = patient_wording(reminder.kind, patient.language_code, reminder.context)
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
        wording = staff_email_wording(reminder.kind, link, staff_language(reminder.staff_user))
    attachments: tuple[Attachment, ...] = ()
    if reminder.kind == Reminder.Kind.BOOKING_CONFIRMED and reminder.channel == Channel.EMAIL:
        attachments = (booking_calendar_file(reminder.context, wording.subject, now),)
    message = OutgoingMessage(
        reminder.delivery_key, address, wording.subject, wording.body, attachments
    )
    return "send", message


def booking_calendar_file(context: dict[str, Any], summary: str, now: datetime) -> Attachment:
    event = calendar.CalendarEvent(
        uid=f"{context['uid']}@lbp-pathway",
        start=datetime.fromisoformat(context["starts_at"]),
        end=datetime.fromisoformat(context["ends_at"]),
        summary=summary,
        location=", ".join(v for v in (context.get("site"), context.get("address")) if v),
        url=context.get("url", ""),
    )
    return Attachment("appointment.ics", calendar.ics(event, now=now), "text/calendar")


def _prepare(ids: list[int], token: str, now: datetime) -> tuple[dict[int, str], list[Send]]:
    """Step 1, one transaction for a chunk: lock the claimed rows, apply the rules, consult the
    delivery log, and write each delivery row (its unique key is the message's idempotency key)
    before anything leaves."""
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
    # A channel accepted these before (the worker that sent them died before marking them sent, or
    # a re-run): never again, just bring the reminder and its delivery row up to date.
    already_sent = set(DeliveryLog.objects.filter(key__in=by_key).values_list("key", flat=True)) | {
        k for k, d in existing.items() if d.status == Delivery.Status.SENT
    }
    if already_sent:
        done = [by_key[k].reminder_id for k in already_sent]
        Reminder.objects.filter(pk__in=done).update(
            status=Status.SENT,
            sent_at=now,
            claimed_at=None,
            lease_expires_at=None,
            claim_token="",
            updated_at=now,
        )
        Delivery.objects.filter(key__in=already_sent).exclude(status=Delivery.Status.SENT).update(
            status=Delivery.Status.SENT, finished_at=now, error=""
        )
        for reminder_id in done:
            outcomes[reminder_id] = "already sent"
        sends = [s for s in sends if s.message.idempotency_key not in already_sent]
    retried = [k for k in existing if k not in already_sent]
    if retried:  # an earlier attempt died before the channel accepted: send again, same key
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
    attempt = {key: delivery.attempts + 1 for key, delivery in existing.items()}
    return outcomes, [replace(s, attempt=attempt.get(s.message.idempotency_key, 1)) for s in sends]


def _record_sent(send: Send, reference: str) -> None:
    """Step 3 for one message the channel took, in its own transaction: the delivery log row, the
    delivery and the reminder marked sent. Recorded even if the reminder was cancelled or claimed
    again meanwhile: the message went out."""
    now = timezone.now()
    key = send.message.idempotency_key
    DeliveryLog.objects.create(
        key=key,
        attempt=send.attempt,
        channel=send.channel,
        provider_reference=reference[:200],
        accepted_at=now,
    )
    Delivery.objects.filter(key=key).update(
        status=Delivery.Status.SENT, provider_reference=reference[:200], finished_at=now, error=""
    )
    Reminder.objects.filter(pk=send.reminder_id).update(
        status=Status.SENT,
        sent_at=now,
        attempts=F("attempts") + 1,
        last_error="",
        claimed_at=None,
        lease_expires_at=None,
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


def _send_one(channel: MessageChannel, send: Send) -> tuple[str, str | None, bool]:
    """Hand one message to its channel: (provider reference, None) or (error, permanent)."""
    try:
        return channel.send(send.message), None, False
    except PermanentSendError as failure:
        return "", str(failure) or "refused", True
    except TransientSendError as failure:
        return "", str(failure) or "temporary failure", False
    except Exception as failure:  # an unexpected provider error: retry rather than lose it
        log.exception("reminder %s: unexpected error while sending", send.reminder_id)
        return "", f"{type(failure).__name__}: {failure}", False


def deliver_reminders(ids: list[int], token: str, *, now: datetime | None = None) -> list[str]:
    """Send claimed reminders, each at most once; safe to run again for the same claim.

    1. In one transaction: lock the rows still claimed under `token`, check consent, quiet hours and
       the appointment time, consult the delivery log (a key a channel already accepted is marked
       sent, not sent again), and write each Delivery row (unique key = idempotency key); commit.
    2. For each message, outside any transaction: renew the lease on its row (and skip it if the
       claim was lost), hand it to its channel with its idempotency key, and at once, in its own
       transaction, log the acceptance and mark the reminder sent. A heartbeat thread keeps the
       lease while a channel is slow to answer.
    3. A transient failure is retried later with exponential back-off, up to REMINDER_MAX_ATTEMPTS,
       then the reminder is failed; a refused address fails it at once.
    A worker killed mid-chunk leaves its unsent rows in sending; the lease runs out within
    REMINDER_LEASE_SECONDS and another worker claims them. Only a kill between the channel's accept
    and step 2's commit can send one message twice (SECURITY.md, "Messages").
    """
    now = now or timezone.now()
    with transaction.atomic():
        outcomes, sends = _prepare(list(ids), token, now)
    if not sends:
        return [outcomes[i] for i in ids]
    channels: dict[str, MessageChannel] = {}
    with LeaseKeeper(token):
        for send in sends:
            if not renew_lease(token, reminder_id=send.reminder_id):
                continue  # cancelled or claimed by another worker meanwhile: "skipped"
            channel = channels.get(send.channel) or channels.setdefault(
                send.channel, channel_for(send.channel)
            )
            reference, error, permanent = _send_one(channel, send)
            with transaction.atomic():
                if error is None:
                    _record_sent(send, reference)
                    outcomes[send.reminder_id] = "sent"
                else:
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

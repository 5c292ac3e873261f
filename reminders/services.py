"""Writes for reminders. Other apps call schedule_reminder / cancel_reminders / reschedule_reminder
inside their own transaction, so a reminder exists exactly when the event that makes it due exists
(a transactional outbox). Celery tasks (tasks.py) call claim_due_reminders and deliver_reminder."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.db import IntegrityError, connection, transaction
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


# The other kinds, for the apps whose events make them due. Each is cancelled by its key prefix when
# the awaited thing happens (note signed, follow-up booked, referral answered, review done).


def schedule_outcome_reminder(
    *, patient: Any, key: str, due_at: datetime, site: str, questionnaire_url: str
) -> Reminder:
    """Outcome re-measurement due: the patient gets the secure questionnaire link (built by triage)."""
    return schedule_reminder(
        kind=Kind.OUTCOME_DUE,
        key=key,
        due_at=due_at,
        patient=patient,
        context={"site": site, "url": questionnaire_url},
    )


def schedule_follow_up_reminder(
    *, patient: Any, episode_id: int, due_at: datetime, site: str, phone: str = ""
) -> Reminder:
    """The plan needs a follow-up visit and none is booked by due_at."""
    return schedule_reminder(
        kind=Kind.FOLLOW_UP_NOT_BOOKED,
        key=f"follow_up:{episode_id}",
        due_at=due_at,
        patient=patient,
        context={"site": site, "phone": phone},
    )


def schedule_unsigned_note_reminder(
    *, physiotherapist: Any, patient: Any, note_key: str, assessed_at: datetime, url: str
) -> Reminder:
    """Remind the physio REMINDER_NOTE_UNSIGNED_DAYS after the assessment if the note is unsigned."""
    days = settings.REMINDER_NOTE_UNSIGNED_DAYS
    return schedule_reminder(
        kind=Kind.NOTE_UNSIGNED,
        key=f"note_unsigned:{note_key}",
        due_at=assessed_at + timedelta(days=days),
        user=physiotherapist,
        about_patient=patient,
        context={"detail": f"assessed {days} days ago, note not signed", "url": url},
    )


def schedule_referral_overdue_reminders(
    *, referral_id: int, due_at: datetime, recipients: Iterable[Any], patient: Any, url: str
) -> list[Reminder]:
    """A referral past its service level: the physio and the front desk are told."""
    return [
        schedule_reminder(
            kind=Kind.REFERRAL_OVERDUE,
            key=f"referral_overdue:{referral_id}:{user.pk}",
            due_at=due_at,
            user=user,
            about_patient=patient,
            context={"detail": "no reply within the service level", "url": url},
        )
        for user in recipients
    ]


def schedule_physician_review_reminder(
    *, physician: Any, patient: Any, episode_id: int, due_at: datetime, url: str
) -> Reminder:
    """An urgent red-flag review is still pending at due_at."""
    return schedule_reminder(
        kind=Kind.PHYSICIAN_REVIEW,
        key=f"physician_review:{episode_id}",
        due_at=due_at,
        user=physician,
        about_patient=patient,
        context={"detail": "urgent review pending", "url": url},
    )


def cancel_reminder(key: str, reason: str = "cancelled") -> int:
    """Cancel the reminder with exactly this key and its copies ("<key>:..."), if not yet sent.

    Unlike cancel_reminders(prefix), "follow_up:1" does not also cancel "follow_up:12".
    """
    return Reminder.objects.filter(
        _family(key), status__in=[Status.PENDING, Status.SENDING, Status.FAILED]
    ).update(status=Status.CANCELLED, last_error=reason[:300], updated_at=timezone.now())


def local_morning(day: date, hour: int = 9) -> datetime:
    """`hour` o'clock on `day` in the clinic's time zone: when a reminder about a date falls due."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


def outcome_key(episode_id: int, timepoint: str) -> str:
    return f"outcome_due:{episode_id}:{timepoint}"


def cancel_outcome_reminders(episode_id: int, reason: str = "outcomes recorded") -> int:
    return cancel_reminders(f"outcome_due:{episode_id}:", reason=reason)


def note_unsigned_key(episode_id: int) -> str:
    return f"episode-{episode_id}"


def cancel_note_unsigned_reminder(episode_id: int) -> int:
    return cancel_reminder(f"note_unsigned:{note_unsigned_key(episode_id)}", reason="note signed")


def schedule_follow_up_staff_reminders(
    *, episode_id: int, due_at: datetime, recipients: Iterable[Any], patient: Any, url: str
) -> list[Reminder]:
    """The staff side of "follow-up not booked": the physio and the front desk see it in the app."""
    return [
        schedule_reminder(
            kind=Kind.FOLLOW_UP_NOT_BOOKED,
            key=f"follow_up:{episode_id}:staff:{user.pk}",
            due_at=due_at,
            user=user,
            about_patient=patient,
            context={"detail": "follow-up visit planned but not booked", "url": url},
        )
        for user in recipients
    ]


def cancel_follow_up_reminders(episode_id: int, reason: str = "follow-up booked") -> int:
    """Patient and staff reminders of the episode's follow-up (keys "follow_up:<id>[:...]")."""
    return cancel_reminder(f"follow_up:{episode_id}", reason=reason)


def cancel_referral_overdue_reminders(referral_id: int, reason: str = "referral answered") -> int:
    return cancel_reminders(f"referral_overdue:{referral_id}:", reason=reason)


def cancel_physician_review_reminder(episode_id: int, reason: str = "review done") -> int:
    return cancel_reminder(f"physician_review:{episode_id}", reason=reason)


def notify_now(*, user: Any, title: str, body: str = "", url: str = "") -> Notification:
    """An in-app notification shown at once (no waiting for the dispatcher), e.g. an emergency."""
    return Notification.objects.create(
        user=user, title=title[:200], body=body[:500], url=url[:300], created_at=timezone.now()
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
    if reminder.for_patient:
        patient = reminder.patient
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
        address = reminder.user.email
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
def mark_notifications_read(user: Any, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(id__in=list(ids))
    return unread.update(read_at=timezone.now())

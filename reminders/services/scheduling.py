"""Scheduling reminders: the outbox rows other apps write inside their own transaction, so a reminder
exists exactly when the event that makes it due exists (a transactional outbox), and their cancellation
when the awaited thing happens. In-app notifications shown at once (`notify_now`) live here too."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lbp_pathway.records import PatientRecord
from reminders.models import Notification, Reminder
from reminders.records import ContactablePatient
from reminders.rules import QuietHours, parse_quiet_hours

log = logging.getLogger(__name__)

Kind = Reminder.Kind
Status = Reminder.Status
Channel = Reminder.Channel
PATIENT_KINDS = {
    Kind.APPOINTMENT,
    Kind.OUTCOME_DUE,
    Kind.FOLLOW_UP_NOT_BOOKED,
    Kind.BOOKING_CONFIRMED,
    Kind.BOOKING_LINK,
    Kind.WAITLIST_OFFER,
    Kind.WAITLIST_GONE,
}
# A link is easier to open from an email; a time and place read well as a text message.
CHANNEL_PREFERENCE: dict[str, tuple[str, ...]] = {Kind.OUTCOME_DUE: ("email", "sms")}
DEFAULT_PREFERENCE: tuple[str, ...] = ("sms", "email")
UNSENT = (Status.PENDING, Status.FAILED, Status.CANCELLED)


@lru_cache(maxsize=4)
def _quiet_hours(text: str) -> QuietHours | None:
    return parse_quiet_hours(text)


def quiet_hours() -> QuietHours | None:
    return _quiet_hours(settings.REMINDER_QUIET_HOURS)


def patient_channel(patient: ContactablePatient, kind: str, current: str = "") -> str | None:
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
    patient: ContactablePatient | None = None,
    user: User | None = None,
    about_patient: PatientRecord | None = None,
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
    email: bool = False,
) -> Reminder:
    """Write (or update) the reminder with this key. Call it inside the transaction of the event.

    Patient reminders are postponed out of quiet hours and go by the channel the patient consented to
    (checked again when sending); staff reminders appear in the app, and by email too when
    REMINDER_STAFF_EMAIL is on or `email` is given (a second reminder keyed "<key>:email", whose
    message says only that something waits in the app).
    """
    one_recipient = "a reminder goes to exactly one patient or one user"
    now = now or timezone.now()
    context = context or {}
    if patient is not None:
        if user is not None:
            raise ValueError(one_recipient)
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
    if user is None:
        raise ValueError(one_recipient)
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
    if (email or settings.REMINDER_STAFF_EMAIL) and user.email:
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
    patient: ContactablePatient,
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


@transaction.atomic
def set_appointment_reminder_mode(appointment_id: int, *, mode: str, video_link: str) -> int:
    """Give the appointment's unsent reminders the visit mode (and video link) they announce."""
    changed = 0
    for reminder in Reminder.objects.select_for_update().filter(
        key__startswith=f"appointment:{appointment_id}:", status__in=(Status.PENDING, Status.FAILED)
    ):
        reminder.context = {**reminder.context, "mode": mode, "video_link": video_link}
        reminder.save(update_fields=["context"])
        changed += 1
    return changed


def booking_confirmation_key(appointment_id: int, channel: str) -> str:
    return f"booking_confirmed:{appointment_id}:{channel}"


def schedule_booking_confirmation(
    *,
    patient: ContactablePatient,
    appointment_id: int,
    starts_at: datetime,
    ends_at: datetime,
    site: str,
    address: str,
    url: str,
    calendar_url: str,
    cutoff_hours: int,
    phone: str = "",
    learn_url: str = "",
    now: datetime | None = None,
) -> list[Reminder]:
    """A booking confirmation by every channel the patient consented to (email carries the .ics
    file, SMS a link to it), due now but out of quiet hours like every patient message. Call it in
    the booking's transaction."""
    now = now or timezone.now()
    context = {
        "site": site,
        "address": address,
        "phone": phone,
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
        "url": url,
        "calendar_url": calendar_url,
        "cutoff_hours": cutoff_hours,
        "uid": f"appointment-{appointment_id}",
        "learn_url": learn_url,
    }
    rows = []
    for channel in ("email", "sms"):
        if patient_channel(patient, Kind.BOOKING_CONFIRMED, channel) != channel:
            continue
        values = {
            "kind": Kind.BOOKING_CONFIRMED,
            "patient": patient,
            "user": None,
            "about_patient": None,
            "channel": channel,
            "due_at": _patient_due(now),
            "context": context,
        }
        rows.append(_upsert(booking_confirmation_key(appointment_id, channel), values, now))
    return rows


def cancel_appointment_reminders(appointment_id: int) -> int:
    return cancel_reminders(f"appointment:{appointment_id}:", reason="appointment cancelled")


# The other kinds, for the apps whose events make them due. Each is cancelled by its key prefix when
# the awaited thing happens (note signed, follow-up booked, referral answered, review done).


def schedule_outcome_reminder(
    *, patient: ContactablePatient, key: str, due_at: datetime, site: str, questionnaire_url: str
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
    *, patient: ContactablePatient, episode_id: int, due_at: datetime, site: str, phone: str = ""
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
    *, physiotherapist: User, patient: PatientRecord, note_key: str, assessed_at: datetime, url: str
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
    *,
    referral_id: int,
    due_at: datetime,
    recipients: Iterable[User],
    patient: PatientRecord,
    url: str,
) -> list[Reminder]:
    """A referral past its service level: the physio and the front desk are told."""
    return _staff_reminders(
        Kind.REFERRAL_OVERDUE,
        f"referral_overdue:{referral_id}",
        due_at=due_at,
        recipients=recipients,
        patient=patient,
        detail="no reply within the service level",
        url=url,
    )


def _staff_reminders(
    kind: str,
    key_prefix: str,
    *,
    due_at: datetime,
    recipients: Iterable[User],
    patient: PatientRecord,
    detail: str,
    url: str,
) -> list[Reminder]:
    """One in-app reminder per staff member, keyed `<key_prefix>:<user id>`."""
    return [
        schedule_reminder(
            kind=kind,
            key=f"{key_prefix}:{user.pk}",
            due_at=due_at,
            user=user,
            about_patient=patient,
            context={"detail": detail, "url": url},
        )
        for user in recipients
    ]


def schedule_physician_review_reminder(
    *, physician: User, patient: PatientRecord, episode_id: int, due_at: datetime, url: str
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
    *,
    episode_id: int,
    due_at: datetime,
    recipients: Iterable[User],
    patient: PatientRecord,
    url: str,
) -> list[Reminder]:
    """The staff side of "follow-up not booked": the physio and the front desk see it in the app."""
    return _staff_reminders(
        Kind.FOLLOW_UP_NOT_BOOKED,
        f"follow_up:{episode_id}:staff",
        due_at=due_at,
        recipients=recipients,
        patient=patient,
        detail="follow-up visit planned but not booked",
        url=url,
    )


def cancel_follow_up_reminders(episode_id: int, reason: str = "follow-up booked") -> int:
    """Patient and staff reminders of the episode's follow-up (keys "follow_up:<id>[:...]")."""
    return cancel_reminder(f"follow_up:{episode_id}", reason=reason)


def cancel_referral_overdue_reminders(referral_id: int, reason: str = "referral answered") -> int:
    return cancel_reminders(f"referral_overdue:{referral_id}:", reason=reason)


def cancel_physician_review_reminder(episode_id: int, reason: str = "review done") -> int:
    return cancel_reminder(f"physician_review:{episode_id}", reason=reason)


def note_signed_key(note_id: int, user_id: int) -> str:
    return f"note_signed:{note_id}:{user_id}"


def schedule_note_signed_notice(
    *, user: User, patient: PatientRecord, note_id: int, url: str, now: datetime | None = None
) -> Reminder:
    """A signed consultation note waits for a clinician of the team (the referrer, the family
    physician): in the app at once, and by an email that names no patient and no clinical detail."""
    now = now or timezone.now()
    return schedule_reminder(
        kind=Kind.NOTE_SIGNED,
        key=note_signed_key(note_id, user.pk),
        due_at=now,
        user=user,
        about_patient=patient,
        context={"detail": "consultation note ready", "url": url},
        now=now,
        email=True,
    )


def notify_now(*, user: User, title: str, body: str = "", url: str = "") -> Notification:
    """An in-app notification shown at once (no waiting for the dispatcher), e.g. an emergency."""
    return Notification.objects.create(
        user=user, title=title[:200], body=body[:500], url=url[:300], created_at=timezone.now()
    )

"""Reads for the notification list, the nav badge and the managers' outbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from lbp_pathway.access import Role
from lbp_pathway.records import PatientRecord
from reminders.models import Delivery, Notification, Reminder
from reminders.rules import pseudonym


def unread_count(user: User) -> int:
    """Unread notifications; counted once per request (the menu badge and the inbox both show it)."""
    cached: int | None = getattr(user, "_lbp_unread_notifications", None)
    if cached is None:
        cached = Notification.objects.filter(user=user, read_at__isnull=True).count()
        user._lbp_unread_notifications = cached  # type: ignore[attr-defined]  # for this request
    return cached


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def recipient_reference(reminder: Reminder) -> str:
    if reminder.patient_id:
        return pseudonym(settings.SECRET_KEY, "patient", reminder.patient_id)
    # No patient: a user (the check constraint reminder_has_one_recipient).
    return pseudonym(settings.SECRET_KEY, "user", cast(int, reminder.user_id))


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    channel: str
    status: str
    status_code: str
    recipient: str
    due_at: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str
    generation: int
    can_resend: bool


OUTBOX_FIELDS = (
    "id",
    "kind",
    "channel",
    "status",
    "patient_id",
    "user_id",
    "due_at",
    "sent_at",
    "attempts",
    "last_error",
    "generation",
)


def outbox(
    *, status: str = "", kind: str = "", channel: str = "", recipient: str = ""
) -> QuerySet[Reminder]:
    """Reminders for the managers' outbox: no names, only what a recipient reference needs."""
    rows = Reminder.objects.only(*OUTBOX_FIELDS).order_by("-due_at", "-id")
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if channel:
        rows = rows.filter(channel=channel)
    if recipient:
        rows = rows.filter(id__in=_ids_for_reference(recipient))
    return rows


def _ids_for_reference(reference: str) -> list[int]:
    # The reference is a keyed hash, so it is matched by recomputing it for each recipient in use.
    kind = "patient" if reference.startswith("P-") else "user"
    field = "patient_id" if kind == "patient" else "user_id"
    recipients = Reminder.objects.exclude(**{f"{field}__isnull": True}).values_list(
        field, flat=True
    )
    matches = {
        rid
        for rid in set(recipients)
        if pseudonym(settings.SECRET_KEY, kind, rid) == reference.upper()
    }
    return list(Reminder.objects.filter(**{f"{field}__in": matches}).values_list("id", flat=True))


def outbox_rows(reminders: Iterable[Reminder]) -> list[OutboxRow]:
    return [
        OutboxRow(
            id=r.id,
            kind=r.get_kind_display(),
            channel=r.get_channel_display(),
            status=r.get_status_display(),
            status_code=r.status,
            recipient=recipient_reference(r),
            due_at=r.due_at,
            sent_at=r.sent_at,
            attempts=r.attempts,
            last_error=r.last_error,
            generation=r.generation,
            can_resend=r.status == Reminder.Status.FAILED,
        )
        for r in reminders
    ]


def outbox_totals() -> dict[str, int]:
    counts = Reminder.objects.aggregate(
        **{status.value: Count("id", filter=Q(status=status.value)) for status in Reminder.Status}
    )
    return {str(Reminder.Status(code).label): n for code, n in counts.items()}


def reminders_about(patient: PatientRecord) -> QuerySet[Reminder]:
    """A patient's reminders, to them and about them, with their deliveries (for clinic staff)."""
    return (
        Reminder.objects.filter(Q(patient=patient) | Q(about_patient=patient))
        .select_related("user")
        .prefetch_related("deliveries")
        .order_by("-due_at", "-id")
    )


def front_desk_staff() -> QuerySet[User]:
    """Active front-desk users: they book follow-ups and chase overdue referrals."""
    return get_user_model().objects.filter(groups__name=Role.FRONT_DESK.value, is_active=True)


@dataclass(frozen=True)
class OutboxState:
    due: int
    oldest_due_age_seconds: float | None
    claims_held: int


def outbox_state(now: datetime | None = None) -> OutboxState:
    """The outbox for monitoring: one query on the partial index of waiting rows."""
    now = now or timezone.now()
    waiting = Reminder.objects.using("default").filter(
        status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING]
    )
    found = waiting.aggregate(
        due=Count("id", filter=Q(due_at__lte=now)),
        oldest=Min("due_at", filter=Q(due_at__lte=now)),
        claims=Count("id", filter=Q(status=Reminder.Status.SENDING)),
    )
    oldest = found["oldest"]
    return OutboxState(
        due=found["due"],
        oldest_due_age_seconds=None if oldest is None else (now - oldest).total_seconds(),
        claims_held=found["claims"],
    )


def deliveries_by_channel_and_outcome() -> dict[tuple[str, str], int]:
    rows = (
        Delivery.objects.using("default")
        .values_list("channel", "status")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {(channel, status): count for channel, status, count in rows}

"""Group sessions (education and exercise classes): create, book patients up to the capacity, take
attendance. The capacity holds under concurrent bookings: each booking locks the session row first,
so two desks booking the last place queue and the second is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext

from intake.models import GroupBooking, GroupSession, Patient, Site
from lbp_pathway import audit

Attendance = GroupBooking.Attendance


def _english(label: Callable[[], object]) -> str:
    """A choice label as the (English) audit trail records it, whatever the page's language."""
    with translation.override("en"):
        return str(label())


class GroupBookingRefused(ValueError):
    """The patient cannot be booked into the session; the message says why."""


def live_bookings(session: GroupSession) -> QuerySet[GroupBooking]:
    return session.bookings.exclude(attendance=Attendance.CANCELLED)


@transaction.atomic
def create_session(
    *,
    actor: audit.Actor,
    kind: str,
    title: str,
    site: Site,
    leader: User,
    start: datetime,
    end: datetime,
    capacity: int,
) -> GroupSession:
    session = GroupSession.objects.create(
        kind=kind, title=title, site=site, leader=leader, start=start, end=end, capacity=capacity
    )
    audit.record(actor, audit.Action.CREATE, f"group session {session.pk}")
    return session


@transaction.atomic
def book_into_session(
    session: GroupSession, *, patient: Patient, actor: audit.Actor
) -> GroupBooking:
    """A place for the patient; GroupBookingRefused when the session is full or they have one."""
    locked = GroupSession.objects.select_for_update().get(pk=session.pk)
    existing = locked.bookings.filter(patient=patient).first()
    if existing is not None and existing.attendance != Attendance.CANCELLED:
        raise GroupBookingRefused(
            gettext("%(name)s already has a place in this session.") % {"name": patient.full_name}
        )
    if live_bookings(locked).count() >= locked.capacity:
        raise GroupBookingRefused(
            gettext("This session is full (%(places)s places): %(name)s was not booked.")
            % {"places": locked.capacity, "name": patient.full_name}
        )
    if existing is not None:
        existing.attendance = Attendance.BOOKED
        existing.booked_by = actor.user
        existing.save(update_fields=["attendance", "booked_by"])
        booking = existing
    else:
        try:
            with transaction.atomic():
                booking = GroupBooking.objects.create(
                    session=locked, patient=patient, booked_by=actor.user
                )
        except IntegrityError:
            raise GroupBookingRefused(
                gettext("%(name)s already has a place in this session.")
                % {"name": patient.full_name}
            ) from None
    audit.record(
        actor, audit.Action.CHANGE, f"booked into group session {locked.pk}", patient=patient
    )
    return booking


@transaction.atomic
def record_attendance(
    session: GroupSession, *, actor: audit.Actor, attendance: dict[int, str]
) -> int:
    """Attendance per booking id (attended, absent, cancelled, booked); returns how many changed."""
    changed = 0
    bookings = session.bookings.select_for_update().select_related("patient")
    for booking in bookings.filter(pk__in=attendance):
        value = attendance[booking.pk]
        if value not in Attendance.values:
            raise GroupBookingRefused(gettext("Unknown attendance: %(value)s") % {"value": value})
        if booking.attendance == value:
            continue
        booking.attendance = value
        booking.save(update_fields=["attendance"])
        audit.record(
            actor,
            audit.Action.CHANGE,
            f"group session {session.pk} attendance: {_english(booking.get_attendance_display)}",
            patient=booking.patient,
        )
        changed += 1
    return changed

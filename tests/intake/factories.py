"""Factories for the intake app's scheduling models. Generated data only."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from intake import offers
from intake.identifiers import luhn_check_digit
from intake.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    WaitlistEntry,
    WaitlistOffer,
    WeeklyAvailability,
)
from lbp_pathway.access import Role
from tests.factories import SiteFactory, UserFactory

TZ = ZoneInfo("America/Toronto")


def health_card(first_nine: str = "123456789") -> str:
    """A valid Ontario health card number (Luhn check digit appended)."""
    return first_nine + luhn_check_digit(first_nine)


def next_weekday(weekday: int, after: date | None = None) -> date:
    """The first date strictly after `after` (default today) that falls on `weekday` (Monday = 0)."""
    day = (after or date.today()) + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def ensure_appointment_types() -> None:
    """The two types migration 0003 creates. A transactional test that runs after a Playwright test
    can start on an emptied database (its serialized rollback is skipped), so tests recreate them."""
    for code, name, minutes, is_new in [
        ("new_assessment", "New LBP assessment", 60, True),
        ("follow_up", "Follow-up", 30, False),
    ]:
        AppointmentType.objects.get_or_create(
            code=code,
            defaults={"name": name, "duration_minutes": minutes, "is_new_assessment": is_new},
        )


def new_assessment() -> AppointmentType:
    ensure_appointment_types()
    return AppointmentType.objects.get(code="new_assessment")


def follow_up() -> AppointmentType:
    ensure_appointment_types()
    return AppointmentType.objects.get(code="follow_up")


def PhysioFactory(**kwargs) -> object:  # noqa: N802 (reads like the other factories)
    return UserFactory(role=Role.PHYSIOTHERAPIST, **kwargs)


class WeeklyAvailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeeklyAvailability

    practitioner = factory.SubFactory(UserFactory, role=Role.PHYSIOTHERAPIST)
    site = factory.SubFactory(SiteFactory)
    weekday = 0
    start = time(9, 0)
    end = time(12, 0)


class AvailabilityExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityException

    practitioner = factory.SubFactory(UserFactory, role=Role.PHYSIOTHERAPIST)
    first_day = factory.LazyFunction(date.today)
    last_day = factory.LazyAttribute(lambda off: off.first_day)
    reason = "Holiday"


def waitlist_offer(
    entry: WaitlistEntry, freed: Appointment, *, moved_by: timedelta = timedelta(0)
) -> tuple[WaitlistOffer, str]:
    """A live offer of `freed`'s slot (moved by `moved_by`) to the waiting `entry`, as
    intake.offers sends it; returns it and its link token."""
    token = secrets.token_urlsafe(32)
    offer = WaitlistOffer.objects.create(
        token_hash=offers.hash_token(token),
        entry=entry,
        patient=entry.patient,
        freed=freed,
        practitioner=freed.practitioner,
        site=freed.site,
        appointment_type=freed.appointment_type,
        start=freed.start + moved_by,
        end=freed.end + moved_by,
        created_at=timezone.now(),
        expires_at=freed.start,
    )
    return offer, token

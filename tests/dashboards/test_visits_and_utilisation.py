from datetime import date, time, timedelta

import pytest

from intake.models import Appointment
from reporting import queries as q
from tests.factories import EpisodeFactory, SiteFactory
from tests.intake.factories import (
    AvailabilityExceptionFactory,
    PhysioFactory,
    WeeklyAvailabilityFactory,
    at,
    follow_up,
    new_assessment,
)

pytestmark = pytest.mark.django_db
# July 2026: Mondays are the 6th, 13th, 20th and 27th.
JULY = q.Filters(date(2026, 7, 1), date(2026, 7, 31))


def appointment(episode, physio, site, day, hour, status, kind=None):
    kind = kind or follow_up()
    start = at(day, hour)
    return Appointment.objects.create(
        patient=episode.patient,
        episode=episode,
        practitioner=physio,
        site=site,
        appointment_type=kind,
        start=start,
        end=start + timedelta(minutes=kind.duration_minutes),
        status=status,
    )


@pytest.fixture
def clinic():
    physio, site = PhysioFactory(), SiteFactory(name="Downtown")
    WeeklyAvailabilityFactory(
        practitioner=physio, site=site, weekday=0, start=time(9), end=time(12)
    )
    return physio, site


def test_visits_count_attended_no_shows_and_cancellations(clinic):
    physio, site = clinic
    episode = EpisodeFactory(requested_on=date(2026, 7, 1), risk="medium")
    appointment(episode, physio, site, date(2026, 7, 6), 9, "completed", new_assessment())
    appointment(episode, physio, site, date(2026, 7, 13), 9, "arrived")
    appointment(episode, physio, site, date(2026, 7, 20), 9, "no_show")
    appointment(episode, physio, site, date(2026, 7, 27), 9, "cancelled")
    appointment(episode, physio, site, date(2026, 8, 3), 9, "completed")  # outside the period
    row = q.visits(JULY)
    assert (row["visits"], row["new_patients_seen"], row["no_shows"], row["cancellations"]) == (
        2,
        1,
        1,
        1,
    )
    assert row["no_show_rate"] == 33.3
    assert q.visits(q.Filters(JULY.start, JULY.end, risk="high"))["visits"] == 0


def test_utilisation_is_booked_over_available_minutes_less_days_off(clinic):
    physio, site = clinic
    # Four Mondays of 3 hours = 720 minutes, less the 20th (day off) = 540.
    AvailabilityExceptionFactory(practitioner=physio, first_day=date(2026, 7, 20))
    episode = EpisodeFactory(requested_on=date(2026, 7, 1))
    appointment(episode, physio, site, date(2026, 7, 6), 9, "completed", new_assessment())  # 60
    appointment(episode, physio, site, date(2026, 7, 13), 9, "booked")  # 30
    appointment(episode, physio, site, date(2026, 7, 13), 10, "cancelled")  # not counted
    [row] = q.utilisation(JULY)
    assert (row["site"], row["available_minutes"], row["booked_minutes"]) == ("Downtown", 540, 90)
    assert row["utilisation"] == 16.7


def test_sessions_per_episode_by_stratum(clinic):
    physio, site = clinic
    high = EpisodeFactory(requested_on=date(2026, 7, 1), risk="high")
    low = EpisodeFactory(requested_on=date(2026, 7, 1), risk="low")
    EpisodeFactory(requested_on=date(2026, 7, 2), risk="low")  # not seen yet: 0 sessions
    for week, status in enumerate(("completed", "completed", "completed", "no_show")):
        appointment(high, physio, site, date(2026, 7, 6) + timedelta(weeks=week), 9, status)
    appointment(low, physio, site, date(2026, 7, 6), 10, "completed")
    rows = {row["stratum"]: row["sessions_per_episode"] for row in q.stratum_mix(JULY)}
    assert rows == {"low": 0.5, "high": 3.0}

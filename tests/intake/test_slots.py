"""Free-slot computation across sites, days off and existing bookings (pure rules, no database)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from intake.slots import AFTERNOON, MORNING, Busy, DaysOff, Window, free_slots, within_availability

TZ = ZoneInfo("America/Toronto")
MONDAY = date(2026, 3, 2)  # a Monday
TUESDAY = MONDAY + timedelta(days=1)
SUNDAY_EVENING = datetime(2026, 3, 1, 20, 0, tzinfo=TZ)
ONE_HOUR = timedelta(hours=1)

# Physio 1 works at site 10 on Monday mornings and at site 20 on Tuesday afternoons.
WINDOWS = [Window(1, 10, 0, time(9), time(11)), Window(1, 20, 1, time(13), time(15))]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def slots(**overrides):
    arguments = dict(
        windows=WINDOWS,
        days_off=[],
        busy=[],
        now=SUNDAY_EVENING,
        tz=TZ,
        duration=ONE_HOUR,
        days=7,
        limit=50,
    )
    arguments.update(overrides)
    return [(s.start, s.site_id) for s in free_slots(**arguments)]


def test_slots_follow_the_weekly_template_at_each_site_in_time_order():
    assert slots() == [
        (at(MONDAY, 9), 10),
        (at(MONDAY, 9, 30), 10),
        (at(MONDAY, 10), 10),
        (at(TUESDAY, 13), 20),
        (at(TUESDAY, 13, 30), 20),
        (at(TUESDAY, 14), 20),
    ]


def test_a_half_hour_visit_fits_more_slots_than_an_hour_long_one():
    assert len(slots(duration=timedelta(minutes=30))) == 8


def test_a_booking_removes_every_slot_it_overlaps():
    busy = [Busy(1, at(MONDAY, 9, 30), at(MONDAY, 10, 30))]
    assert [start for start, _ in slots(busy=busy) if start.date() == MONDAY] == []
    assert [start for start, _ in slots(busy=busy, duration=timedelta(minutes=30))][:2] == [
        at(MONDAY, 9),
        at(MONDAY, 10, 30),
    ]


def test_another_practitioners_booking_does_not_take_the_slot():
    busy = [Busy(2, at(MONDAY, 9), at(MONDAY, 11))]
    assert slots(busy=busy) == slots()


def test_days_off_remove_the_whole_day_and_the_next_week_continues():
    off = [DaysOff(1, MONDAY, MONDAY)]
    found = slots(days_off=off, days=14)
    assert all(start.date() != MONDAY for start, _ in found)
    assert found[0] == (at(TUESDAY, 13), 20)
    assert (at(MONDAY + timedelta(days=7), 9), 10) in found


def test_a_holiday_range_covers_every_day_in_it():
    off = [DaysOff(1, MONDAY, MONDAY + timedelta(days=7))]
    found = slots(days_off=off, days=14)
    assert found[0] == (at(MONDAY + timedelta(days=8), 13), 20)


def test_past_times_are_never_offered():
    now = at(MONDAY, 9, 15)
    assert slots(now=now)[0] == (at(MONDAY, 9, 30), 10)


def test_morning_and_afternoon_preferences_filter_the_start_time():
    assert {start.hour < 12 for start, _ in slots(part_of_day=MORNING)} == {True}
    assert {start.hour >= 12 for start, _ in slots(part_of_day=AFTERNOON)} == {True}


def test_the_search_stops_at_the_limit():
    assert len(slots(limit=2)) == 2


def test_a_booking_must_lie_inside_the_practitioners_window_at_that_site():
    def ok(site_id, start, end=None, days_off=()):
        return within_availability(
            windows=WINDOWS,
            days_off=list(days_off),
            practitioner_id=1,
            site_id=site_id,
            start=start,
            end=end or start + ONE_HOUR,
            tz=TZ,
        )

    assert ok(10, at(MONDAY, 10))
    assert not ok(20, at(MONDAY, 10)), "wrong site that day"
    assert not ok(10, at(MONDAY, 10, 30)), "runs past the window"
    assert not ok(10, at(MONDAY, 10), days_off=[DaysOff(1, MONDAY, MONDAY)])

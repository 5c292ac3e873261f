from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reminders.rules import (
    QuietHours,
    message_language,
    parse_quiet_hours,
    pseudonym,
    retry_delay,
)

TORONTO = ZoneInfo("America/Toronto")
NIGHT = QuietHours(time(21), time(8), TORONTO)


def at(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=TORONTO)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(20, 59), at(20, 59)),  # before quiet hours: unchanged
        (at(21, 0), at(8, 0, day=11)),  # evening: next morning
        (at(23, 30), at(8, 0, day=11)),
        (at(2, 15), at(8, 0)),  # after midnight: the same morning
        (at(8, 0), at(8, 0)),  # the end of quiet hours is allowed
        (at(12, 0), at(12, 0)),
    ],
)
def test_patient_messages_in_quiet_hours_move_to_the_end_of_quiet_hours(moment, expected):
    assert NIGHT.postpone(moment) == expected


def test_quiet_hours_follow_the_clinics_time_zone_not_utc():
    utc_evening = datetime(2026, 7, 2, 2, 30, tzinfo=UTC)  # 22:30 in Toronto (EDT)
    assert NIGHT.postpone(utc_evening) == datetime(2026, 7, 2, 8, 0, tzinfo=TORONTO)


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1)))
def test_a_postponed_time_is_never_in_quiet_hours_nor_earlier(naive):
    moment = naive.replace(tzinfo=UTC)
    moved = NIGHT.postpone(moment)
    assert not NIGHT.contains(moved)
    assert moment <= moved <= moment + timedelta(hours=11, minutes=1)


def test_quiet_hours_setting_is_read_and_can_be_turned_off():
    assert parse_quiet_hours("21:00-08:00 America/Toronto") == NIGHT
    assert parse_quiet_hours("") is None
    with pytest.raises(ValueError):
        parse_quiet_hours("late evening")


def test_retry_delay_doubles_up_to_a_cap():
    assert [retry_delay(n, 60).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(30, 60) == timedelta(hours=6)


@pytest.mark.parametrize(
    ("preference", "language"),
    [("English", "en"), ("French", "fr"), ("français", "fr"), ("fr-CA", "fr"), ("Punjabi", "en")],
)
def test_patients_get_messages_in_french_or_english(preference, language):
    assert message_language(preference) == language


def test_pseudonyms_are_stable_and_do_not_reveal_the_id():
    first = pseudonym("secret", "patient", 42)
    assert first == pseudonym("secret", "patient", 42)
    assert first != pseudonym("secret", "patient", 43)
    assert first.startswith("P-")
    assert pseudonym("secret", "user", 42).startswith("S-")

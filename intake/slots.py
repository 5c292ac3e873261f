"""Free appointment slots from weekly availability, days off and existing bookings.

Plain Python (no Django imports) so the rules read alone and test in microseconds; the selector feeds
it rows from three queries whatever the size of the schedule.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

MORNING = "morning"
AFTERNOON = "afternoon"
NOON = time(12, 0)


@dataclass(frozen=True)
class Window:
    """A practitioner works at a site every `weekday` (Monday = 0) from `start` to `end`, local time."""

    practitioner_id: int
    site_id: int
    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class DaysOff:
    """A practitioner is away from `first_day` to `last_day` inclusive (holiday, sick day)."""

    practitioner_id: int
    first_day: date
    last_day: date


@dataclass(frozen=True)
class Busy:
    practitioner_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime
    end: datetime
    practitioner_id: int
    site_id: int


class _Bookings:
    """Non-overlapping busy intervals of one practitioner, searchable by time."""

    def __init__(self, intervals: Iterable[Busy]) -> None:
        ordered = sorted(intervals, key=lambda busy: busy.start)
        self.starts = [busy.start for busy in ordered]
        self.ends = [busy.end for busy in ordered]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        # The database keeps one practitioner's live bookings disjoint, so ends are sorted too.
        index = bisect_right(self.ends, start)
        return index < len(self.starts) and self.starts[index] < end


def _is_off(days_off: list[DaysOff], day: date) -> bool:
    return any(off.first_day <= day <= off.last_day for off in days_off)


def _part_of_day_matches(part_of_day: str | None, start: time) -> bool:
    if part_of_day == MORNING:
        return start < NOON
    if part_of_day == AFTERNOON:
        return start >= NOON
    return True


def free_slots(
    *,
    windows: Iterable[Window],
    days_off: Iterable[DaysOff],
    busy: Iterable[Busy],
    now: datetime,
    tz: tzinfo,
    duration: timedelta,
    step: timedelta = timedelta(minutes=30),
    days: int = 28,
    part_of_day: str | None = None,
    limit: int = 20,
) -> list[Slot]:
    """The earliest free slots from `now` on, across every window given, in time order."""
    by_weekday: dict[int, list[Window]] = defaultdict(list)
    for window in windows:
        by_weekday[window.weekday].append(window)
    off_by_practitioner: dict[int, list[DaysOff]] = defaultdict(list)
    for off in days_off:
        off_by_practitioner[off.practitioner_id].append(off)
    busy_by_practitioner: dict[int, list[Busy]] = defaultdict(list)
    for interval in busy:
        busy_by_practitioner[interval.practitioner_id].append(interval)
    bookings = {pid: _Bookings(items) for pid, items in busy_by_practitioner.items()}
    empty = _Bookings([])

    found: list[Slot] = []
    first_day = now.astimezone(tz).date()
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        todays: list[Slot] = []
        for window in by_weekday.get(day.weekday(), []):
            if _is_off(off_by_practitioner.get(window.practitioner_id, []), day):
                continue
            taken = bookings.get(window.practitioner_id, empty)
            start = datetime.combine(day, window.start, tzinfo=tz)
            window_end = datetime.combine(day, window.end, tzinfo=tz)
            while start + duration <= window_end:
                end = start + duration
                if (
                    start >= now
                    and _part_of_day_matches(part_of_day, start.timetz().replace(tzinfo=None))
                    and not taken.overlaps(start, end)
                ):
                    todays.append(Slot(start, end, window.practitioner_id, window.site_id))
                start += step
        found.extend(sorted(todays))
        if len(found) >= limit:
            break
    return found[:limit]


def within_availability(
    *,
    windows: Iterable[Window],
    days_off: Iterable[DaysOff],
    practitioner_id: int,
    site_id: int,
    start: datetime,
    end: datetime,
    tz: tzinfo,
) -> bool:
    """Whether the practitioner works at the site for the whole of start..end (bookings aside)."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    day = local_start.date()
    if local_end.date() != day:
        return False
    if _is_off([off for off in days_off if off.practitioner_id == practitioner_id], day):
        return False
    return any(
        window.practitioner_id == practitioner_id
        and window.site_id == site_id
        and window.weekday == day.weekday()
        and window.start <= local_start.time()
        and local_end.time() <= window.end
        for window in windows
    )

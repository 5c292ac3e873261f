"""Outcome measures for low back pain: scoring, meaningful change and the re-measurement schedule.

Pure Python (no Django) so the rules read like the spec and test alone. Rules: clinical-rules.md section 5.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

RULE_VERSION = "outcomes-2026.1"


class Instrument(StrEnum):
    NPRS = "nprs"
    RMDQ = "rmdq"
    PSFS = "psfs"
    GRC = "grc"
    ODI = "odi"


LABELS = {
    Instrument.NPRS: "Pain (NPRS 0-10)",
    Instrument.RMDQ: "Disability (RMDQ 0-24)",
    Instrument.PSFS: "Function (PSFS mean 0-10)",
    Instrument.GRC: "Global rating of change (-7 to +7)",
    Instrument.ODI: "Disability (ODI %)",
}

# Range of each score and whether a lower score is better.
RANGES: dict[Instrument, tuple[float, float]] = {
    Instrument.NPRS: (0, 10),
    Instrument.RMDQ: (0, 24),
    Instrument.PSFS: (0, 10),
    Instrument.GRC: (-7, 7),
    Instrument.ODI: (0, 100),
}
LOWER_IS_BETTER = {
    Instrument.NPRS: True,
    Instrument.RMDQ: True,
    Instrument.PSFS: False,
    Instrument.ODI: True,
}

RMDQ_ITEMS = 24
PSFS_MIN_ACTIVITIES, PSFS_MAX_ACTIVITIES = 3, 5
ODI_SECTIONS, ODI_MIN_ANSWERED = 10, 8


class ScoringError(ValueError):
    """The answers cannot be scored; the message says why, for the person entering them."""


def _check_range(instrument: Instrument, value: float) -> float:
    low, high = RANGES[instrument]
    if not low <= value <= high:
        raise ScoringError(f"{LABELS[instrument]} must be between {low:g} and {high:g}.")
    return value


def nprs_score(value: int) -> int:
    return int(_check_range(Instrument.NPRS, value))


def grc_score(value: int) -> int:
    return int(_check_range(Instrument.GRC, value))


def rmdq_score(items: Sequence[bool] | None = None, total: int | None = None) -> int:
    """Roland-Morris: one point per statement ticked (24 statements), or a total 0-24 entered directly."""
    if items is not None:
        if len(items) != RMDQ_ITEMS:
            raise ScoringError(f"The RMDQ has {RMDQ_ITEMS} statements; {len(items)} were given.")
        return sum(1 for item in items if item)
    if total is None:
        raise ScoringError("Give either the ticked RMDQ statements or the total.")
    return int(_check_range(Instrument.RMDQ, total))


def psfs_score(activity_scores: Sequence[float]) -> float:
    """Patient-Specific Functional Scale: mean of 3-5 patient-chosen activities, each 0-10."""
    count = len(activity_scores)
    if not PSFS_MIN_ACTIVITIES <= count <= PSFS_MAX_ACTIVITIES:
        raise ScoringError(
            f"The PSFS needs {PSFS_MIN_ACTIVITIES} to {PSFS_MAX_ACTIVITIES} activities; {count} given."
        )
    for value in activity_scores:
        _check_range(Instrument.PSFS, value)
    return round(sum(activity_scores) / count, 1)


def odi_score(sections: Sequence[int | None]) -> float:
    """Oswestry Disability Index (licensed, optional): sum / (5 x sections answered) x 100.

    (D) At least 8 of the 10 sections must be answered, else the score is not computed.
    """
    if len(sections) != ODI_SECTIONS:
        raise ScoringError(f"The ODI has {ODI_SECTIONS} sections; {len(sections)} were given.")
    answered = [value for value in sections if value is not None]
    if len(answered) < ODI_MIN_ANSWERED:
        raise ScoringError(
            f"The ODI needs at least {ODI_MIN_ANSWERED} of {ODI_SECTIONS} sections answered; "
            f"{len(answered)} were."
        )
    if any(not 0 <= value <= 5 for value in answered):
        raise ScoringError("Each ODI section is scored 0 to 5.")
    return round(sum(answered) / (5 * len(answered)) * 100, 1)


# --- Meaningful change -------------------------------------------------------------------------------


class Direction(StrEnum):
    IMPROVED = "improved"
    WORSE = "worse"
    NO_MEANINGFUL_CHANGE = "no_meaningful_change"


DIRECTION_LABELS = {
    Direction.IMPROVED: "Meaningful improvement",
    Direction.WORSE: "Meaningful worsening",
    Direction.NO_MEANINGFUL_CHANGE: "No meaningful change",
}

# Minimal clinically important change: (points, fraction of baseline or None).
# NPRS 2 points or 30%; RMDQ 5 points or 30%; ODI 10 points or 30%; PSFS 2 points
# (clinical-rules.md section 5). The share of the baseline counts only towards improvement.
THRESHOLDS: dict[Instrument, tuple[float, float | None]] = {
    Instrument.NPRS: (2, 0.30),
    Instrument.RMDQ: (5, 0.30),
    Instrument.PSFS: (2, None),
    Instrument.ODI: (10, 0.30),
}


@dataclass(frozen=True)
class Change:
    instrument: Instrument
    baseline: float
    current: float
    improvement: float  # positive = better, in the instrument's points
    percent: float | None  # improvement as a share of the baseline, when the rule uses one
    direction: Direction

    @property
    def meaningful(self) -> bool:
        return self.direction is not Direction.NO_MEANINGFUL_CHANGE

    @property
    def label(self) -> str:
        return DIRECTION_LABELS[self.direction]


def meaningful_change(
    instrument: Instrument | str, baseline: float, current: float
) -> Change | None:
    """Compare a score with the baseline; None for the instrument without a change rule (GRC)."""
    instrument = Instrument(instrument)
    if instrument not in THRESHOLDS:
        return None
    points, fraction = THRESHOLDS[instrument]
    improvement = baseline - current if LOWER_IS_BETTER[instrument] else current - baseline
    percent = None
    if fraction is not None and baseline:
        percent = improvement / baseline

    def reaches(amount: float, share: float | None) -> bool:
        # A tiny epsilon keeps 30% of 10 (=3.0000000004) from falling short by float rounding.
        return amount >= points - 1e-9 or (
            fraction is not None and share is not None and share >= fraction - 1e-9
        )

    if improvement > 0 and reaches(improvement, percent):
        direction = Direction.IMPROVED
    # Worse is judged in points only: "Percentages count only towards improvement" (section 5).
    elif improvement < 0 and reaches(-improvement, None):
        direction = Direction.WORSE
    else:
        direction = Direction.NO_MEANINGFUL_CHANGE
    return Change(instrument, baseline, current, improvement, percent, direction)


# --- Re-measurement schedule -------------------------------------------------------------------------


class Timepoint(StrEnum):
    BASELINE = "baseline"
    SIX_WEEKS = "six_weeks"
    DISCHARGE = "discharge"
    THREE_MONTHS = "three_months"
    SIX_MONTHS = "six_months"
    TWELVE_MONTHS = "twelve_months"
    OTHER = "other"


TIMEPOINT_LABELS = {
    Timepoint.BASELINE: "Baseline",
    Timepoint.SIX_WEEKS: "6 weeks",
    Timepoint.DISCHARGE: "Discharge",
    Timepoint.THREE_MONTHS: "3 months",
    Timepoint.SIX_MONTHS: "6 months",
    Timepoint.TWELVE_MONTHS: "12 months",
    Timepoint.OTHER: "Other",
}


def add_months(start: date, months: int) -> date:
    """Same day-of-month N calendar months later, clamped to the month's end."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Due:
    timepoint: Timepoint
    due_on: date

    @property
    def label(self) -> str:
        return TIMEPOINT_LABELS[self.timepoint]


def schedule(baseline_on: date, discharged_on: date | None = None) -> list[Due]:
    """(D) Baseline, 6 weeks (or discharge if sooner), then 3, 6 and 12 months after baseline."""
    six_weeks = baseline_on + timedelta(weeks=6)
    if discharged_on is not None and discharged_on < six_weeks:
        second = Due(Timepoint.DISCHARGE, discharged_on)
    else:
        second = Due(Timepoint.SIX_WEEKS, six_weeks)
    return [
        Due(Timepoint.BASELINE, baseline_on),
        second,
        Due(Timepoint.THREE_MONTHS, add_months(baseline_on, 3)),
        Due(Timepoint.SIX_MONTHS, add_months(baseline_on, 6)),
        Due(Timepoint.TWELVE_MONTHS, add_months(baseline_on, 12)),
    ]


def next_due(
    baseline_on: date | None,
    recorded: Iterable[str],
    discharged_on: date | None = None,
    *,
    today: date,
) -> Due | None:
    """The first scheduled measurement not yet recorded (baseline today when there is none)."""
    done = {Timepoint(value) for value in recorded}
    if baseline_on is None or Timepoint.BASELINE not in done:
        return Due(Timepoint.BASELINE, baseline_on or today)
    for due in schedule(baseline_on, discharged_on):
        # A discharge measurement stands in for the 6-week one and vice versa.
        if due.timepoint in {Timepoint.SIX_WEEKS, Timepoint.DISCHARGE} and done & {
            Timepoint.SIX_WEEKS,
            Timepoint.DISCHARGE,
        }:
            continue
        if due.timepoint not in done:
            return due
    return None

"""When outcome questionnaires go to a patient by link: plain Python, read with
docs/patient-questionnaires.md (the table there is the rule; this is its code).

Each timepoint is counted from the baseline (the first assessment). Which timepoints a patient gets
depends on the STarT Back stratum; whether a due questionnaire is still sent depends on the episode's
state: an episode in care gets every timepoint of its stratum, a discharged episode keeps only the
3-, 6- and 12-month follow-ups, and an episode that ended any other way gets nothing more.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

SCHEDULE_VERSION: Final = "questionnaires-2026.1"

BASELINE, SIX_WEEKS = "baseline", "six_weeks"
THREE_MONTHS, SIX_MONTHS, TWELVE_MONTHS = "three_months", "six_months", "twelve_months"
AFTER_DISCHARGE = frozenset({THREE_MONTHS, SIX_MONTHS, TWELVE_MONTHS})

# Offset of each timepoint from the baseline: ("days", n) or ("months", n).
OFFSETS: dict[str, tuple[str, int]] = {
    BASELINE: ("days", 0),
    SIX_WEEKS: ("days", 42),
    THREE_MONTHS: ("months", 3),
    SIX_MONTHS: ("months", 6),
    TWELVE_MONTHS: ("months", 12),
}

# Stratum -> timepoints sent. "" = not yet stratified (STarT Back unanswered): treated like medium.
BY_STRATUM: dict[str, tuple[str, ...]] = {
    "low": (BASELINE, SIX_WEEKS, THREE_MONTHS, TWELVE_MONTHS),
    "medium": (BASELINE, SIX_WEEKS, THREE_MONTHS, SIX_MONTHS, TWELVE_MONTHS),
    "high": (BASELINE, SIX_WEEKS, THREE_MONTHS, SIX_MONTHS, TWELVE_MONTHS),
    "": (BASELINE, SIX_WEEKS, THREE_MONTHS, SIX_MONTHS, TWELVE_MONTHS),
}

IN_CARE_STATES = frozenset({"booked", "assessed", "in_care"})
DISCHARGED = "discharged"

# Days a link stays open, and days after sending when an unanswered one is reminded (once).
LINK_DAYS: Final = 14
REMIND_AFTER_DAYS: Final = 5


def add_months(day: date, months: int) -> date:
    """Same day of the month, clamped to the month's last day (clinical-rules.md section 5)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_on(baseline: date, timepoint: str) -> date:
    unit, amount = OFFSETS[timepoint]
    return baseline + timedelta(days=amount) if unit == "days" else add_months(baseline, amount)


@dataclass(frozen=True)
class Due:
    timepoint: str
    due_on: date


def planned(*, stratum: str, state: str, baseline: date) -> list[Due]:
    """The questionnaires this episode is to be sent, in order (sent or not yet)."""
    timepoints = BY_STRATUM.get(stratum, BY_STRATUM[""])
    if state in IN_CARE_STATES:
        chosen = timepoints
    elif state == DISCHARGED:
        chosen = tuple(t for t in timepoints if t in AFTER_DISCHARGE)
    else:
        chosen = ()
    return [Due(t, due_on(baseline, t)) for t in chosen]


def due_now(*, stratum: str, state: str, baseline: date, today: date) -> list[Due]:
    """Planned questionnaires whose day has come and whose link would not have expired yet."""
    return [
        due
        for due in planned(stratum=stratum, state=state, baseline=baseline)
        if due.due_on <= today < due.due_on + timedelta(days=LINK_DAYS)
    ]

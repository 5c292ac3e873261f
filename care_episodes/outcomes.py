"""Outcome measures for low back pain: scoring, meaningful change and the re-measurement schedule.

Pure Python (no Django) so the rules read like the spec and test alone. Rules: clinical-rules.md section 5;
the `outcomes_check` case and result format (section 8) is at the end (`parse_cases`, `evaluate`).
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Final, TypeGuard, TypeVar

# Change this whenever a rule below changes (a range, a threshold, a timepoint): each recorded
# measurement stores it, so a changed rule under an unchanged version would leave old scores unexplained.
# 2026.2: scores are no longer rounded (PSFS, ODI); a non-whole NPRS, RMDQ total, ODI section or GRC and a
# non-number anywhere are not scorable.
RULE_VERSION: Final = "outcomes-2026.2"


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
# Instruments whose score is a whole number (PSFS is a mean and ODI a percentage).
WHOLE_NUMBER_SCORES = frozenset({Instrument.NPRS, Instrument.RMDQ, Instrument.GRC})
LOWER_IS_BETTER = {
    Instrument.NPRS: True,
    Instrument.RMDQ: True,
    Instrument.PSFS: False,
    Instrument.ODI: True,
}

RMDQ_ITEMS = 24
PSFS_MIN_ACTIVITIES, PSFS_MAX_ACTIVITIES = 3, 5
ODI_SECTIONS, ODI_MIN_ANSWERED, ODI_SECTION_MAX = 10, 8, 5


class ScoringError(ValueError):
    """The answers cannot be scored; the message says why, for the person entering them."""


def _is_number(value: object) -> TypeGuard[int | float]:
    """A JSON number: int or finite float, and not a bool (True is 1 to Python, not to a clinician)."""
    if isinstance(value, bool):
        return False
    # An int of any size is a number (math.isfinite would overflow on 10**400); NaN and inf are not.
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _is_whole(value: object) -> TypeGuard[int | float]:
    """A whole number; 7.0 counts (JSON does not tell 7 from 7.0), 6.5 does not."""
    return _is_number(value) and float(value).is_integer()


def _check_range(instrument: Instrument, value: object) -> float:
    low, high = RANGES[instrument]
    if not _is_number(value):
        raise ScoringError(f"{LABELS[instrument]} must be a number; {value!r} was given.")
    if not low <= value <= high:
        raise ScoringError(f"{LABELS[instrument]} must be between {low:g} and {high:g}.")
    return value


def _check_whole(instrument: Instrument, value: object) -> int:
    number = _check_range(instrument, value)
    if not _is_whole(number):
        raise ScoringError(f"{LABELS[instrument]} must be a whole number; {number:g} was given.")
    return int(number)


def check_score(instrument: Instrument | str, value: object) -> float:
    """A score as it is compared: a number in the instrument's range, whole where the score is.

    ScoringError otherwise (e.g. an NPRS of 6.5, an RMDQ of 25, an ODI of 101).
    """
    instrument = Instrument(instrument)
    if instrument in WHOLE_NUMBER_SCORES:
        return _check_whole(instrument, value)
    return _check_range(instrument, value)


def nprs_score(value: object) -> int:
    """Numeric pain rating: one whole number 0-10."""
    return _check_whole(Instrument.NPRS, value)


def grc_score(value: object) -> int:
    """Global rating of change: one whole number -7 to +7."""
    return _check_whole(Instrument.GRC, value)


def rmdq_score(items: Sequence[object] | None = None, total: object = None) -> int:
    """Roland-Morris: one point per statement ticked (24 statements), or a total 0-24 entered directly.

    When both are given the statements count (the form refuses a total that disagrees with them).
    """
    if items is not None:
        if isinstance(items, str | bytes) or not isinstance(items, Sequence):
            raise ScoringError("The RMDQ statements must be a list of yes/no answers.")
        if len(items) != RMDQ_ITEMS:
            raise ScoringError(f"The RMDQ has {RMDQ_ITEMS} statements; {len(items)} were given.")
        if any(type(item) is not bool for item in items):
            raise ScoringError("Each RMDQ statement is answered yes or no.")
        return sum(1 for item in items if item)
    if total is None:
        raise ScoringError("Give either the ticked RMDQ statements or the total.")
    return _check_whole(Instrument.RMDQ, total)


def psfs_score(activity_scores: Sequence[object]) -> float:
    """Patient-Specific Functional Scale: mean of 3-5 patient-chosen activities, each 0-10.

    Not rounded: screens round for display, comparisons use the mean itself.
    """
    if isinstance(activity_scores, str | bytes) or not isinstance(activity_scores, Sequence):
        raise ScoringError("The PSFS activity scores must be a list of numbers.")
    count = len(activity_scores)
    if not PSFS_MIN_ACTIVITIES <= count <= PSFS_MAX_ACTIVITIES:
        raise ScoringError(
            f"The PSFS needs {PSFS_MIN_ACTIVITIES} to {PSFS_MAX_ACTIVITIES} activities; {count} given."
        )
    values = [_check_range(Instrument.PSFS, value) for value in activity_scores]
    return sum(values) / count


def odi_score(sections: Sequence[object]) -> float:
    """Oswestry Disability Index (licensed, optional): sum / (5 x sections answered) x 100, unrounded.

    Each answered section is a whole number 0-5; at least 8 of the 10 must be answered.
    """
    if isinstance(sections, str | bytes) or not isinstance(sections, Sequence):
        raise ScoringError("The ODI sections must be a list (blank sections as null).")
    if len(sections) != ODI_SECTIONS:
        raise ScoringError(f"The ODI has {ODI_SECTIONS} sections; {len(sections)} were given.")
    answered = [value for value in sections if value is not None]
    if any(not _is_whole(value) or not 0 <= value <= ODI_SECTION_MAX for value in answered):
        raise ScoringError(f"Each ODI section is a whole number from 0 to {ODI_SECTION_MAX}.")
    if len(answered) < ODI_MIN_ANSWERED:
        raise ScoringError(
            f"The ODI needs at least {ODI_MIN_ANSWERED} of {ODI_SECTIONS} sections answered; "
            f"{len(answered)} were."
        )
    total = sum(int(value) for value in answered if _is_whole(value))
    return total / (ODI_SECTION_MAX * len(answered)) * 100


def display(score: float) -> str:
    """A score as a screen shows it: one decimal at most (4.333... -> "4.3", 4.0 -> "4").

    Half-up on the decimal as written, like Django's floatformat:"-1" on the chart table, so the note
    and the table agree. For display only: every rule compares the unrounded score.
    """
    text = str(Decimal(repr(float(score))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return text.removesuffix(".0")


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


# --- The outcomes_check contract (clinical-rules.md section 8) ------------------------------------


class CaseKind(StrEnum):
    SCORE = "score"
    CHANGE = "change"
    SCHEDULE = "schedule"


# The answers object each instrument takes in a score case: {key: required?}.
ANSWER_KEYS: dict[Instrument, tuple[str, ...]] = {
    Instrument.NPRS: ("value",),
    Instrument.GRC: ("value",),
    Instrument.RMDQ: ("items", "total"),  # one of the two
    Instrument.PSFS: ("activities",),
    Instrument.ODI: ("sections",),
}
_CASE_KEYS: dict[CaseKind, tuple[str, ...]] = {
    CaseKind.SCORE: ("id", "kind", "instrument", "answers"),
    CaseKind.CHANGE: ("id", "kind", "instrument", "baseline", "current"),
    CaseKind.SCHEDULE: ("id", "kind", "baseline_on", "discharged_on"),
}
_OPTIONAL_CASE_KEYS = frozenset({"discharged_on"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class CaseError(ValueError):
    """A malformed case: names the case (or its position when it has no usable id) and the field."""

    def __init__(self, case_id: str | None, field: str, message: str, *, index: int | None = None):
        self.case_id, self.field, self.message, self.index = case_id, field, message, index
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.case_id is not None:
            where = f"case {self.case_id!r}"
        elif self.index is not None:
            where = f"case at index {self.index} (no valid id)"
        else:
            where = "input"
        return f"{where}: field {self.field!r}: {self.message}"


class CaseSetError(ValueError):
    """Several malformed cases in one case set: one line per case, in input order."""

    def __init__(self, errors: Sequence[CaseError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


@dataclass(frozen=True)
class ScoreCase:
    id: str
    instrument: Instrument
    answers: Mapping[str, Any]


@dataclass(frozen=True)
class ChangeCase:
    id: str
    instrument: Instrument
    baseline: float
    current: float


@dataclass(frozen=True)
class ScheduleCase:
    id: str
    baseline_on: date
    discharged_on: date | None


OutcomeCase = ScoreCase | ChangeCase | ScheduleCase
_E = TypeVar("_E", bound=StrEnum)


def _case_date(case_id: str, field: str, value: object) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise CaseError(case_id, field, f"must be an ISO date YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CaseError(case_id, field, f"{value!r} is not a real calendar date") from None


def _case_choice(case_id: str, field: str, value: object, choices: type[_E]) -> _E:
    names = [member.value for member in choices]
    if not isinstance(value, str) or value not in names:
        raise CaseError(case_id, field, f"must be one of {', '.join(names)}; got {value!r}")
    return choices(value)


def parse_case(data: object, *, index: int | None = None) -> OutcomeCase:
    """One decoded JSON case of section 8, or CaseError naming the case and the field.

    Malformed (exit 2): an unknown kind or instrument, a missing or unknown field, a bad date, a change
    score outside the instrument's range. A score case's answers of the wrong type or range are not
    malformed: they are what the score rule judges (not scorable, score null).
    """
    if not isinstance(data, dict):
        raise CaseError(None, "(case)", "must be a JSON object", index=index)
    raw_id = data.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        message = f"must be a non-empty string, got {raw_id!r}"
        if "case" in data and "id" not in data:
            message += " (this looks like a worked example: give the array of its 'case' objects)"
        raise CaseError(None, "id", message, index=index)
    case_id = raw_id
    if "kind" not in data:
        raise CaseError(case_id, "kind", "is required")
    kind = _case_choice(case_id, "kind", data["kind"], CaseKind)
    for key in data:
        if key not in _CASE_KEYS[kind]:
            raise CaseError(case_id, str(key), f"unknown field for a {kind} case")
    for key in _CASE_KEYS[kind]:
        if key not in data and key not in _OPTIONAL_CASE_KEYS:
            raise CaseError(case_id, key, "is required")
    if kind is CaseKind.SCHEDULE:
        baseline_on = _case_date(case_id, "baseline_on", data["baseline_on"])
        raw_discharge = data.get("discharged_on")
        discharged_on = (
            None if raw_discharge is None else _case_date(case_id, "discharged_on", raw_discharge)
        )
        if discharged_on is not None and discharged_on < baseline_on:
            raise CaseError(
                case_id,
                "discharged_on",
                f"{discharged_on.isoformat()} is before baseline_on {baseline_on.isoformat()}",
            )
        return ScheduleCase(case_id, baseline_on, discharged_on)
    instrument = _case_choice(case_id, "instrument", data["instrument"], Instrument)
    if kind is CaseKind.CHANGE:
        values = {}
        for field in ("baseline", "current"):
            try:
                values[field] = check_score(instrument, data[field])
            except ScoringError as error:
                raise CaseError(case_id, field, str(error)) from None
        return ChangeCase(case_id, instrument, values["baseline"], values["current"])
    answers = data["answers"]
    if not isinstance(answers, dict):
        raise CaseError(case_id, "answers", f"must be an object, got {answers!r}")
    allowed = ANSWER_KEYS[instrument]
    for key in answers:
        if key not in allowed:
            raise CaseError(case_id, f"answers.{key}", f"unknown field for {instrument}")
    if not any(key in answers for key in allowed):
        raise CaseError(case_id, f"answers.{' or answers.'.join(allowed)}", "is required")
    return ScoreCase(case_id, instrument, answers)


def parse_cases(data: object) -> list[OutcomeCase]:
    """A decoded JSON case set (an array of cases); CaseSetError names every malformed case."""
    if not isinstance(data, list):
        raise CaseSetError(
            [
                CaseError(
                    None, "(case set)", f"must be a JSON array of cases, got {type(data).__name__}"
                )
            ]
        )
    cases: list[OutcomeCase] = []
    errors: list[CaseError] = []
    for index, item in enumerate(data):
        try:
            cases.append(parse_case(item, index=index))
        except CaseError as error:
            errors.append(error)
    if errors:
        raise CaseSetError(errors)
    return cases


def score_answers(instrument: Instrument, answers: Mapping[str, Any]) -> float:
    """The score of one instrument's answers (the answers object of section 8); ScoringError if none."""
    if instrument is Instrument.NPRS:
        return nprs_score(answers["value"])
    if instrument is Instrument.GRC:
        return grc_score(answers["value"])
    if instrument is Instrument.RMDQ:
        return rmdq_score(items=answers.get("items"), total=answers.get("total"))
    if instrument is Instrument.PSFS:
        return psfs_score(answers["activities"])
    return odi_score(answers["sections"])


def evaluate(case: OutcomeCase) -> dict[str, Any]:
    """The result JSON of section 8 for one case, key for key."""
    if isinstance(case, ScoreCase):
        try:
            score: float | None = score_answers(case.instrument, case.answers)
        except ScoringError:
            score = None
        return {"id": case.id, "kind": "score", "instrument": case.instrument, "score": score}
    if isinstance(case, ChangeCase):
        change = meaningful_change(case.instrument, case.baseline, case.current)
        return {
            "id": case.id,
            "kind": "change",
            "instrument": case.instrument,
            "direction": None if change is None else change.direction,
        }
    return {
        "id": case.id,
        "kind": "schedule",
        "due": [
            {"timepoint": due.timepoint, "due_on": due.due_on.isoformat()}
            for due in schedule(case.baseline_on, case.discharged_on)
        ],
    }

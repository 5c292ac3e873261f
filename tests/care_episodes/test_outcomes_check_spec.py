"""docs/clinical-rules.md sections 5 and 8: every threshold from both sides, the properties, and the
`outcomes_check` case format (issue 20).

The tables below are written from the rule book (never read from care_episodes.outcomes), one row per
side of each threshold, and run through the same `parse_case` and `evaluate` that `outcomes_check`
prints, so the command's answer is what is tested (tests/care_episodes/test_outcomes_check.py runs the
command itself on the malformed and not-scorable tables). Pure: no database, no Django (runs under
`make mutation`).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from care_episodes import outcomes
from care_episodes.outcomes import ScoringError

IMPROVED, WORSE, SAME = "improved", "worse", "no_meaningful_change"


def direction(instrument: str, baseline: float, current: float) -> str | None:
    case = {
        "id": "c",
        "kind": "change",
        "instrument": instrument,
        "baseline": baseline,
        "current": current,
    }
    result: dict[str, Any] = outcomes.evaluate(outcomes.parse_case(case))
    return result["direction"]


def score(instrument: str, answers: dict[str, Any]) -> float | None:
    case = {"id": "s", "kind": "score", "instrument": instrument, "answers": answers}
    result: dict[str, Any] = outcomes.evaluate(outcomes.parse_case(case))
    return result["score"]


# --- The change table: improved / worse, each threshold from both sides ---------------------------

THRESHOLD_ROWS = [
    # NPRS: improved >= 2 points, or >= 30% of a baseline above 0; worse >= 2 points. Lower is better.
    ("nprs", 10, 8, IMPROVED, "2 points (20%): at the points threshold"),
    ("nprs", 10, 9, SAME, "1 point (10%): below both"),
    ("nprs", 10, 7, IMPROVED, "3 points, exactly 30%"),
    ("nprs", 3, 2, IMPROVED, "1 point but 33%: the share alone"),
    ("nprs", 4, 3, SAME, "1 point, 25%: below the share"),
    ("nprs", 7, 5, IMPROVED, "2 points, 29%"),
    ("nprs", 1, 0, IMPROVED, "1 point, 100% of a baseline above 0"),
    ("nprs", 0, 0, SAME, "baseline 0: no share, no points"),
    ("nprs", 5, 5, SAME, "no change"),
    ("nprs", 5, 7, WORSE, "2 points worse: at the threshold"),
    ("nprs", 5, 6, SAME, "1 point worse: below"),
    ("nprs", 3, 4, SAME, "1 point worse is 33% of the baseline: the share is for improvement only"),
    ("nprs", 0, 2, WORSE, "2 points worse from 0"),
    ("nprs", 0, 1, SAME, "1 point worse from 0"),
    ("nprs", 8, 10, WORSE, "2 points worse to the top of the scale"),
    # RMDQ: improved >= 5 points or >= 30%; worse >= 5 points.
    ("rmdq", 24, 19, IMPROVED, "5 points (21%): at the points threshold"),
    ("rmdq", 24, 20, SAME, "4 points (17%): below both"),
    ("rmdq", 10, 7, IMPROVED, "3 points, exactly 30%"),
    ("rmdq", 10, 8, SAME, "2 points, 20%"),
    ("rmdq", 13, 9, IMPROVED, "4 points, 31%: just above the share"),
    ("rmdq", 13, 10, SAME, "3 points, 23%: below the share"),
    ("rmdq", 12, 9, SAME, "3 points, 25% (example X07)"),
    ("rmdq", 10, 15, WORSE, "5 points worse: at the threshold"),
    ("rmdq", 10, 14, SAME, "4 points worse (40% of the baseline): below"),
    ("rmdq", 8, 12, SAME, "4 points worse, 50% (example X08)"),
    ("rmdq", 19, 24, WORSE, "5 points worse to the top"),
    ("rmdq", 0, 5, WORSE, "5 points worse from 0"),
    ("rmdq", 0, 4, SAME, "4 points worse from 0"),
    # ODI (percent): improved >= 10 points or >= 30%; worse >= 10 points.
    ("odi", 60, 50, IMPROVED, "10 points (17%): at the points threshold"),
    ("odi", 60, 50.1, SAME, "9.9 points: just below"),
    ("odi", 60, 49.9, IMPROVED, "10.1 points: just above"),
    ("odi", 20, 14, IMPROVED, "6 points, exactly 30%"),
    ("odi", 20, 14.1, SAME, "5.9 points, 29.5%: just below the share"),
    ("odi", 20, 13.9, IMPROVED, "6.1 points, 30.5%: just above the share"),
    ("odi", 36, 28, SAME, "8 points, 22% (example X09)"),
    ("odi", 0, 0, SAME, "baseline 0"),
    ("odi", 20, 30, WORSE, "10 points worse: at the threshold"),
    ("odi", 20, 29.9, SAME, "9.9 points worse: just below"),
    ("odi", 20, 30.1, WORSE, "10.1 points worse: just above"),
    ("odi", 5, 14, SAME, "9 points worse is 180% of the baseline: not flagged"),
    ("odi", 90, 100, WORSE, "10 points worse to the top"),
    # PSFS: higher is better; 2 points either way, no share of the baseline.
    ("psfs", 3, 5, IMPROVED, "2 points better: at the threshold"),
    ("psfs", 3, 4.9, SAME, "1.9 points: just below"),
    ("psfs", 3, 5.1, IMPROVED, "2.1 points: just above"),
    ("psfs", 3.5, 5.0, SAME, "1.5 points (example X10)"),
    ("psfs", 1, 2, SAME, "1 point is 100% better: no share rule for the PSFS"),
    ("psfs", 7 / 3, 13 / 3, IMPROVED, "means 2.33 -> 4.33, exactly 2 points apart unrounded"),
    ("psfs", 6, 4, WORSE, "2 points worse: at the threshold"),
    ("psfs", 6, 4.1, SAME, "1.9 points worse: just below"),
    ("psfs", 6, 3.9, WORSE, "2.1 points worse: just above"),
    ("psfs", 10, 0, WORSE, "top to bottom"),
    ("psfs", 0, 10, IMPROVED, "bottom to top"),
]


@pytest.mark.parametrize(
    ("instrument", "baseline", "current", "expected", "why"),
    THRESHOLD_ROWS,
    ids=[f"{row[0]}-{row[1]:g}-{row[2]:g}" for row in THRESHOLD_ROWS],
)
def test_change_at_and_around_each_threshold(instrument, baseline, current, expected, why) -> None:
    assert direction(instrument, baseline, current) == expected, why


@pytest.mark.parametrize(("baseline", "current"), [(-7, 7), (7, -7), (0, 0), (3, 5)])
def test_grc_has_no_change_rule(baseline, current) -> None:
    assert direction("grc", baseline, current) is None


def test_a_psfs_change_is_judged_on_the_unrounded_means() -> None:
    # Means 2.25 (2, 2, 2, 3) and 4.2 (4, 4, 4, 5, 4): 1.95 points, no meaningful change. Rounded to
    # one decimal first (2.2 or 2.3 against 4.2) the answer would depend on the rounding.
    baseline = score("psfs", {"activities": [2, 2, 2, 3]})
    current = score("psfs", {"activities": [4, 4, 4, 5, 4]})
    assert (baseline, current) == (pytest.approx(2.25), pytest.approx(4.2))
    assert direction("psfs", baseline, current) == SAME


# --- The score table: ranges, whole numbers, counts -----------------------------------------------

SCORE_ROWS = [
    # NPRS: one whole number 0-10.
    ("nprs", {"value": 0}, 0),
    ("nprs", {"value": 10}, 10),
    ("nprs", {"value": 11}, None),
    ("nprs", {"value": -1}, None),
    ("nprs", {"value": 6.5}, None),
    # RMDQ: 24 yes/no statements, or a whole-number total 0-24.
    ("rmdq", {"total": 24}, 24),
    ("rmdq", {"total": 25}, None),
    ("rmdq", {"total": 0}, 0),
    ("rmdq", {"total": -1}, None),
    ("rmdq", {"items": [True] * 12 + [False] * 12}, 12),
    ("rmdq", {"items": [False] * 24}, 0),
    ("rmdq", {"items": [True] * 23}, None),
    ("rmdq", {"items": [False] * 25}, None),
    # PSFS: 3 to 5 activities, each 0-10, the unrounded mean.
    ("psfs", {"activities": [2, 5, 6]}, 13 / 3),
    ("psfs", {"activities": [1, 1, 1, 1, 2]}, 1.2),
    ("psfs", {"activities": [1, 2]}, None),
    ("psfs", {"activities": [1, 2, 3, 4, 5, 6]}, None),
    ("psfs", {"activities": [0, 10, 10.1]}, None),
    ("psfs", {"activities": [0, 10, -0.1]}, None),
    # ODI: 10 sections 0-5 (whole), at least 8 answered, sum / (5 x answered) x 100.
    ("odi", {"sections": [3, 2, 2, 1, 4, 2, 3, 1, None, 2]}, 20 / 45 * 100),
    ("odi", {"sections": [1, 1, 1, 1, 1, 1, 1, 1, None, None]}, 20),
    ("odi", {"sections": [1, 1, 1, 1, 1, 1, 1, None, None, None]}, None),
    ("odi", {"sections": [5, 5, 5, 5, 5, 5, 5, 5, 5, 6]}, None),
    ("odi", {"sections": [0, 0, 0, 0, 0, 0, 0, 0, 0, -1]}, None),
    ("odi", {"sections": [0] * 11}, None),
    # GRC: one whole number -7 to +7.
    ("grc", {"value": -7}, -7),
    ("grc", {"value": 7}, 7),
    ("grc", {"value": 8}, None),
    ("grc", {"value": -8}, None),
    ("grc", {"value": 1.5}, None),
]


@pytest.mark.parametrize(("instrument", "answers", "expected"), SCORE_ROWS, ids=repr)
def test_scores_follow_the_section_5_table(instrument, answers, expected) -> None:
    result = score(instrument, answers)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected, abs=1e-12)


# What the person entering the values is told (the outcome form shows these messages).
MESSAGES = [
    (outcomes.nprs_score, 6.5, "Pain (NPRS 0-10) must be a whole number; 6.5 was given."),
    (
        lambda total: outcomes.rmdq_score(total=total),
        25,
        "Disability (RMDQ 0-24) must be between 0 and 24.",
    ),
    (outcomes.psfs_score, [5] * 6, "The PSFS needs 3 to 5 activities; 6 given."),
    (
        outcomes.odi_score,
        [6] + [0] * 9,
        "Each ODI section is a whole number from 0 to 5.",
    ),
    (
        outcomes.grc_score,
        "+3",
        "Global rating of change (-7 to +7) must be a number; '+3' was given.",
    ),
    (
        lambda items: outcomes.rmdq_score(items=items),
        ["yes"] * 24,
        "Each RMDQ statement is answered yes or no.",
    ),
    (
        lambda items: outcomes.rmdq_score(items=items),
        "y" * 24,
        "The RMDQ statements must be a list of yes/no answers.",
    ),
    (outcomes.psfs_score, "256", "The PSFS activity scores must be a list of numbers."),
    (outcomes.psfs_score, 5, "The PSFS activity scores must be a list of numbers."),
    (outcomes.odi_score, "3" * 10, "The ODI sections must be a list (blank sections as null)."),
    (outcomes.odi_score, 30, "The ODI sections must be a list (blank sections as null)."),
]


# Screens may round for display (section 5): one decimal, half up, a whole number without ".0".
DISPLAY_ROWS = [
    (2.25, "2.3"),
    (4.35, "4.4"),
    (4.349, "4.3"),
    (7 / 3, "2.3"),
    (400 / 9, "44.4"),
    (4.2, "4.2"),
    (4.0, "4"),
    (0, "0"),
    (12, "12"),
    (100.0, "100"),
    (0.05, "0.1"),
]


@pytest.mark.parametrize(("value", "shown"), DISPLAY_ROWS, ids=repr)
def test_screens_show_one_decimal_at_most(value, shown) -> None:
    assert outcomes.display(value) == shown


def _stable_id(value) -> str:
    """The same test id in every process (pytest-xdist compares them): a function by its name, never
    by its address."""
    return getattr(value, "__name__", None) or repr(value)


@pytest.mark.parametrize(("rule", "value", "message"), MESSAGES, ids=_stable_id)
def test_values_that_cannot_be_scored_say_why(rule, value, message) -> None:
    with pytest.raises(ScoringError) as raised:
        rule(value)
    assert str(raised.value) == message


# --- Schedule: 42 days or discharge, then calendar months clamped to the month's end ---------------

SCHEDULE_ROWS = [
    # baseline, discharged, second timepoint, 3 / 6 / 12 months
    ("2026-11-30", None, ("six_weeks", "2027-01-11"), "2027-02-28", "2027-05-30", "2027-11-30"),
    ("2026-01-31", None, ("six_weeks", "2026-03-14"), "2026-04-30", "2026-07-31", "2027-01-31"),
    ("2028-02-29", None, ("six_weeks", "2028-04-11"), "2028-05-29", "2028-08-29", "2029-02-28"),
    ("2027-08-31", None, ("six_weeks", "2027-10-12"), "2027-11-30", "2028-02-29", "2028-08-31"),
    (
        "2026-05-04",
        "2026-06-01",
        ("discharge", "2026-06-01"),
        "2026-08-04",
        "2026-11-04",
        "2027-05-04",
    ),
    # Discharge one day before the 42nd day comes first; on the 42nd day or later it does not.
    (
        "2026-05-04",
        "2026-06-14",
        ("discharge", "2026-06-14"),
        "2026-08-04",
        "2026-11-04",
        "2027-05-04",
    ),
    (
        "2026-05-04",
        "2026-06-15",
        ("six_weeks", "2026-06-15"),
        "2026-08-04",
        "2026-11-04",
        "2027-05-04",
    ),
    (
        "2026-05-04",
        "2026-06-16",
        ("six_weeks", "2026-06-15"),
        "2026-08-04",
        "2026-11-04",
        "2027-05-04",
    ),
    (
        "2026-05-04",
        "2026-05-04",
        ("discharge", "2026-05-04"),
        "2026-08-04",
        "2026-11-04",
        "2027-05-04",
    ),
]


@pytest.mark.parametrize(
    ("baseline", "discharged", "second", "three", "six", "twelve"), SCHEDULE_ROWS, ids=repr
)
def test_schedule_follows_section_5(baseline, discharged, second, three, six, twelve) -> None:
    case = {"id": "d", "kind": "schedule", "baseline_on": baseline, "discharged_on": discharged}
    result = outcomes.evaluate(outcomes.parse_case(case))
    assert result["due"] == [
        {"timepoint": "baseline", "due_on": baseline},
        {"timepoint": second[0], "due_on": second[1]},
        {"timepoint": "three_months", "due_on": three},
        {"timepoint": "six_months", "due_on": six},
        {"timepoint": "twelve_months", "due_on": twelve},
    ]


# --- Properties -------------------------------------------------------------------------------------

RANK = {WORSE: 0, SAME: 1, IMPROVED: 2}
# instrument: (lowest score, highest score, lower is better, whole numbers), from the section 5 table.
SCALES = {
    "nprs": (0, 10, True, True),
    "rmdq": (0, 24, True, True),
    "odi": (0, 100, True, False),
    "psfs": (0, 10, False, False),
}


@st.composite
def three_scores(draw: st.DrawFn) -> tuple[str, float, float, float]:
    instrument = draw(st.sampled_from(sorted(SCALES)))
    low, high, _, whole = SCALES[instrument]
    value = (
        st.integers(low, high)
        if whole
        else st.floats(low, high, allow_nan=False, allow_infinity=False)
    )
    return instrument, draw(value), draw(value), draw(value)


@given(three_scores())
def test_a_better_current_score_never_gives_a_worse_direction(scores) -> None:
    instrument, baseline, first, second = scores
    lower_is_better = SCALES[instrument][2]
    worse_score, better_score = sorted([first, second], reverse=lower_is_better)
    worse_direction = direction(instrument, baseline, worse_score)
    better_direction = direction(instrument, baseline, better_score)
    assert RANK[better_direction] >= RANK[worse_direction]


@given(three_scores())
def test_the_same_score_is_never_a_meaningful_change(scores) -> None:
    instrument, baseline, _, _ = scores
    assert direction(instrument, baseline, baseline) == SAME


@given(
    st.dates(date(1990, 1, 1), date(2090, 12, 31)),
    st.one_of(st.none(), st.integers(1, 800)),
)
def test_schedule_dates_strictly_increase(baseline: date, days_to_discharge: int | None) -> None:
    discharged = None if days_to_discharge is None else baseline + timedelta(days=days_to_discharge)
    due = outcomes.schedule(baseline, discharged)
    dates = [item.due_on for item in due]
    assert all(earlier < later for earlier, later in zip(dates, dates[1:], strict=False))
    assert [item.timepoint for item in due][0] == "baseline"
    assert dates[0] == baseline
    second = due[1]
    if discharged is not None and days_to_discharge is not None and days_to_discharge < 42:
        assert (second.timepoint, second.due_on) == ("discharge", discharged)
    else:
        assert (second.timepoint, second.due_on) == ("six_weeks", baseline + timedelta(days=42))


@given(st.dates(date(1990, 1, 1), date(2090, 12, 31)))
def test_months_later_are_the_same_day_clamped_to_the_months_end(baseline: date) -> None:
    due = outcomes.schedule(baseline)
    for item, months in zip(due[2:], (3, 6, 12), strict=True):
        year, month = divmod(baseline.month - 1 + months, 12)
        year, month = baseline.year + year, month + 1
        last_day = calendar.monthrange(year, month)[1]
        assert (item.due_on.year, item.due_on.month) == (year, month)
        assert item.due_on.day == min(baseline.day, last_day)


@given(st.lists(st.floats(0, 10, allow_nan=False, allow_infinity=False), min_size=3, max_size=5))
def test_psfs_mean_lies_between_the_lowest_and_highest_activity(activities) -> None:
    mean = score("psfs", {"activities": activities})
    assert mean is not None
    assert min(activities) - 1e-9 <= mean <= max(activities) + 1e-9


@given(st.floats(-100, 100, allow_nan=False, allow_infinity=False))
def test_only_whole_numbers_0_to_10_are_a_pain_score(value: float) -> None:
    expected = int(value) if value.is_integer() and 0 <= value <= 10 else None
    assert score("nprs", {"value": value}) == expected


# --- Section 8: answers that cannot be scored, and malformed cases ---------------------------------

# Answers of the wrong type or range are not scorable (score null), never a guess and never exit 2.
NOT_SCORABLE = [
    ("nprs", {"value": 6.5}),
    ("nprs", {"value": 11}),
    ("nprs", {"value": -1}),
    ("nprs", {"value": "7"}),
    ("nprs", {"value": True}),
    ("nprs", {"value": None}),
    ("nprs", {"value": 10**400}),  # too big for a float: still just out of range
    ("nprs", {"value": float("nan")}),  # Python's JSON reads NaN
    ("rmdq", {"total": 25}),
    ("rmdq", {"total": 12.5}),
    ("rmdq", {"items": [True] * 23}),
    ("rmdq", {"items": [True] * 25}),
    ("rmdq", {"items": [1] * 24}),
    ("rmdq", {"items": "y" * 24}),
    ("psfs", {"activities": [5, 5, 5, 5, 5, 5]}),
    ("psfs", {"activities": [5, 5]}),
    ("psfs", {"activities": [5, 5, 10.5]}),
    ("psfs", {"activities": [5, 5, -1]}),
    ("psfs", {"activities": [5, 5, "5"]}),
    ("psfs", {"activities": "256"}),
    ("odi", {"sections": "3" * 10}),
    ("odi", {"sections": [0, 1, 2, 3, 4, 5, 6, 0, 1, 2]}),
    ("odi", {"sections": [0, 1, 2, 3, 4, 5, 2.5, 0, 1, 2]}),
    ("odi", {"sections": [1] * 9}),
    ("odi", {"sections": [1] * 7 + [None] * 3}),
    ("grc", {"value": 8}),
    ("grc", {"value": -8}),
    ("grc", {"value": 0.5}),
]


@pytest.mark.parametrize(("instrument", "answers"), NOT_SCORABLE, ids=repr)
def test_answers_that_cannot_be_scored_give_a_null_score(instrument, answers) -> None:
    assert score(instrument, answers) is None


# (case, field named in the message): section 8's malformed input.
MALFORMED = [
    ({"id": "m", "kind": "average", "instrument": "nprs"}, "kind"),
    ({"id": "m", "instrument": "nprs", "answers": {"value": 7}}, "kind"),
    ({"id": "m", "kind": "score", "instrument": "vas", "answers": {"value": 7}}, "instrument"),
    ({"id": "m", "kind": "score", "answers": {"value": 7}}, "instrument"),
    ({"id": "m", "kind": "score", "instrument": "nprs"}, "answers"),
    ({"id": "m", "kind": "score", "instrument": "nprs", "answers": [7]}, "answers"),
    ({"id": "m", "kind": "score", "instrument": "nprs", "answers": {}}, "answers.value"),
    ({"id": "m", "kind": "score", "instrument": "nprs", "answers": {"total": 7}}, "answers.total"),
    ({"id": "m", "kind": "score", "instrument": "psfs", "answers": {}}, "answers.activities"),
    ({"id": "m", "kind": "score", "instrument": "odi", "answers": {}}, "answers.sections"),
    (
        {"id": "m", "kind": "score", "instrument": "rmdq", "answers": {}},
        "answers.items or answers.total",
    ),
    ({"id": "m", "kind": "change", "instrument": "nprs", "current": 6}, "baseline"),
    ({"id": "m", "kind": "change", "instrument": "nprs", "baseline": 8}, "current"),
    (
        {"id": "m", "kind": "change", "instrument": "nprs", "baseline": "8", "current": 6},
        "baseline",
    ),
    ({"id": "m", "kind": "change", "instrument": "nprs", "baseline": 8, "current": 11}, "current"),
    ({"id": "m", "kind": "change", "instrument": "rmdq", "baseline": 25, "current": 6}, "baseline"),
    ({"id": "m", "kind": "change", "instrument": "odi", "baseline": 40, "current": 101}, "current"),
    (
        {"id": "m", "kind": "change", "instrument": "psfs", "baseline": 3, "current": 10.5},
        "current",
    ),
    ({"id": "m", "kind": "change", "instrument": "grc", "baseline": 8, "current": 0}, "baseline"),
    ({"id": "m", "kind": "schedule", "discharged_on": None}, "baseline_on"),
    ({"id": "m", "kind": "schedule", "baseline_on": "30/11/2026"}, "baseline_on"),
    ({"id": "m", "kind": "schedule", "baseline_on": "2026-02-30"}, "baseline_on"),
    ({"id": "m", "kind": "schedule", "baseline_on": 20261130}, "baseline_on"),
    (
        {"id": "m", "kind": "schedule", "baseline_on": "2026-11-30", "discharged_on": "tomorrow"},
        "discharged_on",
    ),
    (
        {"id": "m", "kind": "schedule", "baseline_on": "2026-11-30", "discharged_on": "2026-11-29"},
        "discharged_on",
    ),
    ({"id": "m", "kind": "schedule", "baseline_on": "2026-11-30", "discharge": None}, "discharge"),
    (
        {"id": "m", "kind": "schedule", "instrument": "nprs", "baseline_on": "2026-11-30"},
        "instrument",
    ),
]


@pytest.mark.parametrize(("case", "field"), MALFORMED, ids=repr)
def test_a_malformed_case_names_itself_and_the_field(case, field) -> None:
    good = {"id": "ok", "kind": "change", "instrument": "nprs", "baseline": 8, "current": 6}
    with pytest.raises(outcomes.CaseSetError) as raised:
        outcomes.parse_cases([good, case])
    [error] = raised.value.errors
    assert (error.case_id, error.field) == ("m", field)
    assert str(raised.value).startswith(f"case 'm': field {field!r}: ")


@pytest.mark.parametrize(
    ("data", "where", "field"),
    [
        ("not a list", "input", "(case set)"),
        ([["not", "an", "object"]], "case at index 0 (no valid id)", "(case)"),
        (
            [{"kind": "schedule", "baseline_on": "2026-01-01"}],
            "case at index 0 (no valid id)",
            "id",
        ),
        ([{"id": "", "kind": "schedule"}], "case at index 0 (no valid id)", "id"),
        ([{"id": 7, "kind": "schedule"}], "case at index 0 (no valid id)", "id"),
    ],
)
def test_a_case_set_or_case_without_a_usable_id_is_named_by_position(data, where, field) -> None:
    with pytest.raises(outcomes.CaseSetError) as raised:
        outcomes.parse_cases(data)
    assert str(raised.value).startswith(f"{where}: field {field!r}: ")


def test_every_malformed_case_is_listed_in_input_order() -> None:
    cases = [
        {"id": "a", "kind": "schedule", "baseline_on": "2026-02-30"},
        {"id": "b", "kind": "schedule", "baseline_on": "2026-02-28"},
        {"id": "c", "kind": "change", "instrument": "eq5d", "baseline": 1, "current": 1},
    ]
    with pytest.raises(outcomes.CaseSetError) as raised:
        outcomes.parse_cases(cases)
    assert [(e.case_id, e.field) for e in raised.value.errors] == [
        ("a", "baseline_on"),
        ("c", "instrument"),
    ]
    assert str(raised.value).splitlines() == [
        "case 'a': field 'baseline_on': '2026-02-30' is not a real calendar date",
        "case 'c': field 'instrument': must be one of nprs, rmdq, psfs, grc, odi; got 'eq5d'",
    ]


def test_a_well_formed_case_set_parses_in_order() -> None:
    cases = [
        {"id": "s", "kind": "score", "instrument": "rmdq", "answers": {"total": 3}},
        {"id": "c", "kind": "change", "instrument": "odi", "baseline": 40.5, "current": 30},
        {"id": "d", "kind": "schedule", "baseline_on": "2026-01-31", "discharged_on": None},
    ]
    results = [outcomes.evaluate(case) for case in outcomes.parse_cases(cases)]
    assert results == [
        {"id": "s", "kind": "score", "instrument": "rmdq", "score": 3},
        {"id": "c", "kind": "change", "instrument": "odi", "direction": "improved"},
        {
            "id": "d",
            "kind": "schedule",
            "due": [
                {"timepoint": "baseline", "due_on": "2026-01-31"},
                {"timepoint": "six_weeks", "due_on": "2026-03-14"},
                {"timepoint": "three_months", "due_on": "2026-04-30"},
                {"timepoint": "six_months", "due_on": "2026-07-31"},
                {"timepoint": "twelve_months", "due_on": "2027-01-31"},
            ],
        },
    ]


# The whole line a clinical lead reads on standard error, for each kind of malformed input.
ERROR_LINES = [
    (["x"], "case at index 0 (no valid id): field '(case)': must be a JSON object"),
    (
        [{"case": {"id": "X01"}, "expected": {}}],
        "case at index 0 (no valid id): field 'id': must be a non-empty string, got None "
        "(this looks like a worked example: give the array of its 'case' objects)",
    ),
    (
        [{"kind": "schedule"}],
        "case at index 0 (no valid id): field 'id': must be a non-empty string, got None",
    ),
    (
        [{"id": "", "case": {}}],  # an id was given, just empty: no worked-example hint
        "case at index 0 (no valid id): field 'id': must be a non-empty string, got ''",
    ),
    ([{"id": "m"}], "case 'm': field 'kind': is required"),
    (
        [{"id": "m", "kind": "schedule", "baseline_on": "2026-11-30", "note": "x"}],
        "case 'm': field 'note': unknown field for a schedule case",
    ),
    ([{"id": "m", "kind": "schedule"}], "case 'm': field 'baseline_on': is required"),
    (
        [{"id": "m", "kind": "schedule", "baseline_on": "30/11/2026"}],
        "case 'm': field 'baseline_on': must be an ISO date YYYY-MM-DD, got '30/11/2026'",
    ),
    (
        [
            {
                "id": "m",
                "kind": "schedule",
                "baseline_on": "2026-11-30",
                "discharged_on": "2026-11-29",
            }
        ],
        "case 'm': field 'discharged_on': 2026-11-29 is before baseline_on 2026-11-30",
    ),
    (
        [{"id": "m", "kind": "change", "instrument": "nprs", "baseline": 8, "current": 11}],
        "case 'm': field 'current': Pain (NPRS 0-10) must be between 0 and 10.",
    ),
    (
        [{"id": "m", "kind": "score", "instrument": "nprs", "answers": [7]}],
        "case 'm': field 'answers': must be an object, got [7]",
    ),
    (
        [{"id": "m", "kind": "score", "instrument": "nprs", "answers": {"total": 7}}],
        "case 'm': field 'answers.total': unknown field for nprs",
    ),
    (
        [{"id": "m", "kind": "score", "instrument": "rmdq", "answers": {}}],
        "case 'm': field 'answers.items or answers.total': is required",
    ),
    ({"id": "m"}, "input: field '(case set)': must be a JSON array of cases, got dict"),
]


@pytest.mark.parametrize(("data", "line"), ERROR_LINES, ids=repr)
def test_each_malformed_input_gets_a_message_that_says_what_is_wrong(data, line) -> None:
    with pytest.raises(outcomes.CaseSetError) as raised:
        outcomes.parse_cases(data)
    assert str(raised.value) == line
    [error] = raised.value.errors
    assert error.args == (line,)

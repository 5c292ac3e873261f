"""docs/clinical-rules.md section 5 (outcome measures), written out as tables in this file (issue 22).

Expected values come from the rule book, never from care_episodes.outcomes' own tables. The module is
pure (no Django import), so this file runs without a database under `make mutation`.
"""

from __future__ import annotations

from datetime import date

import pytest

from care_episodes import outcomes
from care_episodes.outcomes import Direction, Instrument, ScoringError, Timepoint

IMPROVED, WORSE, SAME = (
    Direction.IMPROVED,
    Direction.WORSE,
    Direction.NO_MEANINGFUL_CHANGE,
)

# --- Scores: the input ranges of the section 5 table ---------------------------------------------


@pytest.mark.parametrize(
    ("score", "low", "high", "message"),
    [
        (outcomes.nprs_score, 0, 10, "Pain (NPRS 0-10) must be between 0 and 10."),
        (outcomes.grc_score, -7, 7, "Global rating of change (-7 to +7) must be between -7 and 7."),
        (
            lambda total: outcomes.rmdq_score(total=total),
            0,
            24,
            "Disability (RMDQ 0-24) must be between 0 and 24.",
        ),
    ],
    ids=["nprs", "grc", "rmdq-total"],
)
def test_single_number_scores_accept_their_whole_range_and_nothing_outside(
    score, low, high, message
) -> None:
    for value in range(low, high + 1):
        assert score(value) == value
        assert type(score(value)) is int
    for value in (low - 1, high + 1):
        with pytest.raises(ScoringError) as raised:
            score(value)
        assert str(raised.value) == message


@pytest.mark.parametrize("ticked", [0, 1, 5, 23, 24])
def test_rmdq_counts_the_ticked_statements_of_24(ticked) -> None:
    items = [True] * ticked + [False] * (24 - ticked)
    assert outcomes.rmdq_score(items) == ticked
    assert outcomes.rmdq_score(items[::-1], total=0) == ticked  # the statements win over a total


@pytest.mark.parametrize("count", [0, 23, 25])
def test_rmdq_needs_exactly_24_statements(count) -> None:
    with pytest.raises(ScoringError) as raised:
        outcomes.rmdq_score([True] * count)
    assert str(raised.value) == f"The RMDQ has 24 statements; {count} were given."


def test_rmdq_needs_statements_or_a_total() -> None:
    with pytest.raises(ScoringError) as raised:
        outcomes.rmdq_score()
    assert str(raised.value) == "Give either the ticked RMDQ statements or the total."


@pytest.mark.parametrize(
    ("scores", "mean"),
    [
        ([0, 0, 0], 0),
        ([10, 10, 10, 10, 10], 10),
        ([2, 4, 6, 8], 5),
        ([1, 2, 4], 7 / 3),
    ],  # unrounded
)
def test_psfs_is_the_mean_of_3_to_5_activities(scores, mean) -> None:
    assert outcomes.psfs_score(scores) == mean


@pytest.mark.parametrize("count", [2, 6])
def test_psfs_needs_3_to_5_activities(count) -> None:
    with pytest.raises(ScoringError) as raised:
        outcomes.psfs_score([5] * count)
    assert str(raised.value) == f"The PSFS needs 3 to 5 activities; {count} given."


@pytest.mark.parametrize("bad", [-1, 11, 10.5])
def test_psfs_activities_are_0_to_10(bad) -> None:
    with pytest.raises(ScoringError) as raised:
        outcomes.psfs_score([5, 5, bad])
    assert str(raised.value) == "Function (PSFS mean 0-10) must be between 0 and 10."


@pytest.mark.parametrize(
    ("sections", "score"),
    [
        ([0] * 10, 0),
        ([5] * 10, 100),
        ([5] * 8 + [None, None], 100),  # 8 answered is enough
        ([1] * 9 + [None], 20),  # 9 / (5 x 9) x 100
        ([3, 2, 1, 0, 4, 5, 3, 2, None, 1], 21 / 45 * 100),  # unrounded
    ],
)
def test_odi_is_sum_over_five_times_answered_times_100(sections, score) -> None:
    assert outcomes.odi_score(sections) == score


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ([0] * 9, "The ODI has 10 sections; 9 were given."),
        ([0] * 11, "The ODI has 10 sections; 11 were given."),
        ([0] * 7 + [None] * 3, "The ODI needs at least 8 of 10 sections answered; 7 were."),
        ([0] * 9 + [6], "Each ODI section is a whole number from 0 to 5."),
        ([0] * 9 + [-1], "Each ODI section is a whole number from 0 to 5."),
    ],
)
def test_odi_refuses_what_it_cannot_score(sections, message) -> None:
    with pytest.raises(ScoringError) as raised:
        outcomes.odi_score(sections)
    assert str(raised.value) == message


# --- Meaningful change: the section 5 table, thresholds inclusive --------------------------------

CHANGES = [
    # NPRS: 2 points or more better, or 30% of a baseline above 0; worse: 2 points or more.
    ("nprs", 8, 6, IMPROVED),  # exactly 2 points
    ("nprs", 8, 7, SAME),  # 1 point, 12.5%
    ("nprs", 10, 7, IMPROVED),  # exactly 30%
    ("nprs", 3, 2, IMPROVED),  # 1 point but 33%
    ("nprs", 5, 4, SAME),  # 1 point, 20%
    ("nprs", 0, 0, SAME),
    ("nprs", 4, 6, WORSE),  # exactly 2 points worse
    ("nprs", 4, 5, SAME),  # 1 point worse
    ("nprs", 3, 4, SAME),  # 1 point worse is 33% of the baseline: percentages count only for better
    ("nprs", 0, 1, SAME),
    ("nprs", 0, 2, WORSE),
    # RMDQ: 5 points or 30%; worse 5 points.
    ("rmdq", 20, 15, IMPROVED),
    ("rmdq", 20, 16, SAME),  # 4 points, 20%
    ("rmdq", 10, 7, IMPROVED),  # 3 points, exactly 30%
    ("rmdq", 10, 8, SAME),  # 2 points, 20%
    ("rmdq", 10, 15, WORSE),
    ("rmdq", 10, 14, SAME),  # 4 points worse, 40% of the baseline
    # ODI: 10 points or 30%; worse 10 points.
    ("odi", 60, 50, IMPROVED),  # exactly 10 points
    ("odi", 60, 51, SAME),  # 9 points, 15%
    ("odi", 20, 14, IMPROVED),  # 6 points, exactly 30%
    ("odi", 20, 15, SAME),  # 5 points, 25%
    ("odi", 20, 30, WORSE),
    ("odi", 20, 29, SAME),  # 9 points worse, 45% of the baseline
    # PSFS: higher is better, 2 points either way, no percentage.
    ("psfs", 3, 5, IMPROVED),
    ("psfs", 3, 4.5, SAME),
    ("psfs", 1, 2, SAME),  # 100% better but 1 point
    ("psfs", 6, 4, WORSE),
    ("psfs", 6, 4.5, SAME),
]


@pytest.mark.parametrize(("instrument", "baseline", "current", "direction"), CHANGES)
def test_meaningful_change_follows_the_section_5_table(
    instrument, baseline, current, direction
) -> None:
    change = outcomes.meaningful_change(instrument, baseline, current)
    assert change.direction is direction
    assert change.meaningful is (direction is not SAME)
    assert (change.instrument, change.baseline, change.current) == (
        Instrument(instrument),
        baseline,
        current,
    )
    better = current - baseline if instrument == "psfs" else baseline - current
    assert change.improvement == better
    if instrument == "psfs" or baseline == 0:
        assert change.percent is None
    else:
        assert change.percent == pytest.approx(better / baseline)


def test_a_threshold_missed_only_by_float_rounding_still_counts() -> None:
    # 2 - 1e-9 points of NPRS is 2 points as far as a person entering scores can tell.
    assert outcomes.meaningful_change("nprs", 2, 1e-9).direction is IMPROVED
    assert outcomes.meaningful_change("psfs", 4, 4 + (2 - 1e-9)).direction is IMPROVED
    # 0.299999999 of the baseline is 30% too.
    assert outcomes.meaningful_change("nprs", 1, 0.700000001).direction is IMPROVED


def test_grc_has_no_change_rule() -> None:
    assert outcomes.meaningful_change("grc", -7, 7) is None


# --- Re-measurement schedule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "discharged", "second"),
    [
        (date(2026, 1, 31), None, (Timepoint.SIX_WEEKS, date(2026, 3, 14))),  # 42 days
        (date(2026, 1, 31), date(2026, 3, 13), (Timepoint.DISCHARGE, date(2026, 3, 13))),
        # Discharge on the 6-week day itself does not come first.
        (date(2026, 1, 31), date(2026, 3, 14), (Timepoint.SIX_WEEKS, date(2026, 3, 14))),
        (date(2026, 1, 31), date(2026, 6, 1), (Timepoint.SIX_WEEKS, date(2026, 3, 14))),
    ],
)
def test_schedule_is_baseline_6_weeks_or_discharge_then_3_6_12_months_clamped(
    baseline, discharged, second
) -> None:
    plan = [(d.timepoint, d.due_on) for d in outcomes.schedule(baseline, discharged)]
    assert plan == [
        (Timepoint.BASELINE, date(2026, 1, 31)),
        second,
        (Timepoint.THREE_MONTHS, date(2026, 4, 30)),
        (Timepoint.SIX_MONTHS, date(2026, 7, 31)),
        (Timepoint.TWELVE_MONTHS, date(2027, 1, 31)),
    ]


TODAY = date(2026, 5, 5)
BASELINE = date(2026, 1, 31)


@pytest.mark.parametrize(
    ("baseline", "recorded", "discharged", "expected"),
    [
        (None, [], None, (Timepoint.BASELINE, TODAY)),
        # A baseline date without a recorded baseline measurement: the baseline is still due then.
        (BASELINE, [], None, (Timepoint.BASELINE, BASELINE)),
        (BASELINE, ["six_weeks"], None, (Timepoint.BASELINE, BASELINE)),
        (None, ["baseline"], None, (Timepoint.BASELINE, TODAY)),
        (BASELINE, ["baseline"], None, (Timepoint.SIX_WEEKS, date(2026, 3, 14))),
        (BASELINE, ["baseline"], date(2026, 2, 20), (Timepoint.DISCHARGE, date(2026, 2, 20))),
        (BASELINE, ["baseline", "discharge"], None, (Timepoint.THREE_MONTHS, date(2026, 4, 30))),
        (
            BASELINE,
            ["baseline", "six_weeks"],
            date(2026, 2, 20),
            (Timepoint.THREE_MONTHS, date(2026, 4, 30)),
        ),
        (
            BASELINE,
            ["baseline", "six_weeks", "three_months"],
            None,
            (Timepoint.SIX_MONTHS, date(2026, 7, 31)),
        ),
        (
            BASELINE,
            ["baseline", "six_weeks", "three_months", "six_months", "twelve_months"],
            None,
            None,
        ),
    ],
)
def test_next_due_is_the_first_measure_not_yet_recorded(
    baseline, recorded, discharged, expected
) -> None:
    due = outcomes.next_due(baseline, recorded, discharged, today=TODAY)
    assert (None if due is None else (due.timepoint, due.due_on)) == expected

"""Outcome scoring, meaningful change and the re-measurement schedule (pure rules, table-driven)."""

from datetime import date

import pytest

from care_episodes import outcomes
from care_episodes.outcomes import Direction, Instrument, ScoringError, Timepoint


@pytest.mark.parametrize(
    ("items", "total", "expected"),
    [
        ([False] * 24, None, 0),
        ([True] * 24, None, 24),
        ([True] * 5 + [False] * 19, None, 5),
        (None, 0, 0),
        (None, 24, 24),
        (None, 13, 13),
    ],
)
def test_rmdq_counts_ticked_statements_or_takes_the_total(items, total, expected):
    assert outcomes.rmdq_score(items=items, total=total) == expected


@pytest.mark.parametrize(
    ("items", "total"), [([True] * 23, None), (None, 25), (None, -1), (None, None)]
)
def test_rmdq_refuses_wrong_item_counts_and_totals_out_of_range(items, total):
    with pytest.raises(ScoringError):
        outcomes.rmdq_score(items=items, total=total)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([3, 4, 5], 4.0),
        ([0, 0, 0, 0], 0.0),
        ([10, 10, 10, 10, 10], 10.0),
        ([2, 3, 3], 8 / 3),
    ],  # unrounded
)
def test_psfs_is_the_mean_of_three_to_five_activities(scores, expected):
    assert outcomes.psfs_score(scores) == expected


@pytest.mark.parametrize("scores", [[5, 5], [5] * 6, [5, 5, 11], []])
def test_psfs_refuses_too_few_or_too_many_activities_or_scores_above_ten(scores):
    with pytest.raises(ScoringError):
        outcomes.psfs_score(scores)


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        ([0] * 10, 0.0),
        ([5] * 10, 100.0),
        ([2] * 10, 40.0),
        ([3] * 8 + [None, None], 60.0),  # 24 / (5 x 8) x 100
        ([1, 2, 3, 4, 5, 0, 1, 2, 3, None], 21 / 45 * 100),  # unrounded
    ],
)
def test_odi_is_sum_over_five_times_sections_answered(sections, expected):
    assert outcomes.odi_score(sections) == expected


def test_odi_needs_at_least_eight_of_ten_sections():
    with pytest.raises(ScoringError, match="at least 8"):
        outcomes.odi_score([3] * 7 + [None] * 3)


@pytest.mark.parametrize(("value", "ok"), [(0, True), (10, True), (11, False), (-1, False)])
def test_nprs_is_zero_to_ten(value, ok):
    if ok:
        assert outcomes.nprs_score(value) == value
    else:
        with pytest.raises(ScoringError):
            outcomes.nprs_score(value)


@pytest.mark.parametrize(
    ("instrument", "baseline", "current", "direction"),
    [
        # NPRS: 2 points or 30%.
        (Instrument.NPRS, 8, 6, Direction.IMPROVED),  # 2 points
        (Instrument.NPRS, 8, 7, Direction.NO_MEANINGFUL_CHANGE),  # 1 point, 12.5%
        (Instrument.NPRS, 3, 2, Direction.IMPROVED),  # 1 point but 33%
        (Instrument.NPRS, 10, 7, Direction.IMPROVED),  # exactly 30%
        (Instrument.NPRS, 4, 6, Direction.WORSE),
        (Instrument.NPRS, 0, 0, Direction.NO_MEANINGFUL_CHANGE),
        # RMDQ: 5 points or 30%.
        (Instrument.RMDQ, 20, 15, Direction.IMPROVED),  # 5 points
        (Instrument.RMDQ, 20, 16, Direction.NO_MEANINGFUL_CHANGE),  # 4 points, 20%
        (Instrument.RMDQ, 10, 7, Direction.IMPROVED),  # 3 points but 30%
        (Instrument.RMDQ, 10, 15, Direction.WORSE),
        # PSFS: 2 points, higher is better, no percentage rule.
        (Instrument.PSFS, 3, 5, Direction.IMPROVED),
        (Instrument.PSFS, 3, 4.5, Direction.NO_MEANINGFUL_CHANGE),
        (Instrument.PSFS, 6, 4, Direction.WORSE),
    ],
)
def test_meaningful_change_follows_each_instruments_threshold(
    instrument, baseline, current, direction
):
    change = outcomes.meaningful_change(instrument, baseline, current)
    assert change.direction is direction
    assert change.meaningful is (direction is not Direction.NO_MEANINGFUL_CHANGE)


def test_grc_has_no_change_rule():
    assert outcomes.meaningful_change("grc", 0, 5) is None


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 11, 15), 3, date(2026, 2, 15)),
        (date(2025, 3, 10), 12, date(2026, 3, 10)),
    ],
)
def test_months_are_calendar_months_clamped_to_month_end(start, months, expected):
    assert outcomes.add_months(start, months) == expected


def test_schedule_is_baseline_six_weeks_then_three_six_and_twelve_months():
    plan = outcomes.schedule(date(2025, 1, 10))
    assert [(d.timepoint, d.due_on) for d in plan] == [
        (Timepoint.BASELINE, date(2025, 1, 10)),
        (Timepoint.SIX_WEEKS, date(2025, 2, 21)),
        (Timepoint.THREE_MONTHS, date(2025, 4, 10)),
        (Timepoint.SIX_MONTHS, date(2025, 7, 10)),
        (Timepoint.TWELVE_MONTHS, date(2026, 1, 10)),
    ]


def test_discharge_before_six_weeks_replaces_the_six_week_measure():
    plan = outcomes.schedule(date(2025, 1, 10), discharged_on=date(2025, 1, 31))
    assert plan[1] == outcomes.Due(Timepoint.DISCHARGE, date(2025, 1, 31))


def test_discharge_after_six_weeks_keeps_the_six_week_measure():
    plan = outcomes.schedule(date(2025, 1, 10), discharged_on=date(2025, 5, 1))
    assert plan[1].timepoint is Timepoint.SIX_WEEKS


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        ([], Timepoint.BASELINE),
        (["baseline"], Timepoint.SIX_WEEKS),
        (["baseline", "six_weeks"], Timepoint.THREE_MONTHS),
        (["baseline", "discharge"], Timepoint.THREE_MONTHS),
        (["baseline", "six_weeks", "three_months", "six_months"], Timepoint.TWELVE_MONTHS),
        (["baseline", "six_weeks", "three_months", "six_months", "twelve_months"], None),
    ],
)
def test_next_due_is_the_first_scheduled_measure_not_yet_recorded(recorded, expected):
    baseline = date(2025, 1, 10) if recorded else None
    due = outcomes.next_due(baseline, recorded, today=date(2025, 1, 10))
    assert (due.timepoint if due else None) == expected

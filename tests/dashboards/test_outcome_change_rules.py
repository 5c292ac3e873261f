"""The outcomes dashboard counts a meaningful improvement exactly as the outcome rules judge it (issue 20):
on the unrounded scores, by the same thresholds as the patient's chart and `outcomes_check`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reporting import queries as q
from tests.care_episodes.factories import OutcomeFactory
from tests.factories import EpisodeFactory

pytestmark = pytest.mark.django_db
PERIOD = q.Filters(date(2026, 7, 1), date(2026, 9, 30))


def discharged(risk: str, **scores: tuple[float, float]) -> None:
    episode = EpisodeFactory(
        requested_on=date(2026, 7, 2),
        first_assessed_on=date(2026, 7, 9),
        status="discharged",
        risk=risk,
    )
    for step, timepoint in enumerate(("baseline", "discharge")):
        OutcomeFactory(
            episode=episode,
            measured_on=date(2026, 7, 9) + timedelta(weeks=6 * step),
            timepoint=timepoint,
            nprs=scores["nprs"][step] if "nprs" in scores else None,
            rmdq=scores["rmdq"][step] if "rmdq" in scores else None,
            psfs=scores["psfs"][step] if "psfs" in scores else None,
        )


def test_meaningful_improvement_is_judged_on_unrounded_psfs_means() -> None:
    # PSFS means 2.25 -> 4.2: 1.95 points, not meaningful (rounded first, 2.2 -> 4.2 would be 2.0).
    discharged("medium", psfs=(2.25, 4.2))
    # 7/3 -> 13/3: exactly 2 points, meaningful.
    discharged("medium", psfs=(7 / 3, 13 / 3))
    [row] = q.outcomes_by_stratum(PERIOD)
    assert row["stratum"] == "medium"
    assert (row["psfs_episodes"], row["psfs_meaningful"]) == (2, 50.0)


def test_only_improvement_counts_and_worsening_never_does() -> None:
    # NPRS 3 -> 2: 1 point but 33% (improved); 8 -> 10: worse; 5 -> 4: 20% (not).
    discharged("high", nprs=(3, 2), rmdq=(10, 15))
    discharged("high", nprs=(8, 10), rmdq=(10, 7))
    discharged("high", nprs=(5, 4), rmdq=(24, 20))
    [row] = q.outcomes_by_stratum(PERIOD)
    assert (row["nprs_episodes"], row["nprs_meaningful"]) == (3, 33.3)
    assert row["nprs_change"] == pytest.approx((1 - 2 + 1) / 3, abs=0.05)
    # RMDQ 10 -> 15 worse, 10 -> 7 exactly 30% (improved), 24 -> 20 4 points and 17% (not).
    assert (row["rmdq_episodes"], row["rmdq_meaningful"]) == (3, 33.3)

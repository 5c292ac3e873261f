from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from care_episodes.selectors import physio_open_episodes
from lbp_pathway.access import Role
from reporting import queries as q
from reporting import rollups
from tests.care_episodes.factories import NoteFactory, OutcomeFactory
from tests.factories import EpisodeFactory, UserFactory
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db
PERIOD = q.Filters(date(2026, 7, 1), date(2026, 9, 30))
TORONTO = ZoneInfo("America/Toronto")


def discharged(risk, *measures):
    episode = EpisodeFactory(
        requested_on=date(2026, 7, 2),
        first_assessed_on=date(2026, 7, 9),
        status="discharged",
        risk=risk,
    )
    for weeks, (nprs, rmdq, psfs) in enumerate(measures):
        OutcomeFactory(
            episode=episode,
            measured_on=date(2026, 7, 9) + timedelta(weeks=6 * weeks),
            timepoint=("baseline", "six_weeks", "discharge")[weeks],
            nprs=nprs,
            rmdq=rmdq,
            psfs=None if psfs is None else Decimal(psfs),
        )
    return episode


def test_outcome_change_and_meaningful_share_by_stratum():
    # Low: NPRS 8->5 (3 points: meaningful), 4->3 (1 point, 25%: not), RMDQ 10->6 (4 points but 40%: yes).
    discharged("low", (8, 10, "3.0"), (6, 9, None), (5, 6, "5.5"))
    discharged("low", (4, 20, "4.0"), (3, 16, "5.0"))
    # High: one measurement only: not counted.
    discharged("high", (9, 20, "2.0"))
    rows = {row["stratum"]: row for row in q.outcomes_by_stratum(PERIOD)}
    low = rows["low"]
    assert (low["nprs_episodes"], low["nprs_change"], low["nprs_meaningful"]) == (2, 2.0, 50.0)
    # RMDQ changes 4 (40%: meaningful) and 4 (20%: not).
    assert (low["rmdq_episodes"], low["rmdq_change"], low["rmdq_meaningful"]) == (2, 4.0, 50.0)
    # PSFS: +2.5 (meaningful) and +1.0 (not).
    assert (low["psfs_episodes"], low["psfs_change"], low["psfs_meaningful"]) == (2, 1.8, 50.0)
    assert rows["high"]["nprs_episodes"] == 0 and rows["high"]["nprs_change"] is None


def test_episodes_still_in_care_do_not_count_towards_outcomes():
    episode = discharged("medium", (8, 10, None), (2, 2, None))
    episode.status = "in_care"
    episode.save()
    assert q.outcomes_by_stratum(PERIOD) == []


def test_resource_use_counts_referrals_per_100_assessed_and_late_notes():
    physio = UserFactory(role=Role.PHYSIOTHERAPIST)
    episodes = [
        EpisodeFactory(
            requested_on=date(2026, 7, 1),
            first_assessed_on=date(2026, 7, 10),
            status="assessed",
            physiotherapist=physio,
        )
        for _ in range(4)
    ]
    EpisodeFactory(requested_on=date(2026, 7, 1), status="sent_to_emergency")
    ReferralFactory(
        episode=episodes[0],
        kind="imaging",
        imaging_outside_guideline=True,
        imaging_reason="Patient insisted",
    )
    ReferralFactory(episode=episodes[1], kind="imaging")
    ReferralFactory(episode=episodes[1], kind="rac_lbp")
    ReferralFactory(episode=episodes[2], kind="rheumatology")
    ReferralFactory(episode=episodes[3], kind="rheumatology", status="cancelled")
    # Notes: one signed on day 2 (on time), one on day 5 (late), one drafted and never signed (overdue),
    # and episode 4 has none at all: 22 days after its assessment it is overdue too (issue 18).
    NoteFactory(
        episode=episodes[0], signed_at=datetime(2026, 7, 12, 10, tzinfo=TORONTO), signed_by=physio
    )
    NoteFactory(
        episode=episodes[1], signed_at=datetime(2026, 7, 15, 10, tzinfo=TORONTO), signed_by=physio
    )
    NoteFactory(episode=episodes[2])
    row = q.resource_use(PERIOD, today=date(2026, 8, 1))
    assert row["assessed"] == 4
    assert (row["imaging"], row["imaging_outside_guideline"]) == (2, 1)
    assert (row["imaging_per_100"], row["imaging_outside_guideline_per_100"]) == (50.0, 25.0)
    assert (row["specialist"], row["rapid_access_clinic"]) == (1, 1)
    assert row["emergency_diversions"] == 1
    assert (row["notes"], row["notes_late"]) == (3, 3)


def test_the_dashboard_counts_the_overdue_notes_the_physio_home_lists():
    """Issue 18: the dashboard said 0 notes late or overdue while the physio home listed 19: an
    assessed episode whose note was never drafted is overdue on both."""
    physio = UserFactory(role=Role.PHYSIOTHERAPIST)
    today = date.today()
    for days_ago in (10, 12, 20):  # assessed, no note drafted, past the 3 days to sign
        EpisodeFactory(
            requested_on=today - timedelta(days=days_ago + 7),
            first_assessed_on=today - timedelta(days=days_ago),
            status="assessed",
            physiotherapist=physio,
        )
    drafted = EpisodeFactory(
        requested_on=today - timedelta(days=14),
        first_assessed_on=today - timedelta(days=9),
        status="assessed",
        physiotherapist=physio,
    )
    NoteFactory(episode=drafted)
    EpisodeFactory(  # assessed yesterday: not due yet
        requested_on=today - timedelta(days=5),
        first_assessed_on=today - timedelta(days=1),
        status="assessed",
        physiotherapist=physio,
    )
    listed = [row for row in physio_open_episodes(physio, today=today) if row.note_overdue]
    assert len(listed) == 4
    period = q.Filters(today - timedelta(days=90), today, practitioner_id=physio.pk)
    assert q.resource_use(period, today=today)["notes_late"] == 4
    rollups.rebuild()
    assert rollups.resource_use(period, today=today)["notes_late"] == 4

"""The episode state machine: every legal move works and is on the timeline; illegal moves are refused.

The expected moves are written out here, pair by pair, from docs/clinical-rules.md section 9, not read
from care_episodes.lifecycle: a wrong entry in the code's table must make a test fail.
"""

from datetime import date

import pytest

from care_episodes import lifecycle
from care_episodes.lifecycle import IllegalTransition
from care_episodes.models import Episode
from tests.factories import EpisodeFactory

S = Episode.Status

# docs/clinical-rules.md section 9. Rows: from; columns: to, in the order of STATUSES.
# Y = may become, . = refused with a message (including a status to itself).
STATUSES = [
    "requested",
    "booked",
    "assessed",
    "in_care",
    "discharged",
    "sent_to_emergency",
    "referred_on",
    "declined",
    "lost_to_follow_up",
]
# fmt: off
RULES = {
    #                    req  bkd  asd  inc  dis  emg  ref  dec  ltf
    "requested":         ".    Y    Y    .    .    Y    Y    Y    Y",
    "booked":            "Y    .    Y    .    .    Y    Y    Y    Y",
    "assessed":          ".    .    .    Y    Y    Y    Y    Y    Y",
    "in_care":           ".    .    .    .    Y    Y    Y    Y    Y",
    "discharged":        ".    .    .    .    .    .    .    .    .",
    "sent_to_emergency": "Y    .    .    .    .    .    .    .    .",
    "referred_on":       ".    .    .    .    .    .    .    .    .",
    "declined":          ".    .    .    .    .    .    .    .    .",
    "lost_to_follow_up": "Y    .    .    .    .    .    .    .    .",
}
# fmt: on
PAIRS = {
    (origin, target): mark == "Y"
    for origin, row in RULES.items()
    for target, mark in zip(STATUSES, row.split(), strict=True)
}
LEGAL = sorted(pair for pair, legal in PAIRS.items() if legal)
ILLEGAL = sorted(pair for pair, legal in PAIRS.items() if not legal)


def test_the_table_covers_every_pair_of_the_statuses_the_model_knows():
    assert sorted(STATUSES) == sorted(S.values) == sorted(RULES)
    assert len(PAIRS) == len(STATUSES) ** 2 == len(LEGAL) + len(ILLEGAL)
    # The documented moves, counted by hand: 6 + 6 + 6 + 5 + 0 + 1 + 0 + 0 + 1.
    assert len(LEGAL) == 25


@pytest.mark.django_db
@pytest.mark.parametrize(("origin", "target"), LEGAL)
def test_each_legal_transition_changes_status_and_appears_on_the_timeline(origin, target, physio):
    episode = EpisodeFactory(status=origin)
    event = lifecycle.transition(episode, target, by=physio, description="why")
    episode.refresh_from_db()
    assert episode.status == target
    assert (event.from_status, event.to_status, event.by, event.description) == (
        origin,
        target,
        physio,
        "why",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("origin", "target"), ILLEGAL)
def test_an_illegal_transition_is_refused_with_a_message_and_changes_nothing(origin, target):
    episode = EpisodeFactory(status=origin)
    with pytest.raises(IllegalTransition, match="cannot become"):
        lifecycle.transition(episode, target)
    episode.refresh_from_db()
    assert episode.status == origin
    assert not episode.events.exists()


@pytest.mark.django_db
def test_an_unknown_status_is_refused():
    episode = EpisodeFactory()
    with pytest.raises(IllegalTransition, match="not an episode status"):
        lifecycle.transition(episode, "teleported")


@pytest.mark.django_db
def test_reaching_booked_assessed_and_discharged_stamps_their_dates_once():
    episode = EpisodeFactory(status=S.REQUESTED)
    lifecycle.transition(episode, S.BOOKED, on=date(2025, 3, 1))
    lifecycle.transition(episode, S.ASSESSED, on=date(2025, 3, 8))
    lifecycle.transition(episode, S.DISCHARGED, on=date(2025, 3, 9))
    episode.refresh_from_db()
    assert (episode.booked_on, episode.first_assessed_on, episode.discharged_on) == (
        date(2025, 3, 1),
        date(2025, 3, 8),
        date(2025, 3, 9),
    )


@pytest.mark.django_db
def test_a_stale_copy_of_the_episode_cannot_overwrite_a_newer_status():
    episode = EpisodeFactory(status=S.REQUESTED)
    stale = Episode.objects.get(pk=episode.pk)
    lifecycle.transition(episode, S.BOOKED)
    with pytest.raises(IllegalTransition, match="changed by someone else"):
        lifecycle.transition(stale, S.DECLINED)


@pytest.mark.parametrize("origin", STATUSES)
def test_allowed_next_lists_exactly_the_documented_targets_in_choice_order(origin):
    expected = [target for target in S.values if PAIRS[(origin, target)]]
    assert lifecycle.allowed_next(Episode(status=origin)) == expected

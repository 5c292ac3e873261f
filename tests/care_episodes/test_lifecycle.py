"""The episode state machine: every legal move works and is on the timeline; illegal moves are refused."""

from datetime import date

import pytest

from care_episodes import lifecycle
from care_episodes.lifecycle import TRANSITIONS, IllegalTransition
from care_episodes.models import Episode
from tests.factories import EpisodeFactory

S = Episode.Status
LEGAL = sorted((origin, target) for origin, targets in TRANSITIONS.items() for target in targets)
ILLEGAL = [
    (S.REQUESTED, S.DISCHARGED),
    (S.REQUESTED, S.IN_CARE),
    (S.BOOKED, S.IN_CARE),
    (S.ASSESSED, S.BOOKED),
    (S.ASSESSED, S.REQUESTED),
    (S.IN_CARE, S.ASSESSED),
    (S.DISCHARGED, S.IN_CARE),
    (S.DISCHARGED, S.REQUESTED),
    (S.REFERRED_ON, S.REQUESTED),
    (S.DECLINED, S.BOOKED),
    (S.SENT_TO_EMERGENCY, S.BOOKED),
    (S.IN_CARE, S.IN_CARE),
]


def test_every_status_has_a_transition_entry():
    assert set(TRANSITIONS) == set(S.values)
    assert all(target in S.values for targets in TRANSITIONS.values() for target in targets)


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


def test_allowed_next_lists_only_legal_targets():
    episode = Episode(status=S.IN_CARE)
    assert set(lifecycle.allowed_next(episode)) == TRANSITIONS[S.IN_CARE]

"""The episode state machine: the one place where an episode's status changes."""

from __future__ import annotations

from django.db import transaction

from care_episodes.models import Episode, EpisodeEvent

S = Episode.Status

# Side exits (emergency, referred on, declined, lost to follow-up) are possible from any open state.
_SIDE_EXITS = {S.SENT_TO_EMERGENCY, S.REFERRED_ON, S.DECLINED, S.LOST_TO_FOLLOW_UP}
TRANSITIONS: dict[str, set[str]] = {
    S.REQUESTED: {S.BOOKED, S.ASSESSED} | _SIDE_EXITS,
    S.BOOKED: {S.REQUESTED, S.ASSESSED} | _SIDE_EXITS,
    S.ASSESSED: {S.IN_CARE, S.DISCHARGED} | _SIDE_EXITS,
    S.IN_CARE: {S.DISCHARGED} | _SIDE_EXITS,
    S.DISCHARGED: set(),
    S.SENT_TO_EMERGENCY: {S.REQUESTED},  # a physician cleared the emergency: back to the pathway
    S.REFERRED_ON: set(),
    S.DECLINED: set(),
    S.LOST_TO_FOLLOW_UP: {S.REQUESTED},
}
CLOSED = {S.DISCHARGED, S.REFERRED_ON, S.DECLINED}


class IllegalTransition(Exception):
    """Raised when an episode cannot move to the asked status; the message is for the user."""


def can_transition(episode: Episode, to_status: str) -> bool:
    return to_status in TRANSITIONS[episode.status]


def transition(episode: Episode, to_status: str, *, by=None, description: str = "") -> EpisodeEvent:
    """Move the episode to `to_status`, recording it on the timeline, or raise IllegalTransition."""
    if not can_transition(episode, to_status):
        raise IllegalTransition(
            f"An episode that is {episode.get_status_display().lower()} cannot become "
            f"{Episode.Status(to_status).label.lower()}."
        )
    with transaction.atomic():
        locked = Episode.objects.select_for_update().get(pk=episode.pk)
        if locked.status != episode.status:
            raise IllegalTransition("This episode was changed by someone else; reload and retry.")
        from_status = episode.status
        episode.status = to_status
        episode.save(update_fields=["status"])
        return EpisodeEvent.objects.create(
            episode=episode,
            by=by,
            from_status=from_status,
            to_status=to_status,
            description=description or f"Status changed to {Episode.Status(to_status).label}",
        )

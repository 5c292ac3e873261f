"""The episode state machine: the one place where an episode's status changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

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
    S.LOST_TO_FOLLOW_UP: {S.REQUESTED},  # the patient came back: start again from the request
}
CLOSED = {S.DISCHARGED, S.REFERRED_ON, S.DECLINED}
# Open episodes a physiotherapist is actively looking after.
ACTIVE = {S.REQUESTED, S.BOOKED, S.ASSESSED, S.IN_CARE}

# The wait-clock date each status stamps the first time it is reached.
_DATE_FIELDS = {
    S.BOOKED: "booked_on",
    S.ASSESSED: "first_assessed_on",
    S.DISCHARGED: "discharged_on",
}


class IllegalTransition(Exception):
    """Raised when an episode cannot move to the asked status; the message is for the user."""


def _label(status: str) -> str:
    return Episode.Status(status).label.lower()


def can_transition(episode: Episode, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(episode.status, set())


def allowed_next(episode: Episode) -> list[str]:
    """The statuses this episode may move to, in the order the Status choices list them."""
    return [status for status in Episode.Status.values if can_transition(episode, status)]


def transition(
    episode: Episode,
    to_status: str,
    *,
    by: Any = None,
    description: str = "",
    on: date | None = None,
) -> EpisodeEvent:
    """Move the episode to `to_status`, recording it on the timeline, or raise IllegalTransition.

    Reaching booked, assessed or discharged for the first time stamps booked_on, first_assessed_on or
    discharged_on with `on` (default today) so the wait clock and the outcome schedule follow.
    """
    if to_status not in Episode.Status.values:
        raise IllegalTransition(f"“{to_status}” is not an episode status.")
    if not can_transition(episode, to_status):
        raise IllegalTransition(
            f"An episode that is {_label(episode.status)} cannot become {_label(to_status)}."
        )
    with transaction.atomic():
        locked = Episode.objects.select_for_update().get(pk=episode.pk)
        if locked.status != episode.status:
            raise IllegalTransition("This episode was changed by someone else; reload and retry.")
        from_status = episode.status
        episode.status = to_status
        fields = ["status"]
        date_field = _DATE_FIELDS.get(to_status)
        if date_field and getattr(locked, date_field) is None:
            setattr(episode, date_field, on or timezone.localdate())
            fields.append(date_field)
        episode.save(update_fields=fields)
        return EpisodeEvent.objects.create(
            episode=episode,
            by=by,
            from_status=from_status,
            to_status=to_status,
            description=description or f"Status changed to {Episode.Status(to_status).label}",
        )


def note_event(episode: Episode, description: str, *, by: Any = None) -> EpisodeEvent:
    """Put a notable event that is not a status change on the episode's timeline."""
    return EpisodeEvent.objects.create(episode=episode, by=by, description=description[:300])

"""The episode state machine: the one place where an episode's status changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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
_DATE_FIELDS: dict[str, str] = {
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


# What an event says: English text (the record, kept as written), or a function that words it in the
# active language, called once per language of the app so each reader gets their own.
Wording = str | Callable[[], str]


def worded(description: Wording) -> tuple[str, dict[str, str]]:
    """The English text of an event and its other languages ({"fr": ...}); a plain string is
    English only, shown in another language through the catalogue when it is one of its messages."""
    if isinstance(description, str):
        return description[:300], {}
    with translation.override("en"):
        english = str(description())[:300]
    others = {}
    for code, _name in settings.LANGUAGES:
        if code != "en":
            with translation.override(code):
                others[code] = str(description())[:300]
    return english, others


def transition(
    episode: Episode,
    to_status: str,
    *,
    by: User | None = None,
    description: Wording = "",
    on: date | None = None,
) -> EpisodeEvent:
    """Move the episode to `to_status`, recording it on the timeline, or raise IllegalTransition.

    Reaching booked, assessed or discharged for the first time stamps booked_on, first_assessed_on or
    discharged_on with `on` (default today) so the wait clock and the outcome schedule follow.
    """
    if to_status not in Episode.Status.values:
        raise IllegalTransition(_("“%(status)s” is not an episode status.") % {"status": to_status})
    if not can_transition(episode, to_status):
        raise IllegalTransition(
            _("An episode that is %(status)s cannot become %(next)s.")
            % {"status": _label(episode.status), "next": _label(to_status)}
        )
    with transaction.atomic():
        locked = Episode.objects.select_for_update().get(pk=episode.pk)
        if locked.status != episode.status:
            raise IllegalTransition(
                _("This episode was changed by someone else; reload and retry.")
            )
        from_status = episode.status
        episode.status = to_status
        fields = ["status"]
        date_field = _DATE_FIELDS.get(to_status)
        if date_field and getattr(locked, date_field) is None:
            setattr(episode, date_field, on or timezone.localdate())
            fields.append(date_field)
        episode.save(update_fields=fields)
        text, translations = worded(
            description
            or (
                lambda: (
                    _("Status changed to %(status)s") % {"status": Episode.Status(to_status).label}
                )
            )
        )
        return EpisodeEvent.objects.create(
            episode=episode,
            by=by,
            from_status=from_status,
            to_status=to_status,
            description=text,
            translations=translations,
        )


def note_event(episode: Episode, description: Wording, *, by: User | None = None) -> EpisodeEvent:
    """Put a notable event that is not a status change on the episode's timeline."""
    text, translations = worded(description)
    return EpisodeEvent.objects.create(
        episode=episode, by=by, description=text, translations=translations
    )


# Named writes for the other apps. Nothing outside this module assigns an Episode's fields or creates
# EpisodeEvent rows (tests/care_episodes/test_single_writer.py keeps it so).
# Patients and sites are intake.Patient and intake.Site, which this floor may not import (not even for
# type checking: import-linter counts those imports too), hence `Any` for them here.


def open_episode(*, patient: Any, source: str, requested_on: date) -> Episode:
    """Start a care episode: the wait clock runs from `requested_on` (a call or a referral)."""
    return Episode.objects.create(patient=patient, source=source, requested_on=requested_on)


def mark_booked(
    episode: Episode,
    *,
    physiotherapist: User,
    site: Any,
    on: date,
    by: User | None,
    description: Wording,
) -> None:
    """A visit was booked: a requested episode becomes booked; the first booking stamps the date and
    gives the episode its physiotherapist and site when it had none."""
    if episode.status == S.REQUESTED:
        transition(episode, S.BOOKED, by=by, description=description, on=on)
    changed = []
    if episode.booked_on is None:
        episode.booked_on = on
        changed.append("booked_on")
    if episode.physiotherapist_id is None:
        episode.physiotherapist = physiotherapist
        changed.append("physiotherapist")
    if episode.site_id is None:
        episode.site = site
        changed.append("site")
    if changed:
        episode.save(update_fields=changed)


def record_first_assessment(episode: Episode, *, on: date) -> None:
    """Stop the wait clock at the first assessment (arrival for it, or its record), once only."""
    if episode.first_assessed_on is None:
        episode.first_assessed_on = on
        episode.save(update_fields=["first_assessed_on"])


def take_episode(episode: Episode, *, physiotherapist: User, by: User | None) -> EpisodeEvent:
    """A physiotherapist takes an unassigned episode into their care."""
    with transaction.atomic():
        locked = Episode.objects.select_for_update().get(pk=episode.pk)
        if locked.physiotherapist_id not in (None, physiotherapist.pk):
            raise IllegalTransition(_("Another physiotherapist has taken this episode meanwhile."))
        episode.physiotherapist = physiotherapist
        episode.save(update_fields=["physiotherapist"])
        who = physiotherapist.get_full_name() or physiotherapist.get_username()
        return note_event(episode, lambda: _("Taken into care by %(who)s") % {"who": who}, by=by)


def apply_triage(episode: Episode, *, risk: str, booking_hold: str) -> None:
    """Copy a triage decision's risk, and the hold its open alerts imply, onto the episode."""
    episode.risk = risk if risk in Episode.Risk.values else ""
    episode.booking_hold = booking_hold
    episode.save(update_fields=["risk", "booking_hold"])


def set_booking_hold(episode: Episode, hold: str) -> None:
    """Hold routine booking for the episode (a red-flag alert is open), or lift it with ''."""
    if episode.booking_hold != hold:
        episode.booking_hold = hold
        episode.save(update_fields=["booking_hold"])


def load_past_episodes(rows: Iterable[dict[str, Any]], *, batch_size: int = 1000) -> list[Episode]:
    """Insert episodes as they already stand (demo data, a migration from another system): no
    transition is replayed, so each row carries its own status and dates."""
    return Episode.objects.bulk_create((Episode(**row) for row in rows), batch_size=batch_size)


def load_past_events(rows: Iterable[dict[str, Any]], *, batch_size: int = 1000) -> None:
    """Insert the timeline entries that go with `load_past_episodes`."""
    EpisodeEvent.objects.bulk_create((EpisodeEvent(**row) for row in rows), batch_size=batch_size)

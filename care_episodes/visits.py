"""Follow-up visit notes: write, edit until signed, sign; re-measured outcomes linked to the visit.

Services (writes), one per use case, each audited inside its transaction like care_episodes.services.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from care_episodes import lifecycle, services
from care_episodes.concurrency import check_version, lock_episode
from care_episodes.lifecycle import IllegalTransition
from care_episodes.models import AssessmentDraft, Episode, VisitNote
from lbp_pathway import audit
from lbp_pathway.audit import Action

S = Episode.Status
OPEN_FOR_VISITS = {S.ASSESSED, S.IN_CARE}


def _remeasure(visit: VisitNote, *, actor: audit.Actor, measures: dict[str, Any] | None) -> None:
    if not measures:
        return
    measurement = services.record_outcomes(
        visit.episode, actor=actor, measured_on=visit.visit_date, **measures
    )
    measurement.visit = visit
    measurement.save(update_fields=["visit"])


@transaction.atomic
def record_visit(
    episode: Episode,
    *,
    actor: audit.Actor,
    facts: dict[str, Any],
    measures: dict[str, Any] | None = None,
    sign: bool = False,
) -> VisitNote:
    """A new follow-up visit note, with the outcomes re-measured at the visit (if any)."""
    lock_episode(episode)
    if episode.status not in OPEN_FOR_VISITS:
        raise IllegalTransition(
            gettext(
                "An episode that is %(status)s takes no visit note; visits follow the first "
                "assessment and end at discharge."
            )
            % {"status": episode.get_status_display().lower()}
        )
    by = actor.user
    if by is None:
        raise IllegalTransition(gettext("A visit note needs a signed-in author."))
    visit = VisitNote.objects.create(episode=episode, author=by, **facts)
    _remeasure(visit, actor=actor, measures=measures)
    if sign:
        _sign(visit, actor=actor)
    lifecycle.note_event(
        episode,
        lambda: (
            gettext("Follow-up visit on %(date)s (%(mode)s)")
            % {"date": f"{visit.visit_date:%Y-%m-%d}", "mode": visit.get_mode_display().lower()}
        ),
        by=by,
    )
    audit.record(actor, Action.CREATE, f"visit note {visit.pk}", patient=episode.patient)
    return visit


@transaction.atomic
def update_visit(
    visit: VisitNote,
    *,
    actor: audit.Actor,
    facts: dict[str, Any],
    expected_version: str | None = None,
    measures: dict[str, Any] | None = None,
    sign: bool = False,
) -> VisitNote:
    """Change an unsigned visit note. StaleRecord when it was saved or signed since the form was
    opened on `expected_version`; a signed note is never changed."""
    lock_episode(visit.episode)
    current = VisitNote.objects.filter(pk=visit.pk).first()
    check_version(visit.episode, expected_version, current)
    if current is None or current.is_signed:
        raise IllegalTransition(gettext("This visit note is signed and cannot be changed."))
    for name, value in facts.items():
        setattr(visit, name, value)
    visit.save()
    _remeasure(visit, actor=actor, measures=measures)
    if sign:
        _sign(visit, actor=actor)
    audit.record(actor, Action.CHANGE, f"visit note {visit.pk}", patient=visit.episode.patient)
    return visit


def _sign(visit: VisitNote, *, actor: audit.Actor) -> None:
    visit.signed_at = timezone.now()
    visit.signed_by = actor.user
    visit.save(update_fields=["signed_at", "signed_by", "updated_at"])
    audit.record(
        actor, Action.CHANGE, f"visit note {visit.pk} signed", patient=visit.episode.patient
    )


# --- assessment drafts (the assessment form's "Save draft") -----------------------------------------


@transaction.atomic
def save_assessment_draft(
    episode: Episode, *, actor: audit.Actor, data: dict[str, Any]
) -> AssessmentDraft:
    """Keep the assessment form as typed, unvalidated, until it is saved for real."""
    if actor.user is None:
        raise IllegalTransition(gettext("A draft needs a signed-in author."))
    draft, _ = AssessmentDraft.objects.update_or_create(
        episode=episode, author=actor.user, defaults={"data": data}
    )
    audit.record(
        actor, Action.CHANGE, f"assessment draft of episode {episode.pk}", patient=episode.patient
    )
    return draft


def discard_assessment_draft(episode: Episode, *, actor: audit.Actor) -> None:
    AssessmentDraft.objects.filter(episode=episode, author=actor.user).delete()

"""Triage reads used by several views and panels."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from care_episodes.models import Episode
from triage.instrument import PARAPHRASE, Wording
from triage.models import InstrumentText, PhysicianAlert, QuestionnaireResponse, TriageDecision


def open_alerts_for_physician(user: Any) -> QuerySet[PhysicianAlert]:
    """Open red-flag alerts for patients in this physician's panel today, and for patients with no
    family physician on file (every physician of the team sees those), most urgent first."""
    return (
        PhysicianAlert.objects.filter(
            Q(patient__family_physician=user) | Q(patient__family_physician__isnull=True),
            cleared_at__isnull=True,
        )
        .select_related("patient", "episode")
        .order_by("due_at", "id")
    )


def open_alerts_for_episode(episode: Episode) -> QuerySet[PhysicianAlert]:
    return (
        PhysicianAlert.objects.filter(episode=episode, cleared_at__isnull=True)
        .select_related("physician")
        .order_by("due_at", "id")
    )


def decision_history(episode: Episode) -> QuerySet[TriageDecision]:
    return (
        TriageDecision.objects.filter(episode=episode)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
    )


def response_awaiting_confirmation(episode: Episode) -> QuestionnaireResponse | None:
    """The newest patient-submitted answers not yet confirmed by a physiotherapist."""
    return (
        QuestionnaireResponse.objects.filter(
            episode=episode,
            source=QuestionnaireResponse.Source.PATIENT_LINK,
            confirmed_at__isnull=True,
        )
        .order_by("-entered_at", "-id")
        .first()
    )


def response_of_episode(episode: Episode, response_id: int) -> QuestionnaireResponse | None:
    """The episode's questionnaire response `response_id` (a form's hidden field), or None."""
    return QuestionnaireResponse.objects.filter(pk=response_id, episode=episode).first()


def start_back_wording() -> Wording:
    """The official wording when a clinic has loaded it, otherwise our paraphrase."""
    text = InstrumentText.objects.filter(instrument="start_back").first()
    if text is None:
        return PARAPHRASE
    return Wording(
        items=tuple(text.items),
        item9_options=tuple(text.item9_options),
        copyright_notice=text.copyright_notice,
        official=True,
    )

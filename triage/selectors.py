"""Triage reads used by several views and panels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils.translation import get_language, gettext, override

from care_episodes.models import Episode
from intake.models import Patient
from triage.instrument import PARAPHRASE, Wording
from triage.models import (
    InstrumentText,
    PhoneScreen,
    PhysicianAlert,
    QuestionnaireResponse,
    TriageDecision,
)


def open_alerts_for_physician(user: User) -> QuerySet[PhysicianAlert]:
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


def wording_language(language: str | None = None) -> str:
    """The instrument language for `language` (default: the request's): "fr" for "fr-ca"."""
    code = (language or get_language() or settings.LANGUAGE_CODE).lower().split("-")[0]
    known = {value.split("-")[0] for value, _name in settings.LANGUAGES}
    return code if code in known else "en"


def instrument_text(instrument: str, language: str | None = None) -> InstrumentText | None:
    """The licensed wording of `instrument` the clinic loaded in this language (default: the
    request's), or None: never another language's, the form then shows the placeholder."""
    return InstrumentText.objects.filter(
        instrument=instrument, language=wording_language(language)
    ).first()


def placeholder_wording() -> Wording:
    """Our plain-language paraphrase, labelled as such, in the request's language."""
    return Wording(
        items=tuple(gettext(item) for item in PARAPHRASE.items),
        item9_options=tuple(gettext(option) for option in PARAPHRASE.item9_options),
        copyright_notice="",
        official=False,
        placeholder_notice=gettext(PARAPHRASE.notice),
    )


def start_back_wording(language: str | None = None) -> Wording:
    """The official wording the clinic loaded in this language (default: the request's), otherwise
    our paraphrase in that language. Scoring never depends on it (answers are codes)."""
    text = instrument_text("start_back", language)
    if text is None:
        if language is not None:
            with override(wording_language(language)):
                return placeholder_wording()
        return placeholder_wording()
    return Wording(
        items=tuple(text.items),
        item9_options=tuple(text.item9_options),
        copyright_notice=text.copyright_notice,
        official=True,
    )


@dataclass(frozen=True)
class TriageDisposition:
    """What the front desk may know of triage: the outcome in words, never the answers or notes."""

    label: str
    emergency: bool
    decided_at: datetime


def triage_disposition(patient: Patient) -> TriageDisposition | None:
    """The latest phone screen or triage decision outcome for the patient, whichever is newer."""
    screen = (
        PhoneScreen.objects.filter(patient=patient)
        .only("outcome", "screened_at")
        .order_by("-screened_at", "-id")
        .first()
    )
    decision = (
        TriageDecision.objects.filter(patient=patient)
        .only("id", "disposition", "decided_at")
        .order_by("-decided_at", "-id")
        .first()
    )
    if decision is not None and (screen is None or decision.decided_at >= screen.screened_at):
        if decision.disposition == TriageDecision.Disposition.EMERGENCY:
            return TriageDisposition(gettext("Emergency — sent to ED"), True, decision.decided_at)
        if decision.disposition == TriageDecision.Disposition.URGENT:
            cleared = (
                decision.alerts.exists()
                and not decision.alerts.filter(cleared_at__isnull=True).exists()
            )
            if not cleared:
                return TriageDisposition(
                    gettext("Physician review pending"), False, decision.decided_at
                )
        return TriageDisposition(gettext("Routine"), False, decision.decided_at)
    if screen is not None:
        if screen.outcome == PhoneScreen.Outcome.EMERGENCY:
            return TriageDisposition(gettext("Emergency — sent to ED"), True, screen.screened_at)
        if screen.outcome == PhoneScreen.Outcome.FAMILY_PHYSICIAN:
            return TriageDisposition(
                gettext("Sent to the family physician (back pain not the main reason)"),
                False,
                screen.screened_at,
            )
        # Only the phone screen so far: say so, so the line agrees with an episode not triaged yet.
        return TriageDisposition(
            gettext("Phone screen passed; physiotherapist triage not done yet"),
            False,
            screen.screened_at,
        )
    return None

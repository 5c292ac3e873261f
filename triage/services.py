"""Triage writes: record a triage, the front desk's phone screen, patient links, clearing alerts.

Each use case is one function and one transaction. The clinical decisions themselves come from
triage/rules/; this module stores them with their inputs and rule version and applies their
consequences to the episode (risk, booking hold, emergency status, the physician's alert).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from care_episodes import lifecycle
from care_episodes.models import Episode
from intake.models import Patient
from lbp_pathway import audit
from lbp_pathway.access import PRIMARY_CARE
from lbp_pathway.selectors import staff_language
from reminders import services as reminders
from triage import labels, rules
from triage.models import (
    PhoneScreen,
    PhysicianAlert,
    QuestionnaireLink,
    QuestionnaireResponse,
    TriageDecision,
    hash_token,
)

# Stored on the episode and patient in English; marked so the pages that show them can translate.
EMERGENCY_HOLD = gettext_noop(
    "Emergency red flag: send to the Emergency Department; routine booking refused until a "
    "physician clears it"
)
URGENT_HOLD = gettext_noop(
    "Urgent red flag: routine pathway care on hold until the family physician has reviewed"
)
DEFAULT_URGENT_REVIEW_HOURS = 72
DEFAULT_LINK_DAYS = 7
PATIENT_LINK_REASON = "patient link"
OPEN_STATUSES = (
    Episode.Status.REQUESTED,
    Episode.Status.BOOKED,
    Episode.Status.ASSESSED,
    Episode.Status.IN_CARE,
)


class AlertClearanceError(Exception):
    """The alert cannot be cleared as asked; the message is for the user."""


class LinkUnavailable(Exception):
    """The questionnaire link is unknown, used or expired."""


def urgent_review_hours() -> int:
    return int(getattr(settings, "TRIAGE_URGENT_REVIEW_HOURS", DEFAULT_URGENT_REVIEW_HOURS))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def build_case(
    episode: Episode, facts: Mapping[str, Any], answers: Sequence[str | None]
) -> dict[str, Any]:
    """The rules' case dict (section 7 of the clinical rules) for this episode, JSON-ready."""
    reference_date = facts.get("reference_date") or timezone.localdate()
    claims = facts.get("claims") or {}
    case: dict[str, Any] = {
        "id": f"episode-{episode.pk}",
        "reference_date": _iso(reference_date),
        "date_of_birth": _iso(episode.patient.date_of_birth),
        "pregnant": bool(facts.get("pregnant", False)),
        "delivery_date": _iso(facts.get("delivery_date")),
        "episode_start_date": _iso(facts.get("episode_start_date") or episode.requested_on),
        "recurrent_episode": bool(facts.get("recurrent_episode", False)),
        "claims": {key: bool(claims.get(key, False)) for key in rules.CLAIM_KEYS},
        "unmanaged_chronic_multisite_pain": bool(
            facts.get("unmanaged_chronic_multisite_pain", False)
        ),
        "unmanaged_narcotic_dependency": bool(facts.get("unmanaged_narcotic_dependency", False)),
        "red_flags": list(facts.get("red_flags") or []),
        "start_back": list(answers),
        "inflammatory_features": list(facts.get("inflammatory_features") or []),
        "age_at_lbp_onset": facts.get("age_at_lbp_onset"),
    }
    return case


def _labelled(codes: Sequence[str]) -> list[dict[str, str]]:
    return [{"code": code, "label": rules.RED_FLAG_LABELS[code]} for code in codes]


def explain(result: rules.TriageResult) -> dict[str, Any]:
    """The decision in plain words, stored with it so it reads the same years later."""
    flags = result.red_flags
    return {
        "start_back": result.start_back.explanation,
        "red_flags": {
            "emergency": _labelled(flags.emergency),
            "urgent": _labelled(flags.urgent),
            "contextual": _labelled(flags.contextual),
        },
        "disposition": rules.RED_FLAG_DISPOSITION_LABELS[flags.disposition],
        "eligibility": {
            program.program: {
                "eligible": program.eligible,
                "reasons": list(program.explanations),
            }
            for program in (result.first_contact_physio, result.rac_lbp)
        },
        "matched_care": rules.MATCHED_CARE_LABELS[result.matched_care],
        "inflammatory_screen": (
            rules.INFLAMMATORY_SCREEN_LABELS[result.inflammatory_screen]
            if result.inflammatory_screen
            else None
        ),
    }


def _hold_for(alerts: QuerySet[PhysicianAlert]) -> str:
    kinds = set(alerts.filter(cleared_at__isnull=True).values_list("kind", flat=True))
    if PhysicianAlert.Kind.EMERGENCY in kinds:
        return EMERGENCY_HOLD
    if PhysicianAlert.Kind.URGENT_REVIEW in kinds:
        return URGENT_HOLD
    return ""


def _holds_from_open_alerts(episode: Episode) -> str:
    return _hold_for(episode.physician_alerts.all())


def _refresh_patient_hold(patient: Patient) -> None:
    """The patient's hold follows every open alert of theirs, with or without an episode: an emergency
    on the phone screen holds all booking for the patient until a physician clears it."""
    hold = _hold_for(PhysicianAlert.objects.filter(patient=patient))
    if patient.booking_hold != hold:
        patient.booking_hold = hold
        patient.save(update_fields=["booking_hold"])


def _raise_alert(
    *,
    patient: Patient | None,
    episode: Episode | None,
    kind: str,
    message: str,
    decision: TriageDecision | None = None,
    phone_screen: PhoneScreen | None = None,
) -> PhysicianAlert:
    """One open alert per episode and kind: a repeat triage adds to nothing the physician has."""
    now = timezone.now()
    if episode is not None:
        existing = episode.physician_alerts.filter(kind=kind, cleared_at__isnull=True).first()
        if existing is not None:
            return existing
    due_at = (
        now
        if kind == PhysicianAlert.Kind.EMERGENCY
        else now + timedelta(hours=urgent_review_hours())
    )
    alert = PhysicianAlert.objects.create(
        episode=episode,
        patient=patient,
        physician=patient.family_physician if patient is not None else None,
        kind=kind,
        message=message[:500],
        decision=decision,
        phone_screen=phone_screen,
        due_at=due_at,
        created_at=now,
    )
    _remind_physician(alert)
    return alert


def _remind_physician(alert: PhysicianAlert) -> None:
    """Emergency: the physician is notified in the app at once (every family physician of the team
    when the patient has none on file). Urgent: reminded at due_at."""
    url = (
        reverse("care_episodes:physician_episode", args=[alert.episode_id])
        if alert.episode_id and alert.physician is not None
        else reverse("care_episodes:physician_home")
    )
    if alert.kind == PhysicianAlert.Kind.EMERGENCY:
        physicians = (
            [alert.physician]
            if alert.physician is not None
            else User.objects.filter(
                groups__name__in=[role.value for role in PRIMARY_CARE], is_active=True
            ).distinct()
        )
        for physician in physicians:
            # Written in the language the physician chose for their screens.
            with translation.override(staff_language(physician)):
                message = labels.alert_message(alert)
                reminders.notify_now(
                    user=physician,
                    title=gettext("Emergency red flag"),
                    body=(
                        f"{alert.patient.full_name}: {message}"
                        if alert.patient is not None
                        else message
                    ),
                    url=url,
                )
    elif alert.physician is not None and alert.episode_id is not None and alert.patient is not None:
        reminders.schedule_physician_review_reminder(
            physician=alert.physician,
            patient=alert.patient,
            episode_id=alert.episode_id,
            due_at=alert.due_at,
            url=url,
        )


def _send_to_emergency(episode: Episode, by: User | None, codes: Sequence[str]) -> None:
    if episode.status != Episode.Status.SENT_TO_EMERGENCY and lifecycle.can_transition(
        episode, Episode.Status.SENT_TO_EMERGENCY
    ):
        lifecycle.transition(
            episode,
            Episode.Status.SENT_TO_EMERGENCY,
            by=by,
            description=lambda: (
                gettext("Sent to the Emergency Department: %(flags)s")
                % {"flags": "; ".join(labels.red_flag_label(code) for code in codes)}
            ),
        )


@transaction.atomic
def record_triage(
    episode: Episode,
    facts: Mapping[str, Any],
    answers: Sequence[str | None],
    *,
    actor: audit.Actor,
    response: QuestionnaireResponse | None = None,
    decided_at: datetime | None = None,
) -> TriageDecision:
    """Store the answers and the rules' decision (by `actor.user`, a physiotherapist); apply its
    consequences to the episode.

    `decided_at` is for loading past decisions (demo data); it defaults to now.
    `response` is patient-submitted answers being confirmed: it is marked confirmed, and used as the
    decision's response when the answers were not changed. Raises rules.RulesInputError on input
    the rules cannot judge (nothing is stored then).
    """
    by = actor.user
    case = build_case(episode, facts, answers)
    result = rules.evaluate(rules.parse_case(case))
    now = decided_at or timezone.now()

    if response is not None and response.awaiting_confirmation:
        response.confirmed_by = by
        response.confirmed_at = now
        response.save(update_fields=["confirmed_by", "confirmed_at"])
    if response is None or list(response.answers) != list(answers):
        response = QuestionnaireResponse.objects.create(
            episode=episode,
            answers=list(answers),
            source=QuestionnaireResponse.Source.STAFF,
            entered_by=by,
            entered_at=now,
        )

    reasons = explain(result)
    decision = TriageDecision.objects.create(
        episode=episode,
        patient=episode.patient,
        response=response,
        inputs=case,
        outputs=result.to_dict(),
        reasons=reasons,
        risk=result.start_back.risk,
        disposition=result.red_flags.disposition,
        rule_version=result.rule_version,
        decided_by=by,
        decided_at=now,
    )
    lifecycle.note_event(
        episode,
        lambda: (
            gettext("Triage recorded: %(explanation)s")
            % {"explanation": labels.start_back_explanation(result.start_back)}
        ),
        by=by,
    )

    patient = episode.patient
    flags = result.red_flags
    if flags.disposition == "emergency":
        flags_text = "; ".join(rules.RED_FLAG_LABELS[code] for code in flags.emergency)
        _send_to_emergency(episode, by, flags.emergency)
        _raise_alert(
            patient=patient,
            episode=episode,
            kind=PhysicianAlert.Kind.EMERGENCY,
            message=labels.EMERGENCY_ALERT % {"flags": flags_text},
            decision=decision,
        )
    elif flags.disposition == "urgent_physician_review":
        flags_text = "; ".join(rules.RED_FLAG_LABELS[code] for code in flags.urgent)
        _raise_alert(
            patient=patient,
            episode=episode,
            kind=PhysicianAlert.Kind.URGENT_REVIEW,
            message=labels.URGENT_ALERT % {"flags": flags_text},
            decision=decision,
        )

    lifecycle.apply_triage(
        episode, risk=decision.risk, booking_hold=_holds_from_open_alerts(episode)
    )
    _refresh_patient_hold(patient)
    audit.record(actor, audit.Action.CREATE, f"Triage decision {decision.pk}", patient=patient)
    return decision


def may_clear(alert: PhysicianAlert, physician: User | None) -> bool:
    """The patient's family physician today clears the alert (the front desk may have moved the
    patient to another panel since it was raised); a patient with none on file is any family
    physician's to review, so no alert (and no hold) is left without someone who can act on it."""
    primary_care = [role.value for role in PRIMARY_CARE]
    if physician is None or not physician.groups.filter(name__in=primary_care).exists():
        return False
    current = alert.patient.family_physician_id if alert.patient is not None else None
    return current is None or current == physician.pk


@transaction.atomic
def clear_alert(alert: PhysicianAlert, *, note: str, actor: audit.Actor) -> PhysicianAlert:
    """The family physician (`actor.user`) clears an alert; the episode's hold lifts once no alert
    is open. Checks `may_clear` again under the row lock (AlertClearanceError)."""
    physician = actor.user
    alert = (
        PhysicianAlert.objects.select_for_update(of=("self",))
        .select_related("patient", "episode")
        .get(pk=alert.pk)
    )
    if not may_clear(alert, physician):
        raise AlertClearanceError(
            gettext("Only the patient's family physician can clear this alert.")
        )
    if alert.cleared_at is not None:
        raise AlertClearanceError(gettext("This alert was already cleared."))
    note = note.strip()
    if not note:
        raise AlertClearanceError(gettext("Say why the alert can be cleared."))
    alert.cleared_by = physician
    alert.cleared_at = timezone.now()
    alert.clearance_note = note
    alert.save(update_fields=["cleared_by", "cleared_at", "clearance_note"])
    if alert.kind == PhysicianAlert.Kind.URGENT_REVIEW and alert.episode_id is not None:
        reminders.cancel_physician_review_reminder(alert.episode_id)

    episode = alert.episode
    if episode is not None:
        episode.refresh_from_db()
        lifecycle.note_event(
            episode,
            lambda: (
                gettext("%(kind)s cleared by the family physician: %(note)s")
                % {"kind": alert.get_kind_display(), "note": note}
            ),
            by=physician,
        )
        hold = _holds_from_open_alerts(episode)
        if hold != EMERGENCY_HOLD and episode.status == Episode.Status.SENT_TO_EMERGENCY:
            lifecycle.transition(
                episode,
                Episode.Status.REQUESTED,
                by=physician,
                description=gettext_noop(
                    "Emergency cleared by the family physician: back to the pathway"
                ),
            )
        lifecycle.set_booking_hold(episode, hold)
    if alert.patient is not None:
        _refresh_patient_hold(alert.patient)
    audit.record(
        actor,
        audit.Action.CHANGE,
        f"Red-flag alert {alert.pk} cleared",
        patient=alert.patient,
    )
    return alert


def _open_episode(patient: Patient) -> Episode | None:
    return (
        Episode.objects.filter(patient=patient, status__in=OPEN_STATUSES)
        .order_by("-requested_on", "-id")
        .first()
    )


@transaction.atomic
def record_phone_screen(
    patient: Patient,
    *,
    back_pain_main_reason: bool,
    emergency_flags: Sequence[str],
    actor: audit.Actor,
) -> PhoneScreen:
    """The front desk's first-call screen. Any emergency symptom wins over everything else."""
    by = actor.user
    flags = rules.classify_red_flags(emergency_flags)
    if flags.urgent or flags.contextual:
        raise rules.RulesInputError(None, "emergency_flags", "only emergency flags are asked")
    if flags.emergency:
        outcome = PhoneScreen.Outcome.EMERGENCY
    elif not back_pain_main_reason:
        outcome = PhoneScreen.Outcome.FAMILY_PHYSICIAN
    else:
        outcome = PhoneScreen.Outcome.BOOK
    episode = _open_episode(patient)
    screen = PhoneScreen.objects.create(
        patient=patient,
        episode=episode,
        back_pain_main_reason=back_pain_main_reason,
        emergency_flags=list(flags.emergency),
        outcome=outcome,
        rule_version=rules.RULE_VERSION,
        screened_by=actor.person,
    )
    if outcome == PhoneScreen.Outcome.EMERGENCY:
        flags_text = "; ".join(rules.RED_FLAG_LABELS[code] for code in flags.emergency)
        _raise_alert(
            patient=patient,
            episode=episode,
            kind=PhysicianAlert.Kind.EMERGENCY,
            message=labels.PHONE_EMERGENCY_ALERT % {"flags": flags_text},
            phone_screen=screen,
        )
        if episode is not None:
            _send_to_emergency(episode, by, flags.emergency)
            lifecycle.set_booking_hold(episode, EMERGENCY_HOLD)
        _refresh_patient_hold(patient)
    audit.record(actor, audit.Action.CREATE, f"Phone screen: {screen.outcome}", patient=patient)
    return screen


@transaction.atomic
def raise_self_referral_emergency_alert(*, message: str) -> PhysicianAlert:
    """A public self-referral answered an emergency question: the same emergency alert as the phone
    screen, to every family physician of the team (nobody is matched to a record yet)."""
    return _raise_alert(
        patient=None, episode=None, kind=PhysicianAlert.Kind.EMERGENCY, message=message
    )


def link_days() -> int:
    return int(getattr(settings, "TRIAGE_LINK_DAYS", DEFAULT_LINK_DAYS))


@transaction.atomic
def create_questionnaire_link(
    episode: Episode, *, actor: audit.Actor
) -> tuple[QuestionnaireLink, str]:
    """A new single-use link; the token is returned once and only its hash is stored."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    link = QuestionnaireLink.objects.create(
        episode=episode,
        token_hash=hash_token(token),
        created_by=actor.person,
        created_at=now,
        expires_at=now + timedelta(days=link_days()),
    )
    audit.record(
        actor, audit.Action.CREATE, f"STarT Back patient link {link.pk}", patient=episode.patient
    )
    return link, token


def usable_link(token: str) -> QuestionnaireLink | None:
    """The link for this token if it can still be answered, else None."""
    link = (
        QuestionnaireLink.objects.select_related("episode__patient")
        .filter(token_hash=hash_token(token))
        .first()
    )
    return link if link is not None and link.usable else None


@transaction.atomic
def submit_patient_answers(
    token: str, answers: Sequence[str | None], *, actor: audit.Actor
) -> QuestionnaireResponse:
    """Store a patient's answers on the link's episode and use the link up (once only).

    The patient is not signed in: `actor` has no user (the request's address, or audit.SYSTEM), and
    the audit row says the answers came through the patient link."""
    rules.score_start_back(answers)  # validates; raises RulesInputError
    link = (
        QuestionnaireLink.objects.select_for_update(of=("self",))
        .select_related("episode__patient")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None or not link.usable:
        raise LinkUnavailable
    now = timezone.now()
    response = QuestionnaireResponse.objects.create(
        episode=link.episode,
        answers=list(answers),
        source=QuestionnaireResponse.Source.PATIENT_LINK,
        entered_at=now,
    )
    link.used_at = now
    link.response = response
    link.save(update_fields=["used_at", "response"])
    lifecycle.note_event(
        link.episode, gettext_noop("STarT Back answered by the patient (secure link)")
    )
    audit.record(
        actor,
        audit.Action.CREATE,
        f"STarT Back answers {response.pk} (patient link)",
        patient=link.episode.patient,
        reason=PATIENT_LINK_REASON,
    )
    return response

"""Triage screens: the physiotherapist's triage page, the front desk phone screen, the patient's
questionnaire link and the physician's alert clearance. Thin: forms in, services out."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from care_episodes.models import Episode
from intake.models import Patient
from lbp_pathway import access, audit
from lbp_pathway.access import PRIMARY_CARE, Area, Role, has_role, public, role_required
from lbp_pathway.http import AuthenticatedHttpRequest
from lbp_pathway.languages import speak_to_patient
from triage import labels, rules, selectors, services
from triage.forms import (
    ClearAlertForm,
    PatientQuestionnaireForm,
    PhoneScreenForm,
    StartBackForm,
    TriageForm,
    sb_field_name,
)
from triage.models import PhoneScreen, PhysicianAlert, QuestionnaireResponse


def _take_url(episode: Episode) -> str:
    """Where a physiotherapist takes an unassigned episode into their care (care_episodes owns it)."""
    return reverse("care_episodes:take_episode", args=[episode.pk])


def _triage_context(
    request: HttpRequest, episode: Episode, form: TriageForm | None
) -> dict[str, Any]:
    """The page; without a form (`form=None`) it is read-only: the user may read the episode but not
    write it (unassigned at their site until they take it, or break the glass)."""
    decisions = list(selectors.decision_history(episode))
    open_alerts = list(selectors.open_alerts_for_episode(episode))
    emergency_alert = next(
        (a for a in open_alerts if a.kind == PhysicianAlert.Kind.EMERGENCY), None
    )
    emergency_decision = next((d for d in decisions if d.disposition == "emergency"), None)
    return {
        "episode": episode,
        "patient": episode.patient,
        "form": form,
        "read_only": form is None,
        "may_take": form is None and getattr(request, "access_basis", None) == access.Basis.SITE,
        "take_url": _take_url(episode) if form is None else None,
        "wording": form.wording if form is not None else selectors.start_back_wording(),
        "latest": decisions[0] if decisions else None,
        "decisions": decisions,
        "open_alerts": open_alerts,
        "emergency_alert": emergency_alert,
        "emergency_decision": emergency_decision if emergency_alert else None,
        "urgent_alerts": [a for a in open_alerts if a.kind == PhysicianAlert.Kind.URGENT_REVIEW],
        "pending_response": selectors.response_awaiting_confirmation(episode),
        "score": _current_score(form) if form is not None else None,
        # The way on from the result: the assessment (care_episodes owns it) or back to the episode.
        "has_assessment": episode.assessments.exists() if decisions else False,
        "assessment_url": reverse("care_episodes:assessment", args=[episode.pk]),
        "episode_url": reverse("care_episodes:episode_detail", args=[episode.pk]),
    }


def _current_score(form: StartBackForm) -> rules.StartBackResult | None:
    """The score of the answers on the form as shown (entered or prefilled), if any."""
    data = form.data if form.is_bound else form.initial
    answers = [
        data.get(sb_field_name(n)) or None for n in range(1, rules.START_BACK_ITEM_COUNT + 1)
    ]
    if not any(answers):
        return None
    try:
        return rules.score_start_back(answers)
    except rules.RulesInputError:
        return None


def _initial_for(episode: Episode, pending: QuestionnaireResponse | None) -> dict[str, Any]:
    latest = selectors.decision_history(episode).first()
    initial: dict[str, Any] = {"episode_start_date": episode.requested_on}
    if latest is not None:
        initial.update(TriageForm.initial_from_inputs(latest.inputs))
    if pending is not None:
        initial.update(TriageForm.initial_from_answers(list(pending.answers)))
        initial["response_id"] = pending.pk
    return initial


@role_required(Role.PHYSIOTHERAPIST)
def episode_triage(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """The triage page: editable for the physiotherapist in care; read-only (history, no form) for
    one who may only read the episode, such as an unassigned episode at their site until they take
    it. A POST from anyone who may not write it is refused (403, audited) before any input is read."""
    write = request.method == "POST"
    episode = access.episode_for(request, episode_id, write=write, what="Triage of episode")
    wording = selectors.start_back_wording()
    form: TriageForm | None
    if write:
        form = TriageForm(
            request.POST, wording=wording, date_of_birth=episode.patient.date_of_birth
        )
        if form.is_valid():
            response = None
            response_id = form.cleaned_data.get("response_id")
            if response_id:
                response = selectors.response_of_episode(episode, response_id)
            try:
                decision = services.record_triage(
                    episode,
                    form.facts(),
                    form.answers(),
                    actor=audit.actor(request),
                    response=response,
                )
            except rules.RulesInputError as error:
                form.add_error(
                    None,
                    gettext("The triage could not be judged: %(error)s") % {"error": error.message},
                )
            else:
                # An emergency opens on the stop at the top of the page, anything else on the result.
                anchor = "" if decision.disposition == "emergency" else "#result"
                return redirect(reverse("triage:episode_triage", args=[episode.pk]) + anchor)
    elif request.access_grant == access.Grant.WRITE:  # type: ignore[attr-defined]
        pending = selectors.response_awaiting_confirmation(episode)
        form = TriageForm(
            initial=_initial_for(episode, pending),
            wording=wording,
            date_of_birth=episode.patient.date_of_birth,
        )
    else:
        form = None
    audit.record(request, audit.Action.VIEW, "Triage page", patient=episode.patient)
    return render(request, "triage/episode_triage.html", _triage_context(request, episode, form))


@role_required(Role.PHYSIOTHERAPIST)
@require_POST
def score(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The live STarT Back score panel (htmx partial); stores nothing."""
    form = StartBackForm(request.POST)
    result = rules.score_start_back(form.answers()) if form.is_valid() else None
    return render(request, "triage/_score_panel.html", {"score": result})


@role_required(Role.PHYSIOTHERAPIST, Role.FRONT_DESK)
def questionnaire_link(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """Create a single-use link the patient opens to answer STarT Back themselves.

    The front desk hands links out for every episode (the triage disposition area); a physiotherapist
    under the clinical-records rule (their episodes; an unassigned one at their site to read, and to
    write once taken): the disposition area would give every physiotherapist every episode."""
    write = request.method == "POST"
    area = (
        Area.TRIAGE_DISPOSITION
        if has_role(request.user, Role.FRONT_DESK)
        else Area.CLINICAL_RECORDS
    )
    episode = access.episode_for(
        request, episode_id, write=write, area=area, what="STarT Back patient link of episode"
    )
    context: dict[str, Any] = {
        "episode": episode,
        "patient": episode.patient,
        "link_url": None,
        "may_write": request.access_grant == access.Grant.WRITE,  # type: ignore[attr-defined]
    }
    if write:
        link, token = services.create_questionnaire_link(episode, actor=audit.actor(request))
        context["link_url"] = request.build_absolute_uri(
            reverse("triage:patient_questionnaire", args=[token])
        )
        context["link"] = link
    else:
        audit.record(
            request, audit.Action.VIEW, "STarT Back patient link page", patient=episode.patient
        )
    return render(request, "triage/questionnaire_link.html", context)


@public
def patient_questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    """The patient's page: the questionnaire only, no names, no other data."""
    link = services.usable_link(token)
    if link is None:
        return render(request, "triage/patient_link_unavailable.html", status=410)
    speak_to_patient(request, link.episode.patient.language_code)
    wording = selectors.start_back_wording()
    if request.method == "POST":
        form = PatientQuestionnaireForm(request.POST, wording=wording)
        if form.is_valid():
            try:
                services.submit_patient_answers(token, form.answers(), actor=audit.actor(request))
            except services.LinkUnavailable:
                return render(request, "triage/patient_link_unavailable.html", status=410)
            return render(request, "triage/patient_thanks.html")
    else:
        form = PatientQuestionnaireForm(wording=wording)
    return render(request, "triage/patient_questionnaire.html", {"form": form, "wording": wording})


def _slot_search_url(patient: Patient) -> str:
    return f"{reverse('intake:slot_search')}?patient={patient.pk}"


@role_required(Role.FRONT_DESK)
def phone_screen(request: AuthenticatedHttpRequest) -> HttpResponse:
    patient_id = request.GET.get("patient", "")
    if not patient_id.isdigit():
        raise Http404("Choose the patient first.")
    patient = access.patient_for(
        request, patient_id, area=Area.TRIAGE_DISPOSITION, what="Phone screen"
    )
    if request.method == "POST":
        form = PhoneScreenForm(request.POST)
        if form.is_valid():
            screen = services.record_phone_screen(
                patient,
                back_pain_main_reason=form.cleaned_data["back_pain_main_reason"],
                emergency_flags=form.cleaned_data["emergency_symptoms"],
                actor=audit.actor(request),
            )
            if screen.outcome == PhoneScreen.Outcome.BOOK:
                return redirect(_slot_search_url(patient))
            return render(
                request,
                "triage/phone_screen_result.html",
                {
                    "patient": patient,
                    "screen": screen,
                    "flags": [labels.red_flag_label(code) for code in screen.emergency_flags],
                },
            )
    else:
        form = PhoneScreenForm()
        audit.record(request, audit.Action.VIEW, "Phone screen", patient=patient)
    return render(request, "triage/phone_screen.html", {"patient": patient, "form": form})


@role_required(*PRIMARY_CARE)
def clear_alert(request: AuthenticatedHttpRequest, alert_id: int) -> HttpResponse:
    write = request.method == "POST"
    alert = access.alert_for(request, alert_id, write=write)
    if write:
        form = ClearAlertForm(request.POST)
        if form.is_valid():
            try:
                services.clear_alert(
                    alert, note=form.cleaned_data["note"], actor=audit.actor(request)
                )
            except services.AlertClearanceError as error:
                form.add_error("note", str(error))
            else:
                if alert.patient is not None:
                    done = gettext("Alert cleared for %(name)s.") % {
                        "name": alert.patient.full_name
                    }
                else:
                    done = gettext("Alert cleared for the self-referral.")
                messages.success(request, done)
                return redirect("care_episodes:physician_home")
    else:
        form = ClearAlertForm()
    audit.record(request, audit.Action.VIEW, "Red-flag alert", patient=alert.patient)
    return render(request, "triage/clear_alert.html", {"alert": alert, "form": form})

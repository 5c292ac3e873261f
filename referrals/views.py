from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from care_episodes.models import Episode
from lbp_pathway import access, audit, history
from lbp_pathway.access import (
    PRIMARY_CARE,
    Grant,
    Role,
    has_role,
    role_required,
)
from lbp_pathway.http import AuthenticatedHttpRequest
from lbp_pathway.pdf import html_to_pdf
from referrals import labels, letters, rules, selectors, services
from referrals.forms import (
    MatchForm,
    ReferralForm,
    ReportForm,
    RoutingReviewForm,
    StatusForm,
    SuggestionDecisionForm,
)
from referrals.models import Referral, ReferralSuggestion, RoutingReview
from referrals.suggestions import AssessmentFacts, triage_summary
from triage.rules import Claims

CLINICAL_ROLES = (Role.PHYSIOTHERAPIST, *PRIMARY_CARE)

DEFAULT_QUESTIONS = {
    rules.RAC_LBP: gettext_lazy(
        "Please assess for surgical or injection candidacy and advise on management."
    ),
    rules.SPINE_SURGEON: gettext_lazy("Please assess for surgical or injection candidacy."),
    rules.IMAGING: gettext_lazy("Please image the lumbar spine to answer the question below."),
    rules.RHEUMATOLOGY: gettext_lazy("Please assess for axial spondyloarthritis."),
    rules.PAIN_PROGRAM: gettext_lazy("Please assess for your interdisciplinary pain program."),
    rules.EMERGENCY: gettext_lazy("Please assess urgently for the red flag described."),
    rules.FAMILY_PHYSICIAN: gettext_lazy(
        "Please review before routine physiotherapy care continues."
    ),
    rules.COMMUNITY_PHYSIO: gettext_lazy("Please continue a course of physiotherapy."),
}


@role_required(Role.PHYSIOTHERAPIST, *PRIMARY_CARE, Role.FRONT_DESK)
def referral_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    referrals = list(selectors.referrals_for(request.user).order_by("-created_at", "-id")[:200])
    # The front desk sees the status only: no link to the clinical page.
    openable = {
        referral.pk
        for referral in referrals
        if access.episode_grant(request.user, referral.episode) is not None
    }
    return render(
        request,
        "referrals/list.html",
        {
            "referrals": referrals,
            "openable": openable,
            "clinical": bool(openable),
            "overdue_count": sum(1 for r in referrals if r.is_overdue),
        },
    )


@role_required(Role.PHYSIOTHERAPIST)
def episode_referrals(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode: Episode = access.episode_for(
        request, episode_id, write=request.method == "POST", what="Episode referrals"
    )
    patient = episode.patient
    if request.method == "POST":
        form = RoutingReviewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            today = timezone.localdate()
            triage = triage_summary(
                reference_date=today,
                date_of_birth=patient.date_of_birth,
                episode_start_date=data["symptoms_started_on"],
                recurrent_episode=data["recurrent_episode"],
                red_flags=data["red_flags"],
                risk=data["risk"] or None,
                claims=Claims(
                    wsib=data["wsib_claim"],
                    motor_vehicle=data["motor_vehicle_claim"],
                    legal=data["legal_claim"],
                ),
                pregnant=data["pregnant"],
                delivery_date=data["delivery_date"],
                unmanaged_chronic_multisite_pain=data["unmanaged_chronic_multisite_pain"],
                unmanaged_narcotic_dependency=data["unmanaged_narcotic_dependency"],
                inflammatory_features=data["inflammatory_features"],
                age_at_lbp_onset=data["age_at_lbp_onset"],
            )
            facts = AssessmentFacts(
                leg_dominant=data["leg_dominant"],
                weeks_of_symptoms=(today - data["symptoms_started_on"]).days // 7,
                surgical_candidate=data["surgical_candidate"],
                opioid_concerns=data["opioid_concerns"],
                not_improving=data["not_improving"],
                private_physio_coverage=data["private_physio_coverage"],
            )
            services.record_review(
                episode=episode, triage_result=triage, facts=facts, actor=audit.actor(request)
            )
            messages.success(request, gettext("Suggestions updated."))
            return redirect("referrals:episode_referrals", episode_id=episode.pk)
    else:
        form = RoutingReviewForm(initial=selectors.routing_initial(episode))
    if request.method == "GET":
        audit.record(request, audit.Action.VIEW, "Episode referrals", patient=patient)
    review = selectors.latest_review(episode)
    referrals = selectors.episode_referrals(episode)
    return render(
        request,
        "referrals/episode.html",
        {
            "episode": episode,
            "patient": patient,
            "form": form,
            "review": review,
            "triage": letters.triage_display(review.triage_result) if review else None,
            "suggestions": list(review.suggestions.all()) if review else [],
            "decision_form": SuggestionDecisionForm(),
            "referrals": referrals,
            "kinds": labels.kind_choices(),
        },
    )


@require_POST
@role_required(Role.PHYSIOTHERAPIST)
def decide_suggestion(request: AuthenticatedHttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = get_object_or_404(
        ReferralSuggestion.objects.select_related("review__episode__patient"), pk=suggestion_id
    )
    episode: Episode = access.episode_for(
        request, suggestion.review.episode_id, write=True, what="Episode referrals"
    )
    form = SuggestionDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{suggestion.label}: {error}")
        return redirect("referrals:episode_referrals", episode_id=episode.pk)
    data = form.cleaned_data
    services.decide_suggestion(
        suggestion,
        decision=data["decision"],
        reason=data["reason"],
        changed_to_kind=data["changed_to_kind"],
        actor=audit.actor(request),
    )
    if suggestion.decision != ReferralSuggestion.Decision.DECLINED and suggestion.referable:
        return redirect(
            f"{_create_url(episode.pk, suggestion.referral_kind)}?suggestion={suggestion.pk}"
        )
    messages.success(
        request,
        gettext("%(suggestion)s: %(decision)s.")
        % {"suggestion": suggestion.label, "decision": suggestion.get_decision_display().lower()},
    )
    return redirect("referrals:episode_referrals", episode_id=episode.pk)


def _create_url(episode_id: int, kind: str) -> str:
    return reverse("referrals:create", kwargs={"episode_id": episode_id, "kind": kind})


@role_required(Role.PHYSIOTHERAPIST)
def create_referral(request: AuthenticatedHttpRequest, episode_id: int, kind: str) -> HttpResponse:
    if kind not in rules.KINDS:
        raise Http404("Unknown destination kind")
    episode: Episode = access.episode_for(request, episode_id, write=True, what="Referral matching")
    patient = episode.patient
    review = selectors.latest_review(episode)
    suggestion = None
    suggestion_id = request.POST.get("suggestion") or request.GET.get("suggestion")
    if suggestion_id and str(suggestion_id).isdigit():
        suggestion = selectors.suggestion_of(episode, int(suggestion_id))

    source = request.POST if request.method == "POST" else request.GET
    match_form = MatchForm(source)
    match_form.is_valid()
    options = match_form.cleaned_data if match_form.is_valid() else {}
    origin = options.get("from_postal_code") or patient.postal_code
    location = selectors.locate(origin) if origin else None
    matches = (
        selectors.match_destinations(
            kind=kind,
            location=location,
            eligible_programs=selectors.eligible_programs(review),
            language=options.get("language", ""),
            provider_gender=options.get("provider_gender", ""),
        )
        if location
        else []
    )
    outside = rules.imaging_outside_guideline(
        red_flag=review.red_flag if review else False,
        surgical_candidate=review.surgical_candidate if review else False,
    )
    if request.method == "POST":
        form = ReferralForm(
            request.POST, matches=matches, kind=kind, imaging_outside_guideline=outside
        )
        if matches and form.is_valid():
            data = form.cleaned_data
            referral = services.create_referral(
                episode=episode,
                kind=kind,
                destination=data["destination"],
                matches=matches,
                matched_from_postal_code=location.postal_code if location else "",
                reason=data["reason"],
                question=data["question"],
                findings=data["findings"],
                tried=data["tried"],
                override_reason=data["override_reason"],
                override_note=data["override_note"],
                imaging_outside_guideline=form.imaging_outside_guideline,
                imaging_reason=data.get("imaging_reason", ""),
                suggestion=suggestion,
                actor=audit.actor(request),
            )
            messages.success(
                request,
                gettext("Draft referral to %(name)s created.")
                % {"name": referral.destination.name},
            )
            return redirect("referrals:detail", referral_id=referral.pk)
    else:
        form = ReferralForm(
            initial={
                "reason": "; ".join(labels.reason_text(r) for r in suggestion.reasons)
                if suggestion
                else "",
                "findings": _findings_text(review),
                "question": DEFAULT_QUESTIONS.get(kind, ""),
                "from_postal_code": options.get("from_postal_code", ""),
                "language": options.get("language", ""),
                "provider_gender": options.get("provider_gender", ""),
            },
            matches=matches,
            kind=kind,
            imaging_outside_guideline=outside,
        )
    audit.record(request, audit.Action.VIEW, f"Referral matching ({kind})", patient=patient)
    return render(
        request,
        "referrals/create.html",
        {
            "episode": episode,
            "patient": patient,
            "kind": kind,
            "kind_label": labels.kind_label(kind),
            "suggestion": suggestion,
            "match_form": match_form,
            "form": form,
            "matches": matches,
            "location": location,
            "origin": origin,
            "imaging_outside_guideline": kind == rules.IMAGING and outside,
        },
    )


def _findings_text(review: RoutingReview | None) -> str:
    if review is None:
        return ""
    triage = letters.triage_display(review.triage_result)
    parts = [gettext("STarT Back risk: %(risk)s.") % {"risk": triage["risk"]}]
    flags = ", ".join(triage["flags"]) if triage["flags"] else gettext("none")
    parts.append(gettext("Red flags: %(flags)s.") % {"flags": flags})
    if review.leg_dominant:
        parts.append(gettext("Leg-dominant pain."))
    parts.append(gettext("Symptoms for %(weeks)s weeks.") % {"weeks": review.weeks_of_symptoms})
    if review.not_improving:
        parts.append(gettext("Not improving despite care."))
    if review.surgical_candidate:
        parts.append(gettext("Possible surgical candidate."))
    return " ".join(parts)


@role_required(*CLINICAL_ROLES)
def referral_detail(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    referral: Referral = access.referral_for(request, referral_id)
    events = selectors.referral_events(referral)
    writes = request.access_grant is Grant.WRITE  # type: ignore[attr-defined]
    # Only the physiotherapist in care moves a referral; the physician may attach the report.
    moves = writes and has_role(request.user, Role.PHYSIOTHERAPIST)
    status_form = StatusForm()
    to_status = status_form.fields["to_status"]
    assert isinstance(to_status, forms.ChoiceField)
    to_status.choices = referral.next_statuses
    audit.record(
        request,
        audit.Action.VIEW,
        f"Referral {referral.pk}",
        patient_id=referral.episode.patient_id,
    )
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "events": events,
            "status_form": status_form if moves and referral.next_statuses else None,
            "report_form": ReportForm()
            if writes and referral.status in services.REPORT_ACCEPTED_FROM
            else None,
            "kind_label": labels.kind_label(referral.kind),
            "changes": history.changes(referral),
        },
    )


@require_POST
@role_required(Role.PHYSIOTHERAPIST)
def move_referral(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    referral: Referral = access.referral_for(request, referral_id, write=True)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.move_referral(
                referral,
                form.cleaned_data["to_status"],
                actor=audit.actor(request),
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except rules.IllegalReferralMove as error:
            messages.error(request, labels.move_refused(error))
        else:
            messages.success(
                request,
                gettext("Referral is now %(status)s.")
                % {"status": referral.get_status_display().lower()},
            )
    else:
        for errors in form.errors.values():
            for problem in errors:
                messages.error(request, str(problem))
    return redirect("referrals:detail", referral_id=referral.pk)


@require_POST
@role_required(*CLINICAL_ROLES)
def attach_report(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    referral: Referral = access.referral_for(request, referral_id, write=True)
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attach_report(
                referral,
                form.cleaned_data["report"],
                report_type=form.report_type,
                actor=audit.actor(request),
            )
        except rules.IllegalReferralMove as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, gettext("Report attached: the referral is now report received.")
            )
            return redirect("referrals:detail", referral_id=referral.pk)
    events = selectors.referral_events(referral)
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "events": events,
            "status_form": None,
            "report_form": form,
            "kind_label": labels.kind_label(referral.kind),
        },
        status=400 if form.errors else 200,
    )


@role_required(*CLINICAL_ROLES)
def report_file(request: AuthenticatedHttpRequest, referral_id: int) -> FileResponse:
    referral: Referral = access.referral_for(request, referral_id)
    stored_name = referral.report.name
    if not stored_name:  # a FieldFile without a name is no file
        raise Http404("No report attached")
    audit.record(
        request,
        audit.Action.VIEW,
        f"Referral {referral.pk} report",
        patient_id=referral.episode.patient_id,
    )
    extension = stored_name.rsplit(".", 1)[-1]
    response = FileResponse(
        referral.report.open("rb"),
        content_type=referral.report_content_type or "application/octet-stream",
        as_attachment=extension == "txt",
        filename=f"referral-{referral.pk}-report.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*CLINICAL_ROLES)
def letter(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    referral: Referral = access.referral_for(request, referral_id)
    audit.record(
        request,
        audit.Action.PRINT,
        f"Referral {referral.pk} letter",
        patient_id=referral.episode.patient_id,
    )
    return render(request, "referrals/letter.html", letters.letter_context(referral))


@role_required(*CLINICAL_ROLES)
def letter_pdf(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    referral: Referral = access.referral_for(request, referral_id)
    pdf = html_to_pdf(
        render_to_string("referrals/letter_pdf.html", letters.letter_context(referral))
    )
    if pdf is None:
        raise RuntimeError("The referral letter could not be made into a PDF.")
    audit.record(
        request,
        audit.Action.PRINT,
        f"Referral {referral.pk} letter (PDF)",
        patient_id=referral.episode.patient_id,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="referral-{referral.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response

"""The practice lead's pages: complex and escalated cases of the team, read-only episodes, and the
case reviews a physiotherapist asks for (the lead answers with advice; the episode stays the physio's)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care_episodes import selectors, services
from care_episodes.forms import CaseReviewAdviceForm, CaseReviewRequestForm
from care_episodes.models import FollowUpPlan
from lbp_pathway import access, audit
from lbp_pathway.access import Role, role_required
from lbp_pathway.audit import Action
from lbp_pathway.http import AuthenticatedHttpRequest
from triage.models import TriageDecision

LEAD = Role.PRACTICE_LEAD


@role_required(LEAD)
def lead_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Reviews asked for (oldest first), then the team's high-risk and urgent red-flag episodes."""
    waiting = list(selectors.open_case_reviews())
    complex_cases = list(selectors.complex_cases())
    return render(
        request,
        "care_episodes/lead_home.html",
        {"waiting": waiting, "complex_cases": complex_cases},
    )


@role_required(LEAD)
def case_review(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """One episode, read-only, with the review waiting for an answer (if any) and the form to answer."""
    episode = access.episode_for(request, episode_id, what="Care episode (case review)")
    reviews = selectors.case_reviews_of(episode)
    waiting = next((r for r in reviews if r.reviewed_at is None), None)
    form = CaseReviewAdviceForm(request.POST or None)
    if request.method == "POST":
        if waiting is None:
            messages.error(request, _("No review of this episode is waiting for an answer."))
            return redirect("care_episodes:case_review", episode_id=episode_id)
        if form.is_valid():
            try:
                services.answer_case_review(
                    waiting, actor=audit.actor(request), advice=form.cleaned_data["advice"]
                )
            except services.CaseReviewRefused as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Your advice was sent to the physiotherapist."))
            return redirect("care_episodes:lead_home")
    else:
        audit.record(
            request,
            Action.VIEW,
            f"care episode {episode_id} (case review)",
            patient=episode.patient,
            reason=str(request.access_basis.value),  # type: ignore[attr-defined]
        )
    rows, charts = selectors.outcome_history(episode)
    triage = selectors.latest_triage(episode)
    return render(
        request,
        "care_episodes/case_review.html",
        {
            "episode": episode,
            "reviews": reviews,
            "waiting": waiting,
            "form": form,
            "assessment": selectors.latest_assessment(episode),
            "triage": triage,
            "disposition": TriageDecision.Disposition(triage["disposition"]).label
            if triage
            else "",
            "outcome_rows": rows,
            "charts": charts,
            "notes": list(episode.notes.filter(signed_at__isnull=False).select_related("author")),
            "follow_up": FollowUpPlan.objects.filter(episode=episode).first(),
        },
    )


@role_required(Role.PHYSIOTHERAPIST)
@require_POST
def request_case_review(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """The physiotherapist in care escalates the case to a practice lead."""
    episode = access.episode_for(request, episode_id, write=True)
    form = CaseReviewRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what the practice lead should look at."))
    else:
        try:
            services.request_case_review(
                episode, actor=audit.actor(request), question=form.cleaned_data["question"]
            )
        except services.CaseReviewRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The practice lead has been asked to review this case."))
    return redirect("care_episodes:episode_detail", episode_id=episode_id)

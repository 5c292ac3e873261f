from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from care_episodes import lifecycle, outcomes, selectors, services, worsening
from care_episodes.forms import (
    AssessmentForm,
    DischargeForm,
    FollowUpForm,
    NoteForm,
    OutcomeForm,
    PlanForm,
    ReplyForm,
    StatusForm,
)
from care_episodes.lifecycle import IllegalTransition
from care_episodes.models import Episode, FollowUpPlan, SelfManagementPlan
from intake.models import Patient
from lbp_pathway import access, audit, history
from lbp_pathway.access import Basis, Grant, Role, role_required
from lbp_pathway.audit import Action, record
from lbp_pathway.http import AuthenticatedHttpRequest
from lbp_pathway.pdf import html_to_pdf

PHYSIO = Role.PHYSIOTHERAPIST
PHYSICIAN = Role.FAMILY_PHYSICIAN


# --- access ------------------------------------------------------------------------------------------
# Every page fetches its episode or note through lbp_pathway.access (`episode_for`, `note_for`): 404, or
# a 403 audited with the patient id. Writes need the write grant (the physio in care, the physician of
# the patient's panel); a physio reads an unassigned episode at their site and writes it once taken.


def _audit_read(request: HttpRequest, action: str, what: str, patient: Patient) -> None:
    """Record a read (view or print); a break-the-glass read was recorded as such by access."""
    basis = getattr(request, "access_basis", None)
    if basis is Basis.BREAK_GLASS and action == Action.VIEW:
        return
    record(request, action, what, patient=patient, reason=basis.value if basis else "")


def _can_write(request: HttpRequest) -> bool:
    return getattr(request, "access_grant", None) is Grant.WRITE


def _slot_search_url(episode: Episode) -> str:
    return reverse("intake:slot_search") + f"?patient={episode.patient_id}"


# --- physiotherapist ---------------------------------------------------------------------------------


@role_required(PHYSIO)
def physio_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = selectors.physio_open_episodes(request.user)
    replies = list(selectors.unseen_replies(request.user))
    return render(
        request,
        "care_episodes/physio_home.html",
        {
            "rows": rows,
            "overdue": [row for row in rows if row.note_overdue],
            "replies": replies,
            "sign_days": selectors.note_sign_days(),
            "worse": worsening.worse_since_last_time(request.user),
        },
    )


@role_required(PHYSIO)
def episode_detail(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """The episode page: in full for the physio in care; read-only for an unassigned episode at the
    physio's site (with the button to take it) and under break the glass."""
    episode = access.episode_for(request, episode_id)
    _audit_read(request, Action.VIEW, f"care episode {episode_id}", episode.patient)
    own = _can_write(request)
    rows, charts = selectors.outcome_history(episode)
    notes = list(
        episode.notes.select_related("author", "signed_by").prefetch_related("replies__author")
    )
    plan = SelfManagementPlan.objects.filter(episode=episode).first()
    context = {
        "episode": episode,
        "own": own,
        "can_take": request.access_basis is Basis.SITE,  # type: ignore[attr-defined]
        "assessment": selectors.latest_assessment(episode),
        "triage": selectors.latest_triage(episode),
        "timeline": selectors.episode_timeline(episode),
        "outcome_rows": rows,
        "charts": charts,
        "plan": plan,
        "follow_up": FollowUpPlan.objects.filter(episode=episode).first(),
        "proposed": services.proposed_follow_up(episode),
        "notes": notes,
        "episode_changes": history.changes(episode),
        "note_changes": history.with_changes(notes),
        "draft": next((note for note in notes if not note.is_signed), None),
        "status_form": StatusForm(),
        "allowed_next": [Episode.Status(s) for s in lifecycle.allowed_next(episode)],
        "slot_search_url": _slot_search_url(episode),
        "next_due": outcomes.next_due(
            next(
                (r.measurement.measured_on for r in rows if r.measurement.timepoint == "baseline"),
                None,
            ),
            [r.measurement.timepoint for r in rows],
            episode.discharged_on,
            today=episode.first_assessed_on or episode.requested_on,
        ),
    }
    if own:
        services.mark_replies_seen(episode)
    return render(request, "care_episodes/episode_detail.html", context)


@role_required(PHYSIO)
@require_POST
def take_episode(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """Take an unassigned episode (one the physio may read at their site) into the physio's care."""
    episode = access.episode_for(request, episode_id, what="Care episode (take into care)")
    basis = request.access_basis  # type: ignore[attr-defined]
    if basis is Basis.IN_CARE:
        messages.info(request, "This episode is already in your care.")
        return redirect("care_episodes:episode_detail", episode_id=episode_id)
    if basis is not Basis.SITE:
        access.refuse(
            request,
            f"Care episode {episode_id} (take into care)",
            episode.patient_id,
            "Only an unassigned episode at your site can be taken into your care.",
        )
    try:
        services.take_episode(episode, actor=audit.actor(request))
    except IllegalTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The episode is now in your care.")
    return redirect("care_episodes:episode_detail", episode_id=episode_id)


@role_required(PHYSIO)
def assessment_edit(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, write=True)
    previous = selectors.latest_assessment(episode)
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            if _carry_out(
                request,
                lambda: services.record_assessment(
                    episode, actor=audit.actor(request), **form.cleaned_data
                ),
                "Assessment saved.",
            ):
                return redirect("care_episodes:episode_detail", episode_id=episode_id)
    else:
        initial = {}
        if previous is not None:
            initial = {name: getattr(previous, name) for name in AssessmentForm.Meta.fields}
            initial.pop("assessed_on")
        form = AssessmentForm(initial=initial)
        _audit_read(request, Action.VIEW, f"assessment of episode {episode_id}", episode.patient)
    return render(
        request,
        "care_episodes/assessment_form.html",
        {"episode": episode, "form": form, "triage": selectors.latest_triage(episode)},
    )


@role_required(PHYSIO)
def outcome_add(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, write=True)
    done = set(episode.outcomes.values_list("timepoint", flat=True))
    initial_timepoint = "baseline" if "baseline" not in done else "six_weeks"
    form = OutcomeForm(request.POST or None, initial={"timepoint": initial_timepoint})
    if request.method == "POST" and form.is_valid():
        timepoint = form.cleaned_data["timepoint"]
        if timepoint != "other" and timepoint in done:
            form.add_error("timepoint", "This timepoint is already recorded; choose another.")
        else:
            services.record_outcomes(episode, actor=audit.actor(request), **form.service_kwargs())
            messages.success(request, "Outcome measures saved.")
            return redirect("care_episodes:episode_detail", episode_id=episode_id)
    return render(request, "care_episodes/outcome_form.html", {"episode": episode, "form": form})


@role_required(PHYSIO)
def plan_edit(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, write=True)
    plan = SelfManagementPlan.objects.filter(episode=episode).first()
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        services.save_plan(
            episode, actor=audit.actor(request), exercises=data.pop("exercises"), **data
        )
        messages.success(request, "Self-management plan saved.")
        return redirect("care_episodes:episode_detail", episode_id=episode_id)
    return render(request, "care_episodes/plan_form.html", {"episode": episode, "form": form})


def _handout_context(episode: Episode) -> dict[str, Any]:
    plan = get_object_or_404(SelfManagementPlan, episode=episode)
    return {"episode": episode, "plan": plan, "exercises": list(plan.exercises.all())}


@role_required(PHYSIO)
def handout(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id)
    context = _handout_context(episode)
    _audit_read(
        request, Action.PRINT, f"self-management handout of episode {episode_id}", episode.patient
    )
    return render(request, "care_episodes/handout.html", context)


def pdf_response(template: str, context: dict[str, Any], filename: str) -> HttpResponse:
    pdf = html_to_pdf(render_to_string(template, context))
    if pdf is None:
        raise RuntimeError("The PDF could not be generated.")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@role_required(PHYSIO)
def handout_pdf(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id)
    context = _handout_context(episode)
    _audit_read(
        request,
        Action.PRINT,
        f"self-management handout PDF of episode {episode_id}",
        episode.patient,
    )
    return pdf_response("care_episodes/pdf/handout.html", context, f"handout-{episode_id}.pdf")


@role_required(PHYSIO)
def follow_up_edit(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, write=True)
    plan = FollowUpPlan.objects.filter(episode=episode).first()
    initial = None if plan else services.proposed_follow_up(episode)
    form = FollowUpForm(request.POST or None, instance=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _carry_out(
            request,
            lambda: services.save_follow_up(
                episode, actor=audit.actor(request), **form.cleaned_data
            ),
            "Follow-up plan saved.",
        ):
            return redirect("care_episodes:episode_detail", episode_id=episode_id)
    return render(
        request,
        "care_episodes/follow_up_form.html",
        {"episode": episode, "form": form, "proposed": services.proposed_follow_up(episode)},
    )


@role_required(PHYSIO)
def discharge(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, write=True)
    form = DischargeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _carry_out(
            request,
            lambda: services.discharge(
                episode,
                actor=audit.actor(request),
                reason=form.cleaned_data["reason"],
                discharged_on=form.cleaned_data["discharged_on"],
                summary=form.cleaned_data["summary"],
                final_outcomes=form.final_outcomes(),
            ),
            "Episode discharged.",
        ):
            return redirect("care_episodes:episode_detail", episode_id=episode_id)
    return render(request, "care_episodes/discharge_form.html", {"episode": episode, "form": form})


@role_required(PHYSIO)
@require_POST
def change_status(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, write=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status.")
    else:
        try:
            services.change_status(
                episode,
                form.cleaned_data["to_status"],
                actor=audit.actor(request),
                description=form.cleaned_data["description"],
            )
        except IllegalTransition as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Status changed to {episode.get_status_display()}.")
    return redirect("care_episodes:episode_detail", episode_id=episode_id)


def _carry_out(request: HttpRequest, write: Callable[[], object], success: str) -> bool:
    """Run one write service (it audits itself); a refused move becomes a message."""
    try:
        write()
    except IllegalTransition as error:
        messages.error(request, str(error))
        return False
    messages.success(request, success)
    return True


@role_required(PHYSIO)
@require_POST
def note_draft(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, write=True)
    try:
        note = services.draft_note(episode, actor=audit.actor(request))
    except IllegalTransition as error:
        messages.error(request, str(error))
        return redirect("care_episodes:episode_detail", episode_id=episode_id)
    return redirect("care_episodes:note_edit", note_id=note.pk)


@role_required(PHYSIO)
def note_edit(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    """A draft to edit and sign (the physio in care); a signed note, or a draft the physio may only
    read, is shown read-only."""
    note = access.note_for(request, note_id, write=request.method == "POST")
    if note.is_signed or not _can_write(request):
        _audit_read(request, Action.VIEW, f"consultation note {note_id}", note.episode.patient)
        return render(
            request,
            "care_episodes/note_signed.html",
            {"note": note, "can_write": _can_write(request)},
        )
    form = NoteForm(request.POST or None, instance=note)
    if request.method == "POST" and form.is_valid():
        actor = audit.actor(request)
        services.update_note(
            note, actor=actor, title=form.cleaned_data["title"], body=form.cleaned_data["body"]
        )
        if "sign" in request.POST:
            services.sign_note(note, actor=actor)
            messages.success(request, "Note signed and sent to the family physician.")
            return redirect("care_episodes:episode_detail", episode_id=note.episode_id)
        messages.success(request, "Draft saved.")
        return redirect("care_episodes:note_edit", note_id=note_id)
    if request.method == "GET":
        _audit_read(request, Action.VIEW, f"consultation note {note_id}", note.episode.patient)
    return render(request, "care_episodes/note_form.html", {"note": note, "form": form})


@role_required(PHYSIO)
@require_POST
def note_addendum(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    note = access.note_for(request, note_id, write=True)
    try:
        addendum = services.start_addendum(note, actor=audit.actor(request))
    except IllegalTransition as error:
        messages.error(request, str(error))
        return redirect("care_episodes:note_edit", note_id=note_id)
    return redirect("care_episodes:note_edit", note_id=addendum.pk)


@role_required(PHYSIO, PHYSICIAN)
def note_pdf(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    """The note as PDF: any version for the physio who may read the episode; signed ones for the
    family physician of the patient's panel (access.note_for)."""
    note = access.note_for(request, note_id)
    _audit_read(request, Action.PRINT, f"consultation note {note_id} PDF", note.episode.patient)
    return pdf_response(
        "care_episodes/pdf/note.html",
        {"note": note},
        f"consultation-note-{note_id}-v{note.version}.pdf",
    )


# --- family physician --------------------------------------------------------------------------------


@role_required(PHYSICIAN)
def physician_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    notes = list(selectors.physician_inbox(request.user, query)[:100])
    return render(
        request,
        "care_episodes/physician_home.html",
        {"notes": notes, "query": query, "unread": sum(1 for n in notes if not n.is_read)},
    )


@role_required(PHYSICIAN)
def physician_note_detail(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    note = access.note_for(request, note_id, write=request.method == "POST", signed_only=True)
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        if "mark_read" in request.POST:
            services.mark_read(note, actor=audit.actor(request))
            messages.success(request, "Marked as read.")
            return redirect("care_episodes:physician_home")
        if form.is_valid():
            services.reply_to_note(note, actor=audit.actor(request), text=form.cleaned_data["text"])
            messages.success(request, "Your reply was sent to the physiotherapist.")
            return redirect("care_episodes:physician_note", note_id=note_id)
    else:
        _audit_read(request, Action.VIEW, f"consultation note {note_id}", note.episode.patient)
    return render(
        request,
        "care_episodes/physician_note.html",
        {
            "note": note,
            "form": form,
            "can_write": _can_write(request),
            "replies": list(note.replies.select_related("author")),
            "is_read": note.reads.filter(reader=request.user).exists(),
        },
    )


@role_required(PHYSICIAN)
def physician_episode(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, what="Care episode summary")
    _audit_read(request, Action.VIEW, f"episode {episode_id} summary", episode.patient)
    rows, charts = selectors.outcome_history(episode)
    return render(
        request,
        "care_episodes/physician_episode.html",
        {
            "episode": episode,
            "assessment": selectors.latest_assessment(episode),
            "outcome_rows": rows,
            "charts": charts,
            "notes": list(episode.notes.filter(signed_at__isnull=False).select_related("author")),
            "follow_up": FollowUpPlan.objects.filter(episode=episode).first(),
        },
    )

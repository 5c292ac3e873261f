from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from care_episodes import lifecycle, outcomes, selectors, services
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
from care_episodes.models import ConsultationNote, Episode, FollowUpPlan, SelfManagementPlan
from intake.models import Patient
from lbp_pathway.access import Basis, Role, has_role, patient_record_view, role_required
from lbp_pathway.audit import Action, record

PHYSIO = Role.PHYSIOTHERAPIST
PHYSICIAN = Role.FAMILY_PHYSICIAN


# --- access ------------------------------------------------------------------------------------------


def _refuse(request: HttpRequest, what: str, patient_id: int) -> PermissionDenied:
    record(request, Action.DENIED, what, patient_id=patient_id)
    return PermissionDenied("This patient is not in your care.")


def physio_episode(request: HttpRequest, pk: int) -> Episode:
    """The episode, if the signed-in physiotherapist is the one looking after it (else 403, audited)."""
    episode = get_object_or_404(Episode.objects.select_related("patient", "site"), pk=pk)
    if episode.physiotherapist_id != request.user.pk:
        raise _refuse(request, f"episode {pk}", episode.patient_id)
    return episode


def physician_note(request: HttpRequest, pk: int) -> ConsultationNote:
    """A signed note about a patient in the physician's own panel (else 403, audited)."""
    note = get_object_or_404(
        ConsultationNote.objects.select_related("episode__patient", "author", "signed_by"),
        pk=pk,
        signed_at__isnull=False,
    )
    if note.episode.patient.family_physician_id != request.user.pk:
        raise _refuse(request, f"consultation note {pk}", note.episode.patient_id)
    return note


def _patient_of_episode(**kwargs: Any) -> Patient:
    """The patient guard's lookup for pages addressed by the episode (`pk`)."""
    return get_object_or_404(Episode.objects.select_related("patient"), pk=kwargs.get("pk")).patient


def _patient_of_note(**kwargs: Any) -> Patient:
    """The patient guard's lookup for pages addressed by the consultation note (`pk`)."""
    note = get_object_or_404(
        ConsultationNote.objects.select_related("episode__patient"), pk=kwargs.get("pk")
    )
    return note.episode.patient


def _slot_search_url(episode: Episode) -> str:
    return reverse("intake:slot_search") + f"?patient={episode.patient_id}"


# --- physiotherapist ---------------------------------------------------------------------------------


@role_required(PHYSIO)
def physio_home(request: HttpRequest) -> HttpResponse:
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
        },
    )


@patient_record_view(PHYSIO, what="Care episode", lookup=_patient_of_episode)
def episode_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The guard has checked the patient (in care or break the glass) and audited the view; the
    # episode itself is the assigned physiotherapist's, or read-only under break the glass.
    episode = get_object_or_404(Episode.objects.select_related("patient", "site"), pk=pk)
    own = episode.physiotherapist_id == request.user.pk
    if not own and getattr(request, "access_basis", None) is not Basis.BREAK_GLASS:
        raise _refuse(request, f"episode {pk}", episode.patient_id)
    rows, charts = selectors.outcome_history(episode)
    notes = list(
        episode.notes.select_related("author", "signed_by").prefetch_related("replies__author")
    )
    plan = SelfManagementPlan.objects.filter(episode=episode).first()
    context = {
        "episode": episode,
        "own": own,
        "assessment": selectors.latest_assessment(episode),
        "triage": selectors.latest_triage(episode),
        "timeline": selectors.episode_timeline(episode),
        "outcome_rows": rows,
        "charts": charts,
        "plan": plan,
        "follow_up": FollowUpPlan.objects.filter(episode=episode).first(),
        "proposed": services.proposed_follow_up(episode),
        "notes": notes,
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
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    episode = physio_episode(request, pk)
    previous = selectors.latest_assessment(episode)
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            if _carry_out(
                request,
                episode,
                lambda: services.record_assessment(episode, by=request.user, **form.cleaned_data),
                Action.CREATE,
                f"assessment of episode {pk}",
                "Assessment saved.",
            ):
                return redirect("care_episodes:episode_detail", pk=pk)
    else:
        initial = {}
        if previous is not None:
            initial = {name: getattr(previous, name) for name in AssessmentForm.Meta.fields}
            initial.pop("assessed_on")
        form = AssessmentForm(initial=initial)
        record(request, Action.VIEW, f"assessment of episode {pk}", patient=episode.patient)
    return render(
        request,
        "care_episodes/assessment_form.html",
        {"episode": episode, "form": form, "triage": selectors.latest_triage(episode)},
    )


@role_required(PHYSIO)
def outcome_add(request: HttpRequest, pk: int) -> HttpResponse:
    episode = physio_episode(request, pk)
    done = set(episode.outcomes.values_list("timepoint", flat=True))
    initial_timepoint = "baseline" if "baseline" not in done else "six_weeks"
    form = OutcomeForm(request.POST or None, initial={"timepoint": initial_timepoint})
    if request.method == "POST" and form.is_valid():
        timepoint = form.cleaned_data["timepoint"]
        if timepoint != "other" and timepoint in done:
            form.add_error("timepoint", "This timepoint is already recorded; choose another.")
        else:
            services.record_outcomes(episode, by=request.user, **form.service_kwargs())
            record(
                request, Action.CREATE, f"outcome measures of episode {pk}", patient=episode.patient
            )
            messages.success(request, "Outcome measures saved.")
            return redirect("care_episodes:episode_detail", pk=pk)
    return render(request, "care_episodes/outcome_form.html", {"episode": episode, "form": form})


@role_required(PHYSIO)
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    episode = physio_episode(request, pk)
    plan = SelfManagementPlan.objects.filter(episode=episode).first()
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        services.save_plan(episode, by=request.user, exercises=data.pop("exercises"), **data)
        record(
            request, Action.CHANGE, f"self-management plan of episode {pk}", patient=episode.patient
        )
        messages.success(request, "Self-management plan saved.")
        return redirect("care_episodes:episode_detail", pk=pk)
    return render(request, "care_episodes/plan_form.html", {"episode": episode, "form": form})


def _handout_context(episode: Episode) -> dict[str, Any]:
    plan = get_object_or_404(SelfManagementPlan, episode=episode)
    return {"episode": episode, "plan": plan, "exercises": list(plan.exercises.all())}


@role_required(PHYSIO)
def handout(request: HttpRequest, pk: int) -> HttpResponse:
    episode = physio_episode(request, pk)
    context = _handout_context(episode)
    record(
        request, Action.PRINT, f"self-management handout of episode {pk}", patient=episode.patient
    )
    return render(request, "care_episodes/handout.html", context)


def pdf_response(template: str, context: dict[str, Any], filename: str) -> HttpResponse:
    from xhtml2pdf import pisa

    html = render_to_string(template, context)
    output = BytesIO()
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8")
    if result.err:
        raise RuntimeError("The PDF could not be generated.")
    response = HttpResponse(output.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@role_required(PHYSIO)
def handout_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    episode = physio_episode(request, pk)
    context = _handout_context(episode)
    record(
        request,
        Action.PRINT,
        f"self-management handout PDF of episode {pk}",
        patient=episode.patient,
    )
    return pdf_response("care_episodes/pdf/handout.html", context, f"handout-{pk}.pdf")


@role_required(PHYSIO)
def follow_up_edit(request: HttpRequest, pk: int) -> HttpResponse:
    episode = physio_episode(request, pk)
    plan = FollowUpPlan.objects.filter(episode=episode).first()
    initial = None if plan else services.proposed_follow_up(episode)
    form = FollowUpForm(request.POST or None, instance=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _carry_out(
            request,
            episode,
            lambda: services.save_follow_up(episode, by=request.user, **form.cleaned_data),
            Action.CHANGE,
            f"follow-up plan of episode {pk}",
            "Follow-up plan saved.",
        ):
            return redirect("care_episodes:episode_detail", pk=pk)
    return render(
        request,
        "care_episodes/follow_up_form.html",
        {"episode": episode, "form": form, "proposed": services.proposed_follow_up(episode)},
    )


@role_required(PHYSIO)
def discharge(request: HttpRequest, pk: int) -> HttpResponse:
    episode = physio_episode(request, pk)
    form = DischargeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _carry_out(
            request,
            episode,
            lambda: services.discharge(
                episode,
                by=request.user,
                reason=form.cleaned_data["reason"],
                discharged_on=form.cleaned_data["discharged_on"],
                summary=form.cleaned_data["summary"],
                final_outcomes=form.final_outcomes(),
            ),
            Action.CHANGE,
            f"discharge of episode {pk}",
            "Episode discharged.",
        ):
            return redirect("care_episodes:episode_detail", pk=pk)
    return render(request, "care_episodes/discharge_form.html", {"episode": episode, "form": form})


@role_required(PHYSIO)
@require_POST
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    episode = physio_episode(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status.")
    else:
        try:
            services.change_status(
                episode,
                form.cleaned_data["to_status"],
                by=request.user,
                description=form.cleaned_data["description"],
            )
        except IllegalTransition as error:
            messages.error(request, str(error))
        else:
            record(request, Action.CHANGE, f"status of episode {pk}", patient=episode.patient)
            messages.success(request, f"Status changed to {episode.get_status_display()}.")
    return redirect("care_episodes:episode_detail", pk=pk)


def _carry_out(
    request: HttpRequest,
    episode: Episode,
    write: Callable[[], object],
    action: str,
    what: str,
    success: str,
) -> bool:
    """Run one write service; a refused move becomes a message, a done one is audited and confirmed."""
    try:
        write()
    except IllegalTransition as error:
        messages.error(request, str(error))
        return False
    record(request, action, what, patient=episode.patient)
    messages.success(request, success)
    return True


@role_required(PHYSIO)
@require_POST
def note_draft(request: HttpRequest, pk: int) -> HttpResponse:
    episode = physio_episode(request, pk)
    try:
        note = services.draft_note(episode, by=request.user)
    except IllegalTransition as error:
        messages.error(request, str(error))
        return redirect("care_episodes:episode_detail", pk=pk)
    record(
        request, Action.CREATE, f"consultation note draft for episode {pk}", patient=episode.patient
    )
    return redirect("care_episodes:note_edit", pk=note.pk)


def _physio_note(request: HttpRequest, pk: int) -> ConsultationNote:
    note = get_object_or_404(ConsultationNote.objects.select_related("episode__patient"), pk=pk)
    physio_episode(request, note.episode_id)
    return note


@role_required(PHYSIO)
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    note = _physio_note(request, pk)
    if note.is_signed:
        record(request, Action.VIEW, f"consultation note {pk}", patient=note.episode.patient)
        return render(request, "care_episodes/note_signed.html", {"note": note})
    form = NoteForm(request.POST or None, instance=note)
    if request.method == "POST" and form.is_valid():
        services.update_note(note, title=form.cleaned_data["title"], body=form.cleaned_data["body"])
        record(request, Action.CHANGE, f"consultation note {pk}", patient=note.episode.patient)
        if "sign" in request.POST:
            services.sign_note(note, by=request.user)
            messages.success(request, "Note signed and sent to the family physician.")
            return redirect("care_episodes:episode_detail", pk=note.episode_id)
        messages.success(request, "Draft saved.")
        return redirect("care_episodes:note_edit", pk=pk)
    if request.method == "GET":
        record(request, Action.VIEW, f"consultation note {pk}", patient=note.episode.patient)
    return render(request, "care_episodes/note_form.html", {"note": note, "form": form})


@role_required(PHYSIO)
@require_POST
def note_addendum(request: HttpRequest, pk: int) -> HttpResponse:
    note = _physio_note(request, pk)
    try:
        addendum = services.start_addendum(note, by=request.user)
    except IllegalTransition as error:
        messages.error(request, str(error))
        return redirect("care_episodes:note_edit", pk=pk)
    record(
        request, Action.CREATE, f"addendum to consultation note {pk}", patient=note.episode.patient
    )
    return redirect("care_episodes:note_edit", pk=addendum.pk)


@patient_record_view(PHYSIO, PHYSICIAN, what="Consultation note PDF", lookup=_patient_of_note)
def note_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    if has_role(request.user, PHYSICIAN) and not has_role(request.user, PHYSIO):
        note = physician_note(request, pk)
    else:
        note = _physio_note(request, pk)
    record(request, Action.PRINT, f"consultation note {pk} PDF", patient=note.episode.patient)
    return pdf_response(
        "care_episodes/pdf/note.html", {"note": note}, f"consultation-note-{pk}-v{note.version}.pdf"
    )


# --- family physician --------------------------------------------------------------------------------


@role_required(PHYSICIAN)
def physician_home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    notes = list(selectors.physician_inbox(request.user, query)[:100])
    return render(
        request,
        "care_episodes/physician_home.html",
        {"notes": notes, "query": query, "unread": sum(1 for n in notes if not n.is_read)},
    )


@role_required(PHYSICIAN)
def physician_note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    note = physician_note(request, pk)
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        if "mark_read" in request.POST:
            services.mark_read(note, reader=request.user)
            messages.success(request, "Marked as read.")
            return redirect("care_episodes:physician_home")
        if form.is_valid():
            services.reply_to_note(note, author=request.user, text=form.cleaned_data["text"])
            record(
                request,
                Action.CREATE,
                f"reply to consultation note {pk}",
                patient=note.episode.patient,
            )
            messages.success(request, "Your reply was sent to the physiotherapist.")
            return redirect("care_episodes:physician_note", pk=pk)
    else:
        record(request, Action.VIEW, f"consultation note {pk}", patient=note.episode.patient)
    return render(
        request,
        "care_episodes/physician_note.html",
        {
            "note": note,
            "form": form,
            "replies": list(note.replies.select_related("author")),
            "is_read": note.reads.filter(reader=request.user).exists(),
        },
    )


@role_required(PHYSICIAN)
def physician_episode(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_object_or_404(Episode.objects.select_related("patient", "physiotherapist"), pk=pk)
    if episode.patient.family_physician_id != request.user.pk:
        raise _refuse(request, f"episode {pk} summary", episode.patient_id)
    record(request, Action.VIEW, f"episode {pk} summary", patient=episode.patient)
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

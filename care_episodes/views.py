from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care_episodes import documents, lifecycle, outcomes, selectors, services, visits, worsening
from care_episodes.concurrency import (
    StaleRecord,
    conflict_context,
    submitted_version,
    version_of,
)
from care_episodes.forms import (
    AssessmentForm,
    DischargeForm,
    FollowUpForm,
    NoteForm,
    OutcomeForm,
    PlanForm,
    RemeasureForm,
    ReplyForm,
    StatusForm,
    VisitNoteForm,
)
from care_episodes.lifecycle import IllegalTransition
from care_episodes.models import (
    AssessmentDraft,
    Discharge,
    Episode,
    FollowUpPlan,
    SelfManagementPlan,
    VisitNote,
)
from intake.models import Patient
from lbp_pathway import access, audit, history
from lbp_pathway.access import PRIMARY_CARE, Basis, Grant, Role, role_required
from lbp_pathway.audit import Action, record
from lbp_pathway.http import AuthenticatedHttpRequest
from lbp_pathway.pdf import html_to_pdf

PHYSIO = Role.PHYSIOTHERAPIST
PHYSICIAN = PRIMARY_CARE


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
    """The day first: today's schedule at every site, a patient search, then the worklists."""
    rows = selectors.physio_open_episodes(request.user)
    replies = list(selectors.unseen_replies(request.user))
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "care_episodes/physio_home.html",
        {
            "today": timezone.localdate(),
            "schedule": selectors.physio_day_schedule(request.user),
            "query": query,
            "found": selectors.physio_patient_search(request.user, query) if query else [],
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
    reviews = selectors.case_reviews_of(episode)
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
        "visits": list(episode.visits.all()),
        "episode_changes": history.changes(episode),
        "note_changes": history.with_changes(notes),
        "draft": next((note for note in notes if not note.is_signed), None),
        "status_form": StatusForm(),
        "reviews": reviews,
        "case_review_waiting": any(review.reviewed_at is None for review in reviews),
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
        messages.info(request, _("This episode is already in your care."))
        return redirect("care_episodes:episode_detail", episode_id=episode_id)
    if basis is not Basis.SITE:
        access.refuse(
            request,
            f"Care episode {episode_id} (take into care)",
            episode.patient_id,
            _("Only an unassigned episode at your site can be taken into your care."),
        )
    try:
        services.take_episode(episode, actor=audit.actor(request))
    except IllegalTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The episode is now in your care."))
    return redirect("care_episodes:episode_detail", episode_id=episode_id)


def _conflict(
    request: HttpRequest, form: Any, stale: StaleRecord, *, what: str, **context: Any
) -> HttpResponse:
    """The "changed since you opened it" page: both versions, the user's text kept in the form."""
    return render(
        request,
        "care_episodes/conflict.html",
        {**context, "form": form, **conflict_context(form, stale.current, what=what)},
        status=409,
    )


def _fields(form: Any) -> dict[str, Any]:
    return {name: value for name, value in form.cleaned_data.items() if name != "version"}


ASSESSMENT_DRAFT_FIELDS = [*AssessmentForm.Meta.fields]


@role_required(PHYSIO)
def assessment_edit(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """The sectioned assessment: saved as a draft (unvalidated) or for real (with an error summary
    on top); a save from a form opened before another assessment was saved shows both versions."""
    episode = access.episode_for(request, episode_id, write=True)
    previous = selectors.latest_assessment(episode)
    context: dict[str, Any] = {"episode": episode, "triage": selectors.latest_triage(episode)}
    draft = AssessmentDraft.objects.filter(episode=episode, author=request.user).first()
    if request.method == "POST" and "save_draft" in request.POST:
        data = {name: request.POST.getlist(name) for name in [*ASSESSMENT_DRAFT_FIELDS, "version"]}
        visits.save_assessment_draft(episode, actor=audit.actor(request), data=data)
        messages.success(
            request, _("Draft saved. It is here when you come back to the assessment.")
        )
        return redirect("care_episodes:assessment", episode_id=episode_id)
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                saved = _carry_out(
                    request,
                    lambda: services.record_assessment(
                        episode,
                        actor=audit.actor(request),
                        expected_version=submitted_version(form),
                        **_fields(form),
                    ),
                    _("Assessment saved."),
                )
            except StaleRecord as stale:
                return _conflict(request, form, stale, what=_("assessment"), **context)
            if saved:
                visits.discard_assessment_draft(episode, actor=audit.actor(request))
                return redirect("care_episodes:episode_detail", episode_id=episode_id)
    elif draft is not None:
        form = AssessmentForm(_draft_data(draft.data))
        form.full_clean()
        form.errors.clear()  # a draft is shown as typed, not judged
        context["draft_saved_at"] = draft.updated_at
        _audit_read(request, Action.VIEW, f"assessment of episode {episode_id}", episode.patient)
    else:
        initial: dict[str, Any] = {"version": version_of(previous)}
        if previous is not None:
            initial |= {name: getattr(previous, name) for name in AssessmentForm.Meta.fields}
            initial.pop("assessed_on")
        form = AssessmentForm(initial=initial)
        _audit_read(request, Action.VIEW, f"assessment of episode {episode_id}", episode.patient)
    return render(request, "care_episodes/assessment_form.html", {**context, "form": form})


def _draft_data(data: dict[str, Any]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, values in data.items():
        query.setlist(name, [str(value) for value in values])
    return query


@role_required(PHYSIO)
def outcome_add(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, write=True)
    done = set(episode.outcomes.values_list("timepoint", flat=True))
    initial_timepoint = "baseline" if "baseline" not in done else "six_weeks"
    form = OutcomeForm(request.POST or None, initial={"timepoint": initial_timepoint})
    if request.method == "POST" and form.is_valid():
        timepoint = form.cleaned_data["timepoint"]
        if timepoint != "other" and timepoint in done:
            form.add_error("timepoint", _("This timepoint is already recorded; choose another."))
        else:
            services.record_outcomes(episode, actor=audit.actor(request), **form.service_kwargs())
            messages.success(request, _("Outcome measures saved."))
            return redirect("care_episodes:episode_detail", episode_id=episode_id)
    return render(request, "care_episodes/outcome_form.html", {"episode": episode, "form": form})


@role_required(PHYSIO)
def plan_edit(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, write=True)
    plan = SelfManagementPlan.objects.filter(episode=episode).first()
    form = PlanForm(request.POST or None, instance=plan, initial={"version": version_of(plan)})
    if request.method == "POST" and form.is_valid():
        data = _fields(form)
        try:
            services.save_plan(
                episode,
                actor=audit.actor(request),
                exercises=data.pop("exercises"),
                expected_version=submitted_version(form),
                **data,
            )
        except StaleRecord as stale:
            return _conflict(request, form, stale, what=_("self-management plan"), episode=episode)
        messages.success(request, _("Self-management plan saved."))
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
    body = mark_safe(documents.handout_html(context, request=request))  # noqa: S308 (autoescaped)
    language = documents.patient_language(episode.patient)
    return render(
        request,
        "care_episodes/handout.html",
        {**context, "handout_body": body, "handout_language": documents.LANGUAGE_TAGS[language]},
    )


def pdf_response(html: str, filename: str) -> HttpResponse:
    pdf = html_to_pdf(html)
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
    return pdf_response(documents.handout_html(context, pdf=True), f"handout-{episode_id}.pdf")


@role_required(PHYSIO)
def follow_up_edit(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, write=True)
    plan = FollowUpPlan.objects.filter(episode=episode).first()
    initial = {} if plan else services.proposed_follow_up(episode)
    initial["version"] = version_of(plan)
    form = FollowUpForm(request.POST or None, instance=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _carry_out(
                request,
                lambda: services.save_follow_up(
                    episode,
                    actor=audit.actor(request),
                    expected_version=submitted_version(form),
                    **_fields(form),
                ),
                "Follow-up plan saved.",
            )
        except StaleRecord as stale:
            return _conflict(request, form, stale, what=_("follow-up plan"), episode=episode)
        if saved:
            return redirect("care_episodes:episode_detail", episode_id=episode_id)
    return render(
        request,
        "care_episodes/follow_up_form.html",
        {"episode": episode, "form": form, "proposed": services.proposed_follow_up(episode)},
    )


@role_required(PHYSIO)
def discharge(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, write=True)
    current = Discharge.objects.filter(episode=episode).first()
    form = DischargeForm(request.POST or None, initial={"version": version_of(current)})
    if request.method == "POST" and form.is_valid():
        try:
            saved = _carry_out(
                request,
                lambda: services.discharge(
                    episode,
                    actor=audit.actor(request),
                    reason=form.cleaned_data["reason"],
                    discharged_on=form.cleaned_data["discharged_on"],
                    summary=form.cleaned_data["summary"],
                    final_outcomes=form.final_outcomes(),
                    expected_version=submitted_version(form),
                ),
                _("Episode discharged."),
            )
        except StaleRecord as stale:
            return _conflict(request, form, stale, what=_("discharge"), episode=episode)
        if saved:
            return redirect("care_episodes:episode_detail", episode_id=episode_id)
    return render(request, "care_episodes/discharge_form.html", {"episode": episode, "form": form})


@role_required(PHYSIO)
@require_POST
def change_status(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = access.episode_for(request, episode_id, write=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
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
            messages.success(
                request,
                _("Status changed to %(status)s.") % {"status": episode.get_status_display()},
            )
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
    if request.method == "POST" and note.is_signed and _can_write(request):
        # Signed in another tab since this draft was opened: show both, keep the typed text.
        form = NoteForm(request.POST)
        form.is_valid()
        return _conflict(
            request,
            form,
            StaleRecord(note),
            what=_("consultation note"),
            episode=note.episode,
            note=note,
            signed_since=True,
        )
    if note.is_signed or not _can_write(request):
        _audit_read(request, Action.VIEW, f"consultation note {note_id}", note.episode.patient)
        return render(
            request,
            "care_episodes/note_signed.html",
            {"note": note, "can_write": _can_write(request)},
        )
    form = NoteForm(request.POST or None, instance=note, initial={"version": version_of(note)})
    if request.method == "POST" and form.is_valid():
        actor = audit.actor(request)
        try:
            services.update_note(
                note,
                actor=actor,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                expected_version=submitted_version(form),
            )
        except StaleRecord as stale:
            return _conflict(
                request, form, stale, what=_("consultation note"), episode=note.episode, note=note
            )
        if "sign" in request.POST:
            services.sign_note(note, actor=actor)
            messages.success(
                request, _("Note signed and sent to the referring clinician and family physician.")
            )
            return redirect("care_episodes:episode_detail", episode_id=note.episode_id)
        messages.success(request, _("Draft saved."))
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


@role_required(PHYSIO, *PHYSICIAN, Role.PRACTICE_LEAD)
def note_pdf(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    """The note as PDF: any version for the physio who may read the episode; signed ones for the
    family physician of the patient's panel (access.note_for)."""
    note = access.note_for(request, note_id)
    _audit_read(request, Action.PRINT, f"consultation note {note_id} PDF", note.episode.patient)
    return pdf_response(
        documents.note_pdf_html(note),
        f"consultation-note-{note_id}-v{note.version}.pdf",
    )


# --- follow-up visits -------------------------------------------------------------------------------


@role_required(PHYSIO)
def visit_edit(
    request: AuthenticatedHttpRequest, episode_id: int, visit_id: int | None = None
) -> HttpResponse:
    """A follow-up visit note (new, or a draft to edit until signed) with a quick re-measure of the
    outcomes; a signed visit note is shown read-only."""
    write = visit_id is None or request.method == "POST"
    episode = access.episode_for(request, episode_id, write=write, what="Visit notes of episode")
    visit = get_object_or_404(VisitNote, pk=visit_id, episode=episode) if visit_id else None
    context: dict[str, Any] = {"episode": episode, "visit": visit}
    if visit is not None and (visit.is_signed or not _can_write(request)):
        _audit_read(request, Action.VIEW, f"visit note {visit.pk}", episode.patient)
        if request.method == "POST":
            messages.error(request, _("This visit note is signed and cannot be changed."))
        return render(
            request,
            "care_episodes/visit_note.html",
            {**context, "measurements": list(visit.outcomes.all())},
        )
    form = VisitNoteForm(
        request.POST or None, instance=visit, initial={"version": version_of(visit)}
    )
    remeasure = RemeasureForm(request.POST or None, episode=episode)
    context |= {"form": form, "remeasure": remeasure}
    if request.method == "POST" and form.is_valid() and remeasure.is_valid():
        actor = audit.actor(request)
        sign = "sign" in request.POST
        try:
            if visit is None:
                visit = visits.record_visit(
                    episode,
                    actor=actor,
                    facts=form.facts(),
                    measures=remeasure.measures(),
                    sign=sign,
                )
            else:
                visits.update_visit(
                    visit,
                    actor=actor,
                    facts=form.facts(),
                    measures=remeasure.measures(),
                    expected_version=submitted_version(form),
                    sign=sign,
                )
        except StaleRecord as stale:
            return _conflict(request, form, stale, what="visit note", episode=episode, visit=visit)
        except IllegalTransition as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Visit note signed.") if sign else _("Visit note saved."))
            return redirect("care_episodes:episode_detail", episode_id=episode_id)
    elif request.method == "GET":
        _audit_read(request, Action.VIEW, f"visit notes of episode {episode_id}", episode.patient)
    return render(request, "care_episodes/visit_form.html", context)


# --- family physician --------------------------------------------------------------------------------


@role_required(*PHYSICIAN)
def physician_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    notes = list(selectors.physician_inbox(request.user, query)[:100])
    return render(
        request,
        "care_episodes/physician_home.html",
        {
            "notes": notes,
            "query": query,
            "unread": sum(1 for n in notes if not n.is_read),
            "panel": selectors.physician_panel_episodes(request.user),
            "panel_limit": selectors.PANEL_LIMIT,
        },
    )


@role_required(*PHYSICIAN)
def physician_note_detail(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    note = access.note_for(request, note_id, write=request.method == "POST", signed_only=True)
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        if "mark_read" in request.POST:
            services.mark_read(note, actor=audit.actor(request))
            messages.success(request, _("Marked as read."))
            return redirect("care_episodes:physician_home")
        if form.is_valid():
            services.reply_to_note(note, actor=audit.actor(request), text=form.cleaned_data["text"])
            messages.success(request, _("Your reply was sent to the physiotherapist."))
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
            # A physician who referred the patient receives the note, not the rest of the episode.
            "episode_summary": getattr(request, "access_basis", None) is not Basis.REFERRER,
        },
    )


@role_required(*PHYSICIAN)
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

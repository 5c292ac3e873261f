"""Writes for care episodes: one function per use case, each in one transaction that also holds its
audit row (`audit.record(actor, ...)`): a change never commits without the record of who made it.

Views pass `actor=audit.actor(request)`; scripts, demo data and tests pass `actor=audit.as_actor(user)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from care_episodes import drafting, lifecycle, note_delivery, outcomes
from care_episodes.concurrency import check_version, lock_episode
from care_episodes.lifecycle import IllegalTransition
from care_episodes.models import (
    Assessment,
    CaseReview,
    ConsultationNote,
    Discharge,
    Episode,
    Exercise,
    FollowUpPlan,
    NoteRead,
    NoteReply,
    OutcomeMeasurement,
    SelfManagementPlan,
)
from care_episodes.selectors import latest_assessment, latest_triage
from intake.models import Appointment
from lbp_pathway import audit
from lbp_pathway.access import Role
from lbp_pathway.audit import Action
from reminders import selectors as reminder_selectors
from reminders import services as reminders

S = Episode.Status

# Matched care (Keele SBST): risk -> (care model, default sessions including the assessment).
DEFAULT_FOLLOW_UP_SESSIONS = {"low": 1, "medium": 6, "high": 8}
CARE_MODEL_FOR_RISK = {
    "low": FollowUpPlan.CareModel.SINGLE_SESSION,
    "medium": FollowUpPlan.CareModel.COURSE,
    "high": FollowUpPlan.CareModel.PSYCHOLOGICALLY_INFORMED,
}


OUTCOME_RECHECK_WEEKS = 6
# Days the front desk has to book the planned follow-up before the patient and staff are reminded.
DEFAULT_FOLLOW_UP_BOOKING_DAYS = 2


def _person(actor: audit.Actor) -> User:
    """The acting user, for writes that need a person (a note's author, the physiotherapist taking an
    episode): views behind role_required always have one; the system actor has none."""
    if actor.user is None:
        raise ValueError("This change needs a signed-in user, not the system.")
    return actor.user


def follow_up_booking_days() -> int:
    return int(getattr(settings, "FOLLOW_UP_BOOKING_DAYS", DEFAULT_FOLLOW_UP_BOOKING_DAYS))


def follow_up_sessions() -> dict[str, int]:
    return {**DEFAULT_FOLLOW_UP_SESSIONS, **getattr(settings, "FOLLOW_UP_SESSIONS", {})}


@transaction.atomic
def record_assessment(
    episode: Episode, *, actor: audit.Actor, expected_version: str | None = None, **fields: Any
) -> Assessment:
    """Save an assessment; the first one moves the episode to assessed and starts the note clock.
    `expected_version` is the latest assessment the form was opened on (concurrency.version_of):
    StaleRecord when another assessment was saved since."""
    by = actor.user
    lock_episode(episode)
    check_version(episode, expected_version, latest_assessment(episode))
    assessment = Assessment.objects.create(episode=episode, by=by, **fields)
    if episode.status in {S.REQUESTED, S.BOOKED}:
        lifecycle.transition(
            episode,
            S.ASSESSED,
            by=by,
            description=gettext_noop("First assessment completed"),
            on=assessment.assessed_on,
        )
    elif episode.status in {S.ASSESSED, S.IN_CARE}:
        lifecycle.record_first_assessment(episode, on=assessment.assessed_on)
        lifecycle.note_event(episode, gettext_noop("Reassessment recorded"), by=by)
    else:
        raise IllegalTransition(
            gettext("An episode that is %(status)s cannot be assessed.")
            % {"status": episode.get_status_display().lower()}
        )
    physio = by or episode.physiotherapist
    if physio is not None and not episode.assessments.exclude(pk=assessment.pk).exists():
        reminders.schedule_unsigned_note_reminder(
            physiotherapist=physio,
            patient=episode.patient,
            note_key=reminders.note_unsigned_key(episode.pk),
            assessed_at=reminders.local_morning(assessment.assessed_on),
            url=reverse("care_episodes:note_draft", args=[episode.pk]),
        )
    audit.record(
        actor, Action.CREATE, f"assessment of episode {episode.pk}", patient=episode.patient
    )
    return assessment


@transaction.atomic
def record_outcomes(
    episode: Episode,
    *,
    actor: audit.Actor,
    measured_on: date,
    timepoint: str,
    nprs: int | None = None,
    rmdq_total: int | None = None,
    rmdq_items: list[bool] | None = None,
    psfs_activities: list[tuple[str, float]] | None = None,
    grc: int | None = None,
    odi_sections: list[int | None] | None = None,
) -> OutcomeMeasurement:
    """Score and store the measures taken on one occasion (scoring rules in outcomes.py)."""
    psfs_activities = psfs_activities or []
    measurement = OutcomeMeasurement.objects.create(
        episode=episode,
        by=actor.user,
        measured_on=measured_on,
        timepoint=timepoint,
        nprs=None if nprs is None else outcomes.nprs_score(nprs),
        rmdq=(
            outcomes.rmdq_score(items=rmdq_items, total=rmdq_total)
            if rmdq_items is not None or rmdq_total is not None
            else None
        ),
        rmdq_items=rmdq_items,
        psfs=(
            outcomes.psfs_score([score for _, score in psfs_activities])
            if psfs_activities
            else None
        ),
        psfs_activities=[{"activity": name, "score": score} for name, score in psfs_activities],
        grc=None if grc is None else outcomes.grc_score(grc),
        odi=outcomes.odi_score(odi_sections) if odi_sections else None,
        odi_sections=odi_sections,
        rule_version=outcomes.RULE_VERSION,
    )
    T = OutcomeMeasurement.Timepoint
    if timepoint == T.BASELINE:
        reminders.schedule_outcome_reminder(
            patient=episode.patient,
            key=reminders.outcome_key(episode.pk, T.SIX_WEEKS),
            due_at=reminders.local_morning(measured_on + timedelta(weeks=OUTCOME_RECHECK_WEEKS)),
            site=episode.site.name if episode.site is not None else "",
            questionnaire_url="",  # no online outcome questionnaire yet: answered by phone or visit
        )
    elif timepoint in (T.SIX_WEEKS, T.DISCHARGE):
        reminders.cancel_outcome_reminders(episode.pk)
    audit.record(
        actor, Action.CREATE, f"outcome measures of episode {episode.pk}", patient=episode.patient
    )
    return measurement


@transaction.atomic
def save_plan(
    episode: Episode,
    *,
    actor: audit.Actor,
    exercises: Iterable[Exercise] = (),
    expected_version: str | None = None,
    **fields: Any,
) -> SelfManagementPlan:
    lock_episode(episode)
    check_version(
        episode, expected_version, SelfManagementPlan.objects.filter(episode=episode).first()
    )
    plan, created = SelfManagementPlan.objects.update_or_create(
        episode=episode, defaults={**fields, "by": actor.user}
    )
    plan.exercises.set(exercises)
    lifecycle.note_event(
        episode,
        lambda: (
            gettext("Self-management plan written")
            if created
            else gettext("Self-management plan updated")
        ),
        by=actor.user,
    )
    audit.record(
        actor,
        Action.CREATE if created else Action.CHANGE,
        f"self-management plan of episode {episode.pk}",
        patient=episode.patient,
    )
    return plan


def proposed_follow_up(episode: Episode) -> dict[str, Any]:
    """Matched care for the episode's risk; medium when the risk is not known yet (D)."""
    risk = episode.risk or "medium"
    return {
        "care_model": CARE_MODEL_FOR_RISK[risk],
        "sessions": follow_up_sessions()[risk],
        "interval_weeks": 1 if risk == "low" else 2,
    }


def _remind_follow_up_not_booked(episode: Episode) -> None:
    due_at = timezone.now() + timedelta(days=follow_up_booking_days())
    site = episode.site
    reminders.schedule_follow_up_reminder(
        patient=episode.patient,
        episode_id=episode.pk,
        due_at=due_at,
        site=site.name if site else "",
        phone=site.phone if site else "",
    )
    physio = [p] if (p := episode.physiotherapist) is not None else []
    physio_url = reverse("care_episodes:episode_detail", args=[episode.pk])
    desk_url = reverse("intake:patient_detail", args=[episode.patient_id])
    for recipients, url in (
        (physio, physio_url),
        (reminder_selectors.front_desk_staff(), desk_url),
    ):
        reminders.schedule_follow_up_staff_reminders(
            episode_id=episode.pk,
            due_at=due_at,
            recipients=recipients,
            patient=episode.patient,
            url=url,
        )


@transaction.atomic
def save_follow_up(
    episode: Episode, *, actor: audit.Actor, expected_version: str | None = None, **fields: Any
) -> FollowUpPlan:
    """Store the follow-up plan; more than one session puts an assessed episode into care."""
    by = actor.user
    lock_episode(episode)
    check_version(episode, expected_version, FollowUpPlan.objects.filter(episode=episode).first())
    plan, created = FollowUpPlan.objects.update_or_create(episode=episode, defaults=fields)
    booked = episode.appointments.filter(
        status=Appointment.Status.BOOKED, start__gt=timezone.now()
    ).exists()
    if plan.sessions > 1 and not booked:
        _remind_follow_up_not_booked(episode)
    else:
        reminders.cancel_follow_up_reminders(episode.pk, reason="no follow-up to book")
    if plan.sessions > 1 and episode.status == S.ASSESSED:
        lifecycle.transition(episode, S.IN_CARE, by=by, description=lambda: _planned(plan))
    else:
        lifecycle.note_event(episode, lambda: _planned(plan), by=by)
    audit.record(
        actor,
        Action.CREATE if created else Action.CHANGE,
        f"follow-up plan of episode {episode.pk}",
        patient=episode.patient,
    )
    return plan


def _planned(plan: FollowUpPlan) -> str:
    return gettext("Follow-up planned: %(care_model)s (%(sessions)s sessions)") % {
        "care_model": plan.get_care_model_display(),
        "sessions": plan.sessions,
    }


@transaction.atomic
def discharge(
    episode: Episode,
    *,
    actor: audit.Actor,
    reason: str,
    discharged_on: date,
    summary: str = "",
    final_outcomes: dict[str, Any] | None = None,
    expected_version: str | None = None,
) -> Discharge:
    """Discharge with a reason and (optionally) the final outcome measures."""
    by = actor.user
    lock_episode(episode)
    check_version(episode, expected_version, Discharge.objects.filter(episode=episode).first())
    lifecycle.transition(
        episode,
        S.DISCHARGED,
        by=by,
        description=lambda: (
            gettext("Discharged: %(reason)s") % {"reason": Discharge.Reason(reason).label}
        ),
        on=discharged_on,
    )
    record = Discharge.objects.create(
        episode=episode, by=by, reason=reason, discharged_on=discharged_on, summary=summary
    )
    reminders.cancel_follow_up_reminders(episode.pk, reason="discharged")
    reminders.cancel_outcome_reminders(episode.pk, reason="discharged")
    if final_outcomes and any(value is not None for value in final_outcomes.values()):
        record_outcomes(
            episode,
            actor=actor,
            measured_on=discharged_on,
            timepoint=OutcomeMeasurement.Timepoint.DISCHARGE,
            **final_outcomes,
        )
    audit.record(
        actor, Action.CHANGE, f"discharge of episode {episode.pk}", patient=episode.patient
    )
    return record


def _neuro_summary(assessment: Assessment) -> str:
    parts = [
        f"myotomes {assessment.get_myotomes_display().lower()}",
        f"dermatomes {assessment.get_dermatomes_display().lower()}",
        f"reflexes {assessment.get_reflexes_display().lower()}",
        f"straight-leg raise {assessment.get_straight_leg_raise_display().lower()}",
    ]
    text = ", ".join(parts) + "."
    if assessment.neurological_details.strip():
        text += " " + assessment.neurological_details.strip()
    return text


def _baseline_lines(episode: Episode) -> list[str]:
    baseline = episode.outcomes.filter(timepoint=OutcomeMeasurement.Timepoint.BASELINE).first()
    if baseline is None:
        return []
    lines = []
    if baseline.nprs is not None:
        lines.append(f"NPRS {baseline.nprs}/10")
    if baseline.rmdq is not None:
        lines.append(f"RMDQ {baseline.rmdq}/24")
    if baseline.psfs is not None:
        activities = ", ".join(
            f"{item['activity']} {item['score']}" for item in baseline.psfs_activities
        )
        lines.append(f"PSFS mean {outcomes.display(baseline.psfs)}/10 ({activities})")
    if baseline.odi is not None:
        lines.append(f"ODI {outcomes.display(baseline.odi)}%")
    return lines


# Instruments with a change rule, in the order the chart shows them (GRC is itself a change).
_CHANGE_INSTRUMENTS = (
    outcomes.Instrument.NPRS,
    outcomes.Instrument.RMDQ,
    outcomes.Instrument.PSFS,
    outcomes.Instrument.ODI,
)


def _change_lines(episode: Episode) -> list[str]:
    """Each instrument's latest score against baseline, judged by outcomes.meaningful_change (the rule
    the chart and outcomes_check use), e.g. "NPRS 8 -> 5 (Discharge, 2026-08-20): Meaningful
    improvement"."""
    measurements = list(episode.outcomes.all())
    baseline = next((m for m in measurements if m.timepoint == "baseline"), None)
    if baseline is None:
        return []
    lines = []
    for instrument in _CHANGE_INSTRUMENTS:
        before = getattr(baseline, instrument)
        later = [
            m for m in measurements if m.pk != baseline.pk and getattr(m, instrument) is not None
        ]
        if before is None or not later:
            continue
        latest = later[-1]  # measurements are ordered by date
        after = getattr(latest, instrument)
        change = outcomes.meaningful_change(instrument, float(before), float(after))
        if change is None:
            continue
        lines.append(
            f"{instrument.upper()} {outcomes.display(before)} -> {outcomes.display(after)} "
            f"({latest.get_timepoint_display()}, {latest.measured_on:%Y-%m-%d}): {change.label}"
        )
    return lines


def note_facts(episode: Episode) -> drafting.NoteFacts:
    """Gather the assessment, triage, outcomes and plans as plain values for drafting."""
    assessment = latest_assessment(episode)
    if assessment is None:
        raise IllegalTransition(
            gettext("Complete the assessment before drafting the consultation note.")
        )
    triage = latest_triage(episode) or {}
    plan = getattr(episode, "plan", None) if hasattr(episode, "plan") else None
    follow_up = FollowUpPlan.objects.filter(episode=episode).first()
    physio = assessment.by or episode.physiotherapist
    next_steps = "Continue the self-management plan."
    if follow_up is not None:
        next_steps = (
            "Review at the next physiotherapy session."
            if follow_up.sessions > 1
            else "Discharged to self-management after this session; re-refer if not improving."
        )
    return drafting.NoteFacts(
        patient_name=episode.patient.full_name,
        date_of_birth=episode.patient.date_of_birth,
        assessed_on=assessment.assessed_on,
        physiotherapist=(physio.get_full_name() or physio.get_username()) if physio else "",
        presenting_complaint=assessment.presenting_complaint,
        onset=assessment.onset,
        pattern=assessment.pattern,
        pattern_label=assessment.get_pattern_display(),
        aggravating_factors=assessment.aggravating_factors,
        easing_factors=assessment.easing_factors,
        previous_episodes=assessment.previous_episodes,
        work_status=assessment.get_work_status_display(),
        medications=assessment.medications,
        opioid_use=assessment.opioid_use,
        yellow_flags=assessment.yellow_flags,
        red_flag_screen=assessment.red_flag_screen,
        neurological_screen=_neuro_summary(assessment),
        working_diagnosis=assessment.working_diagnosis,
        goals=assessment.goals,
        risk=str(triage.get("risk") or episode.risk or ""),
        start_back_total=triage.get("total"),
        start_back_psychosocial=triage.get("psychosocial"),
        red_flag_disposition=str(triage.get("disposition") or ""),
        booking_hold=episode.booking_hold,
        symptom_weeks=assessment.symptom_weeks,
        baseline_outcomes=_baseline_lines(episode),
        outcome_changes=_change_lines(episode),
        education_topics=plan.topic_labels() if plan else [],
        exercises=[f"{ex.name} ({ex.dosage})" for ex in plan.exercises.all()] if plan else [],
        activity_modifications=plan.activity_modifications if plan else "",
        work_modifications=plan.work_modifications if plan else "",
        plan_goals=plan.goals if plan else "",
        safety_netting=plan.safety_netting if plan else "",
        follow_up=(
            f"{follow_up.get_care_model_display()}: {follow_up.sessions} session(s), every "
            f"{follow_up.interval_weeks} week(s). {follow_up.notes}".strip()
            if follow_up
            else ""
        ),
        next_steps=next_steps,
    )


@transaction.atomic
def draft_note(episode: Episode, *, actor: audit.Actor) -> ConsultationNote:
    """Write (or rewrite) the draft note from the current assessment and plan."""
    what = f"consultation note draft for episode {episode.pk}"
    title, body = drafting.draft(note_facts(episode))
    draft = episode.notes.filter(signed_at__isnull=True).first()
    if draft is not None:
        draft.title, draft.body = title, body
        draft.save()
        audit.record(actor, Action.CHANGE, what, patient=episode.patient)
        return draft
    by = _person(actor)
    last = episode.notes.order_by("-version").first()
    note = ConsultationNote.objects.create(
        episode=episode,
        version=(last.version + 1) if last else 1,
        previous=last,
        title=title,
        body=body,
        author=by,
    )
    lifecycle.note_event(episode, gettext_noop("Consultation note drafted"), by=by)
    audit.record(actor, Action.CREATE, what, patient=episode.patient)
    return note


@transaction.atomic
def update_note(
    note: ConsultationNote,
    *,
    actor: audit.Actor,
    title: str,
    body: str,
    expected_version: str | None = None,
) -> ConsultationNote:
    """Save a draft's text. StaleRecord when the note was saved or signed (in another tab) since the
    form was opened on `expected_version`."""
    lock_episode(note.episode)
    check_version(
        note.episode, expected_version, ConsultationNote.objects.filter(pk=note.pk).first()
    )
    note.title, note.body = title, body
    note.save()  # refuses a signed note (SignedNoteImmutable), as does the database trigger
    audit.record(actor, Action.CHANGE, f"consultation note {note.pk}", patient=note.episode.patient)
    return note


@transaction.atomic
def sign_note(note: ConsultationNote, *, actor: audit.Actor) -> ConsultationNote:
    note.signed_at = timezone.now()
    note.signed_by = actor.user
    note.save()
    reminders.cancel_note_unsigned_reminder(note.episode_id)
    # To the referring clinician and the family physician, each told in the same transaction.
    recipients = note_delivery.queue_note_notices(note, now=note.signed_at)
    names = [u.get_full_name() or u.get_username() for u in recipients.staff]
    names += [r.name for r in recipients.outside]
    lifecycle.note_event(
        note.episode,
        lambda: (
            (
                gettext("Consultation note version %(version)s signed and sent to %(names)s")
                if names
                else gettext("Consultation note version %(version)s signed and sent")
            )
            % {"version": note.version, "names": ", ".join(names)}
        ),
        by=actor.user,
    )
    audit.record(
        actor, Action.CHANGE, f"consultation note {note.pk} signed", patient=note.episode.patient
    )
    return note


@transaction.atomic
def start_addendum(note: ConsultationNote, *, actor: audit.Actor) -> ConsultationNote:
    """A new draft version linked to the signed one; the signed note itself never changes."""
    if not note.is_signed:
        raise IllegalTransition(
            gettext("Only a signed note takes an addendum; edit the draft instead.")
        )
    existing = note.episode.notes.filter(signed_at__isnull=True).first()
    if existing is not None:
        return existing
    by = _person(actor)
    addendum = ConsultationNote.objects.create(
        episode=note.episode,
        version=note.version + 1,
        previous=note,
        title=f"Addendum to: {note.title}"[:200],
        body=f"Addendum to version {note.version} signed "
        f"{timezone.localtime(note.signed_at):%Y-%m-%d}.\n\n",
        author=by,
    )
    lifecycle.note_event(
        note.episode,
        lambda: gettext("Addendum (version %(version)s) started") % {"version": addendum.version},
        by=by,
    )
    audit.record(
        actor,
        Action.CREATE,
        f"addendum to consultation note {note.pk}",
        patient=note.episode.patient,
    )
    return addendum


@transaction.atomic
def mark_read(note: ConsultationNote, *, actor: audit.Actor) -> NoteRead:
    """The family physician has read the note (their inbox moves it down)."""
    read, created = NoteRead.objects.get_or_create(note=note, reader=actor.user)
    if created:
        audit.record(
            actor,
            Action.CHANGE,
            f"consultation note {note.pk} marked read",
            patient=note.episode.patient,
        )
    return read


@transaction.atomic
def reply_to_note(note: ConsultationNote, *, actor: audit.Actor, text: str) -> NoteReply:
    author = _person(actor)
    reply = NoteReply.objects.create(note=note, author=author, text=text)
    NoteRead.objects.get_or_create(note=note, reader=author)
    lifecycle.note_event(
        note.episode, gettext_noop("Family physician replied to the consultation note"), by=author
    )
    audit.record(
        actor,
        Action.CREATE,
        f"reply to consultation note {note.pk}",
        patient=note.episode.patient,
    )
    return reply


def mark_replies_seen(episode: Episode) -> None:
    """Bookkeeping of a read, not a change to the record: the page view that calls it is audited."""
    NoteReply.objects.filter(note__episode=episode, seen_by_physio_at__isnull=True).update(
        seen_by_physio_at=timezone.now()
    )


@transaction.atomic
def change_status(
    episode: Episode, to_status: str, *, actor: audit.Actor, description: str = ""
) -> None:
    lifecycle.transition(episode, to_status, by=actor.user, description=description)
    audit.record(actor, Action.CHANGE, f"status of episode {episode.pk}", patient=episode.patient)


@transaction.atomic
def take_episode(episode: Episode, *, actor: audit.Actor) -> None:
    """The acting physiotherapist takes an unassigned episode into their care (then writes it)."""
    if episode.status in lifecycle.CLOSED:
        raise IllegalTransition(gettext("A closed episode cannot be taken into care."))
    physiotherapist = _person(actor)
    lifecycle.take_episode(episode, physiotherapist=physiotherapist, by=physiotherapist)
    audit.record(
        actor, Action.CHANGE, f"episode {episode.pk} taken into care", patient=episode.patient
    )


class CaseReviewRefused(Exception):
    """A case review that cannot be asked for or answered (already open, already answered)."""


@transaction.atomic
def request_case_review(episode: Episode, *, actor: audit.Actor, question: str) -> CaseReview:
    """The physiotherapist in care asks a practice lead to review a complex or escalated case; every
    practice lead is told in the app (no clinical content in the notification)."""
    if CaseReview.objects.filter(episode=episode, reviewed_at__isnull=True).exists():
        raise CaseReviewRefused(
            gettext("A review of this episode is already waiting for a practice lead.")
        )
    review = CaseReview.objects.create(
        episode=episode, requested_by=_person(actor), question=question
    )
    lifecycle.note_event(
        episode, gettext_noop("Case review asked of the practice lead"), by=review.requested_by
    )
    audit.record(
        actor, Action.CREATE, f"case review request, episode {episode.pk}", patient=episode.patient
    )
    url = reverse("care_episodes:case_review", args=[episode.pk])
    leads = User.objects.filter(groups__name=Role.PRACTICE_LEAD.value, is_active=True)
    for lead in leads:
        reminders.notify_now(user=lead, title="A case review was requested", url=url)
    return review


@transaction.atomic
def answer_case_review(review: CaseReview, *, actor: audit.Actor, advice: str) -> CaseReview:
    """A practice lead answers; the physiotherapist who asked reads the advice on the episode."""
    locked = CaseReview.objects.select_for_update().get(pk=review.pk)
    if locked.reviewed_at is not None:
        raise CaseReviewRefused(gettext("This review has already been answered."))
    locked.reviewed_by = _person(actor)
    locked.reviewed_at = timezone.now()
    locked.advice = advice
    locked.save(update_fields=["reviewed_by", "reviewed_at", "advice"])
    episode = locked.episode
    lifecycle.note_event(
        episode, gettext_noop("Practice lead answered the case review"), by=locked.reviewed_by
    )
    audit.record(
        actor, Action.CREATE, f"case review advice, episode {episode.pk}", patient=episode.patient
    )
    reminders.notify_now(
        user=locked.requested_by,
        title="The practice lead answered your case review",
        url=reverse("care_episodes:episode_detail", args=[episode.pk]),
    )
    return locked

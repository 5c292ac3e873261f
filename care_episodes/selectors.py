"""Reads used by the care-episode pages: querysets shaped so list pages run a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.postgres.search import SearchRank
from django.db.models import (
    Case,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from care_episodes import outcomes
from care_episodes.charts import LineChart, line_chart
from care_episodes.lifecycle import ACTIVE
from care_episodes.models import (
    Assessment,
    CaseReview,
    ConsultationNote,
    Episode,
    FollowUpPlan,
    NoteRead,
    NoteReply,
    OutcomeMeasurement,
    SelfManagementPlan,
    note_search_query,
)
from intake import selectors as intake_selectors
from intake.models import Appointment, IncomingReferral, Patient, WeeklyAvailability
from triage.models import TriageDecision
from triage.rules.eligibility import age_in_years

if TYPE_CHECKING:  # django-stubs' helper, installed for the type checker only
    from django_stubs_ext import WithAnnotations


def note_sign_days() -> int:
    return int(getattr(settings, "NOTE_SIGN_DAYS", 3))


@dataclass
class OpenEpisodeRow:
    episode: Episode
    next_due: outcomes.Due | None
    note_overdue: bool
    note_due_on: date | None


def physio_open_episodes(user: User, *, today: date | None = None) -> list[OpenEpisodeRow]:
    """The physiotherapist's open episodes with the next outcome due, overdue notes and whether the
    episode has been triaged (`episode.has_triage`), in a fixed number of queries."""
    today = today or timezone.localdate()
    signed = ConsultationNote.objects.filter(episode=OuterRef("pk"), signed_at__isnull=False)
    triaged = TriageDecision.objects.filter(episode=OuterRef("pk"))
    episodes = (
        Episode.objects.filter(physiotherapist=user, status__in=ACTIVE)
        .select_related("patient")
        .annotate(has_signed_note=Exists(signed), has_triage=Exists(triaged))
        .prefetch_related(
            Prefetch(
                "outcomes",
                queryset=OutcomeMeasurement.objects.only(
                    "id", "episode_id", "timepoint", "measured_on"
                ),
            )
        )
        .order_by("patient__last_name", "patient__first_name", "id")
    )
    rows = []
    for episode in episodes:
        measured = list(episode.outcomes.all())
        baseline = next((m.measured_on for m in measured if m.timepoint == "baseline"), None)
        due = outcomes.next_due(
            baseline, [m.timepoint for m in measured], episode.discharged_on, today=today
        )
        note_due_on = None
        if episode.first_assessed_on and not episode.has_signed_note:
            note_due_on = episode.first_assessed_on + timedelta(days=note_sign_days())
        rows.append(
            OpenEpisodeRow(
                episode=episode,
                next_due=due,
                note_overdue=note_due_on is not None and note_due_on < today,
                note_due_on=note_due_on,
            )
        )
    return rows


def unseen_replies(user: User) -> QuerySet[NoteReply]:
    return (
        NoteReply.objects.filter(note__author=user, seen_by_physio_at__isnull=True)
        .select_related("note__episode__patient", "author")
        .order_by("created_at")
    )


def latest_assessment(episode: Episode) -> Assessment | None:
    return episode.assessments.order_by("-assessed_on", "-id").first()


def latest_triage(episode: Episode) -> dict[str, Any] | None:
    """The newest triage decision for the episode, in the words the assessment and the note use."""
    decision = TriageDecision.objects.filter(episode=episode).order_by("-decided_at", "-id").first()
    if decision is None:
        return None
    outputs = decision.outputs or {}
    start_back = outputs.get("start_back", {})
    return {
        "total": start_back.get("total"),
        "psychosocial": start_back.get("psychosocial"),
        "risk": decision.risk,
        "disposition": decision.disposition,
        "matched_care": outputs.get("matched_care"),
        "rule_version": decision.rule_version,
        "decided_at": decision.decided_at,
        "red_flags": (decision.inputs or {}).get("red_flags", []),
        "eligibility": outputs.get("eligibility", {}),
    }


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    text: str
    by: str


def episode_timeline(episode: Episode) -> list[TimelineEntry]:
    """Status changes and events, assessments, outcome measures and notes, oldest first."""
    entries = [
        TimelineEntry(event.at, gettext("Event"), event.text, str(event.by or ""))
        for event in episode.events.select_related("by")
    ]
    for assessment in episode.assessments.select_related("by"):
        entries.append(
            TimelineEntry(
                assessment.created_at,
                gettext("Assessment"),
                gettext("Assessment on %(date)s: %(diagnosis)s")
                % {
                    "date": f"{assessment.assessed_on:%Y-%m-%d}",
                    "diagnosis": assessment.working_diagnosis,
                },
                str(assessment.by or ""),
            )
        )
    for measurement in episode.outcomes.select_related("by"):
        entries.append(
            TimelineEntry(
                measurement.created_at,
                gettext("Outcome measures"),
                gettext("%(timepoint)s measures on %(date)s")
                % {
                    "timepoint": measurement.get_timepoint_display(),
                    "date": f"{measurement.measured_on:%Y-%m-%d}",
                },
                str(measurement.by or ""),
            )
        )
    for visit in episode.visits.prefetch_related("outcomes"):
        remeasured = [
            part
            for m in visit.outcomes.all()
            for part in (
                f"NPRS {m.nprs}" if m.nprs is not None else "",
                f"RMDQ {m.rmdq}" if m.rmdq is not None else "",
                f"GRC {m.grc:+d}" if m.grc is not None else "",
            )
            if part
        ]
        entries.append(
            TimelineEntry(
                visit.created_at,
                gettext("Follow-up visit"),
                gettext("Visit on %(date)s (%(mode)s)")
                % {"date": f"{visit.visit_date:%Y-%m-%d}", "mode": visit.get_mode_display().lower()}
                + (
                    gettext("; re-measured %(scores)s") % {"scores": ", ".join(remeasured)}
                    if remeasured
                    else ""
                ),
                "",
            )
        )
    for note in episode.notes.select_related("author"):
        state = gettext("signed") if note.signed_at else gettext("draft")
        entries.append(
            TimelineEntry(
                note.signed_at or note.created_at,
                gettext("Consultation note"),
                gettext("Consultation note version %(version)s (%(state)s)")
                % {"version": note.version, "state": state},
                str(note.author),
            )
        )
    return sorted(entries, key=lambda entry: entry.at)


@dataclass
class OutcomeRow:
    measurement: OutcomeMeasurement
    changes: dict[str, outcomes.Change | None]


@dataclass
class InstrumentChart:
    instrument: outcomes.Instrument
    label: str
    chart: LineChart


CHARTED = [
    outcomes.Instrument.NPRS,
    outcomes.Instrument.RMDQ,
    outcomes.Instrument.PSFS,
    outcomes.Instrument.ODI,
]


def outcome_history(episode: Episode) -> tuple[list[OutcomeRow], list[InstrumentChart]]:
    """Each measurement with its change from baseline, and one chart per instrument measured."""
    measurements = list(episode.outcomes.all())
    baseline = next((m for m in measurements if m.timepoint == "baseline"), None)
    rows = []
    for measurement in measurements:
        changes: dict[str, outcomes.Change | None] = {}
        if baseline is not None and measurement.pk != baseline.pk:
            for instrument in CHARTED:  # every instrument with a change rule (GRC has none)
                before, after = getattr(baseline, instrument), getattr(measurement, instrument)
                if before is not None and after is not None:
                    changes[instrument] = outcomes.meaningful_change(
                        instrument, float(before), float(after)
                    )
        rows.append(OutcomeRow(measurement, changes))
    charts = []
    for instrument in CHARTED:
        series = [
            (f"{m.measured_on:%Y-%m-%d}", float(getattr(m, instrument)))
            for m in measurements
            if getattr(m, instrument) is not None
        ]
        if series:
            low, high = outcomes.RANGES[instrument]
            charts.append(
                InstrumentChart(
                    instrument, outcomes.LABELS[instrument], line_chart(series, low, high)
                )
            )
    return rows, charts


class _ReadFlag(TypedDict):
    is_read: bool


def physician_inbox(
    user: User, query: str = ""
) -> QuerySet[WithAnnotations[ConsultationNote, _ReadFlag]]:
    """Signed notes about the physician's own panel and about patients they referred, unread first,
    newest first; optional search."""
    referred = IncomingReferral.objects.filter(
        Q(referrer__user=user) | Q(referring_physician=user)
    ).values("episode_id")
    notes = (
        ConsultationNote.objects.filter(signed_at__isnull=False)
        .filter(Q(episode__patient__family_physician=user) | Q(episode_id__in=referred))
        .select_related("episode__patient", "author")
        .annotate(is_read=Exists(NoteRead.objects.filter(note=OuterRef("pk"), reader=user)))
    )
    if query.strip():
        search = note_search_query(query)
        notes = notes.filter(search_vector=search).annotate(
            rank=SearchRank(F("search_vector"), search)
        )
        return notes.order_by("is_read", "-rank", "-signed_at")
    return notes.order_by("is_read", "-signed_at")


# How many complex cases the practice lead's home lists (the oldest requests first).
LEAD_LIST_LIMIT = 100


def open_case_reviews() -> QuerySet[CaseReview]:
    """Reviews waiting for a practice lead, oldest first."""
    return (
        CaseReview.objects.filter(reviewed_at__isnull=True)
        .select_related("episode__patient", "episode__physiotherapist", "requested_by")
        .order_by("requested_at", "id")
    )


def complex_cases() -> QuerySet[Episode]:
    """Open episodes the practice lead keeps an eye on without being asked: the high-risk stratum of
    STarT Back, and a red flag sent for urgent physician review (clinical rules, sections 2 and 3)."""
    urgent = TriageDecision.objects.filter(
        episode=OuterRef("pk"), disposition=TriageDecision.Disposition.URGENT
    )
    return (
        Episode.objects.filter(status__in=ACTIVE)
        .annotate(urgent_red_flag=Exists(urgent))
        .filter(Q(risk=Episode.Risk.HIGH) | Q(urgent_red_flag=True))
        .select_related("patient", "physiotherapist", "site")
        .order_by("requested_on", "id")[:LEAD_LIST_LIMIT]
    )


def case_reviews_of(episode: Episode) -> list[CaseReview]:
    return list(episode.case_reviews.select_related("requested_by", "reviewed_by"))


# --- the patient header and the pathway's next steps -----------------------------------------------------

PATHWAY = ("triage", "assessment", "outcomes", "plan", "note", "follow_up", "discharge")
STEP_LABELS = {
    "triage": gettext_lazy("Triage"),
    "assessment": gettext_lazy("Assessment"),
    "outcomes": gettext_lazy("Outcomes"),
    "plan": gettext_lazy("Plan"),
    "note": gettext_lazy("Note"),
    "follow_up": gettext_lazy("Follow-up"),
    "discharge": gettext_lazy("Discharge"),
}


@dataclass(frozen=True)
class PathwayStep:
    key: str
    label: str
    done: bool
    is_next: bool


@dataclass(frozen=True)
class PatientHeader:
    """What every patient page shows at the top: who the patient is, at a glance, and where the
    current episode stands on the pathway (triage -> assessment -> outcomes -> plan -> note ->
    follow-up -> discharge)."""

    patient: Patient
    age: int
    masked_card: str
    flags: list[str]
    episode: Episode | None
    steps: list[PathwayStep]
    draft_note_id: int | None

    @property
    def next_step(self) -> PathwayStep | None:
        return next((step for step in self.steps if step.is_next), None)


def masked_health_card(number: str | None) -> str:
    """The last four digits only (the rest as dots): enough to confirm a card, not to copy it."""
    if not number:
        return ""
    shown = number[-4:]
    return "•" * (len(number) - len(shown)) + shown


def _with_progress(episodes: QuerySet[Episode]) -> QuerySet[Any]:
    """Annotate each step's state in the same query as the episode."""
    latest = TriageDecision.objects.filter(episode=OuterRef("pk")).order_by("-decided_at", "-id")
    drafts = ConsultationNote.objects.filter(episode=OuterRef("pk"), signed_at__isnull=True)
    return episodes.annotate(
        triage_disposition=Subquery(latest.values("disposition")[:1]),
        has_assessment=Exists(Assessment.objects.filter(episode=OuterRef("pk"))),
        has_outcomes=Exists(OutcomeMeasurement.objects.filter(episode=OuterRef("pk"))),
        has_plan=Exists(SelfManagementPlan.objects.filter(episode=OuterRef("pk"))),
        has_signed=Exists(
            ConsultationNote.objects.filter(episode=OuterRef("pk"), signed_at__isnull=False)
        ),
        draft_id=Subquery(drafts.order_by("-id").values("id")[:1]),
        has_follow_up=Exists(FollowUpPlan.objects.filter(episode=OuterRef("pk"))),
    )


def patient_header(
    patient: Patient, episode: Episode | None = None, *, today: date | None = None
) -> PatientHeader:
    """The header of a patient page in one query: the episode given (or the patient's current one,
    the newest still open, else the newest) with the state of each pathway step."""
    today = today or timezone.localdate()
    episodes = _with_progress(Episode.objects.filter(patient_id=patient.pk))
    if episode is not None:
        current = episodes.filter(pk=episode.pk).first()
    else:
        current = (
            episodes.annotate(
                is_open=Case(When(status__in=ACTIVE, then=Value(1)), default=Value(0))
            )
            .order_by("-is_open", "-requested_on", "-id")
            .first()
        )
    flags = []
    if patient.booking_hold:
        flags.append(gettext("Booking hold: %(hold)s") % {"hold": gettext(patient.booking_hold)})
    steps: list[PathwayStep] = []
    draft_note_id = None
    if current is not None:
        if current.booking_hold and current.booking_hold != patient.booking_hold:
            flags.append(
                gettext("Booking hold: %(hold)s") % {"hold": gettext(current.booking_hold)}
            )
        if current.triage_disposition == TriageDecision.Disposition.EMERGENCY:
            flags.append(gettext("Red flag: emergency"))
        elif current.triage_disposition == TriageDecision.Disposition.URGENT:
            flags.append(gettext("Red flag: urgent physician review"))
        done = {
            "triage": current.triage_disposition is not None,
            "assessment": current.has_assessment,
            "outcomes": current.has_outcomes,
            "plan": current.has_plan,
            "note": current.has_signed,
            "follow_up": current.has_follow_up,
            "discharge": current.status not in ACTIVE,
        }
        following = next((key for key in PATHWAY if not done[key]), None)
        if done["discharge"]:
            following = None
        steps = [
            PathwayStep(key, str(STEP_LABELS[key]), done[key], key == following) for key in PATHWAY
        ]
        draft_note_id = current.draft_id
    return PatientHeader(
        patient=patient,
        age=age_in_years(patient.date_of_birth, today),
        masked_card=masked_health_card(patient.health_card_number),
        flags=flags,
        episode=current,
        steps=steps,
        draft_note_id=draft_note_id,
    )


# --- the physiotherapist's day -----------------------------------------------------------------------


@dataclass
class ScheduleRow:
    """One appointment of the day with what is due for its episode."""

    appointment: Appointment
    age: int
    due: list[str]


def physio_day_schedule(user: User, *, day: date | None = None) -> list[ScheduleRow]:
    """The physiotherapist's appointments of the day at every site, in time order (cancelled ones
    left out), each with what is due: triage, outcome measures, the consultation note. Two queries."""
    day = day or timezone.localdate()
    start, end = intake_selectors.day_bounds(day)
    signed = ConsultationNote.objects.filter(episode=OuterRef("episode"), signed_at__isnull=False)
    appointments = (
        Appointment.objects.filter(practitioner=user, start__gte=start, start__lt=end)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient", "site", "appointment_type", "episode")
        .annotate(
            has_triage=Exists(TriageDecision.objects.filter(episode=OuterRef("episode"))),
            has_assessment=Exists(Assessment.objects.filter(episode=OuterRef("episode"))),
            has_signed_note=Exists(signed),
        )
        .prefetch_related(
            Prefetch(
                "episode__outcomes",
                queryset=OutcomeMeasurement.objects.only(
                    "id", "episode_id", "timepoint", "measured_on"
                ),
            )
        )
        .order_by("start", "id")
    )
    rows = []
    for appointment in appointments:
        episode = appointment.episode
        measured = list(episode.outcomes.all())
        baseline = next((m.measured_on for m in measured if m.timepoint == "baseline"), None)
        next_due = outcomes.next_due(
            baseline, [m.timepoint for m in measured], episode.discharged_on, today=day
        )
        due = []
        if not appointment.has_triage:
            due.append("Triage")
        if next_due is not None and (baseline is None or next_due.due_on <= day):
            due.append(gettext("Outcomes (%(timepoint)s)") % {"timepoint": gettext(next_due.label)})
        if appointment.has_assessment and not appointment.has_signed_note:
            due.append("Note")
        elif appointment.appointment_type.is_new_assessment and not appointment.has_assessment:
            due.append("Assessment")
        rows.append(
            ScheduleRow(appointment, age_in_years(appointment.patient.date_of_birth, day), due)
        )
    return rows


def _readable_episodes(user: User) -> QuerySet[Episode]:
    """The episodes a physiotherapist may open (lbp_pathway.access.episode_grant): in their care, or
    unassigned at a site they work at or at no site yet."""
    sites = WeeklyAvailability.objects.filter(practitioner=user).values("site_id")
    return Episode.objects.filter(
        Q(physiotherapist=user)
        | Q(physiotherapist__isnull=True) & (Q(site__isnull=True) | Q(site_id__in=sites))
    )


def physio_patient_search(user: User, query: str, *, limit: int = 20) -> list[Patient]:
    """Patients found by the front desk's search (name, birth date, health card or phone), limited to
    those with an episode this physiotherapist may open; each carries `episode_id`, the newest such
    episode. One query."""
    readable = _readable_episodes(user).filter(patient=OuterRef("pk"))
    found = (
        intake_selectors.patient_search(query)
        .filter(Exists(readable))
        .annotate(episode_id=Subquery(readable.order_by("-requested_on", "-id").values("id")[:1]))
    )
    return list(found[:limit])


# --- the family physician's panel --------------------------------------------------------------------

PANEL_LIMIT = 50


def physician_panel_episodes(user: User, *, limit: int = PANEL_LIMIT) -> list[Episode]:
    """The open episodes of the physician's panel patients (those they referred among them), with
    the stratum, the physiotherapist and the date of the latest signed note (`last_note_on`);
    waiting longest first. One query."""
    signed = ConsultationNote.objects.filter(
        episode=OuterRef("pk"), signed_at__isnull=False
    ).order_by("-signed_at")
    return list(
        Episode.objects.filter(patient__family_physician=user, status__in=ACTIVE)
        .select_related("patient", "physiotherapist", "site")
        .annotate(last_note_at=Subquery(signed.values("signed_at")[:1]))
        .order_by("requested_on", "id")[:limit]
    )

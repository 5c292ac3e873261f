"""Reads used by the care-episode pages: querysets shaped so list pages run a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.postgres.search import SearchRank
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from care_episodes import outcomes
from care_episodes.charts import LineChart, line_chart
from care_episodes.lifecycle import ACTIVE
from care_episodes.models import (
    Assessment,
    ConsultationNote,
    Episode,
    NoteRead,
    NoteReply,
    OutcomeMeasurement,
    note_search_query,
)
from intake.models import IncomingReferral
from triage.models import TriageDecision

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
        TimelineEntry(event.at, "Event", event.description, str(event.by or ""))
        for event in episode.events.select_related("by")
    ]
    for assessment in episode.assessments.select_related("by"):
        entries.append(
            TimelineEntry(
                assessment.created_at,
                "Assessment",
                f"Assessment on {assessment.assessed_on:%Y-%m-%d}: {assessment.working_diagnosis}",
                str(assessment.by or ""),
            )
        )
    for measurement in episode.outcomes.select_related("by"):
        entries.append(
            TimelineEntry(
                measurement.created_at,
                "Outcome measures",
                f"{measurement.get_timepoint_display()} measures on {measurement.measured_on:%Y-%m-%d}",
                str(measurement.by or ""),
            )
        )
    for note in episode.notes.select_related("author"):
        state = "signed" if note.signed_at else "draft"
        entries.append(
            TimelineEntry(
                note.signed_at or note.created_at,
                "Consultation note",
                f"Consultation note version {note.version} ({state})",
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

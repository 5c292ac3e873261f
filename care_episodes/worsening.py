"""The physio's "worse since last time" list: episodes whose newest outcome is meaningfully worse
than the measurement before it (outcomes.meaningful_change, the one rule for change)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from care_episodes import outcomes
from care_episodes.models import Episode, OutcomeMeasurement

WORSE_WINDOW_DAYS = 30
SCORED = (
    outcomes.Instrument.NPRS,
    outcomes.Instrument.RMDQ,
    outcomes.Instrument.PSFS,
    outcomes.Instrument.ODI,
)


@dataclass(frozen=True)
class Worsening:
    episode: Episode
    label: str
    previous: str
    current: str


def worse_since_last_time(user: User, *, limit: int = 10) -> list[Worsening]:
    """The physio's episodes whose newest outcome (measured in the last 30 days) is meaningfully
    worse than the measurement before it. One query, whatever the number of episodes."""
    since = timezone.localdate() - timedelta(days=WORSE_WINDOW_DAYS)
    recent = (
        OutcomeMeasurement.objects.filter(episode__physiotherapist=user, measured_on__gte=since)
        .order_by("-measured_on", "-id")
        .values_list("episode_id", flat=True)[:500]
    )
    by_episode: dict[int, list[OutcomeMeasurement]] = {}
    for measurement in (
        OutcomeMeasurement.objects.filter(episode_id__in=recent)
        .select_related("episode__patient")
        .order_by("-measured_on", "-id")
    ):
        by_episode.setdefault(measurement.episode_id, []).append(measurement)
    rows: list[Worsening] = []
    for measurements in by_episode.values():
        if len(measurements) < 2:
            continue
        latest, previous = measurements[0], measurements[1]
        for instrument in SCORED:
            before, now = getattr(previous, instrument.value), getattr(latest, instrument.value)
            if before is None or now is None:
                continue
            change = outcomes.meaningful_change(instrument, before, now)
            if change is not None and change.direction is outcomes.Direction.WORSE:
                rows.append(
                    Worsening(
                        latest.episode,
                        outcomes.LABELS[instrument],
                        outcomes.display(before),
                        outcomes.display(now),
                    )
                )
    rows.sort(key=lambda row: row.episode.patient.full_name)
    return rows[:limit]

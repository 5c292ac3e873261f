"""Outcome questionnaires by link on the manager dashboard: for each stratum and timepoint, how many
were sent in the period, how many answered, and the mean change from baseline of the answered ones
(NPRS and RMDQ, positive = better). Bounded by the period filter; counts below 5 are suppressed
like every dashboard count (queries.SMALL_COUNT)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Q
from django.utils import timezone

from care_episodes.models import OutcomeMeasurement
from followup_measures.models import QuestionnaireInvite
from reporting import queries as q

TIMEPOINTS = ("baseline", "six_weeks", "three_months", "six_months", "twelve_months")
TIMEPOINT_LABELS = dict(OutcomeMeasurement.Timepoint.choices)
STRATA = {"low": "Low", "medium": "Medium", "high": "High", "": "Not stratified"}


@dataclass(frozen=True)
class RateRow:
    stratum: str
    timepoint: str
    sent: str
    answered: str
    rate: str
    nprs_change: str
    rmdq_change: str


def _count(value: int) -> str:
    return q.SMALL_MARK if 0 < value < q.SMALL_COUNT else str(value)


def _mean(values: list[float]) -> str:
    if len(values) < q.SMALL_COUNT:
        return "—"
    return f"{sum(values) / len(values):+.1f}"


def response_rates(filters: q.Filters) -> list[RateRow]:
    start = timezone.make_aware(datetime.combine(filters.start, time.min))
    end = timezone.make_aware(datetime.combine(filters.end, time.max))
    scope = Q(sent_at__range=(start, end))
    if filters.site_id:
        scope &= Q(episode__site_id=filters.site_id)
    if filters.practitioner_id:
        scope &= Q(episode__physiotherapist_id=filters.practitioner_id)
    if filters.risk:
        scope &= Q(episode__risk=filters.risk)
    invites = list(
        QuestionnaireInvite.objects.filter(scope).values_list(
            "episode_id",
            "episode__risk",
            "timepoint",
            "measurement__nprs",
            "measurement__rmdq",
            "used_at",
        )
    )
    episode_ids = {row[0] for row in invites}
    baselines: dict[int, tuple[int | None, int | None]] = {}
    for episode_id, nprs, rmdq in (
        OutcomeMeasurement.objects.filter(episode_id__in=episode_ids, timepoint="baseline")
        .order_by("-measured_on", "-id")
        .values_list("episode_id", "nprs", "rmdq")
    ):
        baselines[episode_id] = (nprs, rmdq)
    sent: dict[tuple[str, str], int] = defaultdict(int)
    answered: dict[tuple[str, str], int] = defaultdict(int)
    nprs_change: dict[tuple[str, str], list[float]] = defaultdict(list)
    rmdq_change: dict[tuple[str, str], list[float]] = defaultdict(list)
    for episode_id, risk, timepoint, nprs, rmdq, used_at in invites:
        key = (risk, timepoint)
        sent[key] += 1
        if used_at is None:
            continue
        answered[key] += 1
        base_nprs, base_rmdq = baselines.get(episode_id, (None, None))
        if timepoint != "baseline" and nprs is not None and base_nprs is not None:
            nprs_change[key].append(base_nprs - nprs)
        if timepoint != "baseline" and rmdq is not None and base_rmdq is not None:
            rmdq_change[key].append(base_rmdq - rmdq)
    rows = []
    for stratum, stratum_label in STRATA.items():
        for timepoint in TIMEPOINTS:
            key = (stratum, timepoint)
            if not sent[key]:
                continue
            rate = (
                f"{answered[key] / sent[key]:.0%}"
                if sent[key] >= q.SMALL_COUNT and answered[key] >= q.SMALL_COUNT
                else "—"
            )
            rows.append(
                RateRow(
                    stratum_label,
                    str(TIMEPOINT_LABELS[timepoint]),
                    _count(sent[key]),
                    _count(answered[key]),
                    rate,
                    _mean(nprs_change[key]),
                    _mean(rmdq_change[key]),
                )
            )
    return rows

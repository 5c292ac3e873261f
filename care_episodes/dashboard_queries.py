"""The manager dashboard's figures, each computed by one aggregate query in PostgreSQL.

Every function takes the same filters and returns plain rows (dicts), so views, CSV exports and the
monthly report share them, and a page issues a fixed number of queries whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection

SMALL_COUNT = 5  # counts below this are suppressed in exports (re-identification risk)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    site_id: int | None = None
    practitioner_id: int | None = None
    risk: str | None = None

    def episode_where(self, alias: str = "e") -> tuple[str, dict[str, Any]]:
        clauses = [f"{alias}.requested_on BETWEEN %(start)s AND %(end)s"]
        params: dict[str, Any] = {"start": self.start, "end": self.end}
        if self.site_id:
            clauses.append(f"{alias}.site_id = %(site_id)s")
            params["site_id"] = self.site_id
        if self.practitioner_id:
            clauses.append(f"{alias}.physiotherapist_id = %(practitioner_id)s")
            params["practitioner_id"] = self.practitioner_id
        if self.risk:
            clauses.append(f"{alias}.risk = %(risk)s")
            params["risk"] = self.risk
        return " AND ".join(clauses), params


def wait_target_days() -> int:
    return int(getattr(settings, "WAIT_TARGET_DAYS", 28))


def _rows(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


_WAIT_STATS = """
    count(*) AS episodes,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY e.first_assessed_on - e.requested_on) AS median_days,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY e.first_assessed_on - e.requested_on) AS p90_days,
    avg(((e.first_assessed_on - e.requested_on) <= %(target)s)::int) AS share_within_target
"""


def _wait_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["median_days"] = _round(row["median_days"])
        row["p90_days"] = _round(row["p90_days"])
        share = row["share_within_target"]
        row["share_within_target"] = None if share is None else round(float(share) * 100, 1)
    return rows


def wait_by_site(filters: Filters) -> list[dict[str, Any]]:
    """Request (call or referral received) to first assessment, per site and for all sites."""
    where, params = filters.episode_where()
    sql = f"""
        SELECT CASE WHEN GROUPING(s.name) = 1 THEN 'All sites' ELSE COALESCE(s.name, 'No site') END
               AS site, {_WAIT_STATS}
        FROM care_episodes_episode e LEFT JOIN intake_site s ON s.id = e.site_id
        WHERE e.first_assessed_on IS NOT NULL AND {where}
        GROUP BY GROUPING SETS ((s.name), ())
        ORDER BY GROUPING(s.name), s.name
    """
    return _wait_rows(_rows(sql, {**params, "target": wait_target_days()}))


def wait_by_week(filters: Filters) -> list[dict[str, Any]]:
    """The same wait figures per week of the request (weeks start on Monday)."""
    where, params = filters.episode_where()
    sql = f"""
        SELECT date_trunc('week', e.requested_on)::date AS week, {_WAIT_STATS}
        FROM care_episodes_episode e
        WHERE e.first_assessed_on IS NOT NULL AND {where}
        GROUP BY 1 ORDER BY 1
    """
    return _wait_rows(_rows(sql, {**params, "target": wait_target_days()}))


def waitlist(filters: Filters, today: date | None = None) -> dict[str, Any]:
    """Who is waiting now for a first assessment, and the expected wait at the current pace
    (first assessments of the last 28 days)."""
    today = today or date.today()
    params: dict[str, Any] = {"today": today, "since": today - timedelta(days=28)}
    clauses = []
    if filters.site_id:
        clauses.append("e.site_id = %(site_id)s")
        params["site_id"] = filters.site_id
    if filters.practitioner_id:
        clauses.append("e.physiotherapist_id = %(practitioner_id)s")
        params["practitioner_id"] = filters.practitioner_id
    scope = " AND ".join(clauses) or "TRUE"
    sql = f"""
        SELECT
          count(*) FILTER (WHERE e.first_assessed_on IS NULL AND e.status IN ('requested', 'booked'))
            AS waiting,
          max(%(today)s - e.requested_on)
            FILTER (WHERE e.first_assessed_on IS NULL AND e.status IN ('requested', 'booked'))
            AS oldest_wait_days,
          count(*) FILTER (WHERE e.first_assessed_on > %(since)s AND e.first_assessed_on <= %(today)s)
            AS assessed_last_28_days
        FROM care_episodes_episode e
        WHERE {scope}
    """
    row = _rows(sql, params)[0]
    pace = row["assessed_last_28_days"] / 28
    row["expected_wait_days"] = round(row["waiting"] / pace, 1) if pace else None
    return row


def volumes(filters: Filters) -> dict[str, Any]:
    """New episodes, how they arrived (first-contact booking versus physician referral) and diversions."""
    where, params = filters.episode_where()
    sql = f"""
        SELECT count(*) AS new_episodes,
               count(*) FILTER (WHERE e.source = 'direct') AS direct_bookings,
               count(*) FILTER (WHERE e.source = 'physician_referral') AS physician_referrals,
               count(*) FILTER (WHERE e.status = 'sent_to_emergency') AS emergency_diversions,
               count(*) FILTER (WHERE e.first_assessed_on IS NOT NULL) AS assessed,
               count(*) FILTER (WHERE e.status = 'discharged') AS discharged
        FROM care_episodes_episode e
        WHERE {where}
    """
    row = _rows(sql, params)[0]
    total = row["new_episodes"]
    row["direct_share"] = round(row["direct_bookings"] * 100 / total, 1) if total else None
    return row


def stratum_mix(filters: Filters) -> list[dict[str, Any]]:
    """STarT Back risk strata of the episodes in the period."""
    where, params = filters.episode_where()
    sql = f"""
        SELECT CASE e.risk WHEN '' THEN 'not triaged' ELSE e.risk END AS stratum,
               count(*) AS episodes,
               round(count(*) * 100.0 / sum(count(*)) OVER (), 1) AS share
        FROM care_episodes_episode e
        WHERE {where}
        GROUP BY 1
    """
    rows = _rows(sql, params)
    order = {"low": 0, "medium": 1, "high": 2, "not triaged": 3}
    for row in rows:
        row["share"] = _round(row["share"])
    return sorted(rows, key=lambda row: order.get(row["stratum"], 9))


def suppress_small_counts(
    rows: list[dict[str, Any]], count_keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    """For exports: counts below SMALL_COUNT become "<5", and the figures derived from them are blanked."""
    safe = []
    for row in rows:
        row = dict(row)
        small = any(isinstance(row.get(k), int) and 0 < row[k] < SMALL_COUNT for k in count_keys)
        for key, value in row.items():
            if key in count_keys and isinstance(value, int) and 0 < value < SMALL_COUNT:
                row[key] = f"<{SMALL_COUNT}"
            elif small and key not in count_keys and isinstance(value, float):
                row[key] = ""
        safe.append(row)
    return safe

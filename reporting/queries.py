"""The manager dashboard's figures, each computed by one aggregate query in PostgreSQL.

Every function takes the same filters and returns plain rows (dicts), so views, CSV exports and the
monthly report share them, and a page issues a fixed number of queries whatever the data size.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, SupportsFloat, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections

from care_episodes import outcomes
from lbp_pathway.dbrouter import read_alias

SMALL_COUNT = 5  # counts below this are suppressed in exports (re-identification risk)
SMALL_MARK = f"<{SMALL_COUNT}"  # a hidden count from 1 to 4
# A count of 5 or more, hidden so that a small one cannot be worked out by subtraction.
HIDDEN_MARK = f"{SMALL_COUNT}+"


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    site_id: int | None = None
    practitioner_id: int | None = None
    risk: str | None = None

    def scope(
        self, alias: str, *, practitioner: str = "practitioner_id", risk: str = ""
    ) -> tuple[list[str], dict[str, Any]]:
        """The site, practitioner and stratum filters as SQL clauses on `alias` (the practitioner
        column and the stratum clause differ by table), with their parameters."""
        clauses: list[str] = []
        params: dict[str, Any] = {}
        if self.site_id:
            clauses.append(f"{alias}.site_id = %(site_id)s")
            params["site_id"] = self.site_id
        if self.practitioner_id:
            clauses.append(f"{alias}.{practitioner} = %(practitioner_id)s")
            params["practitioner_id"] = self.practitioner_id
        if self.risk:
            clauses.append(risk or f"{alias}.risk = %(risk)s")
            params["risk"] = self.risk
        return clauses, params

    def episode_where(self, alias: str = "e") -> tuple[str, dict[str, Any]]:
        clauses, params = self.scope(alias, practitioner="physiotherapist_id")
        clauses.insert(0, f"{alias}.requested_on BETWEEN %(start)s AND %(end)s")
        return " AND ".join(clauses), {"start": self.start, "end": self.end, **params}


def wait_target_days() -> int:
    return int(getattr(settings, "WAIT_TARGET_DAYS", 28))


def _rows(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with connections[read_alias()].cursor() as cursor:  # the replica inside a report, if any
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


_STRATUM_ORDER = {"low": 0, "medium": 1, "high": 2, "not triaged": 3}


def _by_stratum(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: _STRATUM_ORDER.get(row["stratum"], 9))


def _round(value: SupportsFloat | None) -> float | None:
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


ALL_SITES = "All sites"
ONE_SITE_TOTAL = "Total (chosen site only)"
# A row of appointments or episodes with no site (shown translated by the views).
NO_SITE = "No site"


def total_label(filters: Filters) -> str:
    """The total row's name: "All sites" only when no site is chosen."""
    return ONE_SITE_TOTAL if filters.site_id else ALL_SITES


def wait_by_site(filters: Filters) -> list[dict[str, Any]]:
    """Request (call or referral received) to first assessment, per site and for all sites."""
    where, params = filters.episode_where()
    sql = f"""
        SELECT CASE WHEN GROUPING(s.name) = 1 THEN %(total_label)s ELSE COALESCE(s.name, 'No site') END
               AS site, GROUPING(s.name) = 1 AS is_total, {_WAIT_STATS}
        FROM care_episodes_episode e LEFT JOIN intake_site s ON s.id = e.site_id
        WHERE e.first_assessed_on IS NOT NULL AND {where}
        GROUP BY GROUPING SETS ((s.name), ())
        ORDER BY GROUPING(s.name), s.name
    """
    params = {**params, "target": wait_target_days(), "total_label": total_label(filters)}
    return _wait_rows(_rows(sql, params))


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
    """STarT Back risk strata of the episodes in the period, with the care delivered per stratum
    (attended sessions per episode)."""
    where, params = filters.episode_where()
    # Sessions of an episode come after its request: an appointment before the local day of the
    # request does not count (the rollups count the same way).
    params["tz"] = settings.TIME_ZONE
    sql = f"""
        WITH eps AS (SELECT e.id, e.risk, e.requested_on FROM care_episodes_episode e WHERE {where}),
        sessions AS (
            SELECT a.episode_id, count(*) AS n FROM intake_appointment a JOIN eps ON eps.id = a.episode_id
            WHERE a.status IN ('arrived', 'completed')
              AND a.start >= (eps.requested_on::timestamp AT TIME ZONE %(tz)s)
            GROUP BY a.episode_id
        )
        SELECT CASE eps.risk WHEN '' THEN 'not triaged' ELSE eps.risk END AS stratum,
               count(*) AS episodes,
               round(count(*) * 100.0 / sum(count(*)) OVER (), 1) AS share,
               round(avg(coalesce(sessions.n, 0)), 1) AS sessions_per_episode
        FROM eps LEFT JOIN sessions ON sessions.episode_id = eps.id
        GROUP BY 1
    """
    rows = _rows(sql, params)
    for row in rows:
        row["share"] = _round(row["share"])
        row["sessions_per_episode"] = _round(row["sessions_per_episode"])
    return _by_stratum(rows)


def _appointment_where(filters: Filters) -> tuple[str, dict[str, Any]]:
    """Appointments whose local start date falls in the period (site/practitioner/stratum filters)."""
    # Local-day bounds as instants, so the (site, start) and (practitioner, start) indexes apply.
    clauses = ["a.start >= %(from_instant)s AND a.start < %(until_instant)s"]
    tz = ZoneInfo(settings.TIME_ZONE)
    params: dict[str, Any] = {
        "start": filters.start,
        "end": filters.end,
        "from_instant": datetime.combine(filters.start, time.min, tzinfo=tz),
        "until_instant": datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=tz),
    }
    scope, scope_params = filters.scope(
        "a",
        risk="EXISTS (SELECT 1 FROM care_episodes_episode e "
        "WHERE e.id = a.episode_id AND e.risk = %(risk)s)",
    )
    return " AND ".join(clauses + scope), {**params, **scope_params}


def visits(filters: Filters) -> dict[str, Any]:
    """Appointments in the period: attended visits, new assessments, no-shows and cancellations."""
    where, params = _appointment_where(filters)
    sql = f"""
        SELECT count(*) FILTER (WHERE a.status IN ('arrived', 'completed')) AS visits,
               count(*) FILTER (WHERE a.status IN ('arrived', 'completed') AND t.is_new_assessment)
                   AS new_patients_seen,
               count(*) FILTER (WHERE a.status = 'no_show') AS no_shows,
               count(*) FILTER (WHERE a.status = 'cancelled') AS cancellations
        FROM intake_appointment a JOIN intake_appointmenttype t ON t.id = a.appointment_type_id
        WHERE {where}
    """
    row = _rows(sql, params)[0]
    row["visit_notes"] = visit_notes(filters)
    attended_or_missed = row["visits"] + row["no_shows"]
    row["no_show_rate"] = (
        round(row["no_shows"] * 100 / attended_or_missed, 1) if attended_or_missed else None
    )
    return row


def visit_notes(filters: Filters) -> int:
    """Follow-up visit notes written for visits in the period (the practitioner is the author)."""
    clauses = ["v.visit_date BETWEEN %(start)s AND %(end)s"]
    params: dict[str, Any] = {"start": filters.start, "end": filters.end}
    scope, scope_params = Filters(
        filters.start, filters.end, filters.site_id, None, filters.risk
    ).scope("e")
    if filters.practitioner_id:
        scope.append("v.author_id = %(practitioner_id)s")
        scope_params["practitioner_id"] = filters.practitioner_id
    sql = f"""
        SELECT count(*) AS visit_notes
        FROM care_episodes_visitnote v JOIN care_episodes_episode e ON e.id = v.episode_id
        WHERE {" AND ".join(clauses + scope)}
    """
    count: int = _rows(sql, {**params, **scope_params})[0]["visit_notes"]
    return count


def available_minutes(filters: Filters) -> str:
    """SQL of the available minutes per site over the period: the weekly templates for each day, less
    the practitioners' days off (no history is read, so the full scan and the rollups share it)."""
    scope = []
    if filters.site_id:
        scope.append("w.site_id = %(site_id)s")
    if filters.practitioner_id:
        scope.append("w.practitioner_id = %(practitioner_id)s")
    return f"""
            SELECT w.site_id, sum(extract(epoch FROM (w."end" - w.start)) / 60) AS minutes
            FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS d(day)
            JOIN intake_weeklyavailability w ON w.weekday = extract(isodow FROM d.day) - 1
            WHERE {" AND ".join(scope) or "TRUE"}
              AND NOT EXISTS (
                SELECT 1 FROM intake_availabilityexception x
                WHERE x.practitioner_id = w.practitioner_id AND d.day BETWEEN x.first_day AND x.last_day)
            GROUP BY w.site_id
        """


def utilisation(filters: Filters) -> list[dict[str, Any]]:
    """Booked minutes over available minutes per site: availability comes from the weekly templates
    for each day of the period, less the practitioners' days off."""
    where, params = _appointment_where(filters)
    sql = f"""
        WITH available AS ({available_minutes(filters)}),
        booked AS (
            SELECT a.site_id, sum(extract(epoch FROM (a."end" - a.start)) / 60) AS minutes
            FROM intake_appointment a
            WHERE a.status <> 'cancelled' AND {where}
            GROUP BY a.site_id
        )
        SELECT s.name AS site, coalesce(v.minutes, 0)::int AS available_minutes,
               coalesce(b.minutes, 0)::int AS booked_minutes
        FROM intake_site s
        LEFT JOIN available v ON v.site_id = s.id
        LEFT JOIN booked b ON b.site_id = s.id
        WHERE v.minutes IS NOT NULL OR b.minutes IS NOT NULL
        ORDER BY s.name
    """
    rows = _rows(sql, params)
    for row in rows:
        available = row["available_minutes"]
        row["utilisation"] = (
            round(row["booked_minutes"] * 100 / available, 1) if available else None
        )
    return rows


def _first_last(column: str) -> str:
    """Baseline (first) and final (last) value of an outcome column per episode, with its count."""
    return f"""
        (array_agg(o.{column} ORDER BY o.measured_on, o.id) FILTER (WHERE o.{column} IS NOT NULL))[1]
            AS {column}_first,
        (array_agg(o.{column} ORDER BY o.measured_on DESC, o.id DESC)
            FILTER (WHERE o.{column} IS NOT NULL))[1] AS {column}_last,
        count(o.{column}) AS {column}_n"""


# Instruments on the outcomes table; the change and whether it is meaningful come from the rules module.
OUTCOME_INSTRUMENTS = (outcomes.Instrument.NPRS, outcomes.Instrument.RMDQ, outcomes.Instrument.PSFS)


def outcomes_by_stratum(filters: Filters) -> list[dict[str, Any]]:
    """Change from baseline to discharge for discharged episodes, by stratum, and the share reaching a
    meaningful improvement. The database finds each episode's first and last score; whether that change
    is meaningful is `outcomes.meaningful_change` (rules section 5), the same call the patient's chart
    and `outcomes_check` make, so the dashboard never disagrees with them."""
    where, params = filters.episode_where()
    sql = f"""
        SELECT CASE e.risk WHEN '' THEN 'not triaged' ELSE e.risk END AS stratum,
               {", ".join(_first_last(instrument) for instrument in OUTCOME_INSTRUMENTS)}
        FROM care_episodes_outcomemeasurement o
        JOIN care_episodes_episode e ON e.id = o.episode_id
        WHERE e.status = 'discharged' AND {where}
        GROUP BY o.episode_id, e.risk
    """
    # stratum -> instrument -> [episodes, sum of improvements, episodes meaningfully improved]
    totals: dict[str, dict[str, list[float]]] = {}
    for episode in _rows(sql, params):
        stratum = totals.setdefault(
            episode["stratum"], {i: [0, 0.0, 0] for i in OUTCOME_INSTRUMENTS}
        )
        for instrument in OUTCOME_INSTRUMENTS:
            first, last = episode[f"{instrument}_first"], episode[f"{instrument}_last"]
            if episode[f"{instrument}_n"] < 2:
                continue
            change = outcomes.meaningful_change(instrument, float(first), float(last))
            if change is None:  # no change rule (not one of the instruments on this table)
                continue
            total = stratum[instrument]
            total[0] += 1
            total[1] += change.improvement
            total[2] += change.direction is outcomes.Direction.IMPROVED
    rows = []
    for name, by_instrument in totals.items():
        row: dict[str, Any] = {"stratum": name}
        for key, (episodes, improvement, improved) in by_instrument.items():
            row[f"{key}_episodes"] = int(episodes)
            row[f"{key}_change"] = _round(improvement / episodes) if episodes else None
            row[f"{key}_meaningful"] = round(improved * 100 / episodes, 1) if episodes else None
        rows.append(row)
    return _by_stratum(rows)


def note_sign_days() -> int:
    return int(getattr(settings, "NOTE_SIGN_DAYS", 3))


def resource_use(filters: Filters, today: date | None = None) -> dict[str, Any]:
    """Referrals made from the period's episodes (imaging outside the guideline, specialists, the Rapid
    Access Clinic), emergency diversions and consultation notes signed late."""
    where, params = filters.episode_where()
    params = {
        **params,
        "sign_days": note_sign_days(),
        "today": today or date.today(),
        "tz": settings.TIME_ZONE,
    }
    sql = f"""
        WITH eps AS (SELECT e.id, e.status, e.first_assessed_on FROM care_episodes_episode e
                     WHERE {where}),
        refs AS (
            SELECT count(*) FILTER (WHERE r.kind = 'imaging') AS imaging,
                   count(*) FILTER (WHERE r.kind = 'imaging' AND r.imaging_outside_guideline)
                       AS imaging_outside_guideline,
                   count(*) FILTER (WHERE r.kind IN ('spine_surgeon', 'rheumatology', 'pain_program'))
                       AS specialist,
                   count(*) FILTER (WHERE r.kind = 'rac_lbp') AS rapid_access_clinic
            FROM referrals_referral r JOIN eps ON eps.id = r.episode_id
            WHERE r.status <> 'cancelled'
        ),
        notes AS (
            -- Every assessed episode owes a note: one never drafted is as overdue as an unsigned draft.
            SELECT count(*) FILTER (
                       WHERE (n.signed_at IS NULL AND %(today)s - eps.first_assessed_on > %(sign_days)s)
                          OR (n.signed_at AT TIME ZONE %(tz)s)::date - eps.first_assessed_on
                             > %(sign_days)s) AS notes_late,
                   count(n.id) AS notes
            FROM eps LEFT JOIN care_episodes_consultationnote n
                ON n.episode_id = eps.id AND n.version = 1
            WHERE eps.first_assessed_on IS NOT NULL
        )
        SELECT (SELECT count(*) FROM eps WHERE eps.first_assessed_on IS NOT NULL) AS assessed,
               (SELECT count(*) FROM eps WHERE eps.status = 'sent_to_emergency') AS emergency_diversions,
               refs.*, notes.*
        FROM refs, notes
    """
    row = _rows(sql, params)[0]
    assessed = row["assessed"]
    for key in ("imaging", "imaging_outside_guideline", "specialist", "rapid_access_clinic"):
        row[f"{key}_per_100"] = round(row[key] * 100 / assessed, 1) if assessed else None
    return row


Cell = TypeVar("Cell", bound=Hashable)  # a count's name: any hashable, one kind per call
Group = tuple[Sequence[Cell], Cell]  # parts that add up to a whole: ([north, south], all_sites)
_RANGES: dict[str, tuple[float, float]] = {
    SMALL_MARK: (1, SMALL_COUNT - 1),
    HIDDEN_MARK: (SMALL_COUNT, math.inf),
}


def _ranges(
    values: Mapping[Cell, int], groups: Sequence[Group[Cell]], hidden: Mapping[Cell, str]
) -> dict[Cell, tuple[float, float]]:
    """What a reader can work out about each hidden cell: its mark's range ("<5": 1 to 4, "5+": 5 or
    more), narrowed by every group's sum until nothing changes (each range always holds the true value,
    and only narrows, so this ends)."""
    ranges: dict[Cell, tuple[float, float]] = {cell: _RANGES[mark] for cell, mark in hidden.items()}
    changed = True
    while changed:
        changed = False
        for parts, total in groups:
            terms = [(cell, 1) for cell in parts] + [(total, -1)]  # sum(parts) - total == 0
            known = sum(sign * values[cell] for cell, sign in terms if cell not in hidden)
            unknown = [(cell, sign) for cell, sign in terms if cell in hidden]
            for cell, sign in unknown:
                others = [(c, s) for c, s in unknown if c != cell]
                low = sum(ranges[c][0] if s > 0 else -ranges[c][1] for c, s in others)
                high = sum(ranges[c][1] if s > 0 else -ranges[c][0] for c, s in others)
                # sign * cell == -known - (the others' sum)
                first, last = -known - high, -known - low
                if sign < 0:
                    first, last = -last, -first
                old = ranges[cell]
                new = (max(old[0], first), min(old[1], last))
                if new != old:
                    ranges[cell], changed = new, True
    return ranges


def complementary_suppression(
    values: Mapping[Cell, int], groups: Sequence[Group[Cell]]
) -> dict[Cell, str]:
    """Which counts to hide, and how: rules section 12.

    `values` are counts by cell (any hashable name); `groups` are additive relations a reader knows,
    each (parts, total) meaning the parts add up to the total (sites to "All sites", direct bookings
    and physician referrals to new episodes, the same total shown in two tables as ([a], b)).

    1. Every count from 1 to 4 is hidden as "<5" (primary suppression).
    2. While some hidden count can still be pinned to a single value from the figures shown (the
       range its mark allows, narrowed by every group's sum), take the first group holding such a
       count and hide its next smallest shown part that is not 0, or its total when no part is left,
       as "5+" (secondary suppression: such a cell is always 5 or more).
    Zeros are never hidden or picked. Returns {cell: "<5" or "5+"}; cells not returned are shown.
    """
    groups = [
        (parts, total) for parts, total in groups if all(c in values for c in (*parts, total))
    ]
    hidden: dict[Cell, str] = {
        cell: SMALL_MARK for cell, value in values.items() if 0 < value < SMALL_COUNT
    }
    while True:
        ranges = _ranges(values, groups, hidden)
        pinned = {cell for cell, (low, high) in ranges.items() if high - low < 1}
        if not pinned:
            return hidden
        for parts, total in groups:
            if not pinned.intersection((*parts, total)):
                continue
            shown = [cell for cell in parts if cell not in hidden and values[cell] > 0]
            if shown:
                hidden[min(shown, key=lambda cell: values[cell])] = HIDDEN_MARK
                break
            if total not in hidden and values[total] > 0:
                hidden[total] = HIDDEN_MARK
                break
        else:  # every cell that could help is hidden already: cannot happen for true counts
            return hidden


def apply_suppression(
    rows: list[dict[str, Any]],
    count_keys: tuple[str, ...],
    hidden: Mapping[tuple[int, str], str],
) -> list[dict[str, Any]]:
    """Rows with the hidden counts (by (row index, key)) replaced by their marks; in a row with a
    hidden count, the figures derived from it (medians, percentages, rates) are blanked."""
    safe = []
    for index, row in enumerate(rows):
        row = dict(row)
        marks = {key: hidden[(index, key)] for key in count_keys if (index, key) in hidden}
        for key, value in row.items():
            if key in marks:
                row[key] = marks[key]
            elif marks and key not in count_keys and isinstance(value, float):
                row[key] = ""
        safe.append(row)
    return safe


def suppress_small_counts(
    rows: list[dict[str, Any]],
    count_keys: tuple[str, ...],
    groups: Sequence[Group[tuple[int, str]]] = (),
) -> list[dict[str, Any]]:
    """For exports: counts below SMALL_COUNT become "<5", more counts become "5+" where `groups`
    (cells as (row index, key)) would let a hidden one be worked out, and the figures derived from
    a hidden count are blanked."""
    values = {
        (index, key): row[key]
        for index, row in enumerate(rows)
        for key in count_keys
        if isinstance(row.get(key), int)
    }
    return apply_suppression(rows, count_keys, complementary_suppression(values, groups))

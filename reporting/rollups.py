"""The dashboard's figures from the rollup tables (reporting/models.py), and how the tables are kept.

Writing: database triggers mark a day as pending in the same transaction as any change to an episode,
appointment, outcome, referral or note (migration 0002). `refresh()` recomputes the pending days, and
`rebuild()` every day; both replace a day's rows as a whole, so running either again gives the same
rows (the Celery beat job `reporting.tasks.refresh_rollups` and `manage.py rebuild_rollups`). The
manager's dashboard, report and exports refresh what is pending before they read, so their figures are
never behind the records; the small figures on clinicians' home pages read the rollups as the beat
job left them (a home page stays a read).

Reading: every function here returns what the full-scan function of the same name in
reporting/queries.py returns (tests/dashboards/test_rollups.py compares them on generated data), but
reads only the rollup rows of the period: its cost follows the length of the period, not the history.
Waits are stored as a histogram (the wait in days is part of each row's key), so the median and 90th
percentile are PostgreSQL's percentile_cont to the last bit, not an estimate. Clinic-wide counts come
from the per-site tables (physiotherapists summed), per-physiotherapist rows only when one is chosen.

One documented limit: notes signed late are counted with the NOTE_SIGN_DAYS in force when the day was
last recomputed (run `manage.py rebuild_rollups` after changing it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from reporting import queries as q
from reporting.models import PendingRollupDay

# pg_advisory_xact_lock key: one refresh or rebuild at a time ("LBPR").
LOCK_KEY = 0x4C425052

_OUTCOME_CHANGE = {  # improvement, and the meaningful change (rules section 5), per measure
    "nprs": ("m.nprs_first - m.nprs_last", 2, True),
    "rmdq": ("m.rmdq_first - m.rmdq_last", 5, True),
    "psfs": ("m.psfs_last - m.psfs_first", 2, False),
}


def _outcome_columns() -> str:
    parts = ["count(m.episode_id)"]
    for key, (change, points, relative) in _OUTCOME_CHANGE.items():
        meaningful = f"({change}) >= {points}"
        if relative:
            meaningful += f" OR (m.{key}_first > 0 AND ({change}) >= 0.3 * m.{key}_first)"
        enough = f"m.{key}_n >= 2"
        parts += [
            f"count(*) FILTER (WHERE {enough})",
            f"coalesce(sum({change}) FILTER (WHERE {enough}), 0)",
            f"count(*) FILTER (WHERE {enough} AND ({meaningful}))",
        ]
    return ",\n               ".join(parts)


_EPISODE_ROLLUP = f"""
    INSERT INTO reporting_episoderollup (
        day, site_id, practitioner_id, risk, wait_days,
        episodes, assessed, direct_bookings, physician_referrals, emergency_diversions, discharged, sessions,
        measured_discharged, nprs_episodes, nprs_change, nprs_meaningful,
        rmdq_episodes, rmdq_change, rmdq_meaningful, psfs_episodes, psfs_change, psfs_meaningful,
        imaging, imaging_outside_guideline, specialist, rapid_access_clinic,
        notes, notes_signed_late, notes_unsigned)
    WITH eps AS (
        SELECT e.id, e.requested_on, e.site_id, e.physiotherapist_id, e.risk, e.source, e.status,
               e.first_assessed_on
        FROM care_episodes_episode e WHERE {{scope}}
    ),
    sessions AS (
        SELECT a.episode_id, count(*) AS n
        FROM intake_appointment a JOIN eps ON eps.id = a.episode_id
        WHERE a.status IN ('arrived', 'completed')
          AND a.start >= (eps.requested_on::timestamp AT TIME ZONE %(tz)s)
        GROUP BY a.episode_id
    ),
    m AS (
        SELECT o.episode_id, {q._first_last("nprs")}, {q._first_last("rmdq")}, {q._first_last("psfs")}
        FROM care_episodes_outcomemeasurement o JOIN eps ON eps.id = o.episode_id
        WHERE eps.status = 'discharged'
        GROUP BY o.episode_id
    ),
    refs AS (
        SELECT r.episode_id,
               count(*) FILTER (WHERE r.kind = 'imaging') AS imaging,
               count(*) FILTER (WHERE r.kind = 'imaging' AND r.imaging_outside_guideline)
                   AS imaging_outside_guideline,
               count(*) FILTER (WHERE r.kind IN ('spine_surgeon', 'rheumatology', 'pain_program'))
                   AS specialist,
               count(*) FILTER (WHERE r.kind = 'rac_lbp') AS rapid_access_clinic
        FROM referrals_referral r JOIN eps ON eps.id = r.episode_id
        WHERE r.status <> 'cancelled'
        GROUP BY r.episode_id
    ),
    notes AS (
        -- Every assessed episode owes a note: one never drafted counts as unsigned, like a draft.
        SELECT eps.id AS episode_id, count(n.id) AS notes,
               count(*) FILTER (WHERE (n.signed_at AT TIME ZONE %(tz)s)::date - eps.first_assessed_on
                                      > %(sign_days)s) AS late,
               count(*) FILTER (WHERE n.signed_at IS NULL) AS unsigned
        FROM eps LEFT JOIN care_episodes_consultationnote n
            ON n.episode_id = eps.id AND n.version = 1
        WHERE eps.first_assessed_on IS NOT NULL
        GROUP BY eps.id
    )
    SELECT eps.requested_on, eps.site_id, eps.physiotherapist_id, eps.risk,
           eps.first_assessed_on - eps.requested_on,
           count(*),
           count(*) FILTER (WHERE eps.first_assessed_on IS NOT NULL),
           count(*) FILTER (WHERE eps.source = 'direct'),
           count(*) FILTER (WHERE eps.source = 'physician_referral'),
           count(*) FILTER (WHERE eps.status = 'sent_to_emergency'),
           count(*) FILTER (WHERE eps.status = 'discharged'),
           coalesce(sum(sessions.n), 0),
           {_outcome_columns()},
           coalesce(sum(refs.imaging), 0), coalesce(sum(refs.imaging_outside_guideline), 0),
           coalesce(sum(refs.specialist), 0), coalesce(sum(refs.rapid_access_clinic), 0),
           coalesce(sum(notes.notes), 0), coalesce(sum(notes.late), 0),
           coalesce(sum(notes.unsigned), 0)
    FROM eps
    LEFT JOIN sessions ON sessions.episode_id = eps.id
    LEFT JOIN m ON m.episode_id = eps.id
    LEFT JOIN refs ON refs.episode_id = eps.id
    LEFT JOIN notes ON notes.episode_id = eps.id
    GROUP BY 1, 2, 3, 4, 5
"""

_SITE_COLUMNS = (
    "episodes, assessed, direct_bookings, physician_referrals, emergency_diversions, discharged,"
    " sessions, imaging, imaging_outside_guideline, specialist, rapid_access_clinic, notes,"
    " notes_signed_late"
)
_EPISODE_SITE_ROLLUP = f"""
    INSERT INTO reporting_episodesiterollup (day, site_id, risk, {_SITE_COLUMNS})
    SELECT r.day, r.site_id, r.risk, {", ".join(f"sum(r.{c.strip()})" for c in _SITE_COLUMNS.split(","))}
    FROM reporting_episoderollup r WHERE {{scope}}
    GROUP BY 1, 2, 3
"""

_APPOINTMENT_ROLLUP = """
    INSERT INTO reporting_appointmentrollup (
        day, site_id, practitioner_id, risk,
        visits, new_patients_seen, no_shows, cancellations, booked_appointments, booked_seconds)
    SELECT (a.start AT TIME ZONE %(tz)s)::date, a.site_id, a.practitioner_id, e.risk,
           count(*) FILTER (WHERE a.status IN ('arrived', 'completed')),
           count(*) FILTER (WHERE a.status IN ('arrived', 'completed') AND t.is_new_assessment),
           count(*) FILTER (WHERE a.status = 'no_show'),
           count(*) FILTER (WHERE a.status = 'cancelled'),
           count(*) FILTER (WHERE a.status <> 'cancelled'),
           coalesce(sum(extract(epoch FROM (a."end" - a.start))) FILTER (WHERE a.status <> 'cancelled'), 0)
    FROM intake_appointment a
    {days}
    JOIN intake_appointmenttype t ON t.id = a.appointment_type_id
    JOIN care_episodes_episode e ON e.id = a.episode_id
    GROUP BY 1, 2, 3, 4
"""
_APPOINTMENT_SITE_ROLLUP = """
    INSERT INTO reporting_appointmentsiterollup (
        day, site_id, risk,
        visits, new_patients_seen, no_shows, cancellations, booked_appointments, booked_seconds)
    SELECT r.day, r.site_id, r.risk, sum(r.visits), sum(r.new_patients_seen), sum(r.no_shows),
           sum(r.cancellations), sum(r.booked_appointments), sum(r.booked_seconds)
    FROM reporting_appointmentrollup r WHERE {scope}
    GROUP BY 1, 2, 3
"""
# The appointments of the given local days, each day by its own range of instants (index on start).
_LOCAL_DAYS = """JOIN unnest(%(days)s::date[]) AS d(day)
      ON a.start >= (d.day::timestamp AT TIME ZONE %(tz)s)
     AND a.start < ((d.day + 1)::timestamp AT TIME ZONE %(tz)s)"""


def _params(**more: Any) -> dict[str, Any]:
    return {"tz": settings.TIME_ZONE, "sign_days": q.note_sign_days(), **more}


def _recompute(
    cursor: Any, episode_days: list[date] | None, appointment_days: list[date] | None
) -> None:
    """Replace the rollup rows of these days (None: every day)."""
    if episode_days is None:
        for table in ("reporting_episoderollup", "reporting_episodesiterollup"):
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute(_EPISODE_ROLLUP.format(scope="TRUE"), _params())
        cursor.execute(_EPISODE_SITE_ROLLUP.format(scope="TRUE"))
    elif episode_days:
        days = {"days": episode_days}
        for table in ("reporting_episoderollup", "reporting_episodesiterollup"):
            cursor.execute(f"DELETE FROM {table} WHERE day = ANY(%(days)s)", days)
        scope = "e.requested_on = ANY(%(days)s)"
        cursor.execute(_EPISODE_ROLLUP.format(scope=scope), _params(**days))
        cursor.execute(_EPISODE_SITE_ROLLUP.format(scope="r.day = ANY(%(days)s)"), days)
    if appointment_days is None:
        for table in ("reporting_appointmentrollup", "reporting_appointmentsiterollup"):
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute(_APPOINTMENT_ROLLUP.format(days=""), _params())
        cursor.execute(_APPOINTMENT_SITE_ROLLUP.format(scope="TRUE"))
    elif appointment_days:
        days = {"days": appointment_days}
        for table in ("reporting_appointmentrollup", "reporting_appointmentsiterollup"):
            cursor.execute(f"DELETE FROM {table} WHERE day = ANY(%(days)s)", days)
        cursor.execute(_APPOINTMENT_ROLLUP.format(days=_LOCAL_DAYS), _params(**days))
        cursor.execute(_APPOINTMENT_SITE_ROLLUP.format(scope="r.day = ANY(%(days)s)"), days)


def _around(days: Iterable[date]) -> list[date]:
    """Local days an appointment on these UTC dates can fall on (a time zone is less than a day off)."""
    return sorted({day + timedelta(days=shift) for day in days for shift in (-1, 0, 1)})


def refresh(*, wait: bool = True) -> int:
    """Recompute the days marked pending; returns how many days were recomputed. With wait=False,
    returns 0 at once when another refresh or a rebuild holds the lock (it will bring the rows up to
    date itself)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        else:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
            if not cursor.fetchone()[0]:
                return 0
        # Taken first: a change committed after this statement leaves its mark for the next refresh.
        cursor.execute("DELETE FROM reporting_pendingrollupday RETURNING kind, day")
        pending = cursor.fetchall()
        episode_days = sorted(
            {day for kind, day in pending if kind == PendingRollupDay.Kind.EPISODES}
        )
        appointment_days = _around(
            day for kind, day in pending if kind == PendingRollupDay.Kind.APPOINTMENTS
        )
        _recompute(cursor, episode_days, appointment_days)
        return len(episode_days) + len(appointment_days)


def rebuild() -> None:
    """Every rollup row recomputed from the records, in one transaction (readers see the old rows
    until it commits); running it twice gives the same rows."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        cursor.execute("DELETE FROM reporting_pendingrollupday")
        _recompute(cursor, None, None)


def bring_up_to_date() -> None:
    """Before a page reads the rollups: recompute whatever changed since the last refresh (usually
    nothing, as the beat job keeps up; one query then)."""
    if PendingRollupDay.objects.exists():
        refresh(wait=False)


# ---------------------------------------------------------------------------------------------------
# Reading


def _where(filters: q.Filters, alias: str = "r") -> tuple[str, dict[str, Any]]:
    clauses, params = filters.scope(alias)
    clauses.insert(0, f"{alias}.day BETWEEN %(start)s AND %(end)s")
    return " AND ".join(clauses), {"start": filters.start, "end": filters.end, **params}


def _nth(histogram: list[tuple[int, int]], index: int) -> int:
    """The value at this 0-based position of the sorted waits a histogram [(wait, count)] stands for."""
    for wait, count in histogram:
        if index < count:
            return wait
        index -= count
    raise IndexError(index)


def percentile_cont(histogram: list[tuple[int, int]], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over the waits of a histogram sorted by wait, computed the way
    PostgreSQL does (orderedsetaggs.c: the rows at floor and ceil of fraction * (n - 1), then
    low + proportion * (high - low) in double precision), so the figure is the same to the last bit."""
    n = sum(count for _, count in histogram)
    if n == 0:
        return None
    position = fraction * (n - 1)
    first_row, second_row = math.floor(position), math.ceil(position)
    first = float(_nth(histogram, first_row))
    if second_row == first_row:
        return first
    second = float(_nth(histogram, second_row))
    return first + (position - first_row) * (second - first)


def _wait_figures(histogram: list[tuple[int, int]]) -> dict[str, Any]:
    n = sum(count for _, count in histogram)
    within = sum(count for wait, count in histogram if wait <= q.wait_target_days())
    return {
        "episodes": n,
        "median_days": q._round(percentile_cont(histogram, 0.5)),
        "p90_days": q._round(percentile_cont(histogram, 0.9)),
        "share_within_target": round(within / n * 100, 1) if n else None,
    }


def _histograms(sql: str, params: dict[str, Any]) -> dict[Any, list[tuple[int, int]]]:
    """{group: [(wait, count)]} from rows (group, wait, count) sorted by group then wait."""
    groups: dict[Any, list[tuple[int, int]]] = {}
    for row in q._rows(sql, params):
        groups.setdefault(row["grp"], []).append((row["wait_days"], row["n"]))
    return groups


def wait_by_site(filters: q.Filters) -> list[dict[str, Any]]:
    where, params = _where(filters)
    sql = f"""
        WITH h AS (
            SELECT r.site_id, r.wait_days, sum(r.episodes) AS n
            FROM reporting_episoderollup r
            WHERE r.wait_days IS NOT NULL AND {where}
            GROUP BY r.site_id, r.wait_days
        )
        SELECT s.name AS grp, h.wait_days, h.n
        FROM h LEFT JOIN intake_site s ON s.id = h.site_id
        ORDER BY s.name, h.wait_days
    """
    by_site = _histograms(sql, params)
    everyone: dict[int, int] = {}
    for histogram in by_site.values():
        for wait, count in histogram:
            everyone[wait] = everyone.get(wait, 0) + count
    rows = [
        {"site": "No site" if name is None else name, **_wait_figures(histogram)}
        for name, histogram in by_site.items()
    ]
    for row in rows:
        row["is_total"] = False
    total = {"site": q.total_label(filters), "is_total": True}
    return [*rows, {**total, **_wait_figures(sorted(everyone.items()))}]


def wait_by_week(filters: q.Filters) -> list[dict[str, Any]]:
    where, params = _where(filters)
    sql = f"""
        SELECT date_trunc('week', r.day)::date AS grp, r.wait_days, sum(r.episodes) AS n
        FROM reporting_episoderollup r
        WHERE r.wait_days IS NOT NULL AND {where}
        GROUP BY 1, 2 ORDER BY 1, 2
    """
    return [
        {"week": week, **_wait_figures(histogram)}
        for week, histogram in _histograms(sql, params).items()
    ]


def waitlist(filters: q.Filters, today: date | None = None) -> dict[str, Any]:
    """q.waitlist, read through indexes (status; first_assessed_on) instead of every episode: who
    waits now is a present-day figure, not a rollup."""
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
    waiting = "e.first_assessed_on IS NULL AND e.status IN ('requested', 'booked')"
    sql = f"""
        WITH w AS (
            SELECT count(*) AS waiting, max(%(today)s - e.requested_on) AS oldest_wait_days
            FROM care_episodes_episode e WHERE {waiting} AND {scope}
        )
        SELECT w.waiting, w.oldest_wait_days,
               (SELECT count(*) FROM care_episodes_episode e
                WHERE e.first_assessed_on > %(since)s AND e.first_assessed_on <= %(today)s
                  AND {scope}) AS assessed_last_28_days
        FROM w
    """
    row = q._rows(sql, params)[0]
    pace = row["assessed_last_28_days"] / 28
    row["expected_wait_days"] = round(row["waiting"] / pace, 1) if pace else None
    return row


def volumes(filters: q.Filters) -> dict[str, Any]:
    where, params = _where(filters)
    sql = f"""
        SELECT coalesce(sum(r.episodes), 0) AS new_episodes,
               coalesce(sum(r.direct_bookings), 0) AS direct_bookings,
               coalesce(sum(r.physician_referrals), 0) AS physician_referrals,
               coalesce(sum(r.emergency_diversions), 0) AS emergency_diversions,
               coalesce(sum(r.assessed), 0) AS assessed,
               coalesce(sum(r.discharged), 0) AS discharged
        FROM {_episodes(filters)} r WHERE {where}
    """
    row = q._rows(sql, params)[0]
    total = row["new_episodes"]
    row["direct_share"] = round(row["direct_bookings"] * 100 / total, 1) if total else None
    return row


def stratum_mix(filters: q.Filters) -> list[dict[str, Any]]:
    where, params = _where(filters)
    # The same numeric arithmetic as the full scan: avg(n) is sum(n) / count in numeric.
    sql = f"""
        SELECT CASE r.risk WHEN '' THEN 'not triaged' ELSE r.risk END AS stratum,
               sum(r.episodes) AS episodes,
               round(sum(r.episodes) * 100.0 / sum(sum(r.episodes)) OVER (), 1) AS share,
               round(sum(r.sessions)::numeric / sum(r.episodes), 1) AS sessions_per_episode
        FROM {_episodes(filters)} r WHERE {where}
        GROUP BY 1
    """
    rows = q._rows(sql, params)
    for row in rows:
        row["share"] = q._round(row["share"])
        row["sessions_per_episode"] = q._round(row["sessions_per_episode"])
    return q._by_stratum(rows)


def _episodes(filters: q.Filters) -> str:
    """The episode counts to read: per physiotherapist only when the filter names one."""
    if filters.practitioner_id:
        return "reporting_episoderollup"
    return "reporting_episodesiterollup"


def _appointments(filters: q.Filters) -> str:
    """The appointment rollup to read: per practitioner only when the filter names one."""
    if filters.practitioner_id:
        return "reporting_appointmentrollup"
    return "reporting_appointmentsiterollup"


def visits(filters: q.Filters) -> dict[str, Any]:
    where, params = _where(filters)
    sql = f"""
        SELECT coalesce(sum(r.visits), 0) AS visits,
               coalesce(sum(r.new_patients_seen), 0) AS new_patients_seen,
               coalesce(sum(r.no_shows), 0) AS no_shows,
               coalesce(sum(r.cancellations), 0) AS cancellations
        FROM {_appointments(filters)} r WHERE {where}
    """
    row = q._rows(sql, params)[0]
    row["visit_notes"] = q.visit_notes(filters)  # few rows, read directly (no rollup)
    attended_or_missed = row["visits"] + row["no_shows"]
    row["no_show_rate"] = (
        round(row["no_shows"] * 100 / attended_or_missed, 1) if attended_or_missed else None
    )
    return row


def utilisation(filters: q.Filters) -> list[dict[str, Any]]:
    """Booked minutes from the rollup; available minutes as in the full scan, which reads only the
    weekly templates and days off of the period (no history)."""
    where, params = _where(filters)
    sql = f"""
        WITH available AS ({q.available_minutes(filters)}),
        booked AS (
            SELECT r.site_id, sum(r.booked_seconds)::numeric / 60 AS minutes
            FROM {_appointments(filters)} r
            WHERE {where}
            GROUP BY r.site_id
            HAVING sum(r.booked_appointments) > 0
        )
        SELECT s.name AS site, coalesce(v.minutes, 0)::int AS available_minutes,
               coalesce(b.minutes, 0)::int AS booked_minutes
        FROM intake_site s
        LEFT JOIN available v ON v.site_id = s.id
        LEFT JOIN booked b ON b.site_id = s.id
        WHERE v.minutes IS NOT NULL OR b.minutes IS NOT NULL
        ORDER BY s.name
    """
    rows = q._rows(sql, params)
    for row in rows:
        available = row["available_minutes"]
        row["utilisation"] = (
            round(row["booked_minutes"] * 100 / available, 1) if available else None
        )
    return rows


def outcomes_by_stratum(filters: q.Filters) -> list[dict[str, Any]]:
    where, params = _where(filters)
    columns = ",\n".join(
        f"""sum(r.{key}_episodes) AS {key}_episodes,
            sum(r.{key}_change)::numeric / nullif(sum(r.{key}_episodes), 0) AS {key}_change,
            sum(r.{key}_meaningful)::numeric / nullif(sum(r.{key}_episodes), 0) AS {key}_meaningful"""
        for key in _OUTCOME_CHANGE
    )
    sql = f"""
        SELECT CASE r.risk WHEN '' THEN 'not triaged' ELSE r.risk END AS stratum, {columns}
        FROM reporting_episoderollup r WHERE r.measured_discharged > 0 AND {where}
        GROUP BY 1
    """
    rows = q._rows(sql, params)
    for row in rows:
        for key in _OUTCOME_CHANGE:
            row[f"{key}_change"] = q._round(row[f"{key}_change"])
            share = row[f"{key}_meaningful"]
            row[f"{key}_meaningful"] = None if share is None else round(float(share) * 100, 1)
    return q._by_stratum(rows)


def resource_use(filters: q.Filters, today: date | None = None) -> dict[str, Any]:
    where, params = _where(filters)
    unsigned_where, _ = _where(filters, alias="u")
    params = {**params, "sign_days": q.note_sign_days(), "today": today or date.today()}
    sql = f"""
        SELECT coalesce(sum(r.assessed), 0) AS assessed,
               coalesce(sum(r.emergency_diversions), 0) AS emergency_diversions,
               coalesce(sum(r.imaging), 0) AS imaging,
               coalesce(sum(r.imaging_outside_guideline), 0) AS imaging_outside_guideline,
               coalesce(sum(r.specialist), 0) AS specialist,
               coalesce(sum(r.rapid_access_clinic), 0) AS rapid_access_clinic,
               coalesce(sum(r.notes_signed_late), 0)
               + (SELECT coalesce(sum(u.notes_unsigned), 0) FROM reporting_episoderollup u
                  WHERE u.notes_unsigned > 0 AND {unsigned_where}
                    AND %(today)s - (u.day + u.wait_days) > %(sign_days)s)::int
                   AS notes_late,
               coalesce(sum(r.notes), 0) AS notes
        FROM {_episodes(filters)} r WHERE {where}
    """
    row = q._rows(sql, params)[0]
    assessed = row["assessed"]
    for key in ("imaging", "imaging_outside_guideline", "specialist", "rapid_access_clinic"):
        row[f"{key}_per_100"] = round(row[key] * 100 / assessed, 1) if assessed else None
    return row

"""Celery tasks: thin wrappers around reporting.rollups.

Beat runs refresh_rollups every ROLLUP_REFRESH_SECONDS: it recomputes the days that database triggers
marked pending since the last run (nothing to do: one query). Running it twice, or alongside
`manage.py rebuild_rollups`, is harmless: the two take turns on one advisory lock and replace whole
days.
"""

from __future__ import annotations

from celery import shared_task

from reporting import rollups


@shared_task(ignore_result=True)
def refresh_rollups() -> int:
    return rollups.refresh()

"""Recompute every dashboard rollup row from the records (after a bulk load, or after changing
NOTE_SIGN_DAYS). Idempotent: a second run gives the same rows."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reporting import rollups
from reporting.models import AppointmentRollup, EpisodeRollup


class Command(BaseCommand):
    help = "Rebuild the dashboard rollup tables from scratch (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        rollups.rebuild()
        self.stdout.write(
            f"Rollups rebuilt: {EpisodeRollup.objects.count()} episode rows, "
            f"{AppointmentRollup.objects.count()} appointment rows."
        )

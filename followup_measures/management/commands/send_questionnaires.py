"""`manage.py send_questionnaires`: send the outcome questionnaires due today (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from followup_measures import services


class Command(BaseCommand):
    help = "Send the outcome questionnaires due today through the reminders outbox."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = services.send_due_questionnaires()
        self.stdout.write(f"{sent} questionnaire(s) sent.")

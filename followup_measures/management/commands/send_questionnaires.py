"""`manage.py send_questionnaires`: send STarT Back links to newly booked
patients and the outcome questionnaires due today (run hourly or daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from followup_measures import services


class Command(BaseCommand):
    help = "Send the outcome questionnaires due today through the reminders outbox."

    def handle(self, *args: Any, **options: Any) -> None:
        start_back = services.send_start_back_links()
        sent = services.send_due_questionnaires()
        self.stdout.write(f"{start_back} STarT Back link(s) and {sent} questionnaire(s) sent.")

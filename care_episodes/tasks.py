"""Celery tasks of the care layer: thin wrappers around care_episodes.note_delivery.

Beat runs dispatch_note_deliveries every NOTE_DELIVERY_DISPATCH_SECONDS: it claims the signed-note
notices that are due (partner webhooks, emails to outside referrers) and sends them; a failed one is
due again later (exponential back-off) until NOTE_DELIVERY_MAX_ATTEMPTS.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from care_episodes import note_delivery

# A webhook may take up to NOTE_WEBHOOK_TIMEOUT_SECONDS: a run sends a small batch, the next the rest.
BATCH = 20


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def dispatch_note_deliveries() -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for outcome in note_delivery.send_due_note_deliveries(limit=BATCH):
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes

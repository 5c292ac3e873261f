"""Celery tasks: thin wrappers around reminders.services.

Beat runs dispatch_due_reminders every REMINDER_DISPATCH_SECONDS. It claims due rows and queues
send_reminders tasks for them in small chunks (one message per chunk keeps the broker's per-message cost
off each reminder; every reminder in a chunk is still delivered and recorded on its own). If the broker
is down nothing runs and the rows simply stay due; if a worker dies mid-send its rows are claimed again
after REMINDER_CLAIM_TIMEOUT_SECONDS and the delivery key stops a second copy.
"""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.db import InterfaceError, OperationalError

from reminders import services

log = logging.getLogger(__name__)

CLAIM_BATCH = 500
SEND_CHUNK = 25
# Stop claiming after this long so one dispatcher run does not overlap the next beat tick by much.
DISPATCH_BUDGET_SECONDS = 20.0


@shared_task(acks_late=True, ignore_result=True)
def dispatch_due_reminders() -> int:
    started = time.monotonic()
    queued = 0
    while True:
        token, ids = services.claim_due_reminders(limit=CLAIM_BATCH)
        for start in range(0, len(ids), SEND_CHUNK):
            chunk = ids[start : start + SEND_CHUNK]
            try:
                send_reminders.apply_async((chunk, token), retry_policy={"max_retries": 2})
            except Exception:  # broker unreachable: hand the rest back so they stay due
                log.exception("could not queue reminders; they stay pending")
                services.release_claims(ids[start:], token)
                return queued
            queued += len(chunk)
        if len(ids) < CLAIM_BATCH or time.monotonic() - started > DISPATCH_BUDGET_SECONDS:
            return queued


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def send_reminders(ids: list[int], token: str) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for outcome in services.deliver_reminders(ids, token):
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(ignore_result=True)
def no_op() -> None:
    """Does nothing: the bench's yardstick for what the broker and worker cost per task."""

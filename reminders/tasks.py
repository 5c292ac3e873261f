"""Celery tasks: thin wrappers around reminders.services.

Beat runs dispatch_due_reminders every REMINDER_DISPATCH_SECONDS. It counts what is due and queues
enough send_due_reminders tasks to share it out; each of those claims its own rows, a chunk at a time,
under a lease it renews while alive (so time spent waiting in the broker's queue never counts against
a lease), and delivers them (services.deliver_reminders: each message marked sent in its own
transaction, the delivery log consulted first). If the broker is down nothing is queued and the rows
simply stay due; if a worker dies mid-chunk, its lease runs out within REMINDER_LEASE_SECONDS and the
next dispatch sends its rows. Two dispatchers at once queue extra tasks that find nothing to claim.
"""

from __future__ import annotations

import logging
import math
import time

from celery import shared_task
from django.db import InterfaceError, OperationalError

from reminders import services

log = logging.getLogger(__name__)

SEND_CHUNK = 25
# At most this many send tasks per dispatch; each keeps claiming chunks until nothing is due.
MAX_SEND_TASKS = 16
# A send task stops claiming after this long, so one task does not hold a worker for ever.
SEND_BUDGET_SECONDS = 20.0
# A queued send task older than this is dropped: a later dispatch has queued fresh ones.
SEND_TASK_EXPIRES_SECONDS = 120


@shared_task(acks_late=True, ignore_result=True)
def dispatch_due_reminders() -> int:
    due = services.count_claimable_reminders(limit=MAX_SEND_TASKS * SEND_CHUNK)
    wanted = math.ceil(due / SEND_CHUNK)
    for queued in range(wanted):
        try:
            send_due_reminders.apply_async(
                expires=SEND_TASK_EXPIRES_SECONDS, retry_policy={"max_retries": 2}
            )
        except Exception:  # broker unreachable: nothing is claimed, the rows stay due
            log.exception("could not queue reminder sends; they stay pending")
            return queued
    return wanted


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def send_due_reminders() -> dict[str, int]:
    started = time.monotonic()
    outcomes: dict[str, int] = {}
    while True:
        token, ids = services.claim_due_reminders(limit=SEND_CHUNK)
        for outcome in services.deliver_reminders(ids, token) if ids else []:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if len(ids) < SEND_CHUNK or time.monotonic() - started > SEND_BUDGET_SECONDS:
            return outcomes


@shared_task(ignore_result=True)
def no_op() -> None:
    """Does nothing: the bench's yardstick for what the broker and worker cost per task."""

"""Celery tasks of the ground floor: the nightly check of the audit chain and the worker heartbeat
(beat, CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task

from lbp_pathway import audit_chain, monitoring

log = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def verify_audit_chain() -> bool:
    """Recompute the audit chain and keep the result for the administrator's audit page."""
    report = audit_chain.verify()
    audit_chain.record(report, by="nightly check")
    if not report.ok:
        log.error("Audit chain broken at row %s: %s", report.first_break_seq, report.message)
    return report.ok


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    """Beat queues this every 30 s; the worker that runs it records the time (monitoring.py)."""
    monitoring.record_heartbeat()

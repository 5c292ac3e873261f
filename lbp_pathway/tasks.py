"""Celery tasks of the ground floor (beat, CELERY_BEAT_SCHEDULE): the nightly check of the audit chain,
the worker heartbeat and, with BACKUP_DIR set, the nightly backup."""

from __future__ import annotations

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings

from lbp_pathway import audit_chain, backups, monitoring

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


@shared_task(acks_late=False, ignore_result=True)
def nightly_backup() -> str:
    """Back up into BACKUP_DIR and delete archives older than BACKUP_KEEP_DAYS (beat, when BACKUP_DIR
    is set). Not acks_late: a backup cut short by a dying worker is not worth running twice at once."""
    if not settings.BACKUP_DIR:
        return ""
    folder = Path(settings.BACKUP_DIR)
    try:
        archive = backups.create_backup(folder)
    except backups.BackupError:
        log.exception("Nightly backup failed")
        raise
    deleted = backups.prune_backups(folder, keep_days=settings.BACKUP_KEEP_DAYS)
    log.info("Backup written: %s (%d older archives deleted)", archive.name, len(deleted))
    return str(archive)

"""Celery tasks of intake (beat, CELERY_BEAT_SCHEDULE): thin wrappers around intake's services."""

from __future__ import annotations

from celery import shared_task

from intake import offers


@shared_task(ignore_result=True)
def expire_waitlist_offers() -> int:
    """Offers past their time expire and their slots pass on to the next waiting patient."""
    return offers.expire_offers()

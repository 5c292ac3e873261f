"""Celery task: a thin wrapper around services (beat: CELERY_BEAT_SCHEDULE "questionnaires-send")."""

from __future__ import annotations

from celery import shared_task

from followup_measures import services


@shared_task(acks_late=True, ignore_result=True)
def send_questionnaires() -> int:
    return services.send_start_back_links() + services.send_due_questionnaires()

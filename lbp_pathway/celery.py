import os

from celery import Celery, signals

from lbp_pathway.devstack import how_to_start, missing_services

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbp_pathway.settings")

app = Celery("lbp_pathway")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def require_services(**_: object) -> None:
    """A worker or beat without REDIS_URL would otherwise look for a RabbitMQ on localhost."""

    if missing_services():
        raise SystemExit(how_to_start("celery -A lbp_pathway worker|beat …"))

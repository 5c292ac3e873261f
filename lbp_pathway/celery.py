import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbp_pathway.settings")

app = Celery("lbp_pathway")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

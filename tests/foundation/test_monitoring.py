"""Issue 19, monitoring: /metrics for Prometheus behind a bearer token, and the worker heartbeat and
outbox lag in /healthz?full=1."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from lbp_pathway import monitoring, tasks
from reminders.models import Delivery, Reminder
from tests.reminders.factories import ReminderFactory

TOKEN = "metrics-token-for-the-test-1234"


@pytest.fixture(autouse=True)
def no_heartbeat():
    monitoring._redis().delete(monitoring.HEARTBEAT_KEY)
    yield
    monitoring._redis().delete(monitoring.HEARTBEAT_KEY)


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.mark.django_db
def test_metrics_is_off_without_a_token_and_refuses_a_wrong_one(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404
    settings.METRICS_TOKEN = TOKEN
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert b"lbp_" not in refused.content
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 401


@pytest.mark.django_db
def test_metrics_report_the_outbox_claims_sends_heartbeat_and_latency(client, settings):
    settings.METRICS_TOKEN = TOKEN
    now = timezone.now()
    ReminderFactory(due_at=now - timedelta(minutes=10))  # due, waiting 10 minutes
    ReminderFactory(due_at=now - timedelta(minutes=1))
    ReminderFactory(
        status=Reminder.Status.SENDING, due_at=now - timedelta(minutes=2), claimed_at=now
    )
    ReminderFactory(due_at=now + timedelta(days=1))  # not due yet
    sent = ReminderFactory(status=Reminder.Status.SENT, sent_at=now, due_at=now)
    for n, (channel, status) in enumerate(
        [("sms", "sent"), ("sms", "sent"), ("email", "failed"), ("sms", "failed")]
    ):
        Delivery.objects.create(
            reminder=sent, key=f"k{n}", channel=channel, status=status, started_at=now
        )
    monitoring.record_heartbeat(time.time() - 12)
    client.get("/healthz")

    samples = scrape(client)
    assert samples[("lbp_outbox_due", ())] == 3
    assert samples[("lbp_outbox_oldest_due_age_seconds", ())] == pytest.approx(600, abs=30)
    assert samples[("lbp_reminder_claims_held", ())] == 1
    sends = "lbp_reminder_deliveries_total"
    assert samples[(sends, (("channel", "sms"), ("outcome", "sent")))] == 2
    assert samples[(sends, (("channel", "sms"), ("outcome", "failed")))] == 1
    assert samples[(sends, (("channel", "email"), ("outcome", "failed")))] == 1
    assert samples[("lbp_worker_heartbeat_age_seconds", ())] == pytest.approx(12, abs=5)
    healthz = (("method", "GET"), ("status", "2xx"), ("view", "healthz"))
    assert samples[("lbp_http_request_duration_seconds_count", healthz)] >= 1


@pytest.mark.django_db
def test_healthz_stays_two_checks_and_full_adds_worker_and_outbox_lag(client):
    assert json.loads(client.get("/healthz").content) == {"database": "ok", "broker": "ok"}

    body = json.loads(client.get("/healthz?full=1").content)
    assert body["worker"]["status"] == "down"  # no heartbeat ever: no worker (or no beat) runs
    assert body["outbox"] == {
        "status": "ok",
        "due": 0,
        "oldest_due_age_seconds": None,
        "claims_held": 0,
    }

    tasks.worker_heartbeat.apply()  # what the worker runs when beat queues it
    ReminderFactory(due_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz?full=1")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["worker"]["status"] == "ok"
    assert body["worker"]["heartbeat_age_seconds"] < 5
    assert body["outbox"]["status"] == "lagging"
    assert body["outbox"]["due"] == 1
    assert body["outbox"]["oldest_due_age_seconds"] == pytest.approx(600, abs=30)

    monitoring.record_heartbeat(time.time() - 200)  # the worker stopped three minutes ago
    response = client.get("/healthz?full=1")
    assert response.status_code == 200  # pages still work; messages wait in the outbox
    assert json.loads(response.content)["worker"]["status"] == "stale"

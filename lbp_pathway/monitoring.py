"""Monitoring: the Prometheus `/metrics` endpoint, request latency, the worker heartbeat, and the detail
that `/healthz?full=1` adds.

- `/metrics` answers only with `Authorization: Bearer <METRICS_TOKEN>`: 404 while METRICS_TOKEN is
  unset (the endpoint is off), 401 with a wrong or missing token. It serves the request latency
  histogram (every web process's, when PROMETHEUS_MULTIPROC_DIR is set as `make run` and
  gunicorn.conf.py do) and what the registered collectors read at scrape time: the worker heartbeat
  here, the reminders outbox (reminders/monitoring.py, registered by its app) with read-only queries.
- The worker heartbeat: beat queues `lbp_pathway.tasks.worker_heartbeat` every HEARTBEAT_SECONDS and
  the worker that runs it writes the time to Redis, so its age says that beat and a worker both work.

Higher floors plug in with register_collector / register_health_detail (this floor imports none).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from lbp_pathway.access import public

HEARTBEAT_KEY = "lbp:worker_heartbeat"
HEARTBEAT_SECONDS = 30
# A heartbeat older than this (three missed beats) means no worker (or no beat) is running.
HEARTBEAT_STALE_SECONDS = 3 * HEARTBEAT_SECONDS

REQUEST_LATENCY = Histogram(
    "lbp_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, Django view name and status class.",
    ["method", "view", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

# auto_describe off: registering must not run a collector (its queries) at start-up.
_collectors = CollectorRegistry(auto_describe=False)
_health_details: list[Callable[[], dict[str, Any]]] = []


def register_collector(collector: Collector) -> None:
    """Add a prometheus_client collector whose collect() runs at each scrape (read-only queries)."""
    _collectors.register(collector)


def register_health_detail(detail: Callable[[], dict[str, Any]]) -> None:
    """Add a part to `/healthz?full=1`: a function returning {name: {...}} (it must not raise)."""
    _health_details.append(detail)


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def record_heartbeat(now: float | None = None) -> None:
    _redis().set(HEARTBEAT_KEY, repr(time.time() if now is None else now))


def heartbeat_age() -> float | None:
    """Seconds since a worker last ran the heartbeat task; None if never (or Redis is down)."""
    try:
        value = _redis().get(HEARTBEAT_KEY)
    except (redis.RedisError, OSError):
        return None
    if value is None:
        return None
    return max(0.0, time.time() - float(value))


def worker_health(*, broker: bool = True) -> dict[str, Any]:
    age = heartbeat_age() if broker else None
    if age is None:
        status = "unknown" if not broker else "down"
    else:
        status = "ok" if age <= HEARTBEAT_STALE_SECONDS else "stale"
    return {
        "worker": {
            "status": status,
            "heartbeat_age_seconds": None if age is None else round(age, 1),
            "stale_after_seconds": HEARTBEAT_STALE_SECONDS,
        }
    }


def health_details(*, database: bool, broker: bool) -> dict[str, Any]:
    """The worker heartbeat and what higher floors registered (the outbox lag), for /healthz."""
    details = worker_health(broker=broker)
    if database:
        for detail in _health_details:
            details.update(detail())
    return details


class HeartbeatCollector(Collector):
    def collect(self) -> Iterable[GaugeMetricFamily]:
        age = heartbeat_age()
        family = GaugeMetricFamily(
            "lbp_worker_heartbeat_age_seconds",
            "Seconds since a Celery worker last ran the heartbeat task beat queues (NaN: never).",
        )
        family.add_metric([], float("nan") if age is None else age)
        yield family


register_collector(HeartbeatCollector())


class RequestMetricsMiddleware:
    """Times every request into REQUEST_LATENCY, labelled by view name (bounded), not by path."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None else "unresolved"
        REQUEST_LATENCY.labels(
            request.method or "", view, f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - started)
        return response


def _authorized(request: HttpRequest, token: str) -> bool:
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@public  # no session: the bearer token (METRICS_TOKEN) is the credential
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse("Not found", status=404, content_type="text/plain")
    if not _authorized(request, token):
        response = HttpResponse("A valid bearer token is required.", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every gunicorn worker writes its samples there; aggregate them all, not just ours.
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        body = generate_latest(processes)
    else:
        body = generate_latest(REGISTRY)
    body += generate_latest(_collectors)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)

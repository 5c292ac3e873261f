"""What the reminders outbox tells monitoring (lbp_pathway/monitoring.py): registered by the app's
ready(). Read-only queries, on the primary (the numbers must be current).

- /metrics: outbox depth (reminders due and not sent), age of the oldest due one, claims held (rows in
  sending), and delivery attempts by channel and outcome (the delivery log).
- /healthz?full=1: the outbox lag, "lagging" when the oldest due reminder waited longer than
  OUTBOX_LAG_SECONDS (a beat tick, a send and a retry's worth of time).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import DatabaseError
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from reminders import selectors

OUTBOX_LAG_SECONDS = 300


def outbox_health() -> dict[str, Any]:
    try:
        state = selectors.outbox_state()
    except DatabaseError:
        return {"outbox": {"status": "unknown"}}
    age = state.oldest_due_age_seconds
    return {
        "outbox": {
            "status": "lagging" if age is not None and age > OUTBOX_LAG_SECONDS else "ok",
            "due": state.due,
            "oldest_due_age_seconds": None if age is None else round(age, 1),
            "claims_held": state.claims_held,
        }
    }


class OutboxCollector(Collector):
    def collect(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
        try:
            state = selectors.outbox_state()
            sends = selectors.deliveries_by_channel_and_outcome()
        except DatabaseError:
            return
        yield GaugeMetricFamily(
            "lbp_outbox_due", "Reminders due and not yet sent (pending or sending).", state.due
        )
        yield GaugeMetricFamily(
            "lbp_outbox_oldest_due_age_seconds",
            "How long the oldest due reminder has waited (0 when none is due).",
            state.oldest_due_age_seconds or 0.0,
        )
        yield GaugeMetricFamily(
            "lbp_reminder_claims_held",
            "Reminders claimed by a dispatcher and not finished (status sending).",
            state.claims_held,
        )
        family = CounterMetricFamily(
            "lbp_reminder_deliveries",
            "Delivery attempts in the delivery log, by channel and outcome.",
            labels=["channel", "outcome"],
        )
        for (channel, outcome), count in sorted(sends.items()):
            family.add_metric([channel, outcome], count)
        yield family

"""Reports read from the streaming read replica when there is one (DATABASE_REPLICA_URL).

With DATABASE_REPLICA_URL set, the settings add a second database alias, `replica`, and this router
sends the reads of a report (the manager dashboard and the monthly report, marked with
`@reads_from_replica`) to it; every other read, and every write anywhere, stays on `default`. Without
the variable there is no second alias and everything runs on `default` as before.

Routing is by request, not by app label: the reports read the same tables (episodes, appointments, sites)
that the clinic pages read and write, and only the report's reads may lag behind a write by the
replica's replay delay (usually well under a second). The reports' raw SQL asks `read_alias()` for its
connection, the same decision the router makes for ORM reads.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

REPLICA = "replica"
_report_reads: ContextVar[bool] = ContextVar("report_reads", default=False)

P = ParamSpec("P")
R = TypeVar("R")


def has_replica() -> bool:
    return REPLICA in connections.settings


def read_alias() -> str:
    """The database alias for a read here: the replica inside a report, when one is configured."""
    return REPLICA if _report_reads.get() and has_replica() else DEFAULT_DB_ALIAS


def reads_from_replica(view: Callable[P, R]) -> Callable[P, R]:
    """Run a report (a view that only reads) with its reads on the replica; writes stay on default."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        token = _report_reads.set(True)
        try:
            return view(*args, **kwargs)
        finally:
            _report_reads.reset(token)

    return wrapper


class ReplicaRouter:
    """Reads inside `reads_from_replica` go to the replica; writes, migrations and everything else to
    default (the replica is a physical copy of default: it is never migrated on its own)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return REPLICA if read_alias() == REPLICA else None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return True  # the same data on both aliases

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == DEFAULT_DB_ALIAS

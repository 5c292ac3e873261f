"""Change history of patient records (issue 14): who changed which field from what to what, and when.

PostgreSQL triggers installed by django-pghistory copy every inserted or changed row of a tracked model
into its own append-only history table (`<Model>Change`, reached as `record.history`), whatever code or
SQL made the change. `HistoryMiddleware` below (settings.MIDDLEWARE) attaches the
signed-in user and the path (no query string) of the request to every row written during a POST; rows
written by Celery or a management command carry no user and show as "system".

The middleware here is pghistory's with the path scrubbed like a log line: a questionnaire link's token
never lands in the history's context table (only its hash is stored anywhere else).

`changes(record)` turns those snapshots into the list the record's page shows: newest first, one entry
per change, each with the fields that differ from the previous snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import pghistory
import pghistory.middleware
from django.contrib.auth.models import User
from django.db import models
from django.http import HttpRequest

from lbp_pathway.phi_logging import scrub

ModelClass = TypeVar("ModelClass", bound=type[models.Model])

RELATED_NAME = "history"
CREATED, CHANGED = "created", "changed"
# Columns of a history table that are not copies of the record's own fields.
_BOOKKEEPING = frozenset({"pgh_id", "pgh_created_at", "pgh_label", "pgh_obj", "pgh_context", "id"})


def track(
    *, model_name: str, fields: Sequence[str] | None = None, exclude: Sequence[str] = ()
) -> Callable[[ModelClass], ModelClass]:
    """Keep the history of a model's `fields` (or all but `exclude`) in an append-only table."""
    return pghistory.track(  # type: ignore[no-any-return]
        pghistory.InsertEvent(CREATED),
        pghistory.UpdateEvent(CHANGED),
        fields=list(fields) if fields is not None else None,
        exclude=list(exclude) or None,
        model_name=model_name,
        obj_field=pghistory.ObjForeignKey(related_name=RELATED_NAME),
        append_only=True,
    )


class HistoryMiddleware(pghistory.middleware.HistoryMiddleware):
    """Attach the signed-in user and the path, tokens masked, to every change made by a write."""

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        return {**super().get_context(request), "url": scrub(request.path)}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Change:
    at: datetime
    by: str
    what: str  # "created" or "changed"
    fields: list[FieldChange]
    path: str


def _shown(event: models.Model, field: models.Field[Any, Any]) -> str:
    value = getattr(event, field.attname)
    if value is None or value == "":
        return "—"
    if field.is_relation:
        related = getattr(event, field.name, None)
        return str(related) if related is not None else f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def changes(record: models.Model, *, limit: int = 200) -> list[Change]:
    """The history of `record`, newest first: when, by whom, and each field's earlier and later value."""
    events = list(
        getattr(record, RELATED_NAME).select_related("pgh_context").order_by("pgh_id")[:limit]
    )
    if not events:
        return []
    fields = [f for f in events[0]._meta.concrete_fields if f.name not in _BOOKKEEPING]
    metadata = [e.pgh_context.metadata if e.pgh_context else {} for e in events]
    user_ids = {m.get("user") for m in metadata} - {None}
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "username"))
    history: list[Change] = []
    previous: models.Model | None = None
    for event, meta in zip(events, metadata, strict=True):
        differing = [
            f
            for f in fields
            if previous is None or getattr(previous, f.attname) != getattr(event, f.attname)
        ]
        if previous is not None and not differing:
            previous = event
            continue
        history.append(
            Change(
                at=event.pgh_created_at,
                by=names.get(meta.get("user"), "system"),
                what=CREATED if previous is None else CHANGED,
                fields=[
                    FieldChange(
                        label=str(f.verbose_name).capitalize(),
                        before="" if previous is None else _shown(previous, f),
                        after=_shown(event, f),
                    )
                    for f in differing
                    if previous is not None
                ],
                path=str(meta.get("url", "")),
            )
        )
        previous = event
    history.reverse()
    return history

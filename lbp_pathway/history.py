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
from django.utils.translation import gettext

from lbp_pathway.phi_logging import scrub

ModelClass = TypeVar("ModelClass", bound=type[models.Model])
ModelT = TypeVar("ModelT", bound=models.Model)

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


def _shown(
    event: models.Model, field: models.Field[Any, Any], related: dict[tuple[Any, Any], str]
) -> str:
    value = getattr(event, field.attname)
    if value is None or value == "":
        return "—"
    if field.is_relation:
        return related.get((field.related_model, value), f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(field, models.CharField):
        # Short texts the application stores in English and marks for translation (a booking
        # hold's reason) read in the user's language; anything else is left as typed.
        return gettext(value)
    return str(value)


def changes(record: models.Model, *, limit: int = 200) -> list[Change]:
    """The history of `record`, newest first: when, by whom, and each field's earlier and later value."""
    return changes_of([record], limit=limit)[record.pk]


def changes_of(records: Sequence[models.Model], *, limit: int = 200) -> dict[Any, list[Change]]:
    """`changes` of several records of one model (each record's pk to its history), in a fixed number
    of queries however many records and changes there are: the events, the users, and one query per
    related model named by a changed field."""
    if not records:
        return {}
    event_model = getattr(records[0], RELATED_NAME).model
    events_by_record: dict[Any, list[models.Model]] = {record.pk: [] for record in records}
    for event in (
        event_model.objects.filter(pgh_obj__in=[record.pk for record in records])
        .select_related("pgh_context")
        .order_by("pgh_id")
    ):
        kept = events_by_record[event.pgh_obj_id]
        if len(kept) < limit:
            kept.append(event)
    fields = [f for f in event_model._meta.concrete_fields if f.name not in _BOOKKEEPING]
    # The differing fields of each change, worked out first so related names are fetched in bulk.
    diffs: dict[Any, list[tuple[models.Model, models.Model | None, list[Any]]]] = {}
    wanted: dict[Any, set[Any]] = {}
    for pk, events in events_by_record.items():
        diffs[pk] = []
        previous: models.Model | None = None
        for event in events:
            differing = [
                f
                for f in fields
                if previous is None or getattr(previous, f.attname) != getattr(event, f.attname)
            ]
            if previous is None or differing:
                diffs[pk].append((event, previous, differing if previous is not None else []))
                for f in differing if previous is not None else []:
                    if f.is_relation:
                        for value in (getattr(previous, f.attname), getattr(event, f.attname)):
                            if value is not None:
                                wanted.setdefault(f.related_model, set()).add(value)
            previous = event
    related = {
        (model, pk): str(obj)
        for model, pks in wanted.items()
        for pk, obj in model._default_manager.in_bulk(pks).items()
    }
    metadata = {
        event.pk: (event.pgh_context.metadata if event.pgh_context else {})  # type: ignore[attr-defined]
        for entries in diffs.values()
        for event, _previous, _fields in entries
    }
    user_ids = {meta.get("user") for meta in metadata.values()} - {None}
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "username"))
    history: dict[Any, list[Change]] = {}
    for pk, entries in diffs.items():
        history[pk] = [
            Change(
                at=event.pgh_created_at,
                by=names.get(metadata[event.pk].get("user"), gettext("system")),
                what=CREATED if previous is None else CHANGED,
                fields=[
                    FieldChange(
                        label=gettext(str(f.verbose_name).capitalize()),
                        before=_shown(previous, f, related),
                        after=_shown(event, f, related),
                    )
                    for f in differing
                ]
                if previous is not None
                else [],
                path=str(metadata[event.pk].get("url", "")),
            )
            for event, previous, differing in reversed(entries)
        ]
    return history


def with_changes(records: Sequence[ModelT]) -> list[tuple[ModelT, list[Change]]]:
    """Each record beside its history (for a page that lists several), in a fixed number of queries."""
    records = list(records)
    history = changes_of(records)
    return [(record, history[record.pk]) for record in records]

"""Optimistic concurrency for the editable clinical records: one mechanism for every form.

A form carries the version of the record it was opened on (`version_of`: the record's `updated_at`,
whether it is signed, or "none" before the record exists). The write service locks the episode row,
reads the record again and compares (`check_version`): a different version means someone saved (or
signed) it since the form was opened, and the service raises `StaleRecord` instead of writing. The view
then shows both versions (`conflict_context`), keeping what the user typed; nothing is lost silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import models
from django.http import QueryDict
from django.utils.translation import gettext

from care_episodes.models import Episode

NEW = "none"


def version_of(record: models.Model | None) -> str:
    """The version token of a record as it is stored now ("none" before it exists)."""
    if record is None:
        return NEW
    stamp = getattr(record, "updated_at", None) or getattr(record, "created_at", None)
    signed = "-signed" if getattr(record, "signed_at", None) is not None else ""
    return f"{record.pk}@{stamp.isoformat() if stamp else ''}{signed}"


class StaleRecord(Exception):
    """The record changed since the form was opened; `current` is what is stored now."""

    def __init__(self, current: models.Model | None) -> None:
        super().__init__("This record was changed since you opened it.")
        self.current = current


def lock_episode(episode: Episode) -> None:
    """Serialize writers of one episode's records (call inside the service's transaction)."""
    Episode.objects.select_for_update().filter(pk=episode.pk).values_list("pk").first()


def check_version(episode: Episode, expected: str | None, current: models.Model | None) -> None:
    """Refuse a write made from a stale form. `current` must be read after `lock_episode`;
    `expected` None means the caller does not check (scripts, demo data)."""
    if expected is not None and expected != version_of(current):
        raise StaleRecord(current)


def version_field() -> forms.CharField:
    """The hidden field that carries the version a form was opened on."""
    return forms.CharField(widget=forms.HiddenInput, required=False)


def submitted_version(form: forms.BaseForm) -> str | None:
    """The version the form was opened on; None when the request carried none (a client other than
    the app's own forms, which always send it: "none" for a record that did not exist yet)."""
    value: str = form.cleaned_data.get("version") or ""
    return value or None


@dataclass(frozen=True)
class Difference:
    label: str
    theirs: str
    yours: str

    @property
    def changed(self) -> bool:
        return self.theirs.strip() != self.yours.strip()


def _display(field: forms.Field, value: Any) -> str:
    if value is None or value == "":
        return ""
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list | tuple):
        return "; ".join(_display(field, item) for item in value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if choices:
        return str(choices.get(value, choices.get(str(value), value)))
    return str(value)


def differences(
    form: forms.BaseForm, current: models.Model | None, names: Iterable[str] | None = None
) -> list[Difference]:
    """Field by field: what is stored now (theirs) and what this user submitted (yours)."""
    rows = []
    for name in names or [n for n in form.fields if n != "version"]:
        field = form.fields[name]
        theirs: Any = getattr(current, name, "") if current is not None else ""
        if isinstance(theirs, models.Manager):
            theirs = list(theirs.all())
        yours = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        if yours is None:
            yours = form.data.get(name, "")
        if isinstance(yours, models.QuerySet):
            yours = list(yours)
        rows.append(
            Difference(str(field.label or name), _display(field, theirs), _display(field, yours))
        )
    return rows


def conflict_context(
    form: forms.BaseForm, current: models.Model | None, *, what: str
) -> dict[str, Any]:
    """The "changed since you opened it" page: both versions, and the form again with what the user
    typed and the current version, so that saving it again is a deliberate choice."""
    data = QueryDict(mutable=True)
    for name in form.data:
        values = form.data.getlist(name) if isinstance(form.data, QueryDict) else [form.data[name]]
        data.setlist(name, values)
    data["version"] = version_of(current)
    form.data = data
    return {
        "what": what,
        "current": current,
        "differences": differences(form, current),
        "current_missing": current is None,
    }

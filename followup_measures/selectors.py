"""Reads: the licensed RMDQ wording if the clinic loaded it."""

from __future__ import annotations

from triage.models import InstrumentText


def rmdq_wording() -> list[str] | None:
    """The RMDQ statements loaded under the clinic's licence (InstrumentText "rmdq"), else None."""
    text = InstrumentText.objects.filter(instrument="rmdq").first()
    return list(text.items) if text is not None else None

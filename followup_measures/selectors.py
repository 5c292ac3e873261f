"""Reads: the licensed RMDQ wording if the clinic loaded it, in the page's language."""

from __future__ import annotations

from triage.selectors import instrument_text


def rmdq_wording() -> list[str] | None:
    """The RMDQ statements loaded under the clinic's licence in the page's language (the patient's,
    on their link), else None: never another language's, the form then shows the placeholder."""
    text = instrument_text("rmdq")
    return list(text.items) if text is not None else None


def odi_wording() -> list[str] | None:
    """The ODI's 10 section titles and their statements (70 texts) loaded under the clinic's licence
    in the page's language, else None."""
    text = instrument_text("odi")
    return list(text.items) if text is not None else None

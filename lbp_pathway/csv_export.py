"""CSV exports: every cell goes through one helper, so that a spreadsheet never runs a cell as a
formula (CSV injection). A text cell starting with = + - @, a tab or a carriage return gets a leading
apostrophe, which spreadsheets show as text; numbers, dates and empty cells are written unchanged.

Every export writes through `writer(...)`; tests/privacy/test_csv_exports.py checks that no other
module of the app makes a csv.writer.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Stream(Protocol):
    def write(self, value: str, /) -> Any: ...


def safe_cell(value: object) -> object:
    """`value`, with a text that a spreadsheet would run as a formula turned into plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer whose every cell goes through safe_cell."""

    def __init__(self, stream: _Stream) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])


def writer(stream: _Stream) -> SafeWriter:
    return SafeWriter(stream)

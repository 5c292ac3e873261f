"""Canadian postal codes: normalising, and checking a postal-code CSV before anything is imported.

Pure Python (no Django). The CSV has the header `postal_code,latitude,longitude`; each row is a
forward sortation area (3 characters, e.g. K7L) or a full code (6 characters, K7L3N6 or K7L 3N6).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

HEADER: Final[tuple[str, ...]] = ("postal_code", "latitude", "longitude")
# Canada Post: D, F, I, O, Q, U never appear; W and Z never start a code.
_FIRST: Final = "ABCEGHJKLMNPRSTVXY"
_LETTER: Final = "ABCEGHJKLMNPRSTVWXYZ"
FSA_PATTERN: Final = re.compile(rf"[{_FIRST}]\d[{_LETTER}]")
FULL_PATTERN: Final = re.compile(rf"[{_FIRST}]\d[{_LETTER}]\d[{_LETTER}]\d")


def normalise(code: str) -> str:
    """Upper case without spaces: 'k7l 3n6' -> 'K7L3N6'."""
    return re.sub(r"\s+", "", code).upper()


def is_valid(code: str) -> bool:
    """A well-formed FSA or full postal code (after normalising)."""
    normal = normalise(code)
    return bool(FSA_PATTERN.fullmatch(normal) or FULL_PATTERN.fullmatch(normal))


def lookup_keys(code: str) -> tuple[str, ...]:
    """Table keys to try for a patient's code, most precise first: the full code, then its FSA."""
    normal = normalise(code)
    if FULL_PATTERN.fullmatch(normal):
        return (normal, normal[:3])
    if FSA_PATTERN.fullmatch(normal):
        return (normal,)
    return ()


def display(code: str) -> str:
    normal = normalise(code)
    return f"{normal[:3]} {normal[3:]}" if len(normal) == 6 else normal


@dataclass(frozen=True)
class PostalCodeRow:
    code: str
    latitude: float
    longitude: float


@dataclass
class ParseResult:
    rows: list[PostalCodeRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _coordinate(text: str, name: str, low: float, high: float) -> tuple[float | None, str | None]:
    try:
        value = float(text)
    except ValueError:
        return None, f"{name} {text!r} is not a number"
    if value != value or not low <= value <= high:  # NaN fails every comparison
        return None, f"{name} {text} is outside {low:g}..{high:g}"
    return value, None


def parse_csv(lines: Iterable[str]) -> ParseResult:
    """Check every row of a postal-code CSV; errors name the line (1 = the header line).

    Checks: the header, three fields per row, the code's format, latitude -90..90, longitude
    -180..180, and duplicates (a code given twice, naming the line of its first appearance).
    """
    result = ParseResult()
    first_line: dict[str, int] = {}
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        result.errors.append(
            "line 1: the file is empty; expected the header postal_code,latitude,longitude"
        )
        return result
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    if tuple(h.strip().lower() for h in header) != HEADER:
        result.errors.append(
            f"line 1: the header must be postal_code,latitude,longitude, got {','.join(header)!r}"
        )
        return result
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 3:
            result.errors.append(f"line {line}: expected 3 fields, got {len(row)}")
            continue
        raw_code, raw_lat, raw_lon = (cell.strip() for cell in row)
        problems: list[str] = []
        code = normalise(raw_code)
        if not (FSA_PATTERN.fullmatch(code) or FULL_PATTERN.fullmatch(code)):
            problems.append(
                f"postal code {raw_code!r} is neither a forward sortation area (A1A) "
                "nor a full postal code (A1A 1A1)"
            )
        latitude, problem = _coordinate(raw_lat, "latitude", -90, 90)
        if problem:
            problems.append(problem)
        longitude, problem = _coordinate(raw_lon, "longitude", -180, 180)
        if problem:
            problems.append(problem)
        if not problems and code in first_line:
            problems.append(f"postal code {display(code)} already given on line {first_line[code]}")
        if problems:
            result.errors.extend(f"line {line}: {p}" for p in problems)
            continue
        assert latitude is not None and longitude is not None
        first_line[code] = line
        result.rows.append(PostalCodeRow(code, latitude, longitude))
    return result

"""Generated postal-code coordinates for demos and tests, in the import format.

Kingston-area and other Ontario forward sortation areas with approximate (plausible, not surveyed)
centre points, plus made-up full codes scattered a few kilometres around them. Nothing downloaded.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from referrals.postal_codes import HEADER, PostalCodeRow

FSAS: Final[dict[str, tuple[float, float]]] = {
    # Kingston and around
    "K7K": (44.2420, -76.4700),
    "K7L": (44.2310, -76.4950),
    "K7M": (44.2260, -76.5430),
    "K7N": (44.2480, -76.6200),
    "K7P": (44.2680, -76.5700),
    "K0H": (44.4300, -76.5500),
    "K7R": (44.2500, -76.9500),  # Napanee
    "K7G": (44.3300, -76.1600),  # Gananoque
    "K0K": (44.0000, -77.1400),  # Prince Edward County
    "K7H": (44.9000, -76.2500),  # Perth
    "K7A": (44.9000, -76.0200),  # Smiths Falls
    "K7C": (45.1400, -76.1400),  # Carleton Place
    "K6V": (44.5900, -75.6900),  # Brockville
    "K8N": (44.1700, -77.3800),  # Belleville
    "K8P": (44.1600, -77.4000),
    "K8V": (44.1000, -77.5800),  # Trenton
    # Elsewhere in Ontario
    "K1P": (45.4200, -75.7000),  # Ottawa
    "K2P": (45.4130, -75.6900),
    "K1Y": (45.4000, -75.7300),
    "K9J": (44.3000, -78.3300),  # Peterborough
    "K9H": (44.3100, -78.3100),
    "L1H": (43.8970, -78.8600),  # Oshawa
    "M5V": (43.6420, -79.3950),  # Toronto
    "M4W": (43.6790, -79.3770),
    "M5G": (43.6570, -79.3880),
    "L8P": (43.2560, -79.8770),  # Hamilton
    "N6A": (42.9900, -81.2500),  # London
    "N2L": (43.4700, -80.5400),  # Waterloo
    "P3E": (46.4900, -80.9900),  # Sudbury
    "P7B": (48.4000, -89.2500),  # Thunder Bay
}
_LETTERS: Final = "ABCEGHJKLMNPRSTVWXYZ"


def demo_rows(full_codes_per_fsa: int = 4, seed: int = 2026) -> list[PostalCodeRow]:
    """Every FSA and a few made-up full codes within about 3 km of its centre (deterministic)."""
    rng = random.Random(seed)
    rows: list[PostalCodeRow] = []
    for fsa, (lat, lon) in FSAS.items():
        rows.append(PostalCodeRow(fsa, lat, lon))
        seen: set[str] = set()
        while len(seen) < full_codes_per_fsa:
            ldu = f"{rng.randint(0, 9)}{rng.choice(_LETTERS)}{rng.randint(0, 9)}"
            if ldu in seen:
                continue
            seen.add(ldu)
            rows.append(
                PostalCodeRow(
                    fsa + ldu,
                    round(lat + rng.uniform(-0.025, 0.025), 5),
                    round(lon + rng.uniform(-0.035, 0.035), 5),
                )
            )
    return rows


def iter_csv_lines(rows: list[PostalCodeRow]) -> Iterator[str]:
    yield ",".join(HEADER) + "\n"
    for row in rows:
        yield f"{row.code},{row.latitude},{row.longitude}\n"


def write_csv(path: Path, rows: list[PostalCodeRow] | None = None) -> Path:
    """Write rows (default: the demo set) as an import file."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.writelines(iter_csv_lines(rows if rows is not None else demo_rows()))
    return path


def csv_text(rows: list[PostalCodeRow] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows if rows is not None else demo_rows():
        writer.writerow([row.code, row.latitude, row.longitude])
    return buffer.getvalue()

"""Compile every */locale/*/LC_MESSAGES/*.po to its .mo with polib (no GNU msgfmt needed).

python tools/compile_messages.py          # write the .mo files
python tools/compile_messages.py --check  # exit 1 if a committed .mo is missing or out of date
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def catalogues(root: Path = ROOT) -> list[Path]:
    return sorted(
        path
        for path in root.glob("*/locale/*/LC_MESSAGES/*.po")
        if ".venv" not in path.parts and "node_modules" not in path.parts
    )


def compiled(po_path: Path) -> bytes:
    """The .mo bytes of a catalogue (fuzzy entries left out, as msgfmt does)."""
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "out.mo"
        polib.pofile(str(po_path)).save_as_mofile(str(target))
        return target.read_bytes()


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale: list[Path] = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        data = compiled(po_path)
        if mo_path.exists() and mo_path.read_bytes() == data:
            continue
        if check:
            stale.append(mo_path)
        else:
            mo_path.write_bytes(data)
            print(f"compiled {mo_path.relative_to(ROOT)}")
    for path in stale:
        print(f"out of date: {path.relative_to(ROOT)} (run python tools/compile_messages.py)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

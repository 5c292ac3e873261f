"""Print the survival rate per module after `mutmut run` (the last step of `make mutation`).

Reads mutmut's result files (mutants/<module>.meta). A mutant that no selected test reached counts as
surviving: nothing would notice the change. `--list` also names every surviving mutant, for
`mutmut show NAME`.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# mutmut's exit codes (mutmut/stats.py); anything else is "suspicious".
STATUS_BY_EXIT_CODE = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    2: "interrupted",
    None: "not checked",
    34: "skipped",
    35: "suspicious",
    36: "timeout",
    37: "caught by type check",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    -11: "segfault",
    -9: "segfault",
}
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
SURVIVING = {"survived", "no tests"}


def modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    return config["only_mutate"]


def main(argv: list[str]) -> int:
    show_names = "--list" in argv
    missing = False
    for module in modules():
        meta = ROOT / "mutants" / f"{module}.meta"
        if not meta.exists():
            print(f"{module}: no results (run `make mutation`)")
            missing = True
            continue
        exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
        statuses = {
            name: STATUS_BY_EXIT_CODE.get(code, "suspicious") for name, code in exit_codes.items()
        }
        counts = Counter(statuses.values())
        total = len(statuses)
        surviving = sorted(name for name, status in statuses.items() if status in SURVIVING)
        other = {s: n for s, n in counts.items() if s not in KILLED | SURVIVING}
        rate = 100 * len(surviving) / total if total else 0.0
        line = f"{module}: {total} mutants, {len(surviving)} survived ({rate:.1f}%)"
        if counts["no tests"]:
            line += f", of which {counts['no tests']} reached by no test"
        if other:
            line += ", " + ", ".join(f"{n} {s}" for s, n in sorted(other.items()))
        print(line)
        if show_names:
            for name in surviving:
                print(f"    {name}: {statuses[name]}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

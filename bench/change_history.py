"""What the change-history triggers (issue 14, django-pghistory) cost a write.

    .venv/bin/python bench/change_history.py [--patients 2000] [--rounds 3]

Creates, then updates one field of, N patients one transaction each (as the front desk's pages do), in
a separate database (`lbp_bench_history` on the server of DATABASE_URL, else on the embedded
PostgreSQL), once with the history triggers firing and once with them switched off for the session
(`pgtrigger.ignore`). Prints the median time per write of each and, last,
`ratio=<with history / without>` for updates. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import bench_database_url, manage, start_services  # noqa: E402

TRIGGERS = ["intake.Patient:created_insert", "intake.Patient:changed_update"]


def run(patients: int) -> dict[str, float]:
    """Seconds per write: create and update, with and without history."""
    import pgtrigger
    from django.db import transaction

    from intake.models import Patient

    results: dict[str, float] = {}
    for label, ignoring in (("with history", False), ("without history", True)):
        Patient.objects.filter(last_name__startswith="Bench").delete()
        with pgtrigger.ignore(*TRIGGERS) if ignoring else _nothing():
            started = time.perf_counter()
            made = []
            for i in range(patients):
                with transaction.atomic():
                    made.append(
                        Patient.objects.create(
                            first_name="Ana",
                            last_name=f"Bench{i}",
                            date_of_birth="1980-02-02",
                            phone="613-555-0101",
                        )
                    )
            results[f"create {label}"] = (time.perf_counter() - started) / patients
            started = time.perf_counter()
            for patient in made:
                with transaction.atomic():
                    patient.phone = "613-555-0199"
                    patient.save(update_fields=["phone"])
            results[f"update {label}"] = (time.perf_counter() - started) / patients
    return results


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    services = start_services()
    try:
        url = bench_database_url("lbp_bench_history")
        env = dict(os.environ, DATABASE_URL=url, DEMO_MODE="1", DEBUG="")
        manage(env, "migrate", "--noinput", "-v0")
        os.environ.update(DATABASE_URL=url, DEMO_MODE="1", DEBUG="")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbp_pathway.settings")
        import django

        django.setup()
        rounds = [run(args.patients) for _ in range(args.rounds)]
        medians = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
        for key, seconds in medians.items():
            print(f"{key:>24}: {seconds * 1000:.3f} ms per write")
        print(
            f"create ratio={medians['create with history'] / medians['create without history']:.2f}"
        )
        print(f"ratio={medians['update with history'] / medians['update without history']:.2f}")
    finally:
        services.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

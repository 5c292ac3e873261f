"""Benchmark: matching a referral to the closest suitable destinations.

Creates its own database (lbp_bench_matching) on the server of DATABASE_URL (or the embedded
PostgreSQL), loads 100,000 postal codes and 5,000 destinations, then times locating a patient's
postal code and ranking destinations (distance computed in SQL). Drops the database at the end.

    .venv/bin/python bench/matching.py

The last line printed is `ms_per_match=<median>` (goal: under 50 ms).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbp_pathway.settings")
os.environ.setdefault("DEMO_MODE", "1")

BENCH_DATABASE = "lbp_bench_matching"
POSTAL_CODES = 100_000
DESTINATIONS = 5_000
MATCHES = 1_000
LETTERS = "ABCEGHJKLMNPRSTVWXYZ"


def admin_connection(url: str):
    import dj_database_url
    import psycopg2

    params = dj_database_url.parse(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
    )
    connection.autocommit = True
    return connection


def with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def recreate_database(url: str) -> None:
    connection = admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
            cursor.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    finally:
        connection.close()


def drop_database(url: str) -> None:
    connection = admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
    finally:
        connection.close()


def postal_code_rows(rng: random.Random):
    from referrals.postal_codes import PostalCodeRow

    first_letters = "KLMNP"  # Ontario's forward sortation areas
    seen: set[str] = set()
    rows = []
    while len(rows) < POSTAL_CODES:
        code = (
            f"{rng.choice(first_letters)}{rng.randint(0, 9)}{rng.choice(LETTERS)}"
            f"{rng.randint(0, 9)}{rng.choice(LETTERS)}{rng.randint(0, 9)}"
        )
        if code in seen:
            continue
        seen.add(code)
        rows.append(
            PostalCodeRow(
                code, round(rng.uniform(42.0, 50.0), 5), round(rng.uniform(-95.0, -74.5), 5)
            )
        )
    return rows


def main() -> int:
    from lbp_pathway import devstack

    with devstack.embedded_services():  # for whichever of DATABASE_URL / REDIS_URL is unset
        # It drops and creates its database, so it runs as the owner role when there is one.
        return measure(os.environ.get("DATABASE_OWNER_URL") or os.environ["DATABASE_URL"])


def measure(url: str) -> int:
    recreate_database(url)
    os.environ["DATABASE_URL"] = with_database(url, BENCH_DATABASE)
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from referrals import rules, services
    from referrals.models import Destination
    from referrals.selectors import locate, match_destinations

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(42)
        rows = postal_code_rows(rng)
        started = time.perf_counter()
        services.import_postal_codes(rows)
        print(f"postal_codes={len(rows)} import_s={time.perf_counter() - started:.2f}")

        today = timezone.localdate()
        destinations = []
        for n in range(DESTINATIONS):
            row = rng.choice(rows)
            kind = rng.choice(rules.KINDS)
            destinations.append(
                Destination(
                    name=f"Destination {n:05d}",
                    kind=kind,
                    postal_code=row.code,
                    latitude=row.latitude,
                    longitude=row.longitude,
                    eligibility_program="rac_lbp" if kind == rules.RAC_LBP else "",
                    accepting=rng.random() < 0.85,
                    slots=rng.randint(0, 10),
                    next_available_on=today + timedelta(days=rng.randint(0, 90)),
                    languages=rng.choice([["English"], ["English", "French"], ["French"]]),
                    provider_genders=rng.choice([["female"], ["male"], ["female", "male"]]),
                )
            )
        started = time.perf_counter()
        Destination.objects.bulk_create(destinations, batch_size=1000)
        print(f"destinations={DESTINATIONS} insert_s={time.perf_counter() - started:.2f}")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        timings = []
        found = 0
        for _ in range(MATCHES):
            patient_code = rng.choice(rows).code
            kind = rng.choice(rules.KINDS)
            started = time.perf_counter()
            location = locate(patient_code)
            assert location is not None
            matches = match_destinations(
                kind=kind, location=location, eligible_programs=["rac_lbp"], limit=5
            )
            timings.append((time.perf_counter() - started) * 1000)
            found += len(matches)
        timings.sort()
        print(
            f"matches={MATCHES} results_per_match={found / MATCHES:.1f} "
            f"p95_ms={timings[int(len(timings) * 0.95)]:.2f} max_ms={timings[-1]:.2f}"
        )
        print(f"ms_per_match={statistics.median(timings):.2f}")
    finally:
        connection.close()
        drop_database(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

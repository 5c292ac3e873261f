"""Benchmark: the manager dashboard at 200,000 episodes and 1,000,000 appointments.

Loads the data through `seed_demo` (bulk, set-wise SQL) into its own database (lbp_bench_dashboard) on the
server of DATABASE_URL or the embedded PostgreSQL (kept for the next run: loading is the slow part), then
prints the dashboard page's server time (median of several requests through Django's request handler)
next to the time of the raw SQL aggregates the page needs, measured in the same run.

    .venv/bin/python bench/dashboard.py [--episodes 200000] [--appointments 1000000] [--requests 7]

The last line is `ratio=<page/raw>`; goals: ratio under 1.5 and the page under 1 s on 2 cores.
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


def load(env: dict[str, str], args: argparse.Namespace, started: float) -> None:
    output = manage(
        env,
        "seed_demo",
        "--patients",
        str(args.patients),
        "--volume-episodes",
        str(args.episodes),
        "--volume-appointments",
        str(args.appointments),
    )
    print(f"load_s={time.perf_counter() - started:.1f} ({output.strip().splitlines()[-1]})")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--episodes", type=int, default=200_000)
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=7)
    args = parser.parse_args()
    services = start_services()
    try:
        return measure(args)
    finally:
        services.stop()  # only what this run started


def measure(args: argparse.Namespace) -> int:
    env = dict(os.environ, DEMO_MODE="1", DEMO_PASSWORD="bench-pass-phrase-2026")
    env["DATABASE_URL"] = bench_database_url("lbp_bench_dashboard")
    os.environ.update(DATABASE_URL=env["DATABASE_URL"], DEMO_MODE="1")

    started = time.perf_counter()
    manage(env, "migrate", "--noinput")
    present = manage(
        env,
        "shell",
        "-v",
        "0",
        "-c",
        "from care_episodes.models import Episode; from demo.volume import VOLUME_PREFIX;"
        " print(Episode.objects.filter(physiotherapist__username__startswith=VOLUME_PREFIX).exists())",
    )
    if present.strip() == "True":
        print("Volume data already loaded (kept from an earlier run).")
    else:
        load(env, args, started)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbp_pathway.settings")
    import django

    django.setup()
    from datetime import date, timedelta

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from care_episodes.models import Episode
    from intake.models import Appointment
    from reporting import queries as q
    from reporting.views import TABLES

    print(f"episodes={Episode.objects.count()} appointments={Appointment.objects.count()}")
    end = date.today()
    start = end - timedelta(days=365)
    filters = q.Filters(start, end)
    params = {"start": start.isoformat(), "end": end.isoformat()}
    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(username="manager"))

    def page() -> None:
        response = client.get("/manager/", params)
        if response.status_code != 200:
            raise RuntimeError(f"dashboard answered {response.status_code}")

    def raw() -> None:
        for table in TABLES.values():
            table.rows(filters)
        q.waitlist(filters)

    page(), raw()  # warm caches and connections
    page_times, raw_times = [], []
    for _ in range(args.requests):
        for target, times in ((page, page_times), (raw, raw_times)):
            begin = time.perf_counter()
            target()
            times.append((time.perf_counter() - begin) * 1000)
    connection.close()
    page_ms, raw_ms = statistics.median(page_times), statistics.median(raw_times)
    print(f"page_ms={page_ms:.0f} (median of {args.requests}, goal < 1000)")
    print(f"raw_sql_ms={raw_ms:.0f}")
    print(f"ratio={page_ms / raw_ms:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the cost of the audit log's hash chain (SECURITY.md, "Verifying the audit chain").

In its own database (lbp_bench_audit) on the server of DATABASE_URL or the embedded PostgreSQL (as the
owner role, which creates a scratch table; the trigger work is the same for every role): writes N audit rows through `audit.record` (one transaction each, as views do),
then N rows by plain INSERT statements into the audit table (the chain trigger locks, numbers, stamps
and hashes each) and into a scratch table of the same shape without triggers; then times the
verification of the whole chain.

    .venv/bin/python bench/audit_chain.py [--rows 5000]

Prints rows/s for both writes, verified rows/s, and last `ratio=<chained insert time / plain insert time>`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import bench_database_url, manage, start_services  # noqa: E402

BENCH_DB = "lbp_bench_audit"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    services = start_services()
    try:
        return measure(args.rows)
    finally:
        services.stop()  # only what this run started


def measure(rows: int) -> int:
    env = dict(os.environ, DEMO_MODE="1")
    url = bench_database_url(BENCH_DB)
    # As the owner role: it creates the scratch table (privileges do not change the timings).
    owner = os.environ.get("DATABASE_OWNER_URL")
    if owner:
        url = urlunsplit(urlsplit(owner)._replace(path=f"/{BENCH_DB}"))
    env["DATABASE_URL"] = url
    os.environ.update(DATABASE_URL=url, DEMO_MODE="1")
    manage(env, "migrate", "--noinput")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbp_pathway.settings")
    import django

    django.setup()
    from django.db import connection

    from lbp_pathway import audit, audit_chain

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_audit_plain")
        cursor.execute(
            "CREATE TABLE bench_audit_plain (LIKE lbp_pathway_auditevent INCLUDING DEFAULTS "
            "INCLUDING IDENTITY INCLUDING INDEXES)"
        )
    started = time.perf_counter()
    for i in range(rows):
        audit.record(audit.SYSTEM, "view", f"bench row {i}", patient_id=i, reason="benchmark")
    through_app = time.perf_counter() - started

    def insert_raw(table: str) -> float:
        started = time.perf_counter()
        for i in range(rows):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (id, at, seq, hash, username, patient_id, action, what, "
                    "path, reason) VALUES (DEFAULT, now(), %s, '', '', %s, 'view', %s, 'system', "
                    "'benchmark')",
                    [-1 - i, i, f"bench row {i}"],
                )
        return time.perf_counter() - started

    chained = insert_raw("lbp_pathway_auditevent")
    plain = insert_raw("bench_audit_plain")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_audit_plain")
    started = time.perf_counter()
    report = audit_chain.verify()
    verified = time.perf_counter() - started
    print(f"audit_record_rows_per_s={rows / through_app:.0f}")
    print(f"chained_insert_rows_per_s={rows / chained:.0f}")
    print(f"plain_insert_rows_per_s={rows / plain:.0f}")
    print(
        f"verify_rows_per_s={report.rows_checked / verified:.0f} (rows={report.rows_checked}, ok={report.ok})"
    )
    print(f"ratio={chained / plain:.2f}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

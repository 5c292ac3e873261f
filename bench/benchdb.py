"""Shared by the benchmarks: the services (configured or embedded) and a dedicated database on them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lbp_pathway import devstack  # noqa: E402


def start_services() -> devstack.EmbeddedServices:
    """Start the embedded PostgreSQL / Redis for whichever of DATABASE_URL / REDIS_URL is unset and
    export the URLs (before Django's settings are imported); stop() the result at the end."""
    return devstack.start_embedded_services()


def bench_database_url(name: str) -> str:
    """URL of database `name` on the server of DATABASE_URL (see start_services), created if missing
    (by the owner role of DATABASE_OWNER_URL when there is one: the app's runtime role cannot)."""
    import dj_database_url
    import psycopg2

    # The path is the database name (the embedded server's URL has a socket path in its query).
    url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
    params = dj_database_url.parse(os.environ.get("DATABASE_OWNER_URL") or url)
    if not (params["HOST"] or params.get("OPTIONS", {}).get("host")):
        raise SystemExit(
            "DATABASE_URL names no server; refusing to use the machine's default socket."
        )
    # The embedded server's socket folder is in the URL's query (OPTIONS["host"]), not HOST: without
    # it psycopg2 would try the machine's default socket.
    connection = psycopg2.connect(
        dbname="postgres",
        user=params["USER"],
        password=params["PASSWORD"] or None,
        host=params["HOST"] or params.get("OPTIONS", {}).get("host"),
        port=params["PORT"] or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return url


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"manage.py {args[0]} failed (exit {done.returncode})")
    return done.stdout

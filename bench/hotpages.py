"""The hot pages at 1M patients and the manager dashboard at 10M appointments, each next to /healthz
measured in the same run, with the goals of issue 13 as PASS/MISS.

    .venv/bin/python bench/hotpages.py [--patients 1000000] [--appointments 10000000]
                                       [--users 20] [--requests 20]
    .venv/bin/python bench/hotpages.py --patients 20000 --appointments 200000   # smoke run, ~2 min

1. Loads (once; the databases are kept for the next run) `lbp_bench_hot_<patients>`: the demo data of
   `seed_demo` plus bulk patients, episodes, appointments, notes, referrals and audit rows inserted
   set-wise (bench/bulkload.py); and `lbp_bench_dashboard_<appointments>`: `seed_demo
   --volume-appointments` (demo/volume.py, set-wise). Both on the server of DATABASE_URL or the
   embedded PostgreSQL 18. Runs `manage.py rebuild_rollups` after loading when the project has it.
2. Serves the hot database with gunicorn as `make run` does (2 workers x 4 threads), through
   bench/variant_wsgi.py (the app unchanged, plus a per-request audit switch for the bench only).
3. 1 user: every hot page's p50/p95 next to /healthz's, requests interleaved. Goal: page p50 <= 3x.
4. 20 users, each signed in as front desk, physiotherapist and physician, on the hot pages and /healthz
   mixed: p50/p95 per page and requests/s; then the same 20 users on /healthz alone. Goal: hot-page
   requests/s >= 0.5x /healthz-alone requests/s.
5. The episode page with and without its audit write (interleaved; goal <= 1.15x) and booking with and
   without the reminder outbox (bench/booking_probe.py; goal <= 1.1x).
6. The dashboard database under gunicorn: /manager/ p50 next to /healthz p50 (goal <= 5x).

Loopback only; every loop is bounded in count and time. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import bench_database_url, manage, start_services  # noqa: E402
from bulkload import load_hot  # noqa: E402

PASSWORD = "bench-pass-phrase-2026"
TIME_LIMIT = 300  # seconds of load per phase at most, whatever the request count
SEED_PATIENTS = 1000  # the Faker-made demo data under the bulk rows
ROLES = {"frontdesk": "/frontdesk/", "physio": "/physio/", "physician": "/physician/"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Client:
    """A signed-in browser: cookies, CSRF, nothing else."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, headers: dict[str, str] | None = None) -> int:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        with self.opener.open(request, timeout=60) as response:
            response.read()
            return int(response.status)

    def sign_in(self, username: str) -> None:
        with self.opener.open(self.base + "/accounts/login/", timeout=30) as response:
            html = response.read()
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if found is None:
            raise RuntimeError("no sign-in form")
        data = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": found[1].decode()}
        ).encode()
        request = urllib.request.Request(
            self.base + "/accounts/login/", data=data, headers={"Referer": self.base + "/"}
        )
        with self.opener.open(request, timeout=30) as response:
            if "/accounts/" in response.url:
                raise RuntimeError(f"sign-in as {username} failed (landed on {response.url})")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(client: Client, path: str, headers: dict[str, str] | None = None) -> float:
    began = time.perf_counter()
    status = client.get(path, headers)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    return (time.perf_counter() - began) * 1000


def goal(label: str, value: float, limit: float, *, at_least: bool = False) -> str:
    met = value >= limit if at_least else value <= limit
    sign = ">=" if at_least else "<="
    return f"{'PASS' if met else 'MISS'}  {label}: {value:.2f} (goal {sign} {limit})"


# ---------------------------------------------------------------------------------------- loading


def has_command(env: dict[str, str], name: str) -> bool:
    return re.search(rf"^\s+{name}$", manage(env, "help"), re.MULTILINE) is not None


def rebuild_rollups(env: dict[str, str]) -> None:
    """Rebuild the reporting rollups from scratch when the project has them (idempotent), also on a kept
    database: a migration that adds the rollup tables leaves them empty until rebuilt."""
    if has_command(env, "rebuild_rollups"):
        began = time.monotonic()
        manage(env, "rebuild_rollups")
        print(f"  rebuild_rollups in {time.monotonic() - began:.0f} s", flush=True)


def prepare_hot(patients: int) -> dict[str, str]:
    import psycopg2

    url = bench_database_url(f"lbp_bench_hot_{patients}")
    env = dict(os.environ, DATABASE_URL=url, DEMO_MODE="1", DEMO_PASSWORD=PASSWORD, DEBUG="")
    began = time.monotonic()
    manage(env, "migrate", "--noinput", "-v0")
    connection = psycopg2.connect(url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_user WHERE username = 'frontdesk'")
        seeded = cursor.fetchone()[0]
    if not seeded:
        manage(env, "seed_demo", "--patients", str(min(SEED_PATIENTS, patients)))
    connection.close()
    # A bulk load, as an operator would run one: as the owner, with the row triggers (change history,
    # rollup bookkeeping, audit chain) off for this session only; rebuild_rollups follows. The runtime
    # role the app uses cannot do this (SECURITY.md, two database roles).
    owner = os.environ.get("DATABASE_OWNER_URL")
    connection = psycopg2.connect(
        urlunsplit(urlsplit(owner)._replace(path=urlsplit(url).path)) if owner else url
    )
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    added = load_hot(connection, patients)
    connection.close()
    rebuild_rollups(env)
    print(f"hot database {url.split('?')[0].rsplit('/', 1)[-1]}: ready in "
          f"{time.monotonic() - began:.0f} s{' (kept from an earlier run)' if not added else ''}")  # fmt: skip
    return env


def prepare_dashboard(appointments: int) -> dict[str, str]:
    import psycopg2

    url = bench_database_url(f"lbp_bench_dashboard_{appointments}")
    env = dict(os.environ, DATABASE_URL=url, DEMO_MODE="1", DEMO_PASSWORD=PASSWORD, DEBUG="")
    began = time.monotonic()
    manage(env, "migrate", "--noinput", "-v0")
    connection = psycopg2.connect(url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM intake_appointment")
        present = cursor.fetchone()[0]
    connection.close()
    if present < appointments:
        # One episode per five appointments, as bench/dashboard.py (200,000 : 1,000,000).
        manage(env, "seed_demo", "--patients", str(SEED_PATIENTS),
               "--volume-episodes", str(max(1, appointments // 5)),
               "--volume-appointments", str(appointments))  # fmt: skip
    rebuild_rollups(env)
    print(f"dashboard database: {appointments} appointments, ready in "
          f"{time.monotonic() - began:.0f} s")  # fmt: skip
    return env


@contextmanager
def served(env: dict[str, str]) -> Iterator[str]:
    """gunicorn as `make run` starts it (2 workers x 4 threads), on a free loopback port."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "variant_wsgi:application", "--pythonpath", "bench",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
         "--log-level", "warning"],
        env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not answer") from None
                time.sleep(0.25)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


# ------------------------------------------------------------------------------------ measuring


def sample_inputs(env: dict[str, str]) -> dict[str, list[str]]:
    """Search terms, patients, a day and the demo physio's episodes, read from the bench database."""
    import psycopg2

    connection = psycopg2.connect(env["DATABASE_URL"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, last_name, first_name, date_of_birth FROM intake_patient "
            "TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 200"
        )
        sampled = cursor.fetchall()
        cursor.execute(
            "SELECT min(start AT TIME ZONE 'America/Toronto')::date FROM intake_appointment "
            "WHERE start > now()"
        )
        day = cursor.fetchone()[0]
        cursor.execute(
            "SELECT e.id FROM care_episodes_episode e JOIN auth_user u ON u.id = "
            "e.physiotherapist_id WHERE u.username = 'physio' AND e.status IN "
            "('booked', 'assessed', 'in_care') ORDER BY e.id LIMIT 50"
        )
        episodes = [str(row[0]) for row in cursor.fetchall()]
    connection.close()
    rng = random.Random(7)
    queries = [
        rng.choice([last, f"{first} {last}", f"{last} {born:%Y-%m-%d}", last.lower()[:5]])
        for _, last, first, born in sampled
    ]
    if not episodes:
        raise RuntimeError("the demo physiotherapist has no open episode to open")
    return {
        "queries": queries,
        "patients": [str(row[0]) for row in sampled],
        "day": [str(day or time.strftime("%Y-%m-%d"))],
        "episodes": episodes,
        "words": ["back pain", "exercise", "sciatica", "walking", "reassurance", "flexion"],
    }


def hot_pages(
    inputs: dict[str, list[str]],
) -> dict[str, tuple[str, Callable[[random.Random], str]]]:
    """Page name -> (signed-in role, path maker)."""
    q = urllib.parse.urlencode
    return {
        "patient search": (
            "frontdesk",
            lambda r: "/frontdesk/patients/?" + q({"q": r.choice(inputs["queries"])}),
        ),
        "free slots": (
            "frontdesk",
            lambda r: "/frontdesk/book/?" + q({"patient": r.choice(inputs["patients"])}),
        ),
        "day sheet": ("frontdesk", lambda r: "/frontdesk/day-sheet/?day=" + inputs["day"][0]),
        "physio home": ("physio", lambda r: "/physio/"),
        "episode page": ("physio", lambda r: f"/physio/episodes/{r.choice(inputs['episodes'])}/"),
        "physician inbox": (
            "physician",
            lambda r: "/physician/?" + q({"q": r.choice(inputs["words"])}),
        ),
    }


def signed_in(base: str) -> dict[str, Client]:
    clients = {}
    for role in ROLES:
        client = Client(base)
        client.sign_in(role)
        clients[role] = client
    return clients


def one_user(base: str, inputs: dict[str, list[str]], requests: int) -> tuple[dict, list[str]]:
    pages = hot_pages(inputs)
    clients = signed_in(base)
    rng = random.Random(1)
    for role, make in pages.values():  # warm up every page once
        clients[role].get(make(rng))
    timings: dict[str, list[float]] = {name: [] for name in [*pages, "healthz"]}
    stop_at = time.monotonic() + TIME_LIMIT
    for _ in range(requests):
        for name, (role, make) in pages.items():
            timings[name].append(timed(clients[role], make(rng)))
            timings["healthz"].append(timed(clients[role], "/healthz"))
        if time.monotonic() > stop_at:
            break
    print("\n1 user (requests interleaved, each page followed by /healthz)")
    print(f"{'page':<18}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p50/healthz':>13}")
    health = statistics.median(timings["healthz"])
    lines = []
    for name, values in timings.items():
        ratio = statistics.median(values) / health
        print(f"{name:<18}{len(values):>5}{statistics.median(values):>9.1f}"
              f"{percentile(values, 0.95):>9.1f}{ratio:>12.2f}x")  # fmt: skip
        if name != "healthz":
            lines.append(goal(f"1 user, {name} p50 / healthz p50", ratio, 3))
    return timings, lines


def load_phase(
    base: str,
    users: int,
    requests: int,
    pages: dict[str, tuple[str, Callable[[random.Random], str]]],
) -> tuple[dict[str, list[float]], float, int]:
    """`users` threads, each signed in as every role, each sending `requests` of every page (shuffled)
    as fast as answers come; returns the timings, the wall time and the error count."""
    clients = [signed_in(base) for _ in range(users)]
    timings: dict[str, list[float]] = {name: [] for name in pages}
    errors: list[str] = []
    lock = threading.Lock()
    start_together = threading.Barrier(users)
    stop_at = time.monotonic() + TIME_LIMIT

    def user(number: int) -> None:
        rng = random.Random(number)
        order = list(pages) * requests
        rng.shuffle(order)
        start_together.wait()
        for name in order:
            if time.monotonic() > stop_at:
                return
            role, make = pages[name]
            try:
                elapsed = timed(clients[number][role], make(rng))
            except (OSError, RuntimeError) as error:
                with lock:
                    errors.append(f"{name}: {error}")
                continue
            with lock:
                timings[name].append(elapsed)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIME_LIMIT + 120)
    took = time.monotonic() - began
    for error in errors[:5]:
        print("  error:", error)
    return timings, took, len(errors)


def many_users(base: str, inputs: dict[str, list[str]], users: int, requests: int) -> list[str]:
    pages = hot_pages(inputs)
    mixed = dict(pages, healthz=("frontdesk", lambda r: "/healthz"))
    timings, took, errors = load_phase(base, users, requests, mixed)
    hot_count = sum(len(timings[name]) for name in pages)
    hot_rps = hot_count / took
    print(f"\n{users} users, hot pages and /healthz mixed: {hot_count + len(timings['healthz'])} "
          f"requests in {took:.1f} s, {errors} errors")  # fmt: skip
    print(f"{'page':<18}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p50/healthz':>13}")
    health = statistics.median(timings["healthz"])
    for name, values in timings.items():
        if values:
            print(f"{name:<18}{len(values):>5}{statistics.median(values):>9.1f}"
                  f"{percentile(values, 0.95):>9.1f}{statistics.median(values) / health:>12.2f}x")  # fmt: skip
    alone = {"healthz": ("frontdesk", lambda r: "/healthz")}
    # As many /healthz requests as the mixed phase sent in all, from the same users.
    health_timings, health_took, health_errors = load_phase(
        base, users, requests * len(mixed), alone
    )
    health_rps = len(health_timings["healthz"]) / health_took
    print(f"{users} users, /healthz alone: {len(health_timings['healthz'])} requests in "
          f"{health_took:.1f} s, {health_errors} errors, p50 "
          f"{statistics.median(health_timings['healthz']):.1f} ms, p95 "
          f"{percentile(health_timings['healthz'], 0.95):.1f} ms")  # fmt: skip
    print(f"requests/s: hot pages {hot_rps:.1f} (of {(hot_count + len(timings['healthz'])) / took:.1f}"
          f" in all) vs /healthz alone {health_rps:.1f}")  # fmt: skip
    return [goal(f"{users} users, hot pages req/s / healthz-alone req/s", hot_rps / health_rps, 0.5,
                 at_least=True)]  # fmt: skip


def audit_on_off(base: str, inputs: dict[str, list[str]], requests: int) -> list[str]:
    client = signed_in(base)["physio"]
    rng = random.Random(3)
    on, off = [], []
    for n in range(requests * 3):
        path = f"/physio/episodes/{rng.choice(inputs['episodes'])}/"
        first, second = (on, off) if n % 2 else (off, on)  # alternate which variant goes first
        for times in (first, second):
            headers = {"X-Bench-Audit": "off"} if times is off else {}
            times.append(timed(client, path, headers))
    ratio = statistics.median(on) / statistics.median(off)
    print(f"\nepisode page, audit on p50 {statistics.median(on):.1f} ms / p95 "
          f"{percentile(on, 0.95):.1f} ms; audit off p50 {statistics.median(off):.1f} ms / p95 "
          f"{percentile(off, 0.95):.1f} ms")  # fmt: skip
    return [goal("episode page audit on / audit off (p50)", ratio, 1.15)]


def booking_outbox(env: dict[str, str], bookings: int) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "booking_probe.py"), "--bookings", str(bookings)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if done.returncode:
        sys.stderr.write(done.stderr[-3000:])
        return ["MISS  booking probe failed (see above)"]
    line = done.stdout.strip().splitlines()[-1]
    figures = dict(part.split("=") for part in line.split())
    with_ms = float(figures["booking_with_outbox_ms"])
    without_ms = float(figures["booking_without_outbox_ms"])
    print(f"booking (service call, median of {bookings}): with outbox {with_ms:.2f} ms, "
          f"without {without_ms:.2f} ms")  # fmt: skip
    return [goal("booking with outbox / without (p50)", with_ms / without_ms, 1.1)]


def dashboard(base: str, requests: int) -> list[str]:
    client = Client(base)
    client.sign_in("manager")
    client.get("/manager/")
    page, health = [], []
    for _ in range(requests):
        page.append(timed(client, "/manager/"))
        health.append(timed(client, "/healthz"))
    ratio = statistics.median(page) / statistics.median(health)
    print(f"\ndashboard /manager/: p50 {statistics.median(page):.1f} ms, p95 "
          f"{percentile(page, 0.95):.1f} ms; /healthz p50 {statistics.median(health):.1f} ms, p95 "
          f"{percentile(health, 0.95):.1f} ms (n={requests})")  # fmt: skip
    return [goal("dashboard p50 / healthz p50", ratio, 5)]


def sizes(env: dict[str, str]) -> None:
    """Bytes per row (table + indexes + TOAST), for docs/scaling.md."""
    import psycopg2

    connection = psycopg2.connect(env["DATABASE_URL"])
    with connection.cursor() as cursor:
        print(f"\n{'table':<34}{'rows':>12}{'MB':>9}{'bytes/row':>11}")
        for table in ("intake_patient", "care_episodes_episode", "intake_appointment",
                      "care_episodes_consultationnote", "intake_incomingreferral",
                      "lbp_pathway_auditevent"):  # fmt: skip
            cursor.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}")
            rows, size = cursor.fetchone()
            print(f"{table:<34}{rows:>12}{size / 1e6:>9.1f}{size / max(rows, 1):>11.0f}")
        cursor.execute("SELECT pg_database_size(current_database())")
        print(f"database total: {cursor.fetchone()[0] / 1e6:.0f} MB")
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument(
        "--appointments", type=int, default=10_000_000, help="dashboard; 0 skips it"
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=20, help="per page (and per user)")
    args = parser.parse_args()
    if (
        args.patients < SEED_PATIENTS
        or args.users < 1
        or args.requests < 1
        or args.appointments < 0
    ):
        parser.error(
            f"--patients must be at least {SEED_PATIENTS}; --users and --requests at least 1"
        )

    services = start_services()
    results: list[str] = []
    try:
        env = prepare_hot(args.patients)
        inputs = sample_inputs(env)
        with served(env) as base:
            print(f"\n{args.patients} patients")
            results += one_user(base, inputs, args.requests)[1]
            results += many_users(base, inputs, args.users, max(1, args.requests // 4))
            results += audit_on_off(base, inputs, args.requests)
        results += booking_outbox(env, args.requests * 2)
        sizes(env)
        if args.appointments:
            dashboard_env = prepare_dashboard(args.appointments)
            with served(dashboard_env) as base:
                results += dashboard(base, args.requests)
        print("\nGoals (issue 13), ratios measured in this run:")
        for line in results:
            print("  " + line)
        return 0
    finally:
        services.stop()  # only what this run started


if __name__ == "__main__":
    sys.exit(main())

"""Front-desk pages under load: patient search, free-slot search and day sheet with 100,000 patients.

    .venv/bin/python bench/frontdesk.py [--patients 100000] [--users 20] [--requests 30]

Seeds a separate database (BENCH_DATABASE_URL, else `lbp_bench_frontdesk` on the server of
DATABASE_URL, else on the embedded PostgreSQL), runs the app under gunicorn on a free loopback port,
signs 20 simulated front-desk users in and has them drive the three pages concurrently, with /healthz
measured under the same load. Prints p50/p95 per page and, last, `ratio=<worst page p95 / healthz p95>`.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BENCH_DB = "lbp_bench_frontdesk"

from benchdb import bench_database_url, manage, start_services  # noqa: E402

PASSWORD = "bench-pass-phrase-2026"
TIME_LIMIT = 300  # seconds of load at most, whatever the request count


def database_url() -> str:
    """The bench database's URL: BENCH_DATABASE_URL, else lbp_bench_frontdesk beside DATABASE_URL or on
    the embedded server (created if missing)."""
    return os.environ.get("BENCH_DATABASE_URL") or bench_database_url(BENCH_DB)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Client:
    """A signed-in browser: cookies, CSRF, nothing else."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, bytes]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.status, response.read()

    def sign_in(self, username: str, password: str) -> None:
        _, html = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1).decode()
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            self.base + "/accounts/login/", data=data, headers={"Referer": self.base + "/"}
        )
        with self.opener.open(request, timeout=30) as response:
            if "/frontdesk/" not in response.url:
                raise RuntimeError("sign-in failed")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def sample_inputs(env: dict[str, str]) -> tuple[list[str], list[int], str]:
    out = manage(
        env,
        "shell",
        "-c",
        "from intake.models import Patient, Appointment\n"
        "from django.utils import timezone\n"
        "names = list(Patient.objects.order_by('?').values_list('last_name', 'first_name', 'date_of_birth')[:200])\n"
        "for last, first, born in names: print('Q', last[:4], first[:3], born.isoformat(), sep='|')\n"
        "for pk in Patient.objects.order_by('?').values_list('pk', flat=True)[:200]: print('P', pk, sep='|')\n"
        "busiest = Appointment.objects.filter(start__gte=timezone.now()).order_by('start').first()\n"
        "print('D', (busiest.start if busiest else timezone.now()).astimezone(timezone.get_current_timezone()).date().isoformat(), sep='|')\n",
    )
    queries, patients, day = [], [], ""
    rng = random.Random(7)
    for line in out.splitlines():
        kind, *rest = line.split("|")
        if kind == "Q":
            last, first, born = rest
            queries.append(rng.choice([last, f"{first} {last}", f"{last} {born}", last.lower()]))
        elif kind == "P":
            patients.append(int(rest[0]))
        elif kind == "D":
            day = rest[0]
    return queries, patients, day


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=30, help="per user and page")
    args = parser.parse_args()

    services = start_services()
    gunicorn = None
    try:
        url = database_url()
        env = dict(os.environ, DATABASE_URL=url, DEMO_MODE="1", DEMO_PASSWORD=PASSWORD, DEBUG="")
        began = time.monotonic()
        manage(env, "migrate", "--noinput", "-v0")
        print(manage(env, "seed_demo", "--patients", str(args.patients)).strip().splitlines()[-1])
        print(f"database ready in {time.monotonic() - began:.0f} s: {url.rsplit('/', 1)[-1]}")
        queries, patients, day = sample_inputs(env)
        port = free_port()
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "lbp_pathway.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "4", "--threads", "4", "--worker-class", "gthread", "--log-level", "warning"],
            env=env, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or gunicorn.poll() is not None:
                    raise RuntimeError("gunicorn did not answer") from None
                time.sleep(0.25)

        pages = {
            "patient search": lambda rng: (
                "/frontdesk/patients/?" + urllib.parse.urlencode({"q": rng.choice(queries)})
            ),
            "slot search": lambda rng: (
                "/frontdesk/book/?" + urllib.parse.urlencode({"patient": rng.choice(patients)})
            ),
            "day sheet": lambda rng: f"/frontdesk/day-sheet/?day={day}",
            "healthz": lambda rng: "/healthz",
        }
        timings: dict[str, list[float]] = {name: [] for name in pages}
        errors: list[str] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + TIME_LIMIT
        clients = []
        for _ in range(args.users):
            client = Client(base)
            client.sign_in("frontdesk", PASSWORD)
            client.get(pages["day sheet"](random.Random(0)))  # warm up
            clients.append(client)
        start_together = threading.Barrier(args.users)

        def user(number: int, client: Client) -> None:
            rng = random.Random(number)
            start_together.wait()
            order = list(pages) * args.requests
            rng.shuffle(order)
            for name in order:
                if time.monotonic() > stop_at:
                    return
                path = pages[name](rng)
                began = time.perf_counter()
                try:
                    status, _ = client.get(path)
                except OSError as error:
                    status = str(error)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    if status == 200:
                        timings[name].append(elapsed)
                    else:
                        errors.append(f"{name}: {status}")

        threads = [threading.Thread(target=user, args=(n, c)) for n, c in enumerate(clients)]
        load_began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIME_LIMIT + 60)
        took = time.monotonic() - load_began

        total = sum(len(v) for v in timings.values())
        print(
            f"{args.users} concurrent users, {total} requests in {took:.1f} s, {len(errors)} errors"
        )
        for error in errors[:5]:
            print("  error:", error)
        print(f"{'page':<16}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}")
        for name, values in timings.items():
            if values:
                print(
                    f"{name:<16}{len(values):>6}{statistics.median(values):>10.1f}"
                    f"{percentile(values, 0.95):>10.1f}"
                )
        health = percentile(timings["healthz"], 0.95)
        worst = max(percentile(timings[name], 0.95) for name in pages if name != "healthz")
        print(f"goal: every page p95 under 150 ms; worst page p95 = {worst:.1f} ms")
        print(f"ratio={worst / health:.2f}")
        return 0
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        services.stop()  # only what this run started


if __name__ == "__main__":
    sys.exit(main())

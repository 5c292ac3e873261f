"""Reminder dispatch throughput next to a no-op Celery task's, on the same broker, in the same run.

    [DATABASE_URL=... REDIS_URL=...] .venv/bin/python bench/reminders.py [--reminders 100000]

Writes N due patient SMS reminders (the logging SMS backend, quiet hours off), starts a Celery worker,
and times how long the dispatcher takes to get all of them to "sent"; then times the same worker
draining no-op tasks. Prints reminders/s, no-op tasks/s and, last, ratio=<dispatch/no-op>.
Bench rows are removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbp_pathway.settings")
os.environ.setdefault("DEMO_MODE", "1")

from lbp_pathway import devstack  # noqa: E402

# Before the settings are imported: the embedded servers for whichever URL is unset (stopped at exit).
SERVICES = devstack.start_embedded_services()

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from intake.models import Patient  # noqa: E402
from reminders.models import Reminder  # noqa: E402
from reminders.tasks import dispatch_due_reminders, no_op  # noqa: E402

PREFIX = "bench:"


def start_worker(log: Path, concurrency: int) -> subprocess.Popen:
    name = f"bench-{os.getpid()}@{socket.gethostname()}"
    env = dict(os.environ)
    env.update(
        SMS_BACKEND="reminders.channels.LoggingSMSBackend",
        REMINDER_QUIET_HOURS="",
        LOG_LEVEL="WARNING",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lbp_pathway", "worker", "--loglevel", "WARNING",
         "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
         "--hostname", name],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not no_op.app.control.ping(destination=[name], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the worker did not start:\n" + log.read_text()[-2000:])
        time.sleep(0.2)
    return process


def broker_idle(client: redis.Redis, unacked_before: int) -> bool:
    # Messages of workers killed earlier can sit in "unacked" until their visibility timeout.
    return client.llen("celery") == 0 and client.hlen("unacked") <= unacked_before


def make_reminders(count: int) -> None:
    patient, _ = Patient.objects.get_or_create(
        first_name="Bench",
        last_name="Patient",
        date_of_birth="1970-01-01",
        phone="613-555-0199",
        defaults={"consent_sms_reminders": True},
    )
    now = timezone.now() - timedelta(minutes=1)
    context = {"site": "Bench site", "starts_at": (now + timedelta(days=2)).isoformat()}
    rows = (
        Reminder(
            kind=Reminder.Kind.APPOINTMENT,
            key=f"{PREFIX}{n}",
            patient=patient,
            channel=Reminder.Channel.SMS,
            due_at=now,
            context=context,
        )
        for n in range(count)
    )
    batch: list[Reminder] = []
    for row in rows:
        batch.append(row)
        if len(batch) == 5000:
            Reminder.objects.bulk_create(batch)
            batch = []
    Reminder.objects.bulk_create(batch)


def time_dispatch(count: int) -> float:
    bench = Reminder.objects.filter(key__startswith=PREFIX)
    started = time.monotonic()
    dispatch_due_reminders.delay()
    last_kick = started
    while bench.filter(status="sent").count() < count:
        time.sleep(0.25)
        # Beat would call again every REMINDER_DISPATCH_SECONDS; one run stops after its budget.
        if time.monotonic() - last_kick > 5 and bench.filter(status="pending").exists():
            dispatch_due_reminders.delay()
            last_kick = time.monotonic()
    return count / (time.monotonic() - started)


def time_no_op(count: int, client: redis.Redis) -> float:
    unacked_before = client.hlen("unacked")
    started = time.monotonic()
    with no_op.app.producer_or_acquire() as producer:
        for _ in range(count):
            no_op.apply_async(producer=producer)
    while not broker_idle(client, unacked_before):
        time.sleep(0.05)
    return count / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--no-ops", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # still stop the worker on a timeout
    call_command("migrate", verbosity=0)
    client = redis.Redis.from_url(settings.REDIS_URL)
    no_op.app.control.purge()
    Reminder.objects.filter(key__startswith=PREFIX).delete()
    Reminder.objects.filter(status__in=["pending", "sending"]).exists() and print(
        "note: other due reminders in this database are dispatched too"
    )
    print(f"writing {args.reminders} due reminders…", flush=True)
    make_reminders(args.reminders)
    worker = start_worker(Path(tempfile.mkdtemp()) / "worker.log", args.concurrency)
    try:
        dispatch = time_dispatch(args.reminders)
        print(f"dispatch: {dispatch:.0f} reminders/s ({args.reminders} reminders)", flush=True)
        noop = time_no_op(args.no_ops, client)
        print(f"no-op:    {noop:.0f} tasks/s ({args.no_ops} tasks)", flush=True)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        Reminder.objects.filter(key__startswith=PREFIX).delete()
    print(f"ratio={dispatch / noop:.2f}")


if __name__ == "__main__":
    main()

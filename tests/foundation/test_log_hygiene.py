"""No PHI or tokens in any log (issue 14): a full journey through a real gunicorn started the way
`make run` and the Dockerfile start it (`--config gunicorn.conf.py`), then every log it
wrote is searched for the patient's names, health card number, phone, email and the questionnaire token.

The journey: the front desk signs in, searches by name, health card and phone, opens the patient, books
a first visit, hands out a questionnaire link; the patient opens it; the physiotherapist drafts and
signs the consultation note.
"""

from __future__ import annotations

import http.cookiejar
import io
import json
import logging
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import time as clock
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery.utils import uuid as celery_uuid
from django.db import connection
from gunicorn.config import Config as GunicornConfig

from care_episodes.models import ConsultationNote, Episode
from intake.models import Appointment
from lbp_pathway.access import Role
from lbp_pathway.celery import app as celery_app
from lbp_pathway.gunicorn_logging import ScrubbedLogger, loggable_path
from lbp_pathway.phi_logging import JsonFormatter, ScrubPersonalInformation, scrub
from reminders import services as reminders
from reminders.channels import message_id_part
from tests.care_episodes.factories import AssessmentFactory
from tests.factories import TEST_PASSWORD, EpisodeFactory, PatientFactory, SiteFactory, UserFactory
from tests.intake.factories import (
    WeeklyAvailabilityFactory,
    at,
    ensure_appointment_types,
    health_card,
    next_weekday,
)

ROOT = Path(__file__).resolve().parents[2]

# An invented patient; every value below must stay out of the logs.
FIRST, LAST = "Marguerite", "Zylberstein"
CARD = health_card("246813579")
CARD_AS_TYPED = f"{CARD[:4]}-{CARD[4:7]}-{CARD[7:]}"
PHONE = "613-555-0147"
EMAIL = "m.zylberstein@example.org"


# --- the logger class on its own ---------------------------------------------------------------------


def test_the_access_line_keeps_the_path_without_query_or_token():
    token = "Ab_cD-efGhIjKlMnOpQrStUvWxYz0123456789abcdefg"
    assert loggable_path(f"/frontdesk/patients/?q={LAST}") == "/frontdesk/patients/"
    assert loggable_path(f"/triage/q/{token}/") == "/triage/q/[token removed]/"
    assert loggable_path(f"http://127.0.0.1/frontdesk/book/?q={CARD}#x") == "/frontdesk/book/"
    assert loggable_path("/physio/episodes/42/") == "/physio/episodes/42/"


@pytest.mark.parametrize(
    "identifier",
    [
        "reminders.tasks.dispatch[5e3c1d2f-1234-4567-8901-234567890123]",
        "task 12345678-1234-1234-1234-123456789012 succeeded",
        "reminder follow_up:1234567890#2",
        "delivery key appointment_24h-6135550147",
    ],
)
def test_ids_and_keys_keep_their_digits(identifier):
    """Issue 19: the scrubber rewrote digit runs inside Celery task ids and reminder keys."""
    assert scrub(identifier) == identifier


@pytest.mark.parametrize(
    "text",
    [f"card {CARD}", f"card {CARD_AS_TYPED}", f"call {PHONE}", f"mail {EMAIL}", f"/?q={LAST}"],
)
def test_free_standing_phi_is_still_masked(text):
    for secret in (CARD, CARD_AS_TYPED, PHONE, EMAIL, LAST):
        assert secret not in scrub(text)


# --- the journey through gunicorn ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Browser:
    """A signed-in (or anonymous) visitor: cookies, CSRF tokens taken from the forms."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.csrf = ""

    def get(self, path: str, **query: object) -> str:
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        with self.opener.open(url, timeout=60) as response:
            page = response.read().decode()
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        self.csrf = found.group(1) if found else self.csrf
        return page

    def post(self, path: str, **form: object) -> str:
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf, **form}).encode()
        with self.opener.open(self.base + path, data=data, timeout=60) as response:
            page = response.read().decode()
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        self.csrf = found.group(1) if found else self.csrf
        return page

    def sign_in(self, username: str) -> None:
        self.get("/accounts/login/")
        page = self.post("/accounts/login/", username=username, password=TEST_PASSWORD)
        assert "Sign out" in page or "Log out" in page or "logout" in page, page[:2000]


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    parts = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"])),
        "DEMO_MODE": "1",
        "LOG_LEVEL": "DEBUG",
    }
    logs = SimpleNamespace(
        access=tmp_path / "access.log", error=tmp_path / "error.log", output=tmp_path / "output.log"
    )
    command = [
        sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
        "lbp_pathway.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2",
        "--access-logfile", str(logs.access), "--error-logfile", str(logs.error),
        "--log-level", "debug",
    ]  # fmt: skip
    with logs.output.open("w") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=5).close()
            break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(logs.output.read_text()[-3000:]) from None
            time.sleep(0.3)
    yield SimpleNamespace(base=base, logs=logs)
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_full_journey_leaves_no_phi_or_token_in_any_log(gunicorn, real_password_hashing):
    ensure_appointment_types()
    UserFactory(username="desk", role=Role.FRONT_DESK)
    physio = UserFactory(username="physio1", role=Role.PHYSIOTHERAPIST)
    site = SiteFactory(name="Sydenham Street")
    WeeklyAvailabilityFactory(
        practitioner=physio, site=site, weekday=0, start=clock(9), end=clock(12)
    )
    patient = PatientFactory(
        first_name=FIRST, last_name=LAST, health_card_number=CARD, phone=PHONE, email=EMAIL
    )
    episode = EpisodeFactory(patient=patient, physiotherapist=physio, site=site)

    desk = Browser(gunicorn.base)
    desk.sign_in("desk")
    for query in (LAST, f"{FIRST} {LAST}", CARD, CARD_AS_TYPED, PHONE):
        assert LAST in desk.get("/frontdesk/patients/", q=query), query
    desk.get(f"/frontdesk/patients/{patient.pk}/")
    start = at(next_weekday(0), 9).isoformat()
    slot = {"patient": patient.pk, "practitioner": physio.pk, "site": site.pk, "start": start}
    desk.get("/frontdesk/book/", patient=patient.pk)
    desk.get("/frontdesk/book/confirm/", **slot, type="new_assessment")
    desk.post("/frontdesk/book/confirm/", **slot, type="new_assessment")
    assert Appointment.objects.filter(patient=patient).exists()
    link_page = desk.post(f"/triage/episode/{episode.pk}/link/")
    token = re.search(r"/triage/q/([A-Za-z0-9_-]+)/", link_page).group(1)

    patient_phone = Browser(gunicorn.base)
    assert "<form" in patient_phone.get(f"/triage/q/{token}/")
    patient_phone.get(f"/triage/q/{token}/", lang="fr")

    AssessmentFactory(episode=episode)
    Episode.objects.filter(pk=episode.pk).update(status="assessed")
    clinician = Browser(gunicorn.base)
    clinician.sign_in("physio1")
    clinician.get(f"/physio/episodes/{episode.pk}/")
    clinician.post(f"/physio/episodes/{episode.pk}/note/")
    note = ConsultationNote.objects.get(episode=episode)
    clinician.get(f"/physio/notes/{note.pk}/")
    clinician.post(
        f"/physio/notes/{note.pk}/", title=note.title, body=note.body, sign="Sign and send"
    )
    assert ConsultationNote.objects.get(pk=note.pk).signed_at is not None

    time.sleep(1)  # gunicorn writes the access line after the response
    logs = {name: path.read_text() for name, path in vars(gunicorn.logs).items()}
    access = logs["access"]
    # The journey is in the access log …
    assert access.count("/frontdesk/patients/ ") >= 5
    assert access.count("/triage/q/[token removed]/ ") == 2
    assert f"/physio/notes/{note.pk}/" in access
    # … and nothing that names the patient or opens their questionnaire is in any log.
    secrets = {
        "first name": FIRST,
        "last name": LAST,
        "health card": CARD,
        "health card as typed": CARD_AS_TYPED,
        "health card, URL-encoded": urllib.parse.quote_plus(CARD_AS_TYPED),
        "phone": PHONE,
        "email": EMAIL,
        "token": token,
    }
    leaks = [
        f"{what} in {name} log" for name, text in logs.items() for what, value in secrets.items()
        if value in text
    ]  # fmt: skip
    assert leaks == [], "\n".join([*leaks, access[-3000:]])


def test_the_config_names_the_scrubbing_logger():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["logger_class"] == "lbp_pathway.gunicorn_logging.ScrubbedLogger"
    assert "gunicorn.conf.py" in (ROOT / "Dockerfile").read_text()
    assert "gunicorn.conf.py" in (ROOT / "lbp_pathway" / "devstack.py").read_text()
    assert ScrubbedLogger is not None


# --- ids stay whole, PHI does not (issue 19) -------------------------------------------------------------


def test_real_task_ids_and_reminder_keys_keep_every_digit():
    """Ids made the way the app and Celery make them, many times over so that digit-heavy ones occur."""
    reminder_keys = [
        reminders.appointment_key(appointment_id, hours)
        for appointment_id, hours in ((1234567890, 48), (6135550147, 2), (4165550123, 24))
    ] + [reminders.outcome_key(9876543210, "6w"), reminders.note_unsigned_key(1234567890)]
    for _ in range(300):
        task_id = celery_uuid()
        token = uuid.uuid4().hex
        for text in (
            f"Task reminders.tasks.send_due_reminders[{task_id}] received",
            f"Task reminders.tasks.send_due_reminders[{task_id}] succeeded in 0.02s: {{'sent': 25}}",
            f"claim {token} lost",
            f"uuid {uuid.UUID(int=int(task_id.replace('-', ''), 16))}",
        ):
            assert scrub(text) == text
    for key in reminder_keys:
        for text in (f"reminder {key}#0 sent", f"delivery {message_id_part(key + '#1')} accepted"):
            assert scrub(text) == text


@pytest.mark.parametrize(
    "text",
    [
        f"patient {CARD} booked, task 5e3c1d2f-1234-4567-8901-234567890123",
        f"SMS to {PHONE} for reminder appointment:6135550147:48h#0",
        "date_of_birth=1970-01-31 on reminder appointment:19700131:48h#0",
        "DOB: 31/01/1970, task 19700131-0000-4000-8000-000000000000",
        "{'date_of_birth': datetime.date(1970, 1, 31), 'key': 'outcome_due:1970013100:6w'}",
        "born January 31, 1970",
    ],
)
def test_phi_next_to_ids_is_masked_and_the_ids_are_kept(text):
    scrubbed = scrub(text)
    for secret in (CARD, PHONE, "1970-01-31", "31/01/1970", "1970, 1, 31", "January 31, 1970"):
        assert secret not in scrubbed
    for kept in (
        "5e3c1d2f-1234-4567-8901-234567890123",
        "appointment:6135550147:48h#0",
        "appointment:19700131:48h#0",
        "19700131-0000-4000-8000-000000000000",
        "outcome_due:1970013100:6w",
    ):
        if kept in text:
            assert kept in scrubbed


@celery_app.task(name="tests.foundation.log_from_a_task")
def log_from_a_task() -> None:
    logging.getLogger("tests.json_logs").warning("reminder for %s sent", PHONE)


def test_json_log_lines_are_scrubbed_and_keep_the_task_id():
    handler_output = io.StringIO()
    handler = logging.StreamHandler(handler_output)
    handler.addFilter(ScrubPersonalInformation())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.json_logs")
    logger.addHandler(handler)
    logger.propagate = False
    task_id = celery_uuid()
    try:
        logger.warning(
            "SMS to %s failed for %s", PHONE, "appointment:1234567890:48h#0",
            extra={"task_id": task_id, "task_name": "reminders.tasks.send_due_reminders",
                   "patient_email": EMAIL},
        )  # fmt: skip
        try:
            raise ValueError(f"bad card {CARD}")
        except ValueError:
            logger.exception("date of birth 1970-01-31 rejected")
        ran = log_from_a_task.apply()  # a real task run: the logger never named its task
    finally:
        logger.removeHandler(handler)
    first, second, third = (json.loads(line) for line in handler_output.getvalue().splitlines())
    assert third["message"] == "reminder for [phone removed] sent"
    assert (third["task_id"], third["task_name"]) == (ran.id, "tests.foundation.log_from_a_task")
    assert first["message"] == "SMS to [phone removed] failed for appointment:1234567890:48h#0"
    assert (first["level"], first["logger"], first["task_id"]) == (
        "WARNING",
        "tests.json_logs",
        task_id,
    )
    assert EMAIL not in handler_output.getvalue()  # extra values are never written
    assert second["message"] == "date of birth [birth date removed] rejected"
    assert CARD not in second["exception"] and "ValueError" in second["exception"]


def test_production_logs_are_json_and_demo_logs_text():
    code = "from django.conf import settings; print(settings.LOG_FORMAT)"
    env = {k: v for k, v in os.environ.items() if k not in ("LOG_FORMAT", "DEBUG")}
    production = {
        **env,
        "DEMO_MODE": "0",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "clinic.example",
    }
    demo = {**env, "DEMO_MODE": "1"}
    for environ, expected in ((production, "json"), (demo, "text")):
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT, env={**environ, "DJANGO_SETTINGS_MODULE": "lbp_pathway.settings"},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.stdout.strip().splitlines()[-1:] == [expected], result.stderr[-2000:]


def test_gunicorn_writes_scrubbed_json_lines_in_production(settings, capsys):
    settings.LOG_FORMAT = "json"
    config = GunicornConfig()
    config.set("errorlog", "-")
    ScrubbedLogger(config).error("worker for %s timed out", PHONE)
    [line] = [json.loads(text) for text in capsys.readouterr().err.splitlines() if text]
    assert (line["level"], line["message"]) == ("ERROR", "worker for [phone removed] timed out")

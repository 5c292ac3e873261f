"""Sign-in: throttling and lockout, strong passwords, sign-out everywhere on a password change,
idle sign-out."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lbp_pathway import middleware, throttle
from lbp_pathway.middleware import LAST_ACTIVITY
from lbp_pathway.models import SignInFailures
from tests.factories import TEST_PASSWORD

LOCKED = "temporarily locked"


def sign_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_right_password_signs_in(client, physio):
    response = sign_in(client, "pt", TEST_PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # to the physio home, not to sign-in


def test_five_wrong_passwords_lock_the_account_even_against_the_right_password(client, physio):
    for _ in range(4):
        assert LOCKED not in sign_in(client, "pt", "wrong-password-1").content.decode()
    assert LOCKED in sign_in(client, "pt", "wrong-password-1").content.decode()
    response = sign_in(client, "pt", TEST_PASSWORD)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_address_so_one_attacker_does_not_lock_out_the_clinic(physio):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        sign_in(attacker, "pt", "guess-guess-guess")
    clinic = Client(REMOTE_ADDR="10.0.0.5")
    assert sign_in(clinic, "pt", TEST_PASSWORD).status_code == 302


def test_a_success_clears_earlier_failures(client, physio):
    for _ in range(4):
        sign_in(client, "pt", "wrong-password-1")
    sign_in(client, "pt", TEST_PASSWORD)
    assert not SignInFailures.objects.exists()


def test_the_lock_expires_by_itself(client, physio):
    for _ in range(5):
        sign_in(client, "pt", "wrong-password-1")
    SignInFailures.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert sign_in(client, "pt", TEST_PASSWORD).status_code == 302


def test_an_administrator_unlocks_a_locked_account(client, physio, administrator):
    for _ in range(5):
        sign_in(client, "pt", "wrong-password-1")
    admin = Client()
    admin.force_login(administrator)
    page = admin.get(reverse("security_settings")).content.decode()
    assert "Unlock pt" in page
    lock = SignInFailures.objects.get()
    admin.post(reverse("unlock_sign_in", args=[lock.pk]))
    assert "Unlock pt" not in admin.get(reverse("security_settings")).content.decode()
    assert sign_in(client, "pt", TEST_PASSWORD).status_code == 302


def test_failures_spread_beyond_the_window_do_not_lock():
    now = timezone.now()
    failures = None
    for minute in range(0, 100, 20):
        failures = throttle.after_failure(
            failures,
            now + timedelta(minutes=minute),
            limit=5,
            window=timedelta(minutes=15),
            lock=timedelta(minutes=15),
        )
    assert failures.locked_until is None


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short-1", False),
        ("aaaaaaaaaaaaaaaa", False),
        ("abcdefghijklmnop", False),
        ("492817365092837465", False),
        ("x" * 150 + "-" + "9" * 100, False),
        ("quiet-river-stones-7", True),
        ("Quiet river stones bend", True),
    ],
)
def test_password_rules(password, accepted):
    if accepted:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_changing_the_password_signs_out_every_other_session(physio):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert sign_in(client, "pt", TEST_PASSWORD).status_code == 302
    assert elsewhere.get(reverse("care_episodes:physio_home")).status_code == 200
    here.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-fresh-pass-phrase-2026",
            "new_password2": "a-fresh-pass-phrase-2026",
        },
    )
    assert here.get(reverse("care_episodes:physio_home")).status_code == 200
    response = elsewhere.get(reverse("care_episodes:physio_home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_an_idle_session_is_signed_out_with_a_reason(client, physio, settings):
    client.force_login(physio)
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200
    session = client.session
    session[LAST_ACTIVITY] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 - 1
    session.save()
    response = client.get(reverse("care_episodes:physio_home"), follow=True)
    assert response.request["PATH_INFO"] == reverse("login")
    assert f"signed out after {settings.SESSION_IDLE_MINUTES} minutes" in response.content.decode()
    assert client.get(reverse("care_episodes:physio_home")).status_code == 302


def test_activity_keeps_the_session_and_the_status_poll_does_not_count(client, physio, settings):
    client.force_login(physio)
    session = client.session
    started = int(time.time()) - 600
    session[LAST_ACTIVITY] = started
    session.save()
    status = client.get(reverse("session_status")).json()
    assert status["signed_in"] is True
    assert status["seconds_left"] <= settings.SESSION_IDLE_MINUTES * 60 - 600
    assert client.session[LAST_ACTIVITY] == started
    assert client.post(reverse("session_keepalive")).status_code == 200
    assert client.session[LAST_ACTIVITY] > started


class Clock:
    """The idle sign-out's clock, moved by hand (whole seconds)."""

    def __init__(self, monkeypatch) -> None:
        self.at = int(time.time())
        monkeypatch.setattr(middleware, "now", lambda: self.at)

    def advance(self, seconds: int) -> None:
        self.at += seconds


def _session_writes(client, url: str) -> tuple[int, int]:
    """Open `url`; the status and how many UPDATEs or INSERTs of a session row it cost."""
    with CaptureQueriesContext(connection) as captured:
        status = client.get(url).status_code
    writes = [
        q
        for q in captured.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]
    return status, len(writes)


def test_a_busy_user_costs_one_session_write_a_minute_not_one_a_page(client, physio, monkeypatch):
    clock = Clock(monkeypatch)
    client.force_login(physio)  # signing in starts the idle clock
    url = reverse("care_episodes:physio_home")
    # A page every 20 seconds for ten minutes: 30 pages, a write only once the clock is a minute old.
    statuses, writes = [], 0
    for _ in range(30):
        clock.advance(20)
        status, written = _session_writes(client, url)
        statuses.append(status)
        writes += written
    assert statuses == [200] * 30
    assert writes == 10  # one a minute (600 s / 60 s), where every page used to write
    assert client.session[LAST_ACTIVITY] >= clock.at - 59


def test_idle_sign_out_still_comes_after_the_idle_period(client, physio, settings, monkeypatch):
    clock = Clock(monkeypatch)
    client.force_login(physio)
    url = reverse("care_episodes:physio_home")
    idle = settings.SESSION_IDLE_MINUTES * 60
    clock.advance(30)
    assert client.get(url).status_code == 200  # within the minute: not written down
    clock.advance(idle - 31)  # a full idle period since the recorded activity, less one second
    assert client.get(url).status_code == 200  # still signed in; this request is recorded
    clock.advance(idle + 1)
    response = client.get(url, follow=True)
    assert response.request["PATH_INFO"] == reverse("login")
    assert f"signed out after {settings.SESSION_IDLE_MINUTES} minutes" in response.content.decode()


def test_the_idle_warning_still_comes_two_minutes_before_and_stay_signed_in_restarts_the_clock(
    client, physio, settings, monkeypatch
):
    clock = Clock(monkeypatch)
    client.force_login(physio)
    idle = settings.SESSION_IDLE_MINUTES * 60
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200
    clock.advance(idle - 100)  # the page's script asks how long is left before warning
    assert client.get(reverse("session_status")).json() == {
        "seconds_left": 100,
        "signed_in": True,
    }
    # "Stay signed in" is always written down, even seconds after another recorded request.
    assert client.post(reverse("session_keepalive")).json()["seconds_left"] == idle
    clock.advance(10)
    assert client.post(reverse("session_keepalive")).json()["seconds_left"] == idle
    assert client.session[LAST_ACTIVITY] == clock.at


def test_pages_with_patient_information_are_never_cached(client, physio):
    client.force_login(physio)
    cache_control = client.get(reverse("care_episodes:physio_home"))["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control

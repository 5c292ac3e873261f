"""Every authentication event in the audit log; the real client address behind a trusted proxy for
lockout and audit alike; the absolute session lifetime."""

import time

from django.test import Client
from django.urls import reverse

from lbp_pathway.middleware import LAST_ACTIVITY, SIGNED_IN_AT
from lbp_pathway.models import AuditEvent, SignInFailures
from tests.audit_rows import mark, rows_after
from tests.factories import TEST_PASSWORD

NEW_PASSWORD = "a-fresh-pass-phrase-2026"


def sign_in(client, username: str, password: str = TEST_PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def trail(after: int) -> list[tuple[str, str, str]]:
    return [
        (row.username, row.action, row.what)
        for row in rows_after(after).filter(action__in=["auth", "account"]).order_by("id")
    ]


def test_sign_in_failure_lockout_unlock_password_change_and_sign_out_are_audited(
    physio, administrator
):
    start = mark()
    client = Client()
    sign_in(client, "nobody-here", "whatever-1")
    for _ in range(5):
        sign_in(client, "pt", "wrong-password-1")
    admin = Client()
    admin.force_login(administrator)
    admin.post(reverse("unlock_sign_in", args=[SignInFailures.objects.get(username="pt").pk]))
    assert sign_in(client, "pt").status_code == 302
    client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    client.post(reverse("logout"))
    assert trail(start) == [
        ("nobody-here", "auth", "Sign-in failed: wrong username or password"),
        *[("pt", "auth", "Sign-in failed: wrong username or password")] * 4,
        # The fifth failure starts the lock (the form then says the account is locked).
        ("pt", "auth", "Sign-in failed: wrong username or password"),
        ("pt", "auth", "Sign-in locked after 5 failures"),
        ("adm", "auth", "Sign-in unlocked for pt"),
        ("pt", "auth", "Signed in: password accepted"),
        ("pt", "auth", "Password changed"),
        ("pt", "auth", "Signed out"),
    ]


def test_sign_in_events_carry_the_address_but_no_password(physio):
    start = mark()
    sign_in(Client(REMOTE_ADDR="198.51.100.20"), "pt", "secret-guess-77")
    row = rows_after(start).get()
    assert row.ip_address == "198.51.100.20"
    assert "secret-guess-77" not in f"{row.what} {row.reason} {row.path}"


def test_behind_a_trusted_proxy_lockout_and_audit_use_the_real_client_address(physio, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # Both reach the app through the TLS proxy at 10.0.0.2; X-Forwarded-For holds who they are.
    # The attacker also writes a fake address of their own at the left of the header.
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.5, 203.0.113.9")
    clinic = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.44")
    start = mark()
    for _ in range(5):
        sign_in(attacker, "pt", "guess-guess-guess")
    assert set(SignInFailures.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    assert set(rows_after(start).values_list("ip_address", flat=True)) == {"203.0.113.9"}
    assert sign_in(clinic, "pt").status_code == 302  # the clinic is not locked out with them
    assert AuditEvent.objects.filter(what="Signed in: password accepted").get().ip_address == (
        "192.0.2.44"
    )


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(physio, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    spoofer = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.44")
    for _ in range(5):
        sign_in(spoofer, "pt", "guess-guess-guess")
    assert list(SignInFailures.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]
    # The address it claimed to be is not locked.
    clinic = Client(REMOTE_ADDR="192.0.2.44")
    assert sign_in(clinic, "pt").status_code == 302


def test_the_session_ends_twelve_hours_after_sign_in_however_active(client, physio, settings):
    assert settings.SESSION_ABSOLUTE_HOURS == 12  # the default
    sign_in(client, "pt")
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - 12 * 3600 - 1
    session[LAST_ACTIVITY] = int(time.time())  # active a moment ago
    session.save()
    start = mark()
    response = client.get(reverse("care_episodes:physio_home"), follow=True)
    assert response.request["PATH_INFO"] == reverse("login")
    assert "signed out 12 hours after signing in" in response.content.decode()
    assert client.get(reverse("care_episodes:physio_home")).status_code == 302
    assert trail(start) == [("pt", "auth", "Signed out (session lifetime reached)")]


def test_a_session_younger_than_the_lifetime_goes_on(client, physio, settings):
    settings.SESSION_ABSOLUTE_HOURS = 2
    sign_in(client, "pt")
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - 2 * 3600 + 60
    session.save()
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200


def test_an_idle_sign_out_is_audited_with_its_reason(client, physio, settings):
    sign_in(client, "pt")
    session = client.session
    session[LAST_ACTIVITY] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 - 1
    session.save()
    start = mark()
    client.get(reverse("care_episodes:physio_home"))
    assert trail(start) == [("pt", "auth", "Signed out (idle timeout)")]

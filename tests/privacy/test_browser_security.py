"""In Chromium: the idle warning offers "Stay signed in" and keeps the session; two-factor enrolment
from the QR code, sign-in with a code, then with a recovery code."""

import base64
import time
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django_otp.oath import TOTP

from lbp_pathway.access import Role
from lbp_pathway.middleware import LAST_ACTIVITY
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, UserFactory


def _age_server_session(page, seconds_left: int, idle_seconds: int) -> None:
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=key)
    session[LAST_ACTIVITY] = int(time.time()) - (idle_seconds - seconds_left)
    session.save()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_idle_warning_offers_to_stay_signed_in(page, settings):
    UserFactory(role=Role.PHYSIOTHERAPIST, username="pt-idle")
    page.clock.install()
    sign_in(page, "pt-idle", TEST_PASSWORD)
    page.wait_for_url("**/physio/")
    idle = settings.SESSION_IDLE_MINUTES * 60
    _age_server_session(page, seconds_left=90, idle_seconds=idle)
    page.clock.fast_forward((idle - 110) * 1000)
    warning = page.get_by_role("alertdialog")
    warning.wait_for()
    assert "signed out in about 2 minutes" in warning.inner_text()
    page.get_by_role("button", name="Stay signed in").click()
    warning.wait_for(state="detached")
    page.reload()
    assert page.get_by_role("heading", level=1).inner_text() == "My patients"
    assert page.csp_violations == []


def _code_from_qr_payload(page) -> tuple[str, str]:
    """Read the otpauth:// URI the QR code carries (the page keeps it beside the SVG) and compute
    the current code the way an authenticator app would, with django-otp's TOTP."""
    uri = page.get_by_test_id("two-factor-qr").get_attribute("data-otpauth")
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    typed = page.get_by_test_id("two-factor-secret").inner_text().replace(" ", "")
    assert typed == secret  # the key shown for typing is the same one
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    return str(totp.token()).zfill(6), secret


def _next_code(secret: str, used: str) -> str:
    """A code of a later time step than `used` (django-otp never accepts a step twice); the app
    shows it at the next step, so read it from the next step instead of waiting."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() + 30
    return str(totp.token()).zfill(6)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_enrol_from_the_qr_code_then_sign_in_with_a_code_then_with_a_recovery_code(page, settings):
    settings.TWO_FACTOR_DEFAULT_ROLES = ["Family physician"]  # as in production
    UserFactory(role=Role.FAMILY_PHYSICIAN, username="md-2fa")
    sign_in(page, "md-2fa", TEST_PASSWORD)
    page.wait_for_url("**/accounts/two-factor/enrol/**")
    qr = page.get_by_test_id("two-factor-qr").locator("svg")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 100
    code, secret = _code_from_qr_payload(page)
    page.get_by_label("Six-digit code").fill(code)
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.wait_for_url("**/accounts/two-factor/recovery-codes/**")
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url("**/physician/")

    # Sign out, sign in again: password, then a code from the app.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "md-2fa", TEST_PASSWORD)
    page.wait_for_url("**/accounts/two-factor/verify/**")
    page.get_by_label("Six-digit code").fill(_next_code(secret, code))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/physician/")
    assert page.get_by_role("heading", level=1).inner_text() == "Inbox"

    # Phone lost: a recovery code instead; it works once.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "md-2fa", TEST_PASSWORD)
    page.wait_for_url("**/accounts/two-factor/verify/**")
    page.get_by_label("Six-digit code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/physician/")
    assert page.get_by_role("heading", level=1).inner_text() == "Inbox"
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "md-2fa", TEST_PASSWORD)
    page.wait_for_url("**/accounts/two-factor/verify/**")
    page.get_by_label("Six-digit code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    assert "not right" in page.get_by_role("main").inner_text()
    assert page.csp_violations == []

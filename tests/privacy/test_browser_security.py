"""In Chromium: the idle warning offers "Stay signed in" and keeps the session; two-factor sign-in."""

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from lbp_pathway import totp
from lbp_pathway.access import Role
from lbp_pathway.middleware import LAST_ACTIVITY
from lbp_pathway.models import TwoFactorDevice
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_signing_in_with_two_factor_asks_for_the_code(page):
    user = UserFactory(role=Role.FAMILY_PHYSICIAN, username="md-2fa")
    secret = totp.new_secret()
    TwoFactorDevice.objects.create(user=user, secret=secret, confirmed_at=timezone.now())
    sign_in(page, "md-2fa", TEST_PASSWORD)
    page.wait_for_url("**/accounts/two-factor/verify/**")
    page.get_by_label("Six-digit code").fill(totp.totp(secret, time.time()))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/physician/")
    assert page.get_by_role("heading", level=1).inner_text() == "Inbox"
    assert page.csp_violations == []

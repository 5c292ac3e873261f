"""Two-factor authentication: RFC 6238 codes, enrolment, the code step after the password, and an
administrator requiring it per role."""

import time

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lbp_pathway import totp
from lbp_pathway.access import Role
from lbp_pathway.models import SignInFailures, TwoFactorDevice, TwoFactorRule
from tests.factories import TEST_PASSWORD

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"


@pytest.mark.parametrize(
    ("at", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
    ],
)
def test_codes_match_the_rfc_6238_test_vectors(at, code):
    assert totp.totp(RFC_SECRET, at, digits=8) == code


def test_a_code_matches_within_one_step_of_drift_and_only_once():
    secret = totp.new_secret()
    now = 1_700_000_000
    previous = totp.totp(secret, now - 30)
    step = totp.matching_step(secret, previous, now)
    assert step == totp.time_step(now) - 1
    assert totp.matching_step(secret, previous, now, after_step=step) is None
    assert totp.matching_step(secret, totp.totp(secret, now - 90), now) is None
    assert totp.matching_step(secret, "12345x", now) is None


def wrong_code(secret: str) -> str:
    now = time.time()
    current = {totp.totp(secret, now + drift) for drift in (-60, -30, 0, 30, 60)}
    return next(
        c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in current
    )


def sign_in(client, username="pt"):
    return client.post(reverse("login"), {"username": username, "password": TEST_PASSWORD})


@pytest.fixture
def enrolled(physio):
    secret = totp.new_secret()

    TwoFactorDevice.objects.create(user=physio, secret=secret, confirmed_at=timezone.now())
    return secret


def test_enrolment_shows_the_secret_and_turns_on_after_a_right_code(client, physio):
    client.force_login(physio)
    page = client.get(reverse("two_factor_enrol")).content.decode()
    secret = client.session["lbp_two_factor_pending_secret"]
    assert totp.grouped(secret) in page
    wrong = client.post(reverse("two_factor_enrol"), {"code": wrong_code(secret)})
    assert "does not match" in wrong.content.decode()
    assert not TwoFactorDevice.objects.exists()
    client.post(reverse("two_factor_enrol"), {"code": totp.totp(secret, time.time())})
    assert TwoFactorDevice.objects.get(user=physio).secret == secret


def test_after_the_password_an_enrolled_user_must_give_a_code(client, physio, enrolled):
    sign_in(client)
    response = client.get(reverse("care_episodes:physio_home"))
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor_verify"))
    assert client.get(reverse("audit_log")).url.startswith(reverse("two_factor_verify"))
    wrong = client.post(reverse("two_factor_verify"), {"code": wrong_code(enrolled)})
    assert "not right" in wrong.content.decode()
    code = totp.totp(enrolled, time.time())
    client.post(reverse("two_factor_verify"), {"code": code, "next": "/physio/"})
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200


def test_a_code_cannot_be_replayed_in_another_session(physio, enrolled):
    code = totp.totp(enrolled, time.time())
    first, second = Client(), Client()
    sign_in(first)
    first.post(reverse("two_factor_verify"), {"code": code})
    assert first.get(reverse("care_episodes:physio_home")).status_code == 200
    sign_in(second)
    second.post(reverse("two_factor_verify"), {"code": code})
    assert second.get(reverse("care_episodes:physio_home")).status_code == 302


def test_wrong_codes_lock_the_account_and_sign_out(client, physio, enrolled):
    sign_in(client)
    for _ in range(5):
        response = client.post(reverse("two_factor_verify"), {"code": wrong_code(enrolled)})
    assert response.status_code == 302 and response.url == reverse("login")
    assert SignInFailures.objects.get(username="pt").locked_until is not None
    assert "temporarily locked" in sign_in(client).content.decode()


def test_an_enrolled_user_cannot_skip_the_code_by_enrolling_again(client, physio, enrolled):
    sign_in(client)
    response = client.get(reverse("two_factor_enrol"))
    assert response.url.startswith(reverse("two_factor_verify"))


def test_an_administrator_requires_two_factor_for_a_role(physio, administrator, client):
    admin = Client()
    admin.force_login(administrator)
    admin.post(reverse("security_settings"), {"required_roles": [Role.PHYSIOTHERAPIST.value]})
    assert TwoFactorRule.objects.get(group=Group.objects.get(name="Physiotherapist")).required
    assert not TwoFactorRule.objects.get(group=Group.objects.get(name="Manager")).required
    sign_in(client)
    response = client.get(reverse("care_episodes:physio_home"))
    assert response.url.startswith(reverse("two_factor_enrol"))
    client.get(response.url)
    secret = client.session["lbp_two_factor_pending_secret"]
    client.post(reverse("two_factor_enrol"), {"code": totp.totp(secret, time.time())})
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200


def test_an_administrator_resets_a_lost_authenticator(physio, administrator, enrolled, client):
    client.force_login(administrator)
    page = client.get(reverse("security_settings")).content.decode()
    assert "Reset for pt" in page
    client.post(reverse("reset_two_factor", args=[physio.pk]))
    assert not TwoFactorDevice.objects.filter(user=physio).exists()


def test_users_without_two_factor_are_not_asked_for_a_code(client, physio):
    sign_in(client)
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200

"""Two-factor authentication with django-otp: enrolment from a QR code, the code step after the
password, single-use recovery codes, throttled codes, per-role rules that apply to live sessions, and
the move of the hand-written authenticators to django-otp."""

import base64
import importlib
import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent, SignInFailures, TwoFactorRule
from tests.factories import TEST_PASSWORD
from tests.foundation.test_settings import manage, production_env

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"


@pytest.fixture(autouse=True)
def no_throttle_wait(settings):
    """django-otp makes each try after a wrong code wait 1, 2, 4... seconds; tests that send a right
    code just after a wrong one turn the wait off (test_a_right_code_right_after_a_wrong_one_waits
    keeps it)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code_for(secret_base32: str, at: float | None = None, digits: int = 6) -> str:
    """What an authenticator app shows for a base32 key (RFC 6238, django-otp's own TOTP)."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    totp = TOTP(key, digits=digits)
    totp.time = time.time() if at is None else at
    return str(totp.token()).zfill(digits)


def wrong_code(secret_base32: str) -> str:
    current = {code_for(secret_base32, time.time() + drift) for drift in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in current)


def sign_in(client, username="pt"):
    return client.post(reverse("login"), {"username": username, "password": TEST_PASSWORD})


def secret_of(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@pytest.fixture
def enrolled(physio):
    """The physiotherapist has an authenticator; returns its base32 key (as the app holds it)."""
    device = TOTPDevice.objects.create(user=physio, name="Authenticator app", confirmed=True)
    return secret_of(device)


def audit_whats(username="pt") -> list[str]:
    return list(
        AuditEvent.objects.filter(username=username, action="auth")
        .order_by("id")
        .values_list("what", flat=True)
    )


# --- Enrolment -------------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_key_and_turns_on_after_a_right_code(client, physio):
    client.force_login(physio)
    page = client.get(reverse("two_factor_enrol")).content.decode()
    uri = re.search(r'data-otpauth="([^"]+)"', page).group(1).replace("&amp;", "&")
    query = parse_qs(urlparse(uri).query)
    secret = query["secret"][0]
    assert uri.startswith("otpauth://totp/LBP%20Pathway%3Apt?")
    assert query["issuer"] == ["LBP Pathway"] and query["digits"] == ["6"]
    assert "<svg" in page and "<path" in page  # the QR code is drawn in the page, no image host
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
    wrong = client.post(reverse("two_factor_enrol"), {"code": wrong_code(secret)})
    assert "does not match" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    done = client.post(reverse("two_factor_enrol"), {"code": code_for(secret)})
    assert done.url.startswith(reverse("two_factor_recovery_codes"))
    device = TOTPDevice.objects.get(user=physio, confirmed=True)
    assert secret_of(device) == secret
    assert "Two-factor authenticator enrolled" in audit_whats()


def test_recovery_codes_are_shown_once_and_not_stored_as_shown(client, physio):
    client.force_login(physio)
    client.get(reverse("two_factor_enrol"))
    secret = secret_of(TOTPDevice.objects.get(user=physio))
    client.post(reverse("two_factor_enrol"), {"code": code_for(secret)})
    page = client.get(reverse("two_factor_recovery_codes")).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>", page)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(StaticToken.objects.filter(device__user=physio).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)
    again = client.get(reverse("two_factor_recovery_codes"))
    assert again.url == reverse("two_factor_settings")  # shown only once


def test_an_enrolled_user_cannot_skip_the_code_by_enrolling_again(client, physio, enrolled):
    sign_in(client)
    response = client.get(reverse("two_factor_enrol"))
    assert response.url.startswith(reverse("two_factor_verify"))


# --- The code after the password -------------------------------------------------------------------


def test_after_the_password_an_enrolled_user_must_give_a_code(client, physio, enrolled):
    sign_in(client)
    response = client.get(reverse("care_episodes:physio_home"))
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor_verify"))
    assert client.get(reverse("audit_log")).url.startswith(reverse("two_factor_verify"))
    wrong = client.post(reverse("two_factor_verify"), {"code": wrong_code(enrolled)})
    assert "not right" in wrong.content.decode()
    client.post(reverse("two_factor_verify"), {"code": code_for(enrolled), "next": "/physio/"})
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200
    assert audit_whats() == [
        "Signed in: password accepted",
        "Two-factor code refused",
        "Signed in: two-factor code accepted",
    ]


def test_a_code_cannot_be_replayed_in_another_session(physio, enrolled):
    code = code_for(enrolled)
    first, second = Client(), Client()
    sign_in(first)
    first.post(reverse("two_factor_verify"), {"code": code})
    assert first.get(reverse("care_episodes:physio_home")).status_code == 200
    sign_in(second)
    second.post(reverse("two_factor_verify"), {"code": code})
    assert second.get(reverse("care_episodes:physio_home")).status_code == 302


def test_a_right_code_right_after_a_wrong_one_waits(client, physio, enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1  # django-otp's default: 1 s, then 2, 4, 8...
    sign_in(client)
    client.post(reverse("two_factor_verify"), {"code": wrong_code(enrolled)})
    refused = client.post(reverse("two_factor_verify"), {"code": code_for(enrolled)})
    assert "not right" in refused.content.decode()
    assert client.get(reverse("care_episodes:physio_home")).status_code == 302
    assert TOTPDevice.objects.get(user=physio).throttling_failure_count == 1


def test_wrong_codes_lock_the_account_and_sign_out(client, physio, enrolled):
    sign_in(client)
    for _ in range(5):
        response = client.post(reverse("two_factor_verify"), {"code": wrong_code(enrolled)})
    assert response.status_code == 302 and response.url == reverse("login")
    assert SignInFailures.objects.get(username="pt").locked_until is not None
    assert "temporarily locked" in sign_in(client).content.decode()
    whats = audit_whats()
    assert "Sign-in locked after 5 failures" in whats
    assert "Signed out (locked after wrong codes)" in whats


def test_a_recovery_code_signs_in_once(client, physio, enrolled):
    client.force_login(physio)
    client.post(reverse("two_factor_verify"), {"code": code_for(enrolled)})
    page = client.post(reverse("two_factor_recovery_codes")).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>", page)
    client.logout()
    sign_in(client)
    client.post(reverse("two_factor_verify"), {"code": codes[0].upper().replace("-", " ")})
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200
    assert "Signed in: recovery code used (9 left)" in audit_whats()
    other = Client()
    sign_in(other)
    refused = other.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert "not right" in refused.content.decode()
    assert StaticDevice.objects.get(user=physio).token_set.count() == 9


def test_a_code_from_an_unfinished_enrolment_does_not_sign_in(client, physio, enrolled):
    pending = TOTPDevice.objects.create(user=physio, name="New phone", confirmed=False)
    sign_in(client)
    refused = client.post(reverse("two_factor_verify"), {"code": code_for(secret_of(pending))})
    assert "not right" in refused.content.decode()
    assert client.get(reverse("care_episodes:physio_home")).status_code == 302


def test_a_malformed_code_gets_a_clear_message_and_counts_nothing(client, physio, enrolled):
    sign_in(client)
    response = client.post(reverse("two_factor_verify"), {"code": "12ab"})
    assert "six digits your app shows, or a recovery code" in response.content.decode()
    assert not SignInFailures.objects.exists()


# --- Who must use it -------------------------------------------------------------------------------

# The production default: these roles need a second factor, front desk does not.
PRODUCTION_DEFAULT = {
    Role.FRONT_DESK: False,
    Role.PHYSIOTHERAPIST: True,
    Role.FAMILY_PHYSICIAN: True,
    Role.MANAGER: True,
    Role.ADMINISTRATOR: True,
}


@pytest.fixture(scope="module")
def production_default_roles() -> list[str]:
    """settings.TWO_FACTOR_DEFAULT_ROLES as a production server (no DEMO_MODE) loads it."""
    code = "from django.conf import settings; print('|'.join(settings.TWO_FACTOR_DEFAULT_ROLES))"
    result = manage("shell", "-v", "0", "-c", code, env=production_env())
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("|")


@pytest.mark.parametrize(("role", "required"), PRODUCTION_DEFAULT.items())
def test_production_requires_two_factor_of_clinical_and_admin_roles(
    role, required, make_user, client, settings, production_default_roles
):
    settings.TWO_FACTOR_DEFAULT_ROLES = production_default_roles
    make_user(role, username="someone", is_staff=role == Role.ADMINISTRATOR)
    sign_in(client, "someone")
    response = client.get(reverse("home"), follow=True)
    assert (response.request["PATH_INFO"] == reverse("two_factor_enrol")) is required
    assert "Demo mode" not in Client().get(reverse("login")).content.decode()


def test_demo_mode_relaxes_two_factor_and_says_so_on_the_sign_in_page(client, physio, settings):
    assert settings.DEMO_MODE and settings.TWO_FACTOR_DEFAULT_ROLES == []
    page = client.get(reverse("login")).content.decode()
    assert "Demo mode: two-factor sign-in is not required" in page
    settings.TWO_FACTOR_DEFAULT_ROLES = ["Physiotherapist"]
    assert "Demo mode" not in client.get(reverse("login")).content.decode()


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
    secret = secret_of(TOTPDevice.objects.get(user=physio))
    client.post(reverse("two_factor_enrol"), {"code": code_for(secret)})
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200


def test_a_new_rule_applies_to_a_session_already_signed_in(
    physio, administrator, mailoutbox, django_capture_on_commit_callbacks
):
    clinician = Client()
    sign_in(clinician)
    assert clinician.get(reverse("care_episodes:physio_home")).status_code == 200
    other_admin = administrator.__class__.objects.get(pk=administrator.pk)
    other_admin.email = "other-admin@example.org"
    other_admin.save()
    acting = type(administrator).objects.create(username="adm2", is_staff=True)
    acting.groups.add(Group.objects.get(name="Administrator"))
    admin = Client()
    admin.force_login(acting)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("security_settings"), {"required_roles": [Role.PHYSIOTHERAPIST.value]})
    response = clinician.get(reverse("care_episodes:physio_home"))
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor_enrol"))
    rule_rows = AuditEvent.objects.filter(action="account", username="adm2")
    assert [row.what for row in rule_rows] == ["Two-factor rules: Physiotherapist required"]
    assert [m.to for m in mailoutbox] == [["other-admin@example.org"]]
    assert "Physiotherapist required" in mailoutbox[0].body


def test_an_administrator_resets_a_lost_authenticator(
    physio, administrator, enrolled, client, django_capture_on_commit_callbacks
):
    clinician = Client()
    clinician.force_login(physio)
    clinician.post(reverse("two_factor_verify"), {"code": code_for(enrolled)})
    assert clinician.get(reverse("care_episodes:physio_home")).status_code == 200
    client.force_login(administrator)
    page = client.get(reverse("security_settings")).content.decode()
    assert "Reset for pt" in page
    assert enrolled not in page and TOTPDevice.objects.get().key not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reset_two_factor", args=[physio.pk]))
    assert not TOTPDevice.objects.filter(user=physio).exists()
    assert not StaticDevice.objects.filter(user=physio).exists()
    assert "Two-factor removed for pt" in audit_whats("adm")
    # The session that gave a code from the removed device is no longer verified.
    TwoFactorRule.objects.update_or_create(
        group=Group.objects.get(name="Physiotherapist"), defaults={"required": True}
    )
    response = clinician.get(reverse("care_episodes:physio_home"))
    assert response.url.startswith(reverse("two_factor_enrol"))


def test_users_without_two_factor_are_not_asked_for_a_code(client, physio):
    sign_in(client)
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200


# --- The move from the hand-written TOTP -----------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "code"),
    [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924")],
)
def test_moved_keys_give_the_rfc_6238_codes(at, code):
    """Migration 0006 turns the old base32 secrets into django-otp's hex keys: the RFC 6238 test
    key must still give the RFC's codes."""
    migration = importlib.import_module("lbp_pathway.migrations.0009_two_factor_to_django_otp")
    totp = TOTP(bytes.fromhex(migration._hex_key(RFC_SECRET)), digits=8)
    totp.time = at
    assert str(totp.token()).zfill(8) == code


def test_a_verified_session_costs_no_query_per_page(physio, enrolled, make_user):
    """The two-factor gate re-checks only when a rule, role or device changed: a page costs the same
    queries with a verified second factor as without two-factor at all."""
    verified, plain = Client(), Client()
    sign_in(verified)
    verified.post(reverse("two_factor_verify"), {"code": code_for(enrolled)})
    make_user(Role.PHYSIOTHERAPIST, username="pt-plain")
    sign_in(plain, "pt-plain")
    counts = []
    for client in (verified, plain):
        client.get(reverse("care_episodes:physio_home"))  # settle the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("care_episodes:physio_home")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]

"""Hostile input at the sign-in, password-change and audit search forms: never a server error, never a
change to stored data."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lbp_pathway.models import AuditEvent
from tests.factories import TEST_PASSWORD

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=5000),
    st.sampled_from(
        [
            "\x00",
            "pt\x00",
            "' OR '1'='1' --",
            "'; DROP TABLE auth_user; --",
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "{{ settings.SECRET_KEY }}",
            "%s%s%s%n",
            "../../../../etc/passwd",
            "\u202e\u0000\ufeff",
            "😀" * 200,
            "9" * 40,
            "-1",
            "2026-02-30",
        ]
    ),
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _snapshot(user) -> tuple:
    user.refresh_from_db()
    return (user.username, user.password, user.email, user.is_active, user.last_login)


@pytest.mark.django_db
@FUZZ
@given(username=HOSTILE, password=HOSTILE)
def test_hostile_sign_in_input_never_breaks_the_page_or_signs_anyone_in(physio, username, password):
    client = Client(raise_request_exception=False)
    before = _snapshot(physio)
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert _snapshot(physio) == before


@pytest.mark.django_db
@FUZZ
@given(old=HOSTILE, new1=HOSTILE, new2=HOSTILE)
def test_hostile_password_change_input_never_breaks_the_page_or_the_password(
    physio, old, new1, new2
):
    client = Client(raise_request_exception=False)
    client.force_login(physio)
    before = _snapshot(physio)
    response = client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new1, "new_password2": new2},
    )
    assert response.status_code == 200
    assert _snapshot(physio) == before
    assert physio.check_password(TEST_PASSWORD)


@pytest.mark.django_db
@FUZZ
@given(
    patient_id=HOSTILE,
    username=HOSTILE,
    action=HOSTILE,
    date_from=HOSTILE,
    date_to=HOSTILE,
    page=HOSTILE,
)
def test_hostile_audit_searches_never_break_the_page_or_the_log(
    administrator, patient_id, username, action, date_from, date_to, page
):
    client = Client(raise_request_exception=False)
    client.force_login(administrator)
    before = AuditEvent.objects.count()
    query = {
        "patient_id": patient_id,
        "username": username,
        "action": action,
        "date_from": date_from,
        "date_to": date_to,
        "page": page,
    }
    response = client.get(reverse("audit_log"), query)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert AuditEvent.objects.count() == before

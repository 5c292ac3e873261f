import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse

from lbp_pathway.access import Role, roles_of


@pytest.mark.django_db
def test_seed_demo_creates_one_account_per_role_and_is_idempotent(monkeypatch, settings):
    settings.DEMO_MODE = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-phrase-1")
    call_command("seed_demo", "--patients", "3")
    # Apps may add staff without a password (other physios on the schedules); none can sign in.
    first = {u.username: roles_of(u) for u in User.objects.all() if u.has_usable_password()}
    users = User.objects.count()
    call_command("seed_demo", "--patients", "3")
    assert User.objects.count() == users
    assert len(first) == 7
    assert {name: roles for name, roles in first.items()} == {
        "frontdesk": [Role.FRONT_DESK],
        "physio": [Role.PHYSIOTHERAPIST],
        "physician": [Role.FAMILY_PHYSICIAN],
        "np": [Role.NURSE_PRACTITIONER],
        "lead": [Role.PRACTICE_LEAD],
        "manager": [Role.MANAGER],
        "admin": [Role.ADMINISTRATOR],
    }
    assert User.objects.get(username="physio").check_password("demo-pass-phrase-1")
    assert list(User.objects.filter(is_staff=True).values_list("username", flat=True)) == ["admin"]


@pytest.mark.django_db
def test_seed_demo_needs_a_password(monkeypatch, settings):
    settings.DEMO_MODE = True
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        call_command("seed_demo", "--patients", "0")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_each_seed_sets_the_printed_password_and_lifts_a_lockout(client, monkeypatch, settings):
    """Issue 21: a later start with another DEMO_PASSWORD makes that one work, even for an account
    locked by wrong tries with the old one; the old password stops working."""
    settings.DEMO_MODE = True
    monkeypatch.setenv("DEMO_PASSWORD", "journey-pass-1-long")
    call_command("seed_demo", "--patients", "0")
    for _ in range(5):
        client.post(reverse("login"), {"username": "physio", "password": "ext-pass-12345"})
    locked = client.post(
        reverse("login"), {"username": "physio", "password": "journey-pass-1-long"}
    )
    assert "temporarily locked" in locked.content.decode()

    monkeypatch.setenv("DEMO_PASSWORD", "ext-pass-12345")
    call_command("seed_demo", "--patients", "0")
    old = client.post(reverse("login"), {"username": "physio", "password": "journey-pass-1-long"})
    assert old.status_code == 200 and "_auth_user_id" not in client.session
    new = client.post(reverse("login"), {"username": "physio", "password": "ext-pass-12345"})
    assert new.status_code == 302 and client.get(new.url).status_code in (200, 302)
    assert client.session.get("_auth_user_id")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("182736459182", "This password is entirely numeric."),
        ("priya-tremblay", "too similar"),
    ],
)
def test_a_weak_demo_password_is_refused_and_changes_nothing(
    password, message, monkeypatch, settings
):
    settings.DEMO_MODE = True
    monkeypatch.setenv("DEMO_PASSWORD", "journey-pass-1-long")
    call_command("seed_demo", "--patients", "0")
    monkeypatch.setenv("DEMO_PASSWORD", password)
    with pytest.raises(CommandError, match="DEMO_PASSWORD is refused") as refusal:
        call_command("seed_demo", "--patients", "0")
    assert message in str(refusal.value)
    with pytest.raises(CommandError, match=message):
        call_command("check_demo_password")
    assert User.objects.get(username="physio").check_password("journey-pass-1-long")


def test_outside_demo_mode_seed_demo_touches_no_account(monkeypatch, settings):
    settings.DEMO_MODE = False
    monkeypatch.setenv("DEMO_PASSWORD", "journey-pass-1-long")
    with pytest.raises(CommandError, match="demo mode"):
        call_command("seed_demo", "--patients", "0")

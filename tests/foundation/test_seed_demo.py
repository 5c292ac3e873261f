import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

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
    assert len(first) == 5
    assert {name: roles for name, roles in first.items()} == {
        "frontdesk": [Role.FRONT_DESK],
        "physio": [Role.PHYSIOTHERAPIST],
        "physician": [Role.FAMILY_PHYSICIAN],
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

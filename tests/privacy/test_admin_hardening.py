"""Django's admin, hardened (issue 14): no one grants themselves a role, superuser or staff status;
superusers come only from `createsuperuser`; role changes and passwords set there are audited and
emailed to the other administrators; the admin shows no clinical content."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent
from tests.factories import UserFactory


def change_url(user: User) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def group_ids(*roles: Role) -> list[str]:
    return [str(Group.objects.get_or_create(name=role.value)[0].pk) for role in roles]


def change_form(user: User, **fields) -> dict:
    """What the admin's user change form posts (ticked boxes are "on", absent ones are off)."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
        "_save": "Save",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def admin_client(administrator):
    client = Client()
    client.force_login(administrator)
    return client


@pytest.fixture
def other_administrator(db):
    return UserFactory(role=Role.ADMINISTRATOR, username="adm-other", is_staff=True)


def test_an_administrator_cannot_make_themselves_superuser_or_add_a_clinical_role(
    administrator, admin_client
):
    # The exact request of the issue: tick is_superuser and add the Physiotherapist group on one's
    # own account.
    response = admin_client.post(
        change_url(administrator),
        change_form(
            administrator,
            is_active="on",
            is_staff="on",
            is_superuser="on",
            groups=group_ids(Role.ADMINISTRATOR, Role.PHYSIOTHERAPIST),
        ),
    )
    assert response.status_code == 302  # saved, without the read-only fields
    administrator.refresh_from_db()
    assert not administrator.is_superuser
    assert set(administrator.groups.values_list("name", flat=True)) == {"Administrator"}
    assert not AuditEvent.objects.filter(action="account").exists()  # nothing changed


def test_on_their_own_account_roles_and_flags_are_read_only(administrator, admin_client):
    page = admin_client.get(change_url(administrator)).content.decode()
    for field in ("is_superuser", "is_staff", "is_active", "groups", "user_permissions"):
        assert f'name="{field}"' not in page, field


def test_no_one_grants_superuser_in_the_admin_not_even_a_superuser(admin_client, front_desk):
    boss = UserFactory(role=Role.ADMINISTRATOR, username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(boss)
    response = client.post(
        change_url(front_desk),
        change_form(
            front_desk, is_active="on", is_superuser="on", groups=group_ids(Role.FRONT_DESK)
        ),
    )
    assert response.status_code == 302  # saved, without the superuser box
    front_desk.refresh_from_db()
    assert not front_desk.is_superuser


def test_superusers_are_made_on_the_command_line(db):
    call_command("createsuperuser", interactive=False, username="ops", email="ops@example.org")
    assert User.objects.get(username="ops").is_superuser


def test_an_administrator_cannot_take_over_a_superuser(admin_client):
    boss = UserFactory(username="root", is_staff=True, is_superuser=True)
    takeover = admin_client.post(
        change_url(boss), change_form(boss, email="attacker@example.org", is_active="on")
    )
    assert takeover.status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[boss.pk])
    response = admin_client.post(
        password_url, {"password1": "N3w-pass-phrase!", "password2": "N3w-pass-phrase!"}
    )
    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.email == "root@example.org" and not boss.check_password("N3w-pass-phrase!")


def test_the_roles_themselves_are_read_only(admin_client):
    group = Group.objects.get(name="Physiotherapist")
    response = admin_client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "Anything", "permissions": []}
    )
    assert response.status_code == 403
    assert Group.objects.filter(name="Physiotherapist").exists()


def test_a_role_change_is_audited_and_emailed_to_the_other_administrators(
    administrator,
    admin_client,
    other_administrator,
    front_desk,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            change_url(front_desk),
            change_form(
                front_desk,
                is_active="on",
                is_staff="on",
                groups=group_ids(Role.PHYSIOTHERAPIST),
            ),
        )
    assert response.status_code == 302
    row = AuditEvent.objects.get(action="account")
    assert row.username == "adm"
    assert row.what == (
        "Access of fd: role Physiotherapist added; role Front desk removed; staff on"
    )
    assert [message.to for message in mailoutbox] == [["adm-other@example.org"]]
    assert "role Physiotherapist added" in mailoutbox[0].body
    home = admin_client.get(reverse("administration_home")).content.decode()
    assert "role Physiotherapist added" in home


def test_a_password_set_by_an_administrator_is_audited(admin_client, front_desk):
    password_url = reverse("admin:auth_user_password_change", args=[front_desk.pk])
    response = admin_client.post(
        password_url,
        {
            "password1": "N3w-pass-phrase!",
            "password2": "N3w-pass-phrase!",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    front_desk.refresh_from_db()
    assert front_desk.check_password("N3w-pass-phrase!")
    assert AuditEvent.objects.get(action="account").what == "Password set for fd"


# Models that may appear in Django's admin: accounts and clinic configuration, no patient data,
# no notifications or reminders (they name patients), no authenticator keys.
ALLOWED_IN_ADMIN = {
    "auth.user",
    "auth.group",
    "intake.site",
    "intake.appointmenttype",
    "intake.weeklyavailability",
    "intake.availabilityexception",
    "referrals.destination",
    "referrals.postalcode",
    "care_episodes.exercise",
    # The FHIR API's partner clients (their PartnerClient inline): credentials, no clinical content.
    "oauth2_provider.application",
    # Issue 17: the clinicians who refer, and where partner systems hear a note is ready (ids only).
    "intake.referrer",
    "care_episodes.partnerendpoint",
}


def test_the_admin_registers_no_clinical_content():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == ALLOWED_IN_ADMIN


def test_notifications_are_not_in_the_admin(admin_client):
    assert admin_client.get("/admin/reminders/notification/").status_code == 404
    assert admin_client.get("/admin/otp_totp/totpdevice/").status_code == 404

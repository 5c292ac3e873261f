import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from lbp_pathway.access import HOME, NAVIGATION, Role
from tests.factories import TEST_PASSWORD

# Every test here uses the database, some through request.getfixturevalue, which pytest-django cannot
# see when it orders the tests: without the mark such a test can run after a transactional one has
# emptied the tables (the clinic's appointment types gone, the front desk home failing).
pytestmark = pytest.mark.django_db

ROLE_FIXTURES = {
    Role.FRONT_DESK: "front_desk",
    Role.PHYSIOTHERAPIST: "physio",
    Role.FAMILY_PHYSICIAN: "physician",
    Role.MANAGER: "manager",
    Role.ADMINISTRATOR: "administrator",
    Role.NURSE_PRACTITIONER: "nurse_practitioner",
    Role.PRACTICE_LEAD: "practice_lead",
}


@pytest.mark.django_db
def test_the_five_roles_exist_as_groups_after_migrating():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


@pytest.mark.django_db
def test_administrator_group_can_manage_users_but_holds_no_clinical_permission():
    codenames = set(
        Group.objects.get(name="Administrator").permissions.values_list("codename", flat=True)
    )
    assert {"add_user", "change_user", "view_user", "change_group"} <= codenames
    assert all(code.endswith(("_user", "_group")) for code in codenames)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_own_home_page(role, request, client_for):
    client = client_for(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(HOME[role])
    assert client.get(response.url).status_code == 200


# Homes two roles share on purpose (issue 18): the nurse practitioner works from the family physician's
# inbox, and the practice lead reads the manager's dashboard beside the case reviews.
SHARED_HOMES = {
    (Role.NURSE_PRACTITIONER, Role.FAMILY_PHYSICIAN),
    (Role.FAMILY_PHYSICIAN, Role.NURSE_PRACTITIONER),
    (Role.PRACTICE_LEAD, Role.MANAGER),
}


@pytest.mark.parametrize(
    ("role", "other"),
    [
        (role, other)
        for role in Role
        for other in Role
        if role != other and (role, other) not in SHARED_HOMES
    ],
)
def test_a_role_is_refused_on_another_roles_home_page(role, other, request, client_for):
    client = client_for(request.getfixturevalue(ROLE_FIXTURES[role]))
    assert client.get(reverse(HOME[other])).status_code == 403


@pytest.mark.parametrize(("role", "other"), sorted(SHARED_HOMES))
def test_the_shared_homes_open_for_both_roles(role, other, request, client_for):
    client = client_for(request.getfixturevalue(ROLE_FIXTURES[role]))
    assert client.get(reverse(HOME[other])).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_anonymous_visitors_are_sent_to_the_login_page(role, client):
    response = client.get(reverse(HOME[role]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "url_name", sorted({url_name for items in NAVIGATION.values() for _, url_name in items})
)
def test_every_navigation_entry_names_a_page_that_exists(url_name):
    # The menu leaves out an entry whose URL name does not resolve: a typo would hide a page silently.
    reverse(url_name)


@pytest.mark.parametrize("role", list(Role))
def test_navigation_shows_only_the_roles_own_links(role, request, client_for):
    client = client_for(request.getfixturevalue(ROLE_FIXTURES[role]))
    html = client.get(reverse(HOME[role])).content.decode()
    for other, items in NAVIGATION.items():
        for _label, url_name in items:
            link = f'href="{reverse(url_name)}"'
            if other == role:
                assert link in html
            elif url_name not in {name for _, name in NAVIGATION[role]}:
                # Compared by URL name: two roles may label one page differently ("Day sheet(s)").
                assert link not in html


def test_signed_in_user_without_role_is_told_so(make_user, client_for):
    response = client_for(make_user(None, username="norole")).get(reverse("home"))
    assert response.status_code == 403
    assert b"has no role yet" in response.content


def test_password_change_works_and_keeps_the_user_signed_in(physio, client):
    client.force_login(physio)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-much-longer-pass-phrase-7",
            "new_password2": "a-much-longer-pass-phrase-7",
        },
    )
    assert response.status_code == 302
    physio.refresh_from_db()
    assert physio.check_password("a-much-longer-pass-phrase-7")


def test_password_change_refuses_a_short_password_and_changes_nothing(physio, client):
    client.force_login(physio)
    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    physio.refresh_from_db()
    assert physio.check_password(TEST_PASSWORD)

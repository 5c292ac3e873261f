import pytest

from lbp_pathway.access import Role
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, UserFactory

HOME_HEADINGS = {
    Role.FRONT_DESK: ("Front desk", "/frontdesk/"),
    Role.PHYSIOTHERAPIST: ("My patients", "/physio/"),
    Role.FAMILY_PHYSICIAN: ("Inbox", "/physician/"),
    Role.MANAGER: ("Dashboard", "/manager/"),
    Role.ADMINISTRATOR: ("Administration", "/administration/"),
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_role_signs_in_and_reaches_its_home_page(page):
    for role, (heading, path) in HOME_HEADINGS.items():
        user = UserFactory(role=role, username=role.name.lower())
        sign_in(page, user.username, TEST_PASSWORD)
        page.wait_for_url(f"**{path}")
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert role.value in page.get_by_test_id("signed-in-as").inner_text()
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/accounts/login/")
    assert page.csp_violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_wrong_password_shows_a_clear_message(page):
    UserFactory(role=Role.PHYSIOTHERAPIST, username="pt1")
    sign_in(page, "pt1", "not-the-password")
    assert "correct username and password" in page.get_by_role("alert").inner_text()

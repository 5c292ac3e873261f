"""Journey: the front desk registers a caller and books them with a physio at another site; the physio
signs in and finds the visit on their day sheet."""

import pytest
from django.urls import reverse

from lbp_pathway.access import Role
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, UserFactory
from tests.intake.conftest import Clinic


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_front_desk_registers_and_books_a_caller_and_the_physio_sees_it_on_the_day_sheet(page):
    clinic = Clinic()  # the physio works downtown on Mondays and at Portsmouth on Tuesdays
    UserFactory(role=Role.FRONT_DESK, username="desk", first_name="Dana", last_name="Okafor")
    UserFactory(role=Role.FAMILY_PHYSICIAN, username="md", first_name="Marc", last_name="Gagnon")

    sign_in(page, "desk", TEST_PASSWORD)
    page.wait_for_url("**/frontdesk/")
    page.get_by_label("Find a patient").fill("Bélanger")
    page.get_by_role("button", name="Search").click()
    page.get_by_text("No patient matches").wait_for()
    page.get_by_role("link", name="Register a new patient").first.click()

    page.get_by_label("First name").fill("Élise")
    page.get_by_label("Last name").fill("Bélanger")
    page.get_by_label("Date of birth").fill("1968-03-21")
    page.get_by_label("Ontario health card number").fill("1234 567 897")
    page.get_by_label("Phone").fill("613-555-0142")
    page.get_by_label("Postal code").fill("k7l 3n6")
    page.get_by_label("Family physician").select_option(label="Marc Gagnon")
    page.get_by_role("button", name="Register").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Élise Bélanger"
    assert "K7L 3N6" in page.content()

    # The link leads to the phone screen (triage, which has its own browser test) for this patient;
    # a caller who passes it is sent to slot search, so this journey goes straight there.
    link = page.get_by_role("link", name="Phone screen and book").get_attribute("href")
    assert link.startswith(reverse("triage:phone_screen") + "?patient=")
    page.goto(link.replace(reverse("triage:phone_screen"), reverse("intake:slot_search")))
    page.wait_for_url("**/frontdesk/book/**")
    page.get_by_label("Site").select_option(label="Portsmouth")
    page.get_by_role("button", name="Filter").click()
    first_slot = page.get_by_test_id("slot").first
    assert "Portsmouth" in first_slot.inner_text()
    first_slot.click()
    when = page.get_by_test_id("confirm-when").inner_text()
    assert when.startswith("Tuesday") and "13:00" in when
    page.get_by_role("button", name="Confirm booking").click()
    assert "Booked: New LBP assessment on Tuesday" in page.get_by_role("status").first.inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")

    sign_in(page, "physio1", TEST_PASSWORD)
    page.wait_for_url("**/physio/")
    page.get_by_role("link", name="Day sheet").click()
    page.get_by_label("Day").fill(clinic.tuesday.isoformat())
    page.get_by_role("button", name="Show").click()
    row = page.get_by_test_id("day-sheet-row")
    assert row.count() == 1
    assert "Élise Bélanger" in row.inner_text() and "13:00" in row.inner_text()
    assert page.get_by_role("heading", name="Portsmouth").is_visible()
    assert page.csp_violations == []

"""Keyboard only (WCAG 2.1.1): the front desk registers a new caller and books their first visit, and a
patient books from a booking link, with Tab, Shift+Tab, Enter, Space, arrow keys and typing; the mouse
is never used (no click, no fill: every control is reached by Tab from the top of the page)."""

import pytest

from intake.models import Appointment, Patient
from lbp_pathway.access import Role
from lbp_pathway.audit import SYSTEM
from patients import booking
from tests.factories import TEST_PASSWORD, PatientFactory, UserFactory
from tests.intake.conftest import Clinic
from tests.patients.test_self_booking import place_clinic

# The focused element's accessible name as a user hears it: its label, aria-label or text.
FOCUSED_NAME = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  return (label || el.getAttribute("aria-label") || el.innerText || el.value || "").trim();
}"""
MAX_TABS = 120


def tab_to(page, name: str, *, exact: bool = False) -> None:
    """Press Tab until the focused element is named `name` (its start, unless exact); fail if it
    cannot be reached by keyboard."""
    names = [page.evaluate(FOCUSED_NAME)]
    if names[0] == name if exact else names[0].startswith(name):
        return  # already there (a field with autofocus)
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_NAME)
        names.append(focused)
        if focused == name if exact else focused.startswith(name):
            return
    pytest.fail(f"{name!r} cannot be reached with Tab; focus went through: {names}")


def enter_text(page, label: str, text: str) -> None:
    tab_to(page, label)
    page.keyboard.type(text)


def start_at_top(page, path: str) -> None:
    """Open the page; unless a field has autofocus, the first Tab reaches the skip link."""
    page.goto(path)
    if page.evaluate(FOCUSED_NAME) == "":
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED_NAME) == "Skip to main content"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_front_desk_registers_and_books_a_new_caller_with_the_keyboard_only(page):
    Clinic()  # a physio at Sydenham Street on Mondays and at Portsmouth on Tuesdays
    UserFactory(role=Role.FRONT_DESK, username="desk", first_name="Dana", last_name="Okafor")
    UserFactory(role=Role.FAMILY_PHYSICIAN, username="md", first_name="Marc", last_name="Gagnon")

    page.goto("/accounts/login/")
    enter_text(page, "Username", "desk")
    enter_text(page, "Password", TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/frontdesk/")

    start_at_top(page, "/frontdesk/patients/")
    enter_text(page, "Search patients", "Bélanger")
    page.keyboard.press("Enter")
    page.get_by_text("No patient matches").wait_for()
    tab_to(page, "Register a new patient")
    page.keyboard.press("Enter")
    page.wait_for_url("**/frontdesk/patients/new/**")

    enter_text(page, "First name", "Élise")
    enter_text(page, "Last name", "Bélanger")
    tab_to(page, "Date of birth")
    page.keyboard.type("03211968")  # the date field's month, day and year, as typed in en-US
    enter_text(page, "Ontario health card number", "1234 567 897")
    enter_text(page, "Phone", "613-555-0142")
    enter_text(page, "Postal code", "k7l 3n6")
    tab_to(page, "Family physician")
    page.keyboard.type("Marc")  # a closed select picks the option typed
    tab_to(page, "Register", exact=True)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Élise Bélanger", level=1).wait_for()
    patient = Patient.objects.get(last_name="Bélanger")
    assert patient.date_of_birth.isoformat() == "1968-03-21"
    assert patient.family_physician.username == "md"

    start_at_top(page, page.url)
    tab_to(page, "Phone screen and book")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Phone screen", level=1).wait_for()
    tab_to(page, "Yes", exact=True)
    page.keyboard.press("Space")
    tab_to(page, "Continue", exact=True)
    page.keyboard.press("Enter")
    page.wait_for_url("**/frontdesk/book/**")

    tab_to(page, "Site")
    page.keyboard.type("Portsmouth")
    tab_to(page, "Filter", exact=True)
    page.keyboard.press("Enter")
    page.get_by_test_id("slot").first.wait_for()
    start_at_top(page, page.url)
    tab_to(page, page.get_by_test_id("slot").first.inner_text().strip())
    page.keyboard.press("Enter")
    when = page.get_by_test_id("confirm-when").inner_text()
    assert when.startswith("Tuesday") and "13:00" in when
    tab_to(page, "Confirm booking", exact=True)
    page.keyboard.press("Enter")
    assert "Booked: New LBP assessment on Tuesday" in page.get_by_role("status").first.inner_text()
    booked = Appointment.objects.get(patient=patient)
    assert booked.site.name == "Portsmouth" and booked.status == "booked"
    assert page.csp_violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_patient_books_from_a_booking_link_with_the_keyboard_only(page):
    clinic = place_clinic()
    patient = PatientFactory(
        first_name="Élise",
        last_name="Bélanger-Test",
        postal_code="K7M 4Z4",
        email="elise@example.org",
        consent_email_reminders=True,
    )
    _link, token = booking.issue_booking_link(
        patient=patient, actor=SYSTEM, url_for=lambda t: f"https://clinic.example/p/book/{t}/"
    )

    page.goto(f"/p/book/{token}/")
    first_slot = page.get_by_test_id("site-slots").first.get_by_test_id("slot").first
    slot_name = first_slot.inner_text().strip()
    tab_to(page, slot_name)
    page.keyboard.press("Enter")
    page.get_by_test_id("booking-confirmed").wait_for()
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.site == clinic.west and appointment.status == "booked"
    assert page.csp_violations == []

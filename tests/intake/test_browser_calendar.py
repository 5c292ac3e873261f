"""The front desk's week calendar in Chromium: a new patient booked from a free slot in at most five
clicks, a two-click move, arrival and no-show from the grid, a racing booking that gets the 409
message and makes no second booking, and no horizontal page scroll at 1366 and 390 px."""

import pytest

from intake import services
from intake.models import Appointment, Patient
from lbp_pathway.access import Role
from lbp_pathway.audit import SYSTEM
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, PatientFactory, UserFactory
from tests.intake.conftest import Clinic
from tests.intake.factories import at, follow_up, new_assessment

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Clicks:
    """Clicks the test makes, counted (typing is not a click)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, locator) -> None:
        locator.click()
        self.count += 1


def _desk(page) -> Clinic:
    clinic = (
        Clinic()
    )  # the physio works downtown on Mondays 9-12 and at Portsmouth on Tuesdays 13-17
    UserFactory(role=Role.FRONT_DESK, username="desk", first_name="Dana", last_name="Okafor")
    sign_in(page, "desk", TEST_PASSWORD)
    page.wait_for_url("**/frontdesk/")
    return clinic


def _book(clinic, patient, start, site=None, kind=None):
    return services.book_appointment(
        patient=patient,
        practitioner=clinic.physio,
        site=site or clinic.downtown,
        start=start,
        appointment_type=kind or new_assessment(),
        actor=SYSTEM,
    )


def _slot(page, start):
    return page.locator(f'[data-testid=free-slot][data-start="{start.isoformat()}"]')


def test_a_new_patient_is_booked_from_the_calendar_in_at_most_five_clicks(page):
    clinic = _desk(page)
    click = Clicks()
    # The clinic's Monday is in the week after this one.
    click(page.get_by_test_id("next-week"))
    page.wait_for_url("**/frontdesk/?*week=*")
    click(_slot(page, at(clinic.tuesday, 14)))
    page.get_by_label("First name").fill("Élise")
    page.get_by_label("Last name").fill("Bélanger")
    page.get_by_label("Date of birth").fill("1968-03-21")
    page.get_by_label("Phone").fill("613-555-0142")
    click(page.get_by_role("button", name="Register and book"))

    assert click.count <= 5, f"{click.count} clicks"
    assert page.get_by_role("heading", level=1).inner_text() == "Élise Bélanger"
    assert "Booked: New LBP assessment on Tuesday" in page.get_by_role("status").first.inner_text()
    main = page.get_by_test_id("upcoming-booking")
    assert "Booked: New LBP assessment" in main.inner_text()
    assert page.get_by_role("link", name="Phone screen and book").count() == 0
    appointment = Appointment.objects.get(patient=Patient.objects.get(last_name="Bélanger"))
    assert (appointment.start, appointment.site) == (at(clinic.tuesday, 14), clinic.west)
    assert page.csp_violations == []


def test_a_booking_moves_in_two_clicks_and_arrival_and_no_show_are_marked_from_the_grid(page):
    clinic = _desk(page)
    moving = _book(
        clinic, PatientFactory(first_name="Hélène", last_name="Côté"), at(clinic.monday, 9)
    )
    arriving = _book(
        clinic,
        PatientFactory(first_name="Amir", last_name="Haddad"),
        at(clinic.monday, 10),
        kind=follow_up(),
    )
    missing = _book(
        clinic,
        PatientFactory(first_name="Lucie", last_name="Roy"),
        at(clinic.monday, 11),
        kind=follow_up(),
    )
    page.goto(f"/frontdesk/?week={clinic.monday.isoformat()}")

    click = Clicks()
    click(page.get_by_role("link", name="Move Hélène Côté 09:00"))
    assert "Moving Hélène Côté" in page.get_by_test_id("moving").inner_text()
    click(_slot(page, at(clinic.tuesday, 15)))
    assert click.count == 2
    assert "Moved: Hélène Côté to Tuesday" in page.get_by_role("status").first.inner_text()
    moving.refresh_from_db()
    assert moving.status == Appointment.Status.CANCELLED
    assert Appointment.objects.get(rescheduled_from=moving).start == at(clinic.tuesday, 15)

    page.get_by_role("button", name="Arrived: Amir Haddad 10:00").click()
    assert "Amir Haddad: arrived" in page.get_by_role("status").first.inner_text()
    page.get_by_role("button", name="No-show: Lucie Roy 11:00").click()
    assert "Lucie Roy: no-show" in page.get_by_role("status").first.inner_text()
    arriving.refresh_from_db()
    missing.refresh_from_db()
    assert (arriving.status, missing.status) == ("arrived", "no_show")
    # Still on the same week's calendar after each action.
    assert f"week={clinic.monday.isoformat()}" in page.url
    assert page.csp_violations == []


def test_a_racing_booking_gets_the_409_message_and_no_second_booking_is_made(page):
    clinic = _desk(page)
    patient = PatientFactory(first_name="Hélène", last_name="Côté")
    page.goto(f"/frontdesk/?week={clinic.monday.isoformat()}")
    _slot(page, at(clinic.monday, 9)).click()
    page.get_by_label("Find the patient").fill("Côté")
    page.get_by_role("button", name="Find").click()
    # Another desk books the same caller into this very slot a moment before this desk clicks.
    _book(clinic, patient, at(clinic.monday, 9))
    page.get_by_role("button", name="Book Hélène Côté").click()
    warning = page.get_by_test_id("second-assessment")
    assert "already has a new assessment booked" in warning.inner_text()
    assert (
        warning.get_by_test_id("existing-booking")
        .get_attribute("href")
        .endswith(f"#appointment-{Appointment.objects.get(patient=patient).pk}")
    )
    # Without a reason the server refuses again: still one booking.
    page.get_by_role("button", name="Book a second new assessment").click()
    page.get_by_test_id("second-assessment").wait_for()
    assert Appointment.objects.filter(patient=patient).count() == 1

    # Another patient whose slot is taken meanwhile: the 409 message, nothing booked for them.
    other = PatientFactory(first_name="Amir", last_name="Haddad")
    page.goto(f"/frontdesk/?week={clinic.monday.isoformat()}&patient={other.pk}")
    _slot(page, at(clinic.tuesday, 13)).click()
    _book(clinic, PatientFactory(), at(clinic.tuesday, 13), site=clinic.west)
    page.get_by_role("button", name="Book Amir Haddad").click()
    assert "has just been booked by someone else" in page.get_by_test_id("slot-taken").inner_text()
    assert not Appointment.objects.filter(patient=other).exists()
    assert page.csp_violations == []


def test_the_calendar_is_keyboard_reachable(page):
    clinic = _desk(page)
    page.goto(f"/frontdesk/?week={clinic.monday.isoformat()}&practitioner={clinic.physio.pk}")
    first = _slot(page, at(clinic.monday, 9))
    first.focus()
    page.keyboard.press("ArrowDown")
    assert (
        page.evaluate("document.activeElement.dataset.start")
        == at(clinic.monday, 9, 30).isoformat()
    )
    page.keyboard.press("ArrowRight")
    assert (
        page.evaluate("document.activeElement.dataset.start") == at(clinic.tuesday, 13).isoformat()
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**/calendar/book/**")
    assert "13:00" in page.get_by_test_id("book-when").inner_text()


@pytest.mark.parametrize("width", [1366, 390])
def test_no_horizontal_page_scroll_at_desktop_and_phone_widths(page, width):
    clinic = _desk(page)
    for hour in (9, 10, 11):
        _book(
            clinic,
            PatientFactory(last_name="Longfamilyname-Withhyphen"),
            at(clinic.monday, hour),
            kind=follow_up(),
        )
    page.set_viewport_size({"width": width, "height": 900})
    for url in (
        f"/frontdesk/?week={clinic.monday.isoformat()}",
        f"/frontdesk/?week={clinic.monday.isoformat()}&move={Appointment.objects.first().pk}",
    ):
        page.goto(url)
        sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert sizes[0] <= sizes[1], f"{url} at {width}px: {sizes}"
    page.screenshot(path=f"/tmp/h18cal-home-{width}.png", full_page=True)
    page.goto(f"/frontdesk/?week={clinic.monday.isoformat()}")
    _slot(page, at(clinic.tuesday, 13)).click()
    page.wait_for_url("**/calendar/book/**")
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"booking page at {width}px: {sizes}"
    assert page.csp_violations == []

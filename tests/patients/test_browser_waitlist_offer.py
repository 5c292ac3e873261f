"""Journey: a first visit is cancelled; two waitlisted patients get the offer on their phones and
both open it; the first to tap "Take this visit" gets it, the other is told it has been taken, and
the front desk sees both outcomes on the waitlist."""

from urllib.parse import urlparse

import pytest
from django.urls import reverse

from intake import services as intake_services
from intake.models import Appointment
from lbp_pathway.access import Role
from lbp_pathway.audit import SYSTEM
from reminders.models import Reminder
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, PatientFactory, UserFactory
from tests.intake.conftest import Clinic
from tests.intake.factories import at, new_assessment

PHONE = {"width": 390, "height": 844}


def waiting(name):
    patient = PatientFactory(
        first_name=name,
        last_name=f"{name}-Waitlisted",
        email=f"{name.lower()}@example.org",
        consent_email_reminders=True,
    )
    intake_services.add_to_waitlist(patient=patient, actor=SYSTEM)
    return patient


def offer_path(patient) -> str:
    return urlparse(
        Reminder.objects.get(kind="waitlist_offer", patient=patient).context["url"]
    ).path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_patients_race_for_one_offer_and_exactly_one_gets_it(
    page, chromium, live_server, settings
):
    settings.REMINDER_QUIET_HOURS = ""
    clinic = Clinic()
    freed = intake_services.book_appointment(
        patient=PatientFactory(first_name="Leaving"),
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=at(clinic.monday, 9),
        appointment_type=new_assessment(),
        actor=SYSTEM,
    )
    ana, chloe = waiting("Ana"), waiting("Chloe")
    intake_services.cancel_appointment(freed, actor=SYSTEM, reason="Patient unwell")

    other = chromium.new_context(base_url=live_server.url, viewport=PHONE)
    chloe_page = other.new_page()
    page.set_viewport_size(PHONE)
    try:
        page.goto(offer_path(ana))
        chloe_page.goto(offer_path(chloe))
        assert page.get_by_role("heading", level=1).inner_text() == "Hello Ana"
        assert "Ana-Waitlisted" not in page.content()
        assert "Sydenham Street" in chloe_page.get_by_test_id("offered-visit").inner_text()

        chloe_page.get_by_role("button", name="Take this visit").click()
        chloe_page.get_by_test_id("booking-confirmed").wait_for()
        page.get_by_role("button", name="Take this visit").click()
        page.get_by_test_id("offer-closed").wait_for()
        assert "taken by another patient" in page.get_by_test_id("offer-closed").inner_text()
    finally:
        other.close()

    live = Appointment.objects.filter(start=at(clinic.monday, 9)).exclude(status="cancelled")
    assert [a.patient for a in live] == [chloe]

    page.context.clear_cookies()
    UserFactory(role=Role.FRONT_DESK, username="desk")
    sign_in(page, "desk", TEST_PASSWORD)
    page.wait_for_url("**/frontdesk/")
    page.goto(reverse("intake:waitlist"))
    outcomes = page.get_by_test_id("offer-row")
    rows = {outcomes.nth(i).inner_text() for i in range(outcomes.count())}
    assert any("Chloe" in row and "Accepted" in row for row in rows)
    assert any("Ana" in row and "Gone" in row for row in rows)

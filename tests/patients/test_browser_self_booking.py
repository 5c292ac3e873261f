"""Journey: the front desk sends a booking link; the patient opens it on a phone, books the nearest
site's first slot, sees the confirmation, and the outbox holds an email with an .ics calendar file."""

from datetime import UTC

import pytest
from django.core import mail
from django.urls import reverse

from intake.models import Appointment
from lbp_pathway.access import Role
from reminders import calendar
from reminders import services as reminders
from reminders.models import Reminder
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, PatientFactory, UserFactory
from tests.patients.test_self_booking import place_clinic


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_patient_with_a_link_books_a_slot_and_gets_an_ics_by_email(page, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REMINDER_QUIET_HOURS = ""
    mail.outbox = []
    clinic = place_clinic()
    UserFactory(role=Role.FRONT_DESK, username="desk")
    patient = PatientFactory(
        first_name="Élise",
        last_name="Bélanger-Test",
        postal_code="K7M 4Z4",
        email="elise@example.org",
        consent_email_reminders=True,
    )

    sign_in(page, "desk", TEST_PASSWORD)
    page.wait_for_url("**/frontdesk/")
    page.goto(reverse("intake:patient_detail", args=[patient.pk]))
    page.get_by_role("button", name="Send a booking link").click()
    page.get_by_text("A booking link is on its way to Élise").wait_for()
    link_url = Reminder.objects.get(kind="booking_link").context["url"]

    page.context.clear_cookies()  # the patient's own phone: nobody signed in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(link_url)
    assert page.get_by_role("heading", level=1).inner_text() == "Hello Élise"
    assert "Bélanger-Test" not in page.content()
    first_site = page.get_by_test_id("site-slots").first
    assert "Portsmouth" in first_site.inner_text()  # nearest to K7M first
    first_site.get_by_test_id("slot").first.click()

    page.get_by_test_id("booking-confirmed").wait_for()
    assert "Portsmouth" in page.content()
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.site == clinic.west and appointment.status == "booked"

    token, ids = reminders.claim_due_reminders()
    reminders.deliver_reminders(ids, token)
    confirmation = next(m for m in mail.outbox if m.attachments)
    assert confirmation.to == ["elise@example.org"]
    [(name, content, mimetype)] = confirmation.attachments
    assert (name, mimetype) == ("appointment.ics", "text/calendar")
    [event] = calendar.parse(content)
    assert event["DTSTART"] == appointment.start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert "Portsmouth" in event["LOCATION"]

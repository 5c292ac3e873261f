"""In Chromium at phone width: an emergency self-referral stops at the emergency page, raises the
physician alert and books nothing; an eligible one books a slot at once and gets an .ics by email;
the language switch shows the French page."""

from datetime import UTC

import pytest
from django.core import mail

from intake.models import Appointment
from lbp_pathway.access import Role
from patients.models import SelfReferral
from patients.questions import EMERGENCY_QUESTIONS, URGENT_QUESTIONS
from reminders import calendar
from reminders import services as reminders
from tests.factories import UserFactory
from tests.patients.test_self_booking import place_clinic
from triage.models import PhysicianAlert

PHONE = {"width": 390, "height": 844}


def answer(page, code, value):
    page.locator(f"input[name='flag_{code}'][value='{value}']").check()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_emergency_self_referral_stops_with_the_emergency_page(page):
    UserFactory(role=Role.FAMILY_PHYSICIAN, username="md-browser")
    page.set_viewport_size(PHONE)
    page.goto("/p/refer/")
    page.get_by_label("Tell us about your back pain").fill("Pain since Monday, legs feel odd.")
    page.locator("input[name='back_pain_main_reason'][value='yes']").check()
    for code in EMERGENCY_QUESTIONS:
        answer(page, code, "yes" if code == "ces_saddle_or_perineal_anaesthesia" else "no")
    for code in URGENT_QUESTIONS:
        answer(page, code, "no")
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Gagnon")
    page.get_by_label("Date of birth").fill("1969-11-02")
    page.get_by_label("Postal code").fill("K7L 3N6")
    page.get_by_label("Phone number").fill("613 555 0142")
    # The honeypot is off-screen and out of the tab order: a person never fills it.
    assert (
        not page.locator("#id_website").is_visible()
        or page.locator("#id_website").bounding_box()["x"] < 0
    )
    page.get_by_role("button", name="Send my referral").click()
    page.wait_for_url("**/p/emergency/")
    box = page.get_by_test_id("emergency-page")
    assert "Go to the nearest Emergency Department now, or call 911." in box.inner_text()
    assert page.get_by_role("link", name="Call 911").get_attribute("href") == "tel:911"
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    referral = SelfReferral.objects.get()
    assert referral.outcome == "emergency"
    assert PhysicianAlert.objects.filter(kind="emergency", pk=referral.alert_id).exists()
    assert not Appointment.objects.exists()
    assert page.csp_violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_language_switch_shows_the_french_page(page):
    page.set_viewport_size(PHONE)
    page.goto("/p/refer/")
    page.get_by_role("button", name="Français").click()
    page.wait_for_url("**/p/refer/")
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Demander une consultation pour le mal de dos"
    )
    assert page.get_by_label("Prénom").is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/p/refer/")
    assert page.get_by_role("heading", level=1).inner_text() == "Refer yourself for back pain"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_eligible_self_referral_books_a_slot_and_gets_an_ics_by_email(page, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REMINDER_QUIET_HOURS = ""
    mail.outbox = []
    clinic = place_clinic()
    page.set_viewport_size(PHONE)
    page.goto("/p/refer/")
    page.get_by_label("Tell us about your back pain").fill(
        "Sore low back for a month, no leg pain."
    )
    page.locator("input[name='back_pain_main_reason'][value='yes']").check()
    for code in EMERGENCY_QUESTIONS:
        answer(page, code, "no")
    for code in URGENT_QUESTIONS:
        answer(page, code, "no")
    page.get_by_label("First name").fill("Noor")
    page.get_by_label("Last name").fill("Haddad-Online")
    page.get_by_label("Date of birth").fill("1984-03-09")
    page.get_by_label("Postal code").fill("K7M 4Z4")
    page.get_by_label("Email", exact=True).fill("noor@example.org")
    page.get_by_label("You may send me messages about my visit").check()
    page.get_by_role("button", name="Send my referral").click()
    page.wait_for_url("**/p/refer/thanks/")

    page.get_by_role("button", name="Book my visit now").click()
    page.wait_for_url("**/p/book/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello Noor"
    first_site = page.get_by_test_id("site-slots").first
    assert "Portsmouth" in first_site.inner_text()  # nearest to K7M first
    first_site.get_by_test_id("slot").first.click()
    page.get_by_test_id("booking-confirmed").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    referral = SelfReferral.objects.get()
    appointment = Appointment.objects.get(patient=referral.matched_patient)
    assert appointment.site == clinic.west and appointment.status == "booked"
    assert referral.handled_at is None  # still on the worklist: the desk checks for a duplicate
    token, ids = reminders.claim_due_reminders()
    reminders.deliver_reminders(ids, token)
    confirmation = next(m for m in mail.outbox if m.attachments)
    assert confirmation.to == ["noor@example.org"]
    [(name, content, mimetype)] = confirmation.attachments
    assert (name, mimetype) == ("appointment.ics", "text/calendar")
    [event] = calendar.parse(content)
    assert event["DTSTART"] == appointment.start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert page.csp_violations == []

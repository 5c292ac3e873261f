"""Waitlist offers: a freed slot is offered by link to the first suitable waiting patients (once),
the first to accept gets it, the others are told it has gone; declining or expiry passes it on; the
front desk sees every offer and its outcome."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from intake import offers as intake_offers
from intake import services as intake_services
from intake.models import Appointment, WaitlistEntry, WaitlistOffer
from lbp_pathway.audit import SYSTEM
from patients import booking, offers
from reminders import services as reminders
from reminders.models import Reminder
from tests.factories import PatientFactory
from tests.intake.conftest import Clinic
from tests.intake.factories import at, new_assessment

pytestmark = pytest.mark.django_db

URLS = booking.Urls(
    page="https://clinic.example/p/book/t/", calendar="https://clinic.example/c.ics"
)


@pytest.fixture(autouse=True)
def no_quiet_hours(settings):
    settings.REMINDER_QUIET_HOURS = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.WAITLIST_OFFER_BATCH = 3
    settings.WAITLIST_OFFER_HOURS = 12


def waiting(name, **fields):
    """A patient on the waitlist for a first visit, who agreed to emails unless told otherwise."""
    defaults = {"email": f"{name.lower()}@example.org", "consent_email_reminders": True}
    patient = PatientFactory(first_name=name, **{**defaults, **fields})
    intake_services.add_to_waitlist(patient=patient, actor=SYSTEM)
    return patient


def booked_on_monday(clinic, hour=9):
    """Someone else's first visit on Monday at `hour` (Sydenham Street)."""
    return intake_services.book_appointment(
        patient=PatientFactory(first_name="Leaving"),
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=at(clinic.monday, hour),
        appointment_type=new_assessment(),
        actor=SYSTEM,
    )


def offered_names():
    return sorted(WaitlistOffer.objects.values_list("patient__first_name", flat=True))


def token_of(patient) -> str:
    reminder = Reminder.objects.get(kind="waitlist_offer", patient=patient)
    return reminder.context["url"].rstrip("/").rsplit("/", 1)[-1]


def send_outbox():
    token, ids = reminders.claim_due_reminders()
    reminders.deliver_reminders(ids, token)


def test_a_cancelled_slot_is_offered_once_to_the_first_three_suitable_waiting_patients():
    clinic = Clinic()
    freed = booked_on_monday(clinic)
    waiting("Ana")
    waiting("Bruno", consent_email_reminders=False)  # no consent to be contacted: skipped
    waiting("Chloe", email="", phone="+16135550142", consent_sms_reminders=True)
    other_site = waiting("Dev")
    WaitlistEntry.objects.filter(patient=other_site).update(site=clinic.west)  # not this site
    waiting("Emma")
    waiting("Farid")

    intake_services.cancel_appointment(freed, actor=SYSTEM, reason="Patient unwell")

    assert offered_names() == ["Ana", "Chloe", "Emma"]
    assert Reminder.objects.filter(kind="waitlist_offer").count() == 3
    chloe = Reminder.objects.get(kind="waitlist_offer", patient__first_name="Chloe")
    assert chloe.channel == "sms"
    # a retry of the same event offers nothing more
    intake_offers.offer_freed_slot(freed)
    intake_offers.offer_freed_slot(freed)
    assert WaitlistOffer.objects.count() == 3
    assert Reminder.objects.filter(kind="waitlist_offer").count() == 3


def test_the_offer_message_carries_the_link_time_and_site_but_no_surname(settings):
    clinic = Clinic()
    freed = booked_on_monday(clinic)
    waiting("Ana", last_name="Quesnel-Hidden")
    intake_services.cancel_appointment(freed, actor=SYSTEM, reason="Patient unwell")
    mail.outbox = []

    send_outbox()

    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert "Sydenham Street" in message.body
    assert "/p/offer/" in message.body
    assert "Quesnel-Hidden" not in message.body


def test_moving_a_visit_away_offers_its_old_time():
    clinic = Clinic()
    moving = booked_on_monday(clinic)
    waiting("Ana")

    intake_services.reschedule_appointment(
        moving,
        practitioner=clinic.physio,
        site=clinic.west,
        start=at(clinic.tuesday, 14),
        actor=SYSTEM,
    )

    [offer] = WaitlistOffer.objects.all()
    assert offer.start == at(clinic.monday, 9) and offer.site == clinic.downtown


def test_the_first_to_accept_gets_the_slot_and_the_others_are_told_it_has_gone(client):
    clinic = Clinic()
    freed = booked_on_monday(clinic)
    ana, chloe, emma = waiting("Ana"), waiting("Chloe"), waiting("Emma")
    intake_services.cancel_appointment(freed, actor=SYSTEM, reason="Patient unwell")
    send_outbox()  # the three offers have left
    mail.outbox = []

    response = client.post(reverse("patients:offer", args=[token_of(chloe)]), {"action": "accept"})

    assert response.status_code == 302 and "/p/book/" in response["Location"]
    booked = Appointment.objects.get(patient=chloe)
    assert (booked.start, booked.site, booked.status) == (
        at(clinic.monday, 9),
        clinic.downtown,
        "booked",
    )
    assert WaitlistEntry.objects.get(patient=chloe).status == "done"
    assert dict(WaitlistOffer.objects.values_list("patient__first_name", "status")) == {
        "Ana": "gone",
        "Chloe": "accepted",
        "Emma": "gone",
    }
    # Chloe's confirmation (with the .ics) and a "gone" message to each of the two others
    send_outbox()
    assert sorted(m.to[0] for m in mail.outbox if "taken" in m.subject) == [
        "ana@example.org",
        "emma@example.org",
    ]
    assert any(m.attachments and m.to == ["chloe@example.org"] for m in mail.outbox)
    # Ana opens her link: the slot has been taken; accepting it now books nothing
    page = client.get(reverse("patients:offer", args=[token_of(ana)]))
    assert page.status_code == 410
    assert "taken by another patient" in page.content.decode()
    late = client.post(reverse("patients:offer", args=[token_of(ana)]), {"action": "accept"})
    assert late.status_code == 409
    assert not Appointment.objects.filter(patient=ana).exists()
    assert WaitlistEntry.objects.get(patient=emma).status == "waiting"  # still waiting


def test_a_slot_booked_by_the_desk_meanwhile_shows_as_taken():
    clinic = Clinic()
    freed = booked_on_monday(clinic)
    ana = waiting("Ana")
    intake_services.cancel_appointment(freed, actor=SYSTEM, reason="Patient unwell")
    booked_on_monday(clinic)  # the front desk gave the time to someone on the phone

    assert WaitlistOffer.objects.get(patient=ana).status == "gone"
    assert Reminder.objects.get(kind="waitlist_offer", patient=ana).status == "cancelled"
    answered, token = offers.accept_offer(
        WaitlistOffer.objects.get(patient=ana), actor=SYSTEM, url_for=lambda t: URLS
    )

    assert (answered.status, token) == ("gone", "")
    assert not Appointment.objects.filter(patient=ana).exists()


def test_declining_passes_the_slot_on_to_the_next_waiting_patient(client):
    clinic = Clinic()
    freed = booked_on_monday(clinic)
    ana = waiting("Ana")
    for name in ("Chloe", "Emma", "Farid"):
        waiting(name)
    intake_services.cancel_appointment(freed, actor=SYSTEM, reason="Patient unwell")
    assert offered_names() == ["Ana", "Chloe", "Emma"]

    response = client.post(reverse("patients:offer", args=[token_of(ana)]), {"action": "decline"})

    assert response.status_code == 200
    assert "You declined this offer" in response.content.decode()
    assert offered_names() == ["Ana", "Chloe", "Emma", "Farid"]
    assert WaitlistEntry.objects.get(patient=ana).status == "waiting"


def test_an_expired_offer_passes_on_and_its_link_says_it_has_expired(client, settings):
    settings.WAITLIST_OFFER_BATCH = 1  # one patient at a time
    clinic = Clinic()
    freed = booked_on_monday(clinic)
    ana = waiting("Ana")
    waiting("Chloe")
    intake_services.cancel_appointment(freed, actor=SYSTEM, reason="Patient unwell")
    offer = WaitlistOffer.objects.get(patient=ana)
    assert offer.expires_at == min(offer.created_at + timedelta(hours=12), offer.start)

    assert intake_offers.expire_offers(now=offer.expires_at + timedelta(seconds=1)) == 1

    assert offered_names() == ["Ana", "Chloe"]
    page = client.get(reverse("patients:offer", args=[token_of(ana)]))
    assert page.status_code == 410
    assert "This offer has expired" in page.content.decode()


def test_unknown_links_are_answered_clearly(client):
    response = client.get(reverse("patients:offer", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_the_offer_page_is_in_french(client):
    clinic = Clinic()
    freed = booked_on_monday(clinic)
    ana = waiting("Ana")
    intake_services.cancel_appointment(freed, actor=SYSTEM, reason="Patient unwell")
    client.cookies["django_language"] = "fr"

    html = client.get(reverse("patients:offer", args=[token_of(ana)])).content.decode()

    assert "Bonjour Ana" in html
    assert "Prendre cette visite" in html


def test_the_front_desk_sees_every_offer_and_its_outcome(client_for, front_desk):
    clinic = Clinic()
    freed = booked_on_monday(clinic)
    ana = waiting("Ana", last_name="Offered")
    chloe = waiting("Chloe", last_name="Declined")
    intake_services.cancel_appointment(freed, actor=SYSTEM, reason="Patient unwell")
    offers.decline_offer(WaitlistOffer.objects.get(patient=chloe), actor=SYSTEM)

    html = client_for(front_desk).get(reverse("intake:waitlist")).content.decode()

    assert "Ana Offered" in html and "Chloe Declined" in html
    assert "Offered (until" in html and "Declined" in html
    assert ana.first_name == "Ana"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_patients_accepting_one_offer_at_once_end_with_exactly_one_booking(settings):
    settings.REMINDER_QUIET_HOURS = ""
    clinic = Clinic()
    freed = booked_on_monday(clinic)
    racers = [waiting("Ana"), waiting("Chloe")]
    intake_services.cancel_appointment(freed, actor=SYSTEM, reason="Patient unwell")
    both = [WaitlistOffer.objects.get(patient=p) for p in racers]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    guard = threading.Lock()

    def patient(offer):
        try:
            barrier.wait(timeout=10)
            answered, _token = offers.accept_offer(offer, actor=SYSTEM, url_for=lambda t: URLS)
            with guard:
                outcomes.append(answered.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=patient, args=(offer,)) for offer in both]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["accepted", "gone"]
    live = Appointment.objects.filter(start=at(clinic.monday, 9)).exclude(status="cancelled")
    assert live.count() == 1
    assert live.get().patient in racers


def test_a_10_mb_answer_to_an_offer_gets_a_clear_page_and_books_nothing():
    clinic = Clinic()
    freed = booked_on_monday(clinic)
    ana = waiting("Ana")
    intake_services.cancel_appointment(freed, actor=SYSTEM, reason="Patient unwell")
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(
        reverse("patients:offer", args=[token_of(ana)]),
        {"action": "accept", "padding": "x" * (10 * 1024 * 1024)},
    )

    assert response.status_code == 413
    assert "nothing was saved" in response.content.decode()
    assert WaitlistOffer.objects.get(patient=ana).status == "offered"
    assert not Appointment.objects.filter(patient=ana).exists()

"""Self-booking with a link: nearest site first, book, confirmation, cancel and move until the
cut-off, a used or expired link answered clearly, the last slot going to exactly one of two patients."""

import threading
from datetime import UTC, time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from intake.models import Appointment
from lbp_pathway.audit import SYSTEM
from patients import booking
from patients.booking_models import BookingLink
from patients.models import SelfReferral
from referrals.models import PostalCode
from reminders import services as reminders
from reminders.models import Reminder
from tests.factories import PatientFactory, SiteFactory
from tests.intake.conftest import Clinic
from tests.intake.factories import PhysioFactory, WeeklyAvailabilityFactory, at

pytestmark = pytest.mark.django_db

URLS = booking.Urls(
    page="https://clinic.example/p/book/t/", calendar="https://clinic.example/c.ics"
)


def place_clinic():
    """Sydenham Street (downtown, K7L) and Portsmouth (west, K7M); the patient lives in K7M."""
    clinic = Clinic()
    PostalCode.objects.create(code="K7L", latitude=44.2312, longitude=-76.4860)
    PostalCode.objects.create(code="K7M", latitude=44.2253, longitude=-76.5550)
    clinic.downtown.postal_code = "K7L 3N6"
    clinic.downtown.save()
    clinic.west.postal_code = "K7M 2B1"
    clinic.west.save()
    return clinic


def patient_with_link(**fields):
    patient = PatientFactory(
        first_name="Hélène",
        last_name="Côté-Unique",
        postal_code="K7M 4Z4",
        email="helene@example.org",
        consent_email_reminders=True,
        **fields,
    )
    link, token = booking.issue_booking_link(
        patient=patient, actor=SYSTEM, url_for=lambda t: f"https://clinic.example/p/book/{t}/"
    )
    return patient, link, token


def book_tuesday(clinic, link, hour):
    """Book the link's visit with the physio at the west site on Tuesday at `hour`."""
    return booking.book_with_link(
        link,
        booking.Choice(clinic.physio.pk, clinic.west.pk, at(clinic.tuesday, hour)),
        urls=URLS,
        actor=SYSTEM,
        now=clinic.now,
    )


def test_the_page_greets_by_first_name_only_and_lists_the_nearest_site_first(client):
    place_clinic()
    _, link, token = patient_with_link()

    response = client.get(reverse("patients:book", args=[token]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Hélène" in html and "Côté-Unique" not in html
    assert html.index("Portsmouth") < html.index("Sydenham Street")
    assert response["Cache-Control"].startswith("max-age=0")
    # only the hash is stored
    assert BookingLink.objects.get().token_hash == booking.hash_token(token) != token


def test_booking_a_listed_slot_confirms_it_and_queues_the_confirmation(client):
    clinic = place_clinic()
    patient, link, token = patient_with_link()
    start = at(clinic.tuesday, 13)

    response = client.post(
        reverse("patients:book", args=[token]),
        {
            "action": "book",
            "practitioner": clinic.physio.pk,
            "site": clinic.west.pk,
            "start": start.isoformat(),
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("patients:book_done", args=[token])
    appointment = Appointment.objects.get(patient=patient)
    assert (appointment.start, appointment.site) == (start, clinic.west)
    assert appointment.appointment_type.is_new_assessment
    done = client.get(response.url).content.decode()
    assert "your visit is booked" in done and "Portsmouth" in done
    [confirmation] = Reminder.objects.filter(kind="booking_confirmed")
    assert confirmation.channel == "email" and confirmation.patient == patient
    ics = client.get(reverse("patients:book_calendar", args=[token]))
    assert ics["Content-Type"].startswith("text/calendar")
    assert "DTSTART:" + start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") in ics.content.decode()


def test_a_used_link_cannot_book_a_second_visit(client):
    clinic = place_clinic()
    _, link, token = patient_with_link()
    book_tuesday(clinic, link, 13)
    response = client.post(
        reverse("patients:book", args=[token]),
        {
            "action": "book",
            "practitioner": clinic.physio.pk,
            "site": clinic.west.pk,
            "start": at(clinic.tuesday, 15).isoformat(),
        },
    )
    assert response.status_code == 409
    assert "already been used to book a visit" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_unknown_and_expired_links_are_answered_clearly(client):
    place_clinic()
    _, link, token = patient_with_link()
    unknown = client.get(reverse("patients:book", args=["x" * 43]))
    assert unknown.status_code == 404 and "not valid" in unknown.content.decode()

    BookingLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = client.get(reverse("patients:book", args=[token]))
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert "Hélène" not in expired.content.decode()


def test_cancel_before_the_cutoff_frees_the_slot_and_spends_the_link(client):
    clinic = place_clinic()
    _, link, token = patient_with_link()
    book_tuesday(clinic, link, 13)
    response = client.post(reverse("patients:book", args=[token]), {"action": "cancel"})
    assert response.status_code == 302
    assert Appointment.objects.get().status == "cancelled"
    again = client.get(reverse("patients:book", args=[token]))
    assert again.status_code == 410 and "already been used" in again.content.decode()


def test_reschedule_moves_the_visit_and_sends_a_new_confirmation(client):
    clinic = place_clinic()
    patient, link, token = patient_with_link()
    first = book_tuesday(clinic, link, 13)
    response = client.post(
        reverse("patients:book", args=[token]),
        {
            "action": "reschedule",
            "practitioner": clinic.physio.pk,
            "site": clinic.west.pk,
            "start": at(clinic.tuesday, 15).isoformat(),
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    new = Appointment.objects.get(status="booked")
    assert first.status == "cancelled" and new.start == at(clinic.tuesday, 15)
    assert Reminder.objects.get(key=f"booking_confirmed:{first.pk}:email").status == "cancelled"
    assert Reminder.objects.get(key=f"booking_confirmed:{new.pk}:email").status == "pending"


def test_cancel_and_move_are_refused_after_the_cutoff(settings):
    settings.SELF_BOOKING_CUTOFF_HOURS = 24
    clinic = place_clinic()
    _, link, _token = patient_with_link()
    start = at(clinic.tuesday, 13)
    booking.book_with_link(
        link,
        booking.Choice(clinic.physio.pk, clinic.west.pk, start),
        urls=URLS,
        actor=SYSTEM,
        now=clinic.now,
    )
    late = start - timedelta(hours=23)
    with pytest.raises(booking.LinkRefused, match="too close to change online"):
        booking.cancel_with_link(link, actor=SYSTEM, now=late)
    with pytest.raises(booking.LinkRefused, match="too close"):
        booking.reschedule_with_link(
            link,
            booking.Choice(clinic.physio.pk, clinic.west.pk, at(clinic.tuesday, 15)),
            urls=URLS,
            actor=SYSTEM,
            now=late,
        )
    assert Appointment.objects.get().status == "booked"
    # 25 hours before: still allowed
    booking.cancel_with_link(link, actor=SYSTEM, now=start - timedelta(hours=25))
    assert Appointment.objects.get().status == "cancelled"


def test_the_pages_are_in_french(client):
    place_clinic()
    _, _, token = patient_with_link()
    client.cookies["django_language"] = "fr"
    html = client.get(reverse("patients:book", args=[token])).content.decode()
    assert "Bonjour Hélène" in html
    assert "Choisissez" in html


def test_the_front_desk_sends_a_booking_link_from_the_patient_page(client_for, front_desk):
    patient = PatientFactory(phone="+16135550199", consent_sms_reminders=True)
    response = client_for(front_desk).post(reverse("patients:send_booking_link", args=[patient.pk]))
    assert response.status_code == 302
    link = BookingLink.objects.get(patient=patient)
    reminder = Reminder.objects.get(kind="booking_link")
    assert reminder.channel == "sms" and reminder.patient == patient
    token = reminder.context["url"].rstrip("/").rsplit("/", 1)[1]
    assert booking.hash_token(token) == link.token_hash


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_patients_racing_for_the_last_slot_end_with_exactly_one_booking():
    clinic = Clinic()
    lone = PhysioFactory(username="lone")
    site = SiteFactory(name="Kingston North")
    WeeklyAvailabilityFactory(practitioner=lone, site=site, weekday=2, start=time(9), end=time(10))
    wednesday = clinic.monday + timedelta(days=2)
    links = [patient_with_link()[1] for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []
    guard = threading.Lock()

    def patient(link):
        try:
            barrier.wait(timeout=10)
            try:
                result: object = booking.book_with_link(
                    link,
                    booking.Choice(lone.pk, site.pk, at(wednesday, 9)),
                    urls=URLS,
                    actor=SYSTEM,
                    now=clinic.now,
                )
            except booking.intake_services.SlotTaken as taken:
                result = taken
            with guard:
                outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=patient, args=(link,)) for link in links]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(type(o).__name__ for o in outcomes) == ["Appointment", "SlotTaken"]
    assert Appointment.objects.filter(site=site).exclude(status="cancelled").count() == 1
    # the loser's link is still open to choose another time
    assert sorted(BookingLink.objects.values_list("used_at", flat=True), key=bool)[0] is None


def test_an_eligible_matched_self_referral_gets_a_booking_link_from_the_worklist(
    client_for, front_desk
):
    patient = PatientFactory(email="a@example.org", consent_email_reminders=True)
    referral = SelfReferral.objects.create(
        reference="LBP-TEST-0001",
        first_name=patient.first_name,
        last_name=patient.last_name,
        date_of_birth=patient.date_of_birth,
        postal_code="K7M 4Z4",
        description="Low back pain for two weeks",
        rule_version="test",
        outcome=SelfReferral.Outcome.CALLBACK,
        matched_patient=patient,
        handled_by=front_desk,
        handled_at=timezone.now(),
    )
    desk = client_for(front_desk)
    assert 'name="self_referral"' in desk.get(reverse("patients:worklist")).content.decode()
    desk.post(
        reverse("patients:send_booking_link", args=[patient.pk]), {"self_referral": referral.pk}
    )
    assert BookingLink.objects.get().self_referral == referral


def test_a_patient_on_hold_is_told_to_call_without_the_clinical_reason(client):
    clinic = place_clinic()
    patient, _, token = patient_with_link()
    patient.booking_hold = "Emergency red flag: saddle anaesthesia reported"
    patient.save()
    response = client.post(
        reverse("patients:book", args=[token]),
        {
            "action": "book",
            "practitioner": clinic.physio.pk,
            "site": clinic.west.pk,
            "start": at(clinic.tuesday, 13).isoformat(),
        },
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "cannot be booked online" in html and "saddle" not in html
    assert not Appointment.objects.exists()


def test_the_link_and_the_confirmation_point_to_the_education_pages(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REMINDER_QUIET_HOURS = ""
    mail.outbox = []
    clinic = place_clinic()
    _, link, _ = patient_with_link()
    book_tuesday(clinic, link, 13)  # booked on the Sunday evening before

    later = max(clinic.now, timezone.now()) + timedelta(minutes=1)
    token, ids = reminders.claim_due_reminders(now=later)
    reminders.deliver_reminders(ids, token, now=later)

    bodies = {m.subject: m.body for m in mail.outbox}
    for subject in ("Book your physiotherapy visit", "Your appointment at Portsmouth is booked"):
        assert "Before your visit, short pages about back pain" in bodies[subject]
        assert "/p/learn/" in bodies[subject]

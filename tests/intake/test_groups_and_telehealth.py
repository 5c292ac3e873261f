"""Group sessions (capacity, bookings, attendance) and telehealth visits (mode, link, reminder)."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connections
from django.urls import reverse
from django.utils import timezone

from intake import group_sessions, visit_modes
from intake.models import Appointment, GroupBooking, GroupSession
from lbp_pathway.audit import SYSTEM
from reminders.messages import patient_wording
from reminders.models import Reminder
from tests.factories import PatientFactory, SiteFactory
from tests.intake.factories import PhysioFactory, at, new_assessment
from tests.intake.test_booking import book

pytestmark = pytest.mark.django_db


def make_session(capacity=3, **extra):
    start = timezone.now() + timedelta(days=3)
    return group_sessions.create_session(
        actor=SYSTEM,
        kind="exercise",
        title="Back to movement class",
        site=extra.pop("site", None) or SiteFactory(),
        leader=extra.pop("leader", None) or PhysioFactory(),
        start=start,
        end=start + timedelta(hours=1),
        capacity=capacity,
    )


def test_a_session_takes_patients_up_to_its_capacity_then_refuses():
    session = make_session(capacity=3)
    for patient in PatientFactory.create_batch(3):
        group_sessions.book_into_session(session, patient=patient, actor=SYSTEM)
    fourth = PatientFactory(first_name="Noor", last_name="Haddad")
    with pytest.raises(group_sessions.GroupBookingRefused, match="full \\(3 places\\)"):
        group_sessions.book_into_session(session, patient=fourth, actor=SYSTEM)
    assert session.bookings.count() == 3


def test_a_patient_has_one_place_and_a_cancelled_place_frees_it():
    session = make_session(capacity=1)
    first, second = PatientFactory.create_batch(2)
    booking = group_sessions.book_into_session(session, patient=first, actor=SYSTEM)
    with pytest.raises(group_sessions.GroupBookingRefused, match="already has a place"):
        group_sessions.book_into_session(session, patient=first, actor=SYSTEM)
    group_sessions.record_attendance(session, actor=SYSTEM, attendance={booking.pk: "cancelled"})
    group_sessions.book_into_session(session, patient=second, actor=SYSTEM)
    assert list(group_sessions.live_bookings(session).values_list("patient", flat=True)) == [
        second.pk
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_desks_booking_the_last_place_at_once_fill_it_only_once():
    session = make_session(capacity=1)
    patients = PatientFactory.create_batch(2)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def desk(patient):
        try:
            barrier.wait()
            group_sessions.book_into_session(session, patient=patient, actor=SYSTEM)
            outcomes.append("booked")
        except group_sessions.GroupBookingRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=desk, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked", "refused"]
    assert GroupBooking.objects.filter(session=session).count() == 1


def test_the_database_refuses_a_capacity_of_zero():
    with pytest.raises(IntegrityError):
        make_session(capacity=0)


def test_attendance_is_taken_per_patient_from_the_page(physio, client_for):
    session = make_session(capacity=3)
    here, away = PatientFactory.create_batch(2)
    present = group_sessions.book_into_session(session, patient=here, actor=SYSTEM)
    absent = group_sessions.book_into_session(session, patient=away, actor=SYSTEM)
    response = client_for(physio).post(
        reverse("intake:group_session_attendance", args=[session.pk]),
        {f"attendance-{present.pk}": "attended", f"attendance-{absent.pk}": "absent"},
    )
    assert response.status_code == 302
    assert dict(session.bookings.values_list("patient_id", "attendance")) == {
        here.pk: "attended",
        away.pk: "absent",
    }


def test_the_session_page_shows_places_and_refuses_a_booking_when_full(front_desk, client_for):
    session = make_session(capacity=1)
    first, second = PatientFactory.create_batch(2)
    client = client_for(front_desk)
    book_url = reverse("intake:group_session_book", args=[session.pk])
    client.post(book_url, {"patient": first.pk})
    page = client.post(book_url, {"patient": second.pk}, follow=True).content.decode()
    assert "1 of 1 places taken" in page
    assert "This session is full" in page
    assert not GroupBooking.objects.filter(patient=second).exists()


def test_a_session_cannot_be_created_in_the_past(front_desk, client_for):
    physio = PhysioFactory()
    response = client_for(front_desk).post(
        reverse("intake:group_sessions"),
        {
            "kind": "education",
            "title": "Back school",
            "site": SiteFactory().pk,
            "leader": physio.pk,
            "start": (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "60",
            "capacity": "8",
        },
    )
    assert "cannot start in the past" in response.content.decode()
    assert not GroupSession.objects.exists()


# --- telehealth ---------------------------------------------------------------------------------


def test_a_video_visit_needs_an_https_link(clinic, patient):
    appointment = book(clinic, patient)
    for link in ("", "http://video.example.org/room", "video.example.org", "https://"):
        with pytest.raises(visit_modes.VisitModeRefused):
            visit_modes.set_visit_mode(appointment, actor=SYSTEM, mode="video", video_link=link)
    appointment.refresh_from_db()
    assert appointment.mode == "in_person" and appointment.video_link == ""


def test_the_database_refuses_a_video_visit_without_a_link(clinic, patient):
    appointment = book(clinic, patient)
    with pytest.raises(IntegrityError):
        Appointment.objects.filter(pk=appointment.pk).update(mode="video")


def test_a_video_visit_reminder_gives_the_link_and_says_no_travel_is_needed(clinic, patient):
    appointment = book(clinic, patient)
    link = "https://video.example.org/room/42"
    visit_modes.set_visit_mode(appointment, actor=SYSTEM, mode="video", video_link=link)
    reminder = Reminder.objects.filter(key__startswith=f"appointment:{appointment.pk}:").first()
    assert reminder is not None
    wording = patient_wording("appointment", "en", reminder.context)
    assert link in wording.body
    assert "No travel is needed" in wording.body
    french = patient_wording("appointment", "fr", reminder.context)
    assert link in french.body and "Aucun déplacement" in french.body


def test_a_phone_visit_reminder_says_the_clinic_will_call(clinic, patient):
    appointment = book(clinic, patient)
    visit_modes.set_visit_mode(appointment, actor=SYSTEM, mode="phone")
    reminder = Reminder.objects.filter(key__startswith=f"appointment:{appointment.pk}:").first()
    body = patient_wording("appointment", "en", reminder.context).body
    assert "will phone you" in body and "No travel is needed" in body


def test_an_in_person_reminder_is_unchanged(clinic, patient):
    appointment = book(clinic, patient, start=at(clinic.monday, 10), kind=new_assessment())
    reminder = Reminder.objects.filter(key__startswith=f"appointment:{appointment.pk}:").first()
    body = patient_wording("appointment", "en", reminder.context).body
    assert body.startswith("You have an appointment at Sydenham Street on ")


def test_the_visit_mode_page_refuses_a_plain_http_link(front_desk, client_for, clinic, patient):
    appointment = book(clinic, patient)
    response = client_for(front_desk).post(
        reverse("intake:appointment_mode", args=[appointment.pk]),
        {"mode": "video", "video_link": "http://video.example.org/room"},
    )
    assert "starting https://" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.mode == "in_person"

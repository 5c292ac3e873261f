"""Booking, the episode wait clock, and the appointment state rules."""

from datetime import timedelta

import pytest

from care_episodes.models import Episode, EpisodeEvent
from intake import services
from intake.appointment_rules import IllegalAppointmentChange
from intake.models import Appointment, IncomingReferral
from lbp_pathway.access import Role
from lbp_pathway.audit import SYSTEM, as_actor
from tests.factories import EpisodeFactory, PatientFactory, UserFactory
from tests.intake.factories import (
    AvailabilityExceptionFactory,
    at,
    follow_up,
    new_assessment,
)

pytestmark = pytest.mark.django_db


def book(clinic, patient, start=None, site=None, kind=None, **extra):
    return services.book_appointment(
        patient=patient,
        practitioner=clinic.physio,
        site=site or clinic.downtown,
        start=start or at(clinic.monday, 9),
        appointment_type=kind or new_assessment(),
        actor=SYSTEM,
        now=clinic.now,
        **extra,
    )


def test_first_booking_opens_an_episode_and_starts_its_wait_clock(clinic, patient):
    appointment = book(clinic, patient)
    episode = appointment.episode
    assert appointment.end == at(clinic.monday, 10), "a new assessment lasts 60 minutes"
    assert episode.patient == patient and episode.source == Episode.Source.DIRECT
    assert episode.status == Episode.Status.BOOKED
    assert episode.requested_on == episode.booked_on == clinic.now.date()
    assert (episode.physiotherapist, episode.site) == (clinic.physio, clinic.downtown)
    assert EpisodeEvent.objects.get(episode=episode).to_status == Episode.Status.BOOKED


def test_a_second_booking_continues_the_same_episode(clinic, patient):
    first = book(clinic, patient)
    second = book(clinic, patient, start=at(clinic.tuesday, 13), site=clinic.west, kind=follow_up())
    assert second.episode == first.episode
    assert second.end - second.start == timedelta(minutes=30)
    assert Episode.objects.count() == 1


def test_an_emergency_hold_refuses_the_booking_with_its_text(clinic, patient):
    EpisodeFactory(patient=patient, booking_hold="Sent to Emergency: cauda equina signs")
    with pytest.raises(services.BookingRefused, match="cauda equina"):
        book(clinic, patient)
    assert not Appointment.objects.exists()


def test_a_time_outside_the_practitioners_hours_at_that_site_is_refused(clinic, patient):
    with pytest.raises(services.BookingRefused, match="does not work"):
        book(clinic, patient, start=at(clinic.monday, 9), site=clinic.west)
    with pytest.raises(services.BookingRefused, match="does not work"):
        book(clinic, patient, start=at(clinic.monday, 11, 30))
    assert not Episode.objects.exists()


def test_a_day_off_refuses_bookings_on_that_day(clinic, patient):
    AvailabilityExceptionFactory(
        practitioner=clinic.physio, first_day=clinic.monday, last_day=clinic.monday
    )
    with pytest.raises(services.BookingRefused):
        book(clinic, patient)


def test_a_taken_slot_is_refused_and_the_next_free_slot_offered(clinic, patient):
    book(clinic, patient)
    with pytest.raises(services.SlotTaken) as refused:
        book(clinic, PatientFactory(), start=at(clinic.monday, 9, 30))
    assert "just been booked by someone else" in str(refused.value)
    assert refused.value.next_slot.start == at(clinic.monday, 10)
    assert Appointment.objects.count() == 1


def test_a_cancelled_slot_can_be_booked_again(clinic, patient):
    services.cancel_appointment(book(clinic, patient), actor=SYSTEM, reason="Patient unwell")
    again = book(clinic, PatientFactory())
    assert again.status == Appointment.Status.BOOKED


def test_cancelling_needs_a_reason_and_returns_the_episode_to_requested(clinic, patient):
    appointment = book(clinic, patient)
    with pytest.raises(IllegalAppointmentChange, match="reason"):
        services.cancel_appointment(appointment, actor=SYSTEM, reason=" ")
    services.cancel_appointment(appointment, actor=SYSTEM, reason="Patient asked")
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason) == ("cancelled", "Patient asked")
    assert appointment.episode.status == Episode.Status.REQUESTED


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        (["cancelled"], "arrived"),
        (["cancelled"], "booked"),
        (["no_show"], "arrived"),
        (["arrived", "completed"], "cancelled"),
        (["arrived"], "no_show"),
        ([], "completed"),
    ],
)
def test_appointment_state_rules_refuse_illegal_changes(clinic, patient, path, illegal):
    appointment = book(clinic, patient)
    for status in path:
        services.change_appointment_status(appointment, status, actor=SYSTEM, reason="because")
    with pytest.raises(IllegalAppointmentChange):
        services.change_appointment_status(appointment, illegal, actor=SYSTEM, reason="because")
    appointment.refresh_from_db()
    assert appointment.status == (path[-1] if path else "booked")


def test_arriving_for_the_new_assessment_stops_the_wait_clock_once(clinic, patient):
    appointment = book(clinic, patient)
    services.change_appointment_status(appointment, "arrived", actor=SYSTEM)
    services.change_appointment_status(appointment, "completed", actor=SYSTEM)
    episode = Episode.objects.get()
    assert episode.first_assessed_on == clinic.monday
    later = book(clinic, patient, start=at(clinic.tuesday, 14), site=clinic.west, kind=follow_up())
    services.change_appointment_status(later, "arrived", actor=SYSTEM)
    episode.refresh_from_db()
    assert episode.first_assessed_on == clinic.monday


def test_a_no_show_leaves_the_wait_clock_running(clinic, patient):
    services.change_appointment_status(book(clinic, patient), "no_show", actor=SYSTEM)
    assert Episode.objects.get().first_assessed_on is None


def test_rescheduling_moves_the_booking_and_frees_the_old_time(clinic, patient):
    old = book(clinic, patient)
    new = services.reschedule_appointment(
        old,
        practitioner=clinic.physio,
        site=clinic.west,
        start=at(clinic.tuesday, 15),
        actor=SYSTEM,
        now=clinic.now,
    )
    old.refresh_from_db()
    assert (old.status, old.cancel_reason, new.rescheduled_from) == (
        "cancelled",
        "Rescheduled",
        old,
    )
    assert new.episode == old.episode and new.episode.status == Episode.Status.BOOKED
    book(clinic, PatientFactory())  # the old Monday 9:00 is free again


def test_rescheduling_into_a_taken_slot_changes_nothing(clinic, patient):
    old = book(clinic, patient)
    book(clinic, PatientFactory(), start=at(clinic.tuesday, 13), site=clinic.west)
    with pytest.raises(services.SlotTaken):
        services.reschedule_appointment(
            old,
            practitioner=clinic.physio,
            site=clinic.west,
            start=at(clinic.tuesday, 13),
            actor=SYSTEM,
            now=clinic.now,
        )
    old.refresh_from_db()
    assert old.status == "booked"


def test_a_physician_referral_opens_an_episode_that_the_booking_continues(clinic, patient):
    physician = UserFactory(role=Role.FAMILY_PHYSICIAN)
    received = clinic.now.date() - timedelta(days=3)
    referral = services.refer_patient(
        patient=patient,
        physician=physician,
        actor=as_actor(physician),
        reason="LBP 3 weeks",
        urgency="urgent",
        received_on=received,
    )
    assert referral.episode.source == Episode.Source.PHYSICIAN_REFERRAL
    assert referral.episode.requested_on == received
    appointment = book(clinic, patient, episode=referral.episode)
    referral.refresh_from_db()
    assert appointment.episode == referral.episode
    assert referral.status == IncomingReferral.Status.BOOKED

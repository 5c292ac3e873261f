"""Intake's write services audit themselves: given an Actor, each leaves exactly one audit row naming
the patient, written inside the service's transaction (a failed audit write undoes the change), and
none when the service refuses."""

from __future__ import annotations

import pytest

from intake import services
from intake.appointment_rules import IllegalAppointmentChange
from intake.models import Appointment, IncomingReferral, Patient, WaitlistEntry
from lbp_pathway import audit
from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent
from tests.audit_rows import mark, only_row, rows_after
from tests.factories import EpisodeFactory, PatientFactory, UserFactory
from tests.intake.factories import at, new_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    user = UserFactory(role=Role.FRONT_DESK)
    return audit.Actor(user=user, path="/intake/test/", ip_address="10.0.0.7")


def book(clinic, patient, actor, start=None, **extra):
    return services.book_appointment(
        patient=patient,
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=start or at(clinic.monday, 9),
        appointment_type=new_assessment(),
        actor=actor,
        now=clinic.now,
        **extra,
    )


class AuditDown(Exception):
    pass


@pytest.fixture
def failing_audit(monkeypatch):
    """The audit write fails: the service's change must not commit without it."""

    def fail(*args, **kwargs):
        raise AuditDown

    monkeypatch.setattr(audit, "record", fail)


PATIENT = {
    "first_name": "Audit",
    "last_name": "Trail",
    "date_of_birth": "1970-05-04",
    "sex": "F",
    "phone": "613-555-0100",
}


def test_registering_a_patient_leaves_one_create_row_with_the_actor(desk):
    patient = services.register_patient(actor=desk, **PATIENT)
    only_row(
        action="create",
        patient_id=patient.pk,
        user=desk.user,
        username=desk.user.username,
        path="/intake/test/",
        ip_address="10.0.0.7",
    )


def test_a_registration_whose_audit_row_fails_is_not_kept(desk, failing_audit):
    with pytest.raises(AuditDown):
        services.register_patient(actor=desk, **PATIENT)
    assert not Patient.objects.exists()


def test_updating_a_patient_leaves_one_change_row(desk):
    patient = PatientFactory()
    services.update_patient(patient, actor=desk, phone="613-555-0111")
    only_row(action="change", patient_id=patient.pk, what="Patient demographics")


def test_a_duplicate_health_card_is_refused_without_an_audit_row(desk):
    PatientFactory(health_card_number="1234567897")
    with pytest.raises(services.DuplicateHealthCard):
        services.register_patient(actor=desk, health_card_number="1234567897", **PATIENT)
    assert not AuditEvent.objects.exists()


def test_booking_leaves_one_row_and_a_refused_booking_none(clinic, patient, desk):
    appointment = book(clinic, patient, desk)
    only_row(action="change", patient_id=patient.pk, what="Appointment booked", user=desk.user)

    since = mark()
    held = PatientFactory()
    EpisodeFactory(patient=held, booking_hold="Sent to Emergency: cauda equina signs")
    with pytest.raises(services.BookingRefused, match="cauda equina"):
        book(clinic, held, desk, start=at(clinic.monday, 10))
    with pytest.raises(services.SlotTaken):
        book(clinic, PatientFactory(), desk, start=appointment.start)
    assert not rows_after(since).exists()


def test_a_booking_whose_audit_row_fails_is_not_kept(clinic, patient, desk, failing_audit):
    with pytest.raises(AuditDown):
        book(clinic, patient, desk)
    assert not Appointment.objects.exists()


def test_rescheduling_leaves_exactly_one_row(clinic, patient, desk):
    old = book(clinic, patient, desk)
    since = mark()
    new = services.reschedule_appointment(
        old,
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=at(clinic.monday, 10),
        actor=desk,
        now=clinic.now,
    )
    row = only_row(since, action="change", patient_id=patient.pk)
    assert f"from appointment {old.pk}" in row.what
    assert new.rescheduled_from_id == old.pk


def test_status_changes_and_cancellations_leave_one_row_and_refusals_none(clinic, patient, desk):
    appointment = book(clinic, patient, desk)
    since = mark()
    services.change_appointment_status(appointment, Appointment.Status.ARRIVED, actor=desk)
    only_row(since, action="change", patient_id=patient.pk, what="Appointment marked arrived")

    since = mark()
    with pytest.raises(IllegalAppointmentChange):
        services.cancel_appointment(appointment, actor=desk, reason="Too late")
    assert not rows_after(since).exists()

    other = book(clinic, PatientFactory(), desk, start=at(clinic.monday, 10))
    since = mark()
    with pytest.raises(IllegalAppointmentChange):
        services.cancel_appointment(other, actor=desk, reason=" ")  # a reason is required
    assert not rows_after(since).exists()
    services.cancel_appointment(other, actor=desk, reason="Patient unwell")
    only_row(since, action="change", patient_id=other.patient_id, what="Appointment cancelled")


def test_a_physician_referral_leaves_one_create_row(patient):
    physician = UserFactory(role=Role.FAMILY_PHYSICIAN)
    services.refer_patient(
        patient=patient,
        physician=physician,
        reason="LBP 3 weeks",
        urgency="routine",
        actor=audit.as_actor(physician),
    )
    assert IncomingReferral.objects.count() == 1
    only_row(action="create", patient_id=patient.pk, user=physician)


def test_the_waitlist_adds_and_closes_with_one_row_each(patient, desk):
    entry = services.add_to_waitlist(patient=patient, actor=desk)
    only_row(action="change", patient_id=patient.pk, what="Added to waitlist")
    since = mark()
    services.close_waitlist_entry(entry, actor=desk)
    assert WaitlistEntry.objects.get().status == WaitlistEntry.Status.DONE
    only_row(since, action="change", patient_id=patient.pk, what="Removed from waitlist")


def test_system_callers_are_recorded_as_the_system(clinic, patient):
    book(clinic, patient, audit.SYSTEM)
    only_row(action="change", patient_id=patient.pk, user=None, username="", path="system")

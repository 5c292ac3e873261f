"""Two front desks booking the same slot at the same moment: PostgreSQL lets exactly one win."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from intake import services
from intake.models import Appointment
from lbp_pathway.audit import SYSTEM
from tests.factories import PatientFactory
from tests.intake.conftest import Clinic
from tests.intake.factories import at, new_assessment


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_desks_booking_the_same_slot_at_once_exactly_one_wins():
    clinic = Clinic()
    patients = [PatientFactory(), PatientFactory()]
    kind = new_assessment()
    start_together = threading.Barrier(len(patients))
    outcomes: list[object] = []
    lock = threading.Lock()

    def desk(patient) -> None:
        # Each thread has its own database connection, like two gunicorn workers.
        try:
            start_together.wait(timeout=10)
            try:
                result: object = services.book_appointment(
                    patient=patient,
                    practitioner=clinic.physio,
                    site=clinic.downtown,
                    start=at(clinic.monday, 9),
                    appointment_type=kind,
                    actor=SYSTEM,
                    now=clinic.now,
                )
            except services.SlotTaken as refused:
                result = refused
            with lock:
                outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(patient,)) for patient in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [o for o in outcomes if isinstance(o, Appointment)]
    losers = [o for o in outcomes if isinstance(o, services.SlotTaken)]
    assert (len(winners), len(losers)) == (1, 1)
    assert "just been booked by someone else" in str(losers[0])
    assert losers[0].next_slot.start == at(clinic.monday, 10)
    assert Appointment.objects.exclude(status="cancelled").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_refuses_an_overlapping_booking_even_without_the_service():
    clinic = Clinic()
    first = services.book_appointment(
        patient=PatientFactory(),
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=at(clinic.monday, 9),
        appointment_type=new_assessment(),
        actor=SYSTEM,
        now=clinic.now,
    )
    with pytest.raises(IntegrityError, match="appointment_no_double_booking"):
        with transaction.atomic():
            Appointment.objects.create(
                patient=PatientFactory(),
                episode=first.episode,
                practitioner=clinic.physio,
                site=clinic.west,
                appointment_type=first.appointment_type,
                start=at(clinic.monday, 9, 30),
                end=at(clinic.monday, 10, 30),
            )

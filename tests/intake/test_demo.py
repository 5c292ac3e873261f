import io

import pytest

from demo import intake as demo
from intake.identifiers import luhn_valid, normalise_postal_code
from intake.models import Appointment, IncomingReferral, Patient, Site, WeeklyAvailability
from lbp_pathway.access import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_builds_a_realistic_schedule_and_a_second_run_adds_nothing():
    UserFactory(role=Role.PHYSIOTHERAPIST, username="physio")
    UserFactory(role=Role.FAMILY_PHYSICIAN, username="physician")
    UserFactory(role=Role.FRONT_DESK, username="frontdesk")
    demo.seed(patients=120, stdout=io.StringIO())
    counts = [
        model.objects.count()
        for model in (Site, WeeklyAvailability, Patient, Appointment, IncomingReferral)
    ]
    assert counts[0] == 4 and counts[1] > 0 and counts[2] == 120
    assert counts[3] > 20, "weeks of past and future appointments"
    assert Appointment.objects.filter(status="booked").exists()
    assert Appointment.objects.filter(status="completed").exists()
    for patient in Patient.objects.all():
        assert luhn_valid(patient.health_card_number)
        assert normalise_postal_code(patient.postal_code) == patient.postal_code
    share = Patient.objects.filter(family_physician__username="physician").count() / 120
    assert 0.3 < share < 0.6
    demo.seed(patients=120, stdout=io.StringIO())
    assert [
        model.objects.count()
        for model in (Site, WeeklyAvailability, Patient, Appointment, IncomingReferral)
    ] == counts

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from care_episodes.models import Episode
from intake.models import Appointment
from tests.factories import PatientFactory, SiteFactory
from tests.intake.factories import ensure_appointment_types

pytestmark = pytest.mark.django_db


def test_volume_seed_adds_exactly_what_was_asked_once_and_the_dashboard_reads_it(
    manager, client_for
):
    ensure_appointment_types()
    SiteFactory.create_batch(2)
    PatientFactory.create_batch(20)
    args = ["seed_demo", "--patients", "0", "--no-accounts", "--volume-episodes", "300"]
    call_command(*args, "--volume-appointments", "1500", stdout=StringIO())
    call_command(*args, "--volume-appointments", "1500", stdout=StringIO())
    assert Episode.objects.count() == 300
    assert Appointment.objects.count() == 1500
    # One new assessment per episode, then follow-ups.
    assert Appointment.objects.filter(appointment_type__is_new_assessment=True).count() == 300
    statuses = set(Episode.objects.values_list("status", flat=True))
    assert {"discharged", "in_care"} <= statuses
    response = client_for(manager).get(reverse("dashboards:manager_home"), {"quarter": ""})
    assert response.status_code == 200


def test_volume_seed_needs_patients_first():
    with pytest.raises(CommandError, match="Seed patients first"):
        call_command(
            "seed_demo",
            "--no-accounts",
            "--patients",
            "0",
            "--volume-episodes",
            "5",
            stdout=StringIO(),
        )
    assert not Episode.objects.exists()

"""Birth dates between 1900-01-01 and today (issue 14): every form that takes one refuses the rest with
a clear message and saves nothing; the services and the database refuse them too."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from intake import services
from intake.identifiers import InvalidIdentifier
from intake.models import Patient
from lbp_pathway.audit import as_actor
from lbp_pathway.models import AuditEvent
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

# The dates of the issue; 2027-10-18 is in the future of the test day.
REFUSED = ["2999-01-01", "2027-10-18", "1850-01-01", "0001-01-01", "1899-12-31"]
MESSAGE = "Enter a date of birth between 1900-01-01 and today"

FORM = {
    "first_name": "Ana",
    "last_name": "Silva",
    "sex": "F",
    "phone": "613-555-0101",
    "preferred_language": "en",
}


@pytest.mark.parametrize("born", REFUSED)
def test_registration_refuses_an_impossible_birth_date_and_saves_nothing(
    born, front_desk, client_for
):
    response = client_for(front_desk).post(
        reverse("intake:patient_create"), {**FORM, "date_of_birth": born}
    )
    assert response.status_code == 422
    assert MESSAGE in response.content.decode()
    assert not Patient.objects.exists() and not AuditEvent.objects.filter(action="create").exists()


@pytest.mark.parametrize("born", REFUSED)
def test_editing_refuses_an_impossible_birth_date_and_changes_nothing(born, front_desk, client_for):
    patient = PatientFactory(first_name="Ana", last_name="Silva", date_of_birth=date(1980, 2, 2))
    response = client_for(front_desk).post(
        reverse("intake:patient_edit", args=[patient.pk]), {**FORM, "date_of_birth": born}
    )
    assert response.status_code == 422
    assert MESSAGE in response.content.decode()
    patient.refresh_from_db()
    assert patient.date_of_birth == date(1980, 2, 2)
    assert patient.history.count() == 1  # created, never changed


def test_the_first_and_last_possible_days_are_accepted(front_desk, client_for):
    client = client_for(front_desk)
    today = timezone.localdate()
    for born, last in [("1900-01-01", "Oldest"), (today.isoformat(), "Newborn")]:
        response = client.post(
            reverse("intake:patient_create"),
            {**FORM, "last_name": last, "date_of_birth": born},
        )
        assert response.status_code == 302, response.content.decode()
    assert sorted(Patient.objects.values_list("date_of_birth", flat=True)) == [
        date(1900, 1, 1),
        today,
    ]


def test_tomorrow_is_refused(front_desk, client_for):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client_for(front_desk).post(
        reverse("intake:patient_create"), {**FORM, "date_of_birth": tomorrow.isoformat()}
    )
    assert response.status_code == 422 and MESSAGE in response.content.decode()


def test_the_services_refuse_them_too(front_desk):
    with pytest.raises(InvalidIdentifier, match=MESSAGE):
        services.register_patient(
            actor=as_actor(front_desk), **{**FORM, "date_of_birth": date(2999, 1, 1)}
        )
    patient = PatientFactory(date_of_birth=date(1980, 2, 2))
    with pytest.raises(InvalidIdentifier, match=MESSAGE):
        services.update_patient(
            patient, actor=as_actor(front_desk), **{**FORM, "date_of_birth": date(1850, 1, 1)}
        )
    assert Patient.objects.get(pk=patient.pk).date_of_birth == date(1980, 2, 2)


def test_the_database_refuses_a_birth_date_before_1900():
    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(date_of_birth=date(1899, 12, 31))

"""Phone numbers are stored in E.164 (+16135550199), whatever way the front desk types them."""

import importlib

import pytest
from django.urls import reverse

from intake.models import Patient
from tests.factories import PatientFactory
from tests.intake.test_patient_pages import NEW

pytestmark = pytest.mark.django_db

migration = importlib.import_module("intake.migrations.0013_phone_numbers_e164")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("613-555-0199", "+16135550199"),
        ("(613) 555 0199", "+16135550199"),
        ("1 613 555 0199", "+16135550199"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_the_patient_form_stores_the_number_in_e164(client_for, front_desk, typed, stored):
    response = client_for(front_desk).post(
        reverse("intake:patient_create"), {**NEW, "phone": typed}
    )
    assert response.status_code == 302
    assert Patient.objects.get().phone == stored


@pytest.mark.parametrize("typed", ["555-0199", "613-555-019", "call me", "+1 999 555 0199"])
def test_an_invalid_number_is_explained_next_to_the_field_and_nothing_is_saved(
    client_for, front_desk, typed
):
    response = client_for(front_desk).post(
        reverse("intake:patient_create"), {**NEW, "phone": typed}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="error_1_id_phone"' in html
    assert "phone number" in html and "613-555-0199" in html
    assert not Patient.objects.exists()


def test_the_data_migration_converts_readable_numbers_and_leaves_the_others():
    readable = PatientFactory(phone="613-555-0142")
    foreign = PatientFactory(phone="+33 1 42 68 53 00")
    garbled = PatientFactory(phone="ask daughter")
    empty = PatientFactory(phone="")

    left = migration.convert(Patient, "CA")

    assert left == [garbled.pk]
    assert Patient.objects.get(pk=readable.pk).phone == "+16135550142"
    assert Patient.objects.get(pk=foreign.pk).phone == "+33142685300"
    assert Patient.objects.get(pk=garbled.pk).phone == "ask daughter"
    assert Patient.objects.get(pk=empty.pk).phone == ""

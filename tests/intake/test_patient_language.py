"""Issue 16: a patient's language is English, French or another one (named), with an interpreter
flag; staff see it on the record and in the patient header; messages follow it."""

import pytest
from django.urls import reverse

from care_episodes.models import Episode
from intake.models import Patient
from tests.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db

NEW = {
    "first_name": "Amrit",
    "last_name": "Sandhu",
    "date_of_birth": "1966-02-03",
    "sex": "M",
    "phone": "613-555-0142",
}


def test_front_desk_records_another_language_and_an_interpreter(client_for, front_desk):
    client = client_for(front_desk)
    form = {
        **NEW,
        "preferred_language": "other",
        "other_language": " Punjabi ",
        "interpreter_needed": "on",
    }
    response = client.post(reverse("intake:patient_create"), form)
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert (patient.preferred_language, patient.other_language) == ("other", "Punjabi")
    assert patient.interpreter_needed and patient.language_code == "en"
    page = client.get(reverse("intake:patient_detail", args=[patient.pk])).content.decode()
    assert "Punjabi" in page and "Interpreter needed" in page


def test_another_language_must_be_named_and_nothing_is_saved(client_for, front_desk):
    response = client_for(front_desk).post(
        reverse("intake:patient_create"), {**NEW, "preferred_language": "other"}
    )
    assert response.status_code == 422
    assert "Name the language the patient speaks." in response.content.decode()
    assert not Patient.objects.exists()


def test_a_name_given_with_english_or_french_is_dropped(client_for, front_desk):
    client_for(front_desk).post(
        reverse("intake:patient_create"),
        {**NEW, "preferred_language": "fr", "other_language": "Punjabi"},
    )
    patient = Patient.objects.get()
    assert (patient.preferred_language, patient.other_language) == ("fr", "")
    assert patient.language_code == "fr"


def test_the_patient_header_shows_the_language_and_the_interpreter_flag(client_for, front_desk):
    patient = PatientFactory(preferred_language="fr", interpreter_needed=True)
    EpisodeFactory(patient=patient, status=Episode.Status.BOOKED)
    page = client_for(front_desk).get(reverse("intake:patient_detail", args=[patient.pk]))
    html = page.content.decode()
    assert "French" in html
    assert 'data-testid="header-interpreter"' in html

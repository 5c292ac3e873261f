"""Registering, finding and opening patients at the front desk."""

import pytest
from django.urls import reverse

from intake.models import Patient
from lbp_pathway.models import AuditEvent
from tests.factories import EpisodeFactory, PatientFactory
from tests.intake.factories import health_card

pytestmark = pytest.mark.django_db

NEW = {
    "first_name": "Hélène",
    "last_name": "Côté",
    "date_of_birth": "1971-05-14",
    "sex": "F",
    "health_card_number": "1234 567 897",
    "health_card_version": "ab",
    "phone": "613-555-0199",
    "postal_code": "k7l3n6",
    "preferred_language": "fr",
    "consent_sms_reminders": "on",
}


def test_front_desk_registers_a_patient_with_normalised_identifiers(
    client_for, front_desk, physician
):
    response = client_for(front_desk).post(
        reverse("intake:patient_create"), {**NEW, "family_physician": physician.pk}
    )
    patient = Patient.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "intake:patient_detail", args=[patient.pk]
    )
    assert (patient.health_card_number, patient.health_card_version) == ("1234567897", "AB")
    assert patient.postal_code == "K7L 3N6"
    assert patient.family_physician == physician and patient.consent_sms_reminders
    assert AuditEvent.objects.filter(action="create", patient_id=patient.pk).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("health_card_number", "1234567898", "check digit"),
        ("health_card_number", "12345", "10 digits"),
        ("postal_code", "12345", "postal code"),
        ("health_card_version", "A1", "0 to 2 letters"),
    ],
)
def test_bad_identifiers_are_explained_next_to_the_field_and_nothing_is_saved(
    client_for, front_desk, field, value, message
):
    response = client_for(front_desk).post(reverse("intake:patient_create"), {**NEW, field: value})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert f'id="error_1_id_{field}"' in response.content.decode()
    assert not Patient.objects.exists()


def test_a_health_card_already_registered_is_refused_with_a_link_to_the_record(
    client_for, front_desk
):
    existing = PatientFactory(health_card_number="1234567897", first_name="Jean", last_name="Roy")
    response = client_for(front_desk).post(reverse("intake:patient_create"), NEW)
    html = response.content.decode()
    assert response.status_code == 422
    assert "already registered to" in html
    assert f'href="{reverse("intake:patient_detail", args=[existing.pk])}"' in html
    assert Patient.objects.count() == 1


def test_only_the_physician_role_can_be_chosen_as_family_physician(client_for, front_desk, physio):
    response = client_for(front_desk).post(
        reverse("intake:patient_create"), {**NEW, "family_physician": physio.pk}
    )
    assert response.status_code == 422
    assert not Patient.objects.exists()


def test_a_likely_duplicate_is_shown_and_the_user_chooses(client_for, front_desk):
    twin = PatientFactory(first_name="Helene", last_name="Cote", date_of_birth="1971-05-14")
    client = client_for(front_desk)
    form = {**NEW, "health_card_number": health_card("555666777")}
    shown = client.post(reverse("intake:patient_create"), form)
    html = shown.content.decode()
    assert "This is the same person: open the record" in html
    assert f'href="{reverse("intake:patient_detail", args=[twin.pk])}"' in html
    assert Patient.objects.count() == 1, "nothing saved until the user chooses"
    saved = client.post(reverse("intake:patient_create"), {**form, "different_person": "1"})
    assert saved.status_code == 302
    assert Patient.objects.count() == 2


@pytest.mark.parametrize(
    "query",
    [
        "cote",
        "CÔTÉ",
        "hél",
        "hel cot",
        "1971-05-14",
        "14/05/1971",
        "5550199",
        "613-555-0199",
        "123456",
    ],
)
def test_patient_search_is_partial_and_ignores_accents_and_case(client_for, front_desk, query):
    target = PatientFactory(
        first_name="Hélène",
        last_name="Côté",
        date_of_birth="1971-05-14",
        phone="613-555-0199",
        health_card_number="1234567897",
    )
    PatientFactory(
        first_name="Marc", last_name="Gagnon", date_of_birth="1960-01-01", phone="343-555-1111"
    )
    response = client_for(front_desk).get(reverse("intake:patient_search"), {"q": query})
    assert list(response.context["patients"]) == [target]


def test_search_results_link_to_the_phone_screen_for_that_patient(client_for, front_desk):
    patient = PatientFactory(last_name="Lalonde")
    html = (
        client_for(front_desk)
        .get(reverse("intake:patient_search"), {"q": "lalonde"})
        .content.decode()
    )
    assert f'href="{reverse("triage:phone_screen")}?patient={patient.pk}"' in html


def test_patient_detail_shows_demographics_and_triage_disposition_and_is_audited(
    client_for, front_desk
):
    patient = PatientFactory(first_name="Ana", last_name="Silva")
    EpisodeFactory(patient=patient, risk="high", booking_hold="Sent to Emergency: red flag")
    html = (
        client_for(front_desk)
        .get(reverse("intake:patient_detail", args=[patient.pk]))
        .content.decode()
    )
    assert "Ana Silva" in html
    assert "STarT Back risk <strong>High</strong>" in html and "risk-high" in html
    assert "Booking on hold: Sent to Emergency: red flag" in html
    assert AuditEvent.objects.filter(action="view", patient_id=patient.pk).count() == 1


def test_editing_a_patient_is_audited_and_keeps_the_card_unique(client_for, front_desk):
    PatientFactory(health_card_number="1234567897")
    patient = PatientFactory(first_name="Ana", last_name="Silva", date_of_birth="1980-02-02")
    client = client_for(front_desk)
    url = reverse("intake:patient_edit", args=[patient.pk])
    refused = client.post(url, {**NEW, "first_name": "Ana", "last_name": "Silva"})
    assert "already registered to" in refused.content.decode()
    ok = client.post(
        url, {**NEW, "first_name": "Ana", "last_name": "Silva", "health_card_number": ""}
    )
    assert ok.status_code == 302
    patient.refresh_from_db()
    assert patient.postal_code == "K7L 3N6"
    assert AuditEvent.objects.filter(action="change", patient_id=patient.pk).exists()


@pytest.mark.parametrize("fixture", ["physio", "physician", "manager", "administrator"])
def test_only_the_front_desk_opens_the_patient_register(request, client_for, fixture):
    patient = PatientFactory()
    client = client_for(request.getfixturevalue(fixture))
    assert client.get(reverse("intake:patient_detail", args=[patient.pk])).status_code == 403
    assert client.get(reverse("intake:patient_search")).status_code == 403

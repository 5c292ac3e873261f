"""The FHIR read API as a partner system sees it: tokens, scopes, every resource type (each validated
by fhir.resources' R4B models), search parameters and paging, and the audit log."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B import get_fhir_model_class

from fhir_api.models import AUDIT_READ, READ
from lbp_pathway.models import AuditEvent
from tests.care_episodes.factories import OutcomeFactory
from tests.factories import PatientFactory
from tests.fhir_api.conftest import ALL_SCOPES, get_token, local, make_partner
from tests.intake.factories import ensure_appointment_types

TYPES = [
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
    "ServiceRequest",
    "Appointment",
    "QuestionnaireResponse",
    "Observation",
    "CarePlan",
    "DocumentReference",
    "Composition",
    "AuditEvent",
]
# Communication (notes waiting for a referrer's system) has rows only once an outside referrer's
# note is signed: tests/fhir_api/test_referrals.py.


def valid(resource: dict):
    """The resource parsed by fhir.resources (raises on anything FHIR R4B refuses)."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_metadata_lists_what_is_supported(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    statement = valid(response.json())
    types = {entry.type for entry in statement.rest[0].resource}
    assert set(TYPES) | {"Binary"} <= types


def test_no_token_is_401_with_an_operation_outcome(client, db):
    response = client.get("/fhir/Patient")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    valid(response.json())
    assert AuditEvent.objects.filter(action="denied", path="/fhir/Patient").exists()


def test_a_signed_in_users_session_never_opens_the_api(world):
    for user in world.users.values():
        browser = Client()
        browser.force_login(user)
        assert browser.get("/fhir/Patient").status_code == 401
        assert browser.get(f"/fhir/Patient/{world.patient.pk}").status_code == 401
        response = browser.post("/fhir/ServiceRequest", "{}", content_type="application/fhir+json")
        assert response.status_code == 401


def test_a_bad_token_is_401(client, db):
    response = client.get("/fhir/Patient", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401


def test_a_client_gets_only_the_scopes_its_partner_row_allows(db):
    partner = make_partner("reader", READ)
    assert get_token(Client(), partner)["scope"] == READ
    refused = get_token(Client(), partner, scope=f"{READ} system/ServiceRequest.write")
    assert refused["status"] == 400 and refused["error"] == "invalid_scope"


def test_a_wrong_secret_gets_no_token(db):
    partner = make_partner("reader", READ)
    partner.secret = "wrong"
    assert get_token(Client(), partner)["status"] == 401


@pytest.mark.parametrize("resource_type", TYPES)
def test_every_type_searches_and_reads_as_valid_fhir(world, partner_api, resource_type):
    api = partner_api(ALL_SCOPES)
    response = api.get(f"/fhir/{resource_type}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    bundle = valid(response.json())
    assert bundle.type == "searchset"
    assert bundle.entry, f"no {resource_type} found"
    for entry in bundle.entry:
        assert entry.resource.get_resource_type() == resource_type
        read = api.get(f"/fhir/{resource_type}/{entry.resource.id}")
        assert read.status_code == 200, read.content
        assert valid(read.json()).id == entry.resource.id


def test_the_records_come_out_with_their_codes(world, partner_api):
    api = partner_api(READ)
    patient = world.patient.pk
    observations = api.get("/fhir/Observation", patient=patient).json()["entry"]
    codes = {
        (c["system"], c["code"])
        for entry in observations
        for c in entry["resource"]["code"]["coding"]
    }
    # STarT Back total (LOINC 91351-7), NPRS 72514-3, ODI 97909-6.
    assert {("http://loinc.org", "91351-7"), ("http://loinc.org", "72514-3")} <= codes
    assert ("http://loinc.org", "97909-6") in codes
    score = next(e["resource"] for e in observations if e["resource"]["id"].startswith("sbst-"))
    assert score["valueInteger"] == 9  # all nine items scored
    risk = [c for c in score["component"] if c["code"]["coding"][0]["code"] == "91352-5"]
    assert risk[0]["valueCodeableConcept"]["coding"][0]["code"] == "LA9193-9"  # high risk
    answers = api.get("/fhir/QuestionnaireResponse", patient=patient).json()["entry"]
    items = answers[0]["resource"]["item"]
    assert [item["linkId"] for item in items][:2] == ["91340-0", "91341-8"]
    notes = api.get("/fhir/DocumentReference", patient=patient).json()["entry"]
    note = next(e["resource"] for e in notes if e["resource"]["id"] == str(world.note.pk))
    assert note["type"]["coding"][0]["code"] == "11488-4"
    assert note["content"][0]["attachment"]["url"].endswith(f"/Binary/note-{world.note.pk}")


def test_search_by_identifier_status_date_and_id(world, partner_api):
    api = partner_api(READ)
    world.patient.health_card_number = "1234567890"
    world.patient.save()
    PatientFactory(health_card_number="9999999999")
    system = "https://fhir.infoway-inforoute.ca/NamingSystem/ca-on-patient-hcn"
    found = api.get("/fhir/Patient", identifier=f"{system}|1234567890").json()
    assert [e["resource"]["id"] for e in found["entry"]] == [str(world.patient.pk)]
    assert api.get("/fhir/Patient", identifier=f"{system}|0000000000").json().get("entry") is None
    active = api.get("/fhir/ServiceRequest", status="active").json()["entry"]
    assert {e["resource"]["id"] for e in active} == {
        f"in-{world.incoming.pk}",
        f"out-{world.sent_referral.pk}",
    }
    assert api.get("/fhir/ServiceRequest", status="completed").json().get("entry") is None
    today = world.incoming.received_on.isoformat()
    dated = api.get("/fhir/ServiceRequest", date=f"ge{today}").json()["entry"]
    assert f"in-{world.incoming.pk}" in {e["resource"]["id"] for e in dated}
    assert api.get("/fhir/ServiceRequest", date="lt2000-01-01").json().get("entry") is None
    one = api.get("/fhir/ServiceRequest", _id=f"in-{world.incoming.pk}").json()["entry"]
    assert len(one) == 1


def test_bad_search_input_is_a_400_naming_the_problem(world, partner_api):
    api = partner_api(READ)
    response = api.get("/fhir/Patient", colour="blue")
    assert response.status_code == 400
    assert "colour" in response.json()["issue"][0]["diagnostics"]
    response = api.get("/fhir/Appointment", date="yesterday")
    assert response.status_code == 400
    assert api.get("/fhir/Spaceship").status_code == 404
    assert api.get("/fhir/Patient/999999").status_code == 404


def test_paging_links_walk_every_result_once(db, partner_api):
    ensure_appointment_types()
    made = {str(PatientFactory().pk) for _ in range(7)}
    api = partner_api(READ)
    seen: list[str] = []
    response = api.get("/fhir/Patient", _count=3).json()
    pages = 0
    while True:
        pages += 1
        seen += [e["resource"]["id"] for e in response.get("entry", [])]
        links = {link["relation"]: link["url"] for link in response["link"]}
        assert "_count=3" in links["self"]
        if "next" not in links:
            break
        response = api.get(local(links["next"])).json()
    assert pages == 3
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))


def test_a_page_costs_the_same_queries_whatever_its_size(db, partner_api, world):
    api = partner_api(ALL_SCOPES)

    def queries(resource_type: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"/fhir/{resource_type}", _count=100).status_code == 200
        return len(captured)

    before = {name: queries(name) for name in ["Patient", "DocumentReference", "Observation"]}
    for _ in range(5):
        PatientFactory()
    OutcomeFactory(episode=world.episode, timepoint="six_weeks", nprs=4, rmdq=8)
    after = {name: queries(name) for name in before}
    assert after == before


def test_every_call_is_audited_with_the_client_and_each_patient(world, partner_api):
    api = partner_api(READ, name="Kingston eReferral hub")
    api.get(f"/fhir/Patient/{world.patient.pk}")
    row = AuditEvent.objects.filter(path=f"/fhir/Patient/{world.patient.pk}").get()
    assert row.username == "FHIR client Kingston eReferral hub"
    assert row.patient_id == world.patient.pk and row.action == "view"
    api.get("/fhir/Appointment")
    assert AuditEvent.objects.filter(path="/fhir/Appointment", patient_id=world.patient.pk).exists()


def test_the_audit_log_needs_the_privacy_officer_scope(world, partner_api):
    reader = partner_api(READ, name="reader")
    assert reader.get("/fhir/AuditEvent").status_code == 403
    officer = partner_api(f"{READ} {AUDIT_READ}", name="privacy")
    events = officer.get("/fhir/AuditEvent", patient=world.patient.pk).json()["entry"]
    assert events and all(
        e["resource"]["entity"][0]["what"]["reference"] == f"Patient/{world.patient.pk}"
        for e in events
    )


def test_the_signed_note_pdf_is_served_as_binary(world, partner_api):
    api = partner_api(READ)
    response = api.get(f"/fhir/Binary/note-{world.note.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        path=f"/fhir/Binary/note-{world.note.pk}", action="print", patient_id=world.patient.pk
    ).exists()

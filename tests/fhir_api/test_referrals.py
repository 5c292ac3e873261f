"""Referrals in and out over FHIR, and the consultation note back to the referrer's system, as the
partners see them (issue 17)."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from fhir.resources.R4B import get_fhir_model_class

from care_episodes import services as care_services
from care_episodes.models import NoteDelivery
from fhir_api.models import READ, REFERRAL_STATUS, REFERRAL_WRITE
from intake.models import IncomingReferral, Patient, ReferralAttachment
from intake.selectors import referral_worklist
from lbp_pathway.audit import as_actor
from referrals import rules
from referrals.models import ReferralEvent
from tests.care_episodes.factories import NoteFactory
from tests.factories import PatientFactory
from tests.fhir_api.conftest import api_for, local, make_partner

HCN = "https://fhir.infoway-inforoute.ca/NamingSystem/ca-on-patient-hcn"
SNOMED = "http://snomed.info/sct"
CARD = "9876543217"  # a valid Ontario health card number (Luhn check digit)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def valid(resource: dict):
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def referral_bundle(identifier: str = "ref-0001", **changes) -> dict:
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": HCN, "value": CARD}],
        "name": [{"family": "Tremblay", "given": ["Sophie"]}],
        "gender": "female",
        "birthDate": "1971-04-12",
        "telecom": [{"system": "phone", "value": "613-555-0142"}],
        "address": [{"postalCode": "K7L 3N6"}],
    }
    practitioner = {
        "resourceType": "Practitioner",
        "identifier": [{"system": "https://cpso.on.ca", "value": "98765"}],
        "name": [{"family": "Okafor", "given": ["Adaeze"]}],
        "telecom": [{"system": "email", "value": "a.okafor@clinic.example.org"}],
    }
    request = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "https://ereferral.example.org/referrals", "value": identifier}],
        "status": "active",
        "intent": "order",
        "priority": "routine",
        "subject": {"reference": "urn:uuid:patient-1"},
        "requester": {"reference": "urn:uuid:practitioner-1"},
        "reasonCode": [
            {"coding": [{"system": SNOMED, "code": "279039007"}], "text": "Low back pain, 8 weeks"}
        ],
        "authoredOn": "2026-11-30",
    }
    letter = {
        "resourceType": "DocumentReference",
        "status": "current",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "title": "referral-letter.pdf",
                    "data": base64.b64encode(PDF).decode(),
                }
            }
        ],
    }
    resources = {"Patient": patient, "Practitioner": practitioner, "ServiceRequest": request}
    resources["DocumentReference"] = letter
    for path, value in changes.items():
        kind, _, key = path.partition(".")
        if value is None:
            resources[kind].pop(key, None)
        else:
            resources[kind][key] = value
    urls = {
        "Patient": "urn:uuid:patient-1",
        "Practitioner": "urn:uuid:practitioner-1",
        "ServiceRequest": "urn:uuid:request-1",
        "DocumentReference": "urn:uuid:letter-1",
    }
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": urls[kind],
                "resource": resource,
                "request": {"method": "POST", "url": kind},
            }
            for kind, resource in resources.items()
        ],
    }


@pytest.fixture
def hub(db):
    """The eReferral hub's client: it sends referrals and reads what concerns them."""
    return make_partner("Ocean-like hub", f"{READ} {REFERRAL_WRITE}")


def counts() -> tuple[int, int, int]:
    return (
        Patient.objects.count(),
        IncomingReferral.objects.count(),
        ReferralAttachment.objects.count(),
    )


def test_a_referral_bundle_lands_on_the_front_desk_worklist(hub):
    api = api_for(hub)
    response = api.post("/fhir/", referral_bundle())
    assert response.status_code == 201, response.content
    answer = valid(response.json())
    assert answer.type == "transaction-response"
    referral = IncomingReferral.objects.get()
    assert response["Location"].endswith(f"/ServiceRequest/in-{referral.pk}")
    assert referral.patient.health_card_number == CARD
    assert referral.referrer.name == "Adaeze Okafor"
    assert referral.received_via == "fhir"
    assert referral.attachments.count() == 1
    assert referral in referral_worklist()
    read = api.get(f"/fhir/ServiceRequest/in-{referral.pk}")
    assert read.status_code == 200
    assert valid(read.json()).requester.display == "Adaeze Okafor"


def test_the_same_referral_sent_again_returns_the_first_and_stores_nothing(hub):
    api = api_for(hub)
    first = api.post("/fhir/", referral_bundle())
    before = counts()
    again = api.post("/fhir/", referral_bundle())
    assert again.status_code == 200
    assert again["Location"] == first["Location"]
    assert counts() == before


def test_a_plain_service_request_with_contained_patient_is_accepted(hub):
    bundle = referral_bundle()
    resources = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    request = copy.deepcopy(resources["ServiceRequest"])
    request["contained"] = [
        {**resources["Patient"], "id": "p"},
        {**resources["Practitioner"], "id": "r"},
    ]
    request["subject"] = {"reference": "#p"}
    request["requester"] = {"reference": "#r"}
    response = api_for(hub).post("/fhir/ServiceRequest", request)
    assert response.status_code == 201, response.content
    assert valid(response.json()).id.startswith("in-")
    assert response["Location"].endswith(f"/ServiceRequest/{response.json()['id']}")


@pytest.mark.parametrize(
    ("changes", "expression", "words"),
    [
        ({"ServiceRequest.subject": {"reference": "urn:uuid:nobody"}}, "Patient", "no patient"),
        (
            {
                "ServiceRequest.reasonCode": [
                    {"coding": [{"system": SNOMED, "code": "22298006"}]}  # myocardial infarction
                ]
            },
            "ServiceRequest.reasonCode[0]",
            "Unknown reason code",
        ),
        (
            {"Patient.identifier": [{"system": HCN, "value": "1234567890"}]},
            "Patient.identifier",
            "check digit",
        ),
        ({"ServiceRequest.identifier": None}, "ServiceRequest.identifier", "identifier"),
    ],
    ids=["missing patient", "unknown code", "wrong health card", "no identifier"],
)
def test_a_bad_referral_is_refused_naming_the_problem_and_nothing_is_stored(
    hub, changes, expression, words
):
    before = counts()
    response = api_for(hub).post("/fhir/", referral_bundle(**changes))
    assert response.status_code == 422, response.content
    outcome = valid(response.json())
    assert any(
        issue.expression == [expression] and words in issue.diagnostics for issue in outcome.issue
    ), response.json()
    assert counts() == before


def test_a_health_card_on_file_for_someone_else_is_refused_not_merged(hub):
    PatientFactory(health_card_number=CARD, first_name="Marc", last_name="Lavoie")
    before = counts()
    response = api_for(hub).post("/fhir/", referral_bundle())
    assert response.status_code == 422
    assert "different" in response.json()["issue"][0]["diagnostics"]
    assert counts() == before


def test_a_resource_fhir_refuses_is_a_400_naming_each_problem(hub):
    before = counts()
    bad = referral_bundle(**{"Patient.birthDate": "12/04/1971", "ServiceRequest.intent": None})
    response = api_for(hub).post("/fhir/", bad)
    assert response.status_code == 400
    messages = [issue["expression"][0] for issue in response.json()["issue"]]
    assert any("birthDate" in where for where in messages)
    assert any("intent" in where for where in messages)
    assert counts() == before
    assert api_for(hub).post("/fhir/", {"resourceType": "Bundle"}).status_code == 400


def test_a_read_only_client_cannot_send_referrals(db):
    reader = api_for(make_partner("reader", READ))
    response = reader.post("/fhir/", referral_bundle())
    assert response.status_code == 403
    assert IncomingReferral.objects.count() == 0


def test_a_referrers_system_sees_only_its_own_patients(hub, world):
    api = api_for(hub)
    assert api.get(f"/fhir/Patient/{world.patient.pk}").status_code == 404
    assert api.get("/fhir/Patient").json().get("entry") is None
    api.post("/fhir/", referral_bundle())
    mine = api.get("/fhir/Patient").json()["entry"]
    assert [e["resource"]["identifier"][1]["value"] for e in mine] == [CARD]
    requests = api.get("/fhir/ServiceRequest").json()["entry"]
    assert len(requests) == 1
    assert api.get(f"/fhir/Binary/note-{world.note.pk}").status_code == 404


def test_the_signed_note_goes_back_to_the_referrers_system(hub, world):
    api = api_for(hub)
    api.post("/fhir/", referral_bundle())
    referral = IncomingReferral.objects.get(received_via="fhir")
    assert api.get("/fhir/Communication").json().get("entry") is None
    note = care_services.sign_note(
        NoteFactory(episode=referral.episode, author=world.physio), actor=as_actor(world.physio)
    )
    polled = api.get("/fhir/Communication", _lastUpdated="ge2026-01-01").json()["entry"]
    assert len(polled) == 1
    valid(polled[0]["resource"])
    document_id = polled[0]["resource"]["payload"][0]["contentReference"]["reference"]
    assert document_id == f"DocumentReference/{note.pk}"
    patient = referral.patient_id
    found = api.get("/fhir/DocumentReference", patient=patient).json()["entry"]
    document = valid(found[0]["resource"])
    assert document.context.related[1].reference == f"ServiceRequest/in-{referral.pk}"
    pdf = api.get(f"/fhir/Binary/note-{note.pk}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    delivery = NoteDelivery.objects.get(note=note, channel="webhook")
    assert delivery.retrieved_at is not None


@pytest.fixture
def destination_client(world):
    referral = world.sent_referral
    partner = make_partner(
        "Community physio", f"{READ} {REFERRAL_STATUS}", destination=referral.destination
    )
    return api_for(partner)


def test_a_referral_out_is_a_service_request_with_its_letter(world, destination_client):
    referral = world.sent_referral
    request = destination_client.get(f"/fhir/ServiceRequest/out-{referral.pk}")
    assert request.status_code == 200
    resource = valid(request.json())
    assert resource.supportingInfo[0].reference == f"DocumentReference/letter-{referral.pk}"
    letter = destination_client.get(f"/fhir/DocumentReference/letter-{referral.pk}").json()
    url = letter["content"][0]["attachment"]["url"]
    pdf = destination_client.get(local(url))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # It sees the referral sent to it, not the patient's other records.
    assert destination_client.get(f"/fhir/ServiceRequest/in-{world.incoming.pk}").status_code == 404


def test_the_receiving_partner_updates_the_status_as_a_referral_event(world, destination_client):
    referral = world.sent_referral
    path = f"/fhir/ServiceRequest/out-{referral.pk}"
    accept = [{"op": "replace", "path": "/extension/0/valueCode", "value": "accepted"}]
    response = destination_client.patch(path, accept)
    assert response.status_code == 200, response.content
    assert response.json()["extension"][0]["valueCode"] == "accepted"
    referral.refresh_from_db()
    assert referral.status == rules.ACCEPTED
    event = ReferralEvent.objects.filter(referral=referral).last()
    assert event.to_status == rules.ACCEPTED and "Community physio" in event.note
    # A move the rules refuse: an accepted referral is booked before the patient is seen.
    refused = destination_client.patch(
        path, [{"op": "replace", "path": "/status", "value": "completed"}]
    )
    assert refused.status_code == 409
    assert "cannot become seen" in refused.json()["issue"][0]["diagnostics"]


def test_only_the_destinations_client_with_the_status_scope_may_update(world, partner_api):
    referral = world.sent_referral
    path = f"/fhir/ServiceRequest/out-{referral.pk}"
    accept = [{"op": "replace", "path": "/extension/0/valueCode", "value": "accepted"}]
    assert partner_api(READ).patch(path, accept).status_code == 403
    stranger = partner_api(f"{READ} {REFERRAL_STATUS}", name="other")
    assert stranger.patch(path, accept).status_code == 404
    referral.refresh_from_db()
    assert referral.status == rules.SENT


def test_fhir_export_writes_ndjson_per_type(world, tmp_path: Path):
    call_command("fhir_export", "--to", str(tmp_path))
    patients = (tmp_path / "Patient.ndjson").read_text().splitlines()
    assert len(patients) == Patient.objects.count()
    for name in ["ServiceRequest", "Observation", "DocumentReference", "Appointment"]:
        lines = (tmp_path / f"{name}.ndjson").read_text().splitlines()
        assert lines, name
        for line in lines:
            valid(json.loads(line))
    assert not (tmp_path / "AuditEvent.ndjson").exists()

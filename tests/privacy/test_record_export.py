"""A PHIPA access request: the privacy officer (the role that holds the audit log) exports one patient's
whole record as a PDF and a JSON bundle (issue 19). Every section of the record is in both, the export
is audited with the request's reference, and every other role is refused (403, audited)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from care_episodes import services as care_services
from lbp_pathway.access import Role
from lbp_pathway.audit import as_actor
from lbp_pathway.models import AuditEvent
from reminders.models import Reminder
from tests.factories import PatientFactory
from tests.privacy.factories import AccessWorld
from tests.reminders.factories import ReminderFactory

pytestmark = pytest.mark.django_db

REQUEST = "Patient's written request, ref. AR-2026-014"


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = AccessWorld()
    world.assessed()
    world.plan()
    note = world.signed_note()
    addendum = care_services.start_addendum(note, actor=as_actor(world.physio))
    addendum.body = "Addendum: imaging report reviewed, no change to the plan."
    addendum.save()
    care_services.sign_note(addendum, actor=as_actor(world.physio))
    world.appointment()  # before the emergency alert, which holds the patient's bookings
    world.alert()  # a triage decision with a red flag, and the alert to the physician
    world.referral_with_report()
    ReminderFactory(
        patient=world.patient,
        status=Reminder.Status.SENT,
        sent_at=timezone.now(),
        key="appointment:exported:48",
    )
    world.addendum = addendum
    return world


def export(client, world, kind: str, reason: str = REQUEST):
    client.force_login(world.users[Role.ADMINISTRATOR])
    return client.post(
        reverse("records:export", args=[world.patient.pk]), {"reason": reason, "kind": kind}
    )


def test_the_json_bundle_holds_every_section_of_the_record(client, world):
    # Someone looked at the record before the request: the export says who.
    client.force_login(world.physio)
    assert (
        client.get(reverse("care_episodes:episode_detail", args=[world.episode.pk])).status_code
        == 200
    )

    response = export(client, world, "json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    bundle = json.loads(response.content)
    assert bundle["patient_id"] == world.patient.pk
    sections = {key: value["records"] for key, value in bundle["sections"].items()}
    (demographics,) = sections["demographics"]
    assert demographics["last_name"] == world.patient.last_name
    assert demographics["date_of_birth"] == world.patient.date_of_birth.isoformat()
    assert demographics["health_card_number"] == world.patient.health_card_number
    assert world.episode.pk in {episode["id"] for episode in sections["episodes"]}
    assert sections["episode_events"]
    assert any(d["disposition"] == "emergency" for d in sections["triage_decisions"])
    assert sections["red_flag_alerts"]
    assert sections["assessments"][0]["episode_id"] == world.episode.pk
    assert sections["outcomes"]
    assert sections["self_management_plans"][0]["goals"] == "Garden again"
    notes = sections["consultation_notes"]
    assert len(notes) == 2
    original, addendum = notes
    assert addendum["previous_id"] == original["id"]
    assert addendum["body"] == world.addendum.body
    assert original["signed_by_username"] == world.physio.username
    referral = sections["referrals"][0]
    assert referral["reason"] == world.referral().reason
    assert referral["report"]  # the stored report's name
    assert sections["referral_events"]
    assert sections["appointments"][0]["id"] == world.appointment().pk
    sent = [m for m in sections["messages"] if m["key"] == "appointment:exported:48"]
    assert sent and sent[0]["status"] == "sent" and "claim_token" not in sent[0]
    viewers = {(row["username"], row["action"]) for row in sections["access_audit"]}
    assert (world.physio.username, "view") in viewers


def test_the_pdf_shows_every_section_and_the_record_s_content(client, world):
    response = export(client, world, "pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for heading in (
        "Demographics",
        "Episodes of care",
        "Triage decisions",
        "Assessments",
        "Outcome measures",
        "Self-management plans",
        "Consultation notes and addenda",
        "Referrals onward",
        "Appointments",
        "Messages and reminders",
        "Who accessed the record",
    ):
        assert heading in text, heading
    assert world.patient.last_name in text
    assert "Garden again" in text
    assert "imaging report reviewed" in text
    assert world.physio.username in text


def test_the_zip_holds_the_pdf_the_json_and_the_uploaded_report(client, world):
    response = export(client, world, "zip")

    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    names = bundle.namelist()
    assert any(name.endswith(".pdf") and "/" not in name for name in names)
    assert any(name.endswith(".json") for name in names)
    (report,) = (name for name in names if name.startswith("documents/"))
    assert bundle.read(report) == world.referral_with_report().report.open("rb").read()


def test_the_export_is_audited_with_the_request(client, world):
    before = AuditEvent.objects.count()
    export(client, world, "json")
    row = AuditEvent.objects.filter(pk__gt=0).order_by("-seq").first()
    assert AuditEvent.objects.count() > before
    assert row.action == AuditEvent.Action.PRINT
    assert row.patient_id == world.patient.pk
    assert row.username == world.users[Role.ADMINISTRATOR].username
    assert row.reason == REQUEST
    assert "export" in row.what.lower()


def test_an_export_without_the_request_is_refused_and_not_audited(client, world):
    before = AuditEvent.objects.filter(action=AuditEvent.Action.PRINT).count()
    response = export(client, world, "pdf", reason="")
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PRINT).count() == before


def test_the_page_names_the_patient_and_is_reached_from_the_audit_log(client, world):
    client.force_login(world.users[Role.ADMINISTRATOR])
    audit_page = client.get(reverse("audit_log"), {"patient_id": world.patient.pk}).content.decode()
    link = reverse("records:export", args=[world.patient.pk])
    assert link in audit_page
    page = client.get(link).content.decode()
    assert world.patient.full_name in page
    assert "Consultation notes and addenda" in page
    assert AuditEvent.objects.filter(
        patient_id=world.patient.pk, action="view", what="Whole-record export page"
    ).exists()
    found = client.get(reverse("records:find_patient"), {"patient_id": world.patient.pk})
    assert found.status_code == 302 and found["Location"] == link


@pytest.mark.parametrize(
    "role", [Role.FRONT_DESK, Role.PHYSIOTHERAPIST, Role.FAMILY_PHYSICIAN, Role.MANAGER]
)
def test_other_roles_are_refused_and_the_refusal_is_audited(client, world, role):
    client.force_login(world.users[role])
    link = reverse("records:export", args=[world.patient.pk])
    assert client.get(link).status_code == 403
    assert client.post(link, {"reason": REQUEST, "kind": "json"}).status_code == 403
    assert client.get(reverse("records:find_patient")).status_code == 403
    assert AuditEvent.objects.filter(
        patient_id=world.patient.pk, action="denied", username=world.users[role].username
    ).exists()
    assert not AuditEvent.objects.filter(patient_id=world.patient.pk, action="print").exists()


def test_an_unknown_patient_is_404(client, world):
    client.force_login(world.users[Role.ADMINISTRATOR])
    missing = PatientFactory().pk + 1000
    assert client.get(reverse("records:export", args=[missing])).status_code == 404

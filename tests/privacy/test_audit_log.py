"""The privacy officer's audit log: who looked at a patient's record, what a user looked at, CSV."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.db.utils import InternalError
from django.urls import reverse
from django.utils import timezone

from lbp_pathway.models import AuditEvent
from tests.factories import PatientFactory, UserFactory
from tests.privacy.factories import AuditEventFactory

# Every test here uses the database, some through request.getfixturevalue, which pytest-django cannot
# see when it orders the tests: without the mark such a test can run after a transactional one has
# emptied the tables (the clinic's appointment types gone, the front desk home failing).
pytestmark = pytest.mark.django_db


@pytest.fixture
def events(physio, physician):
    return [
        AuditEventFactory(user=physio, patient_id=7, what="Assessment"),
        AuditEventFactory(user=physician, patient_id=7, what="Consultation note"),
        AuditEventFactory(user=physician, patient_id=8, what="Triage alert"),
    ]


def test_who_looked_at_this_patients_record(administrator, events, client_for):
    page = client_for(administrator).get(reverse("audit_log"), {"patient_id": 7})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Assessment" in html and "Consultation note" in html
    assert "Triage alert" not in html
    assert "2 events" in html


def test_what_did_this_user_look_at_over_a_period(administrator, events, client_for):
    today = timezone.localdate()
    page = client_for(administrator).get(
        reverse("audit_log"),
        {"username": "md", "date_from": today - timedelta(days=1), "date_to": today},
    )
    html = page.content.decode()
    assert "Consultation note" in html and "Triage alert" in html
    assert "Assessment" not in html


def test_a_period_in_the_past_shows_nothing_from_today(administrator, events, client_for):
    last_week = timezone.localdate() - timedelta(days=7)
    html = client_for(administrator).get(
        reverse("audit_log"), {"date_from": last_week, "date_to": last_week}
    )
    assert "No events match" in html.content.decode()


def test_an_end_date_before_the_start_date_is_explained(administrator, client_for):
    html = client_for(administrator).get(
        reverse("audit_log"), {"date_from": "2026-03-02", "date_to": "2026-03-01"}
    )
    assert "The end date is before the start date" in html.content.decode()


def test_the_audit_log_page_costs_the_same_queries_for_many_events(
    administrator, client_for, django_assert_max_num_queries
):
    AuditEventFactory.create_batch(60, user=UserFactory())
    client = client_for(administrator)
    client.get(reverse("audit_log"))  # warm the session
    with django_assert_max_num_queries(9):  # 8, and 1 for the last verification of the chain
        response = client.get(reverse("audit_log"))
    assert response.content.decode().count("<tr") == 51  # header + a page of 50


def test_export_gives_the_filtered_events_as_csv_and_is_itself_audited(
    administrator, events, client_for
):
    response = client_for(administrator).get(reverse("audit_log_export"), {"patient_id": 7})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["what"] for row in rows] == ["Consultation note", "Assessment"]
    export = AuditEvent.objects.filter(action="print").get()
    assert (export.username, export.patient_id, export.reason) == ("adm", 7, "patient_id=7")


def test_csv_cells_cannot_start_a_spreadsheet_formula(administrator, client_for, physio):
    AuditEventFactory(user=physio, what="=HYPERLINK(1)")
    response = client_for(administrator).get(reverse("audit_log_export"))
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(1)" in body


@pytest.mark.parametrize("fixture", ["front_desk", "physio", "physician", "manager"])
def test_only_the_privacy_officer_reads_the_audit_log(fixture, request, client_for, events):
    client = client_for(request.getfixturevalue(fixture))
    assert client.get(reverse("audit_log")).status_code == 403
    assert client.get(reverse("audit_log_export")).status_code == 403


def test_the_audit_log_refuses_changes_and_deletions_through_the_orm(events):
    event = events[0]
    event.what = "Nothing to see"
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        event.save()
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.what == "Assessment"


# Issue 18: the privacy officer finds a patient by what appears on screen and in a complaint (name,
# birth date, health card), not by an internal id, and the results name the patient.


@pytest.fixture
def levesques(physio):
    zoe = PatientFactory(
        first_name="Zoé",
        last_name="Lévesque",
        date_of_birth=date(1981, 4, 2),
        health_card_number="4532156789",
    )
    other = PatientFactory(
        first_name="Zoe",
        last_name="Levesque",
        date_of_birth=date(1990, 11, 23),
        health_card_number="9876543210",
    )
    AuditEventFactory(user=physio, patient_id=zoe.pk, what="Assessment")
    AuditEventFactory(user=physio, patient_id=other.pk, what="Consultation note")
    return zoe, other


@pytest.mark.parametrize("typed", ["Lévesque 1981-04-02", "4532156789", "1981-04-02"])
def test_the_audit_log_finds_a_patient_by_name_birth_date_or_health_card(
    administrator, levesques, client_for, typed
):
    zoe, _ = levesques
    html = client_for(administrator).get(reverse("audit_log"), {"patient": typed}).content.decode()
    assert "Accesses to the record of" in html and "Lévesque, Zoé (1981-04-02)" in html
    assert "Assessment" in html and "Consultation note" not in html
    assert "1 event" in html
    looked_up = AuditEvent.objects.filter(user=administrator, patient_id=zoe.pk).get()
    assert looked_up.action == "view" and "Audit log" in looked_up.what


def test_several_patients_of_the_same_name_are_listed_to_choose_from(
    administrator, levesques, client_for
):
    zoe, other = levesques
    client = client_for(administrator)
    html = client.get(reverse("audit_log"), {"patient": "levesque"}).content.decode()
    assert "2 patients match: choose one" in html
    assert "Lévesque, Zoé (1981-04-02)" in html and "Levesque, Zoe (1990-11-23)" in html
    assert "•••••••789" in html and "4532156789" not in html  # health cards masked
    assert "Assessment" not in html  # no events until one patient is chosen
    chosen = client.get(reverse("audit_log"), {"patient": "levesque", "patient_id": other.pk})
    assert "Consultation note" in chosen.content.decode()
    assert "Assessment" not in chosen.content.decode()


def test_an_unknown_patient_is_explained(administrator, levesques, client_for):
    html = client_for(administrator).get(reverse("audit_log"), {"patient": "Nobody-Here"})
    assert "No patient matches this name, birth date or health card." in html.content.decode()


def test_results_name_the_patient_not_only_an_id(administrator, levesques, client_for):
    html = client_for(administrator).get(reverse("audit_log")).content.decode()
    assert "Lévesque, Zoé (1981-04-02)" in html and "Levesque, Zoe (1990-11-23)" in html

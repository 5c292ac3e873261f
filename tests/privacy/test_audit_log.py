"""The privacy officer's audit log: who looked at a patient's record, what a user looked at, CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.utils import InternalError
from django.urls import reverse
from django.utils import timezone

from lbp_pathway.models import AuditEvent
from tests.factories import UserFactory
from tests.privacy.factories import AuditEventFactory


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

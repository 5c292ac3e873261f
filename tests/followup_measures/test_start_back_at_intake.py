"""STarT Back at intake (issue 15): booking an episode sends the existing STarT Back link to a
patient who consented to messages, once; a patient without consent gets nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from followup_measures import services, tasks
from intake import services as intake
from lbp_pathway.audit import as_actor
from reminders.models import Reminder
from tests.factories import PatientFactory
from tests.intake.conftest import Clinic
from tests.intake.factories import at, new_assessment
from triage.models import QuestionnaireLink

pytestmark = pytest.mark.django_db


def book(clinic, patient, hour):
    return intake.book_appointment(
        patient=patient,
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=at(clinic.monday, hour),
        appointment_type=new_assessment(),
        actor=as_actor(clinic.physio),
        now=clinic.now,
    )


def test_a_booked_patient_who_consented_gets_the_start_back_link_once(client) -> None:
    clinic = Clinic()
    consented = PatientFactory(consent_sms_reminders=True, phone="613-555-0101")
    silent = PatientFactory(consent_sms_reminders=False, consent_email_reminders=False)
    booked = book(clinic, consented, 9)
    book(clinic, silent, 10)

    assert services.send_start_back_links(now=clinic.now) == 1
    assert services.send_start_back_links(now=clinic.now) == 0  # once per episode

    link = QuestionnaireLink.objects.get()
    assert link.episode == booked.episode
    message = Reminder.objects.get(patient=consented, kind="outcome_due")
    assert message.channel == "sms"
    assert message.due_at == clinic.now
    assert not Reminder.objects.filter(patient=silent, kind="outcome_due").exists()
    # The URL in the message opens the existing STarT Back page.
    path = message.context["url"].split("localhost:8000", 1)[1]
    assert path.startswith(reverse("triage:patient_questionnaire", args=["x"]).rsplit("x", 1)[0])
    assert client.get(path).status_code == 200


def test_the_beat_schedule_sends_questionnaires(settings) -> None:
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "followup_measures.tasks.send_questionnaires"
    ]
    assert len(entries) == 1 and entries[0]["schedule"] <= 3600
    clinic = Clinic()
    book(clinic, PatientFactory(consent_email_reminders=True), 9)
    assert tasks.send_questionnaires() == 1

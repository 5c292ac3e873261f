"""Issue 16, done when: "A French-speaking demo patient receives French reminders, handout and
questionnaire." On the demo data `make run` seeds, the beat's sweeps run as they would, every message
to the demo's French-speaking patient is read for English, the questionnaire link it carries is opened
on a phone set to English, and her handout is printed."""

import re
from datetime import datetime, time, timedelta
from io import BytesIO

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from care_episodes.models import Episode, Exercise, SelfManagementPlan
from demo.intake import FRENCH_PATIENT
from followup_measures import services as questionnaires
from intake.models import Patient
from reminders import services as reminders
from reminders.models import Reminder
from tests.integration.test_french_everywhere import (
    demo,  # noqa: F401  (the fixture)
    english_left,
    english_messages,
)
from tests.reminders.conftest import recording  # noqa: F401  (the fixture)

ENGLISH_PHONE = {"HTTP_ACCEPT_LANGUAGE": "en-CA,en;q=0.9"}
LINK = re.compile(r"https?://[^/\s]+(/(?:triage/q|p/questionnaire)/[^\s\"<>]+/)")


def run_the_beat_until_her_next_questionnaire(patient: Patient) -> None:
    """The sweeps the beat runs (STarT Back links, outcome questionnaires, due reminders), on each
    day from today until a questionnaire has gone to the patient (her schedule runs to 12 months)."""
    day = timezone.localdate()
    for _ in range(400):
        now = timezone.make_aware(datetime.combine(day, time(10)))
        questionnaires.send_start_back_links(now=now)
        questionnaires.send_due_questionnaires(today=day, now=now)
        while True:
            token, ids = reminders.claim_due_reminders(now=now)
            if not ids:
                break
            reminders.deliver_reminders(ids, token, now=now)
        if Reminder.objects.filter(patient=patient, kind="outcome_due", status="sent").exists():
            return
        day += timedelta(days=1)


@pytest.mark.django_db
def test_the_french_speaking_demo_patient_gets_french_messages_questionnaire_and_handout(
    demo,  # noqa: F811
    recording,  # noqa: F811
    client,
):
    patient = Patient.objects.get(
        first_name=FRENCH_PATIENT["first_name"], last_name=FRENCH_PATIENT["last_name"]
    )
    assert patient.preferred_language == "fr"
    run_the_beat_until_her_next_questionnaire(patient)
    addresses = {patient.email, patient.phone} - {""}
    messages = [m for m in recording.sent() if m.get("to") in addresses]
    assert messages, "the demo's French-speaking patient is reminded"
    english = english_messages()
    for message in messages:
        for text in (message.get("subject", ""), message["body"]):
            assert english_left(f"<p>{text}</p>", english) == [], message

    links = [LINK.search(m["body"]) for m in messages]
    links = [found.group(1) for found in links if found]
    assert links, "a questionnaire link reaches her"
    for path in links:
        page = client.get(path, **ENGLISH_PHONE)
        assert page.status_code == 200, path
        html = page.content.decode()
        assert '<html lang="fr-CA"' in html
        assert english_left(html, english) == [], path

    episode = (
        Episode.objects.filter(patient=patient, plan__isnull=False).order_by("-pk").first()
        or Episode.objects.filter(patient=patient).order_by("-pk").first()
    )
    physio = episode.physiotherapist or User.objects.get(username="physio")
    client.force_login(physio)
    if not SelfManagementPlan.objects.filter(episode=episode).exists():
        # The demo's ids decide whether it wrote her plan already; if not, her physio writes it.
        plan_url = reverse("care_episodes:plan", args=[episode.pk])
        form = client.get(plan_url).context["form"]
        exercises = [str(pk) for pk in Exercise.objects.values_list("pk", flat=True)[:3]]
        written = client.post(
            plan_url,
            {
                "education_topics": ["stay_active"],
                "exercises": exercises,
                "safety_netting": form.initial["safety_netting"],
            },
        )
        assert written.status_code == 302
    pdf = client.get(reverse("care_episodes:handout_pdf", args=[episode.pk]), **ENGLISH_PHONE)
    assert pdf.status_code == 200
    reader = PdfReader(BytesIO(pdf.content))
    assert str(reader.trailer["/Root"].get("/Lang", "")).startswith("fr")
    text = " ".join(page.extract_text() for page in reader.pages)
    assert english_left(f"<p>{text}</p>", english) == []

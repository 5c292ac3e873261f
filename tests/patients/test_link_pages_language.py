"""Issue 16: a page the patient opens from their own link (STarT Back questionnaire, outcome
questionnaire, booking link) speaks the patient's language, like the message that carried the link,
whatever language the phone asks for; the page's language switch (the language cookie) still wins."""

import pytest
from django.conf import settings
from django.urls import reverse

from lbp_pathway.audit import SYSTEM, as_actor
from patients import booking
from tests.factories import EpisodeFactory, PatientFactory, UserFactory
from tests.followup_measures.factories import invite_token
from triage import services as triage

pytestmark = pytest.mark.django_db

ENGLISH_PHONE = {"HTTP_ACCEPT_LANGUAGE": "en-CA,en;q=0.9"}
FRENCH_PHONE = {"HTTP_ACCEPT_LANGUAGE": "fr-CA,fr;q=0.9"}


def start_back_path(patient) -> str:
    episode = EpisodeFactory(patient=patient)
    _link, token = triage.create_questionnaire_link(episode, actor=as_actor(UserFactory()))
    return reverse("triage:patient_questionnaire", args=[token])


def outcome_path(patient) -> str:
    episode = EpisodeFactory(patient=patient)
    return reverse("followup_measures:answer", args=[invite_token(episode)])


def booking_path(patient) -> str:
    _link, token = booking.issue_booking_link(patient=patient, actor=SYSTEM, url_for=str)
    return reverse("patients:book", args=[token])


PAGES = {"start_back": start_back_path, "outcomes": outcome_path, "booking": booking_path}


@pytest.mark.parametrize("page", PAGES)
def test_a_french_speaking_patient_reads_their_link_in_french_on_an_english_phone(client, page):
    path = PAGES[page](PatientFactory(preferred_language="fr"))
    response = client.get(path, **ENGLISH_PHONE)
    assert response.status_code == 200
    assert '<html lang="fr-CA"' in response.content.decode()
    assert response["Content-Language"] == "fr"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("language", ["en", "other"])
def test_other_patients_read_their_link_in_english_on_a_french_phone(client, page, language):
    path = PAGES[page](PatientFactory(preferred_language=language, other_language="Punjabi"))
    response = client.get(path, **FRENCH_PHONE)
    assert '<html lang="en-CA"' in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_the_language_the_visitor_chose_with_the_switch_wins(client, page):
    path = PAGES[page](PatientFactory(preferred_language="fr"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(path, **FRENCH_PHONE)
    assert '<html lang="en-CA"' in response.content.decode()

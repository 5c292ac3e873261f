"""Issue 15: the Oswestry Disability Index by link, where the clinic enabled it (licensed). The rule,
from docs/clinical-rules.md: 10 sections scored 0-5, at least 8 answered; ODI % = the sum of the
answered sections / (5 x the number answered) x 100."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from care_episodes.models import OutcomeMeasurement
from followup_measures.models import QuestionnaireInvite
from tests.followup_measures.factories import invite_token
from tests.followup_measures.test_questionnaires import answers, consented_episode
from triage.models import InstrumentText

pytestmark = pytest.mark.django_db

SECTIONS = [2, 3, 1, None, 4, 0, 5, 2, 1, 3]  # section 4 left blank


def odi_percent(sections):
    answered = [value for value in sections if value is not None]
    return sum(answered) / (5 * len(answered)) * 100


def with_odi(sections):
    return answers(
        **{f"odi_{n}": str(value) for n, value in enumerate(sections, start=1) if value is not None}
    )


@pytest.fixture
def odi_enabled(settings):
    settings.ODI_ENABLED = True


def test_the_patient_answers_the_odi_by_link_and_it_is_scored_into_the_episode(client, odi_enabled):
    episode = consented_episode()
    response = client.post(
        reverse("followup_measures:answer", args=[invite_token(episode)]), with_odi(SECTIONS)
    )
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    measurement = OutcomeMeasurement.objects.get(episode=episode)
    assert measurement.odi == pytest.approx(odi_percent(SECTIONS))  # 21 / 45 x 100 = 46.7
    assert measurement.nprs == 6


def test_too_few_sections_are_refused_clearly_and_nothing_is_saved(client, odi_enabled):
    episode = consented_episode()
    token = invite_token(episode)
    seven = [2, 3, 1, None, 4, None, 5, None, 1, 3]
    response = client.post(reverse("followup_measures:answer", args=[token]), with_odi(seven))
    assert response.status_code == 200
    assert "at least 8 of the 10 sections" in response.content.decode()
    assert not OutcomeMeasurement.objects.filter(episode=episode).exists()
    assert QuestionnaireInvite.objects.get(episode=episode).used_at is None  # still usable


def test_the_score_is_the_same_in_french(client, odi_enabled):
    episode = consented_episode()
    episode.patient.preferred_language = "fr"
    episode.patient.save(update_fields=["preferred_language"])
    url = reverse("followup_measures:answer", args=[invite_token(episode)])
    page = client.get(url).content.decode().replace("&#x27;", "'")
    assert "Votre dos et la vie quotidienne" in page
    client.post(url, with_odi(SECTIONS))
    assert OutcomeMeasurement.objects.get(episode=episode).odi == pytest.approx(
        odi_percent(SECTIONS)
    )


def test_without_the_clinics_wording_each_section_says_it_is_to_be_loaded(client, odi_enabled):
    url = reverse("followup_measures:answer", args=[invite_token(consented_episode())])
    page = client.get(url).content.decode()
    assert "Item 3 of 10: wording to be loaded by the clinic" in page
    assert "Statement scored 5: wording to be loaded by the clinic" in page


def test_the_loaded_wording_is_shown_and_a_wrong_file_is_refused(client, odi_enabled, tmp_path):
    texts = []
    for section in range(1, 11):
        texts += [f"Section title {section}", *[f"S{section} answer {s}" for s in range(6)]]
    path = tmp_path / "odi.json"
    path.write_text(json.dumps({"items": texts, "copyright_notice": "Licensed copy"}))
    call_command("load_instrument_text", str(path), "--instrument", "odi")
    page = client.get(
        reverse("followup_measures:answer", args=[invite_token(consented_episode())])
    ).content.decode()
    assert "Section title 7" in page and "S7 answer 5" in page
    assert "wording to be loaded" not in page.split("Section title 1")[1].split("Three")[0]
    short = tmp_path / "short.json"
    short.write_text(json.dumps({"items": texts[:-1], "copyright_notice": "Licensed copy"}))
    with pytest.raises(CommandError, match="exactly 70"):
        call_command("load_instrument_text", str(short), "--instrument", "odi", "--language", "fr")
    assert not InstrumentText.objects.filter(instrument="odi", language="fr").exists()


def test_where_the_clinic_has_not_enabled_the_odi_it_is_not_asked(client, settings):
    settings.ODI_ENABLED = False
    page = client.get(
        reverse("followup_measures:answer", args=[invite_token(consented_episode())])
    ).content.decode()
    assert 'name="odi_1"' not in page

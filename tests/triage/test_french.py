"""Triage in French: the pages, the red-flag stop, and the licensed STarT Back wording per language.

Licensed wording is never committed: the tests write placeholder files of their own ("FR item n")
and load them with load_instrument_text, as a clinic loads Keele's approved French STarT Back.
"""

import html as html_lib
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from lbp_pathway import audit
from tests.factories import EpisodeFactory
from tests.triage.factories import HIGH_RISK_ANSWERS, TriageEpisodeFactory, facts
from triage import selectors, services
from triage.models import InstrumentText, PhysicianAlert, TriageDecision

pytestmark = pytest.mark.django_db

FR = {"HTTP_ACCEPT_LANGUAGE": "fr-CA,fr;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-CA,en;q=0.9"}


def wording(tag):
    return {
        "items": [f"{tag} item {n}" for n in range(1, 10)],
        "item9_options": [f"{tag} option {n}" for n in range(1, 6)],
        "copyright_notice": f"{tag} licence notice",
    }


def load(tmp_path, tag, *language):
    path = tmp_path / f"{tag}.json"
    path.write_text(json.dumps(wording(tag)), encoding="utf-8")
    call_command("load_instrument_text", str(path), *language)


def text(response):
    return html_lib.unescape(response.content.decode())


def triage_post(answers, **extra):
    data = {f"sb_{n}": a for n, a in enumerate(answers, start=1) if a is not None}
    data["episode_start_date"] = (timezone.localdate() - timedelta(days=60)).isoformat()
    data.update(extra)
    return data


# --- the licensed wording, per language --------------------------------------------------------


def test_english_and_french_wordings_load_side_by_side(tmp_path):
    load(tmp_path, "EN")
    load(tmp_path, "FR", "--language", "fr")
    load(tmp_path, "FR2", "--language", "fr")  # loading French again replaces only French
    rows = dict(
        InstrumentText.objects.filter(instrument="start_back").values_list(
            "language", "copyright_notice"
        )
    )
    assert rows == {"en": "EN licence notice", "fr": "FR2 licence notice"}


def test_the_french_form_shows_the_french_wording_and_the_english_form_the_english(
    tmp_path, physio, client_for
):
    load(tmp_path, "EN")
    load(tmp_path, "FR", "--language", "fr")
    episode = TriageEpisodeFactory(physiotherapist=physio)
    client = client_for(physio)
    url = reverse("triage:episode_triage", args=[episode.pk])
    french = text(client.get(url, **FR))
    assert "7. FR item 7" in french
    assert "FR option 4" in french
    assert "FR licence notice" in french
    assert "EN item" not in french
    english = text(client.get(url, **EN))
    assert "7. EN item 7" in english
    assert "FR item" not in english


def test_the_patient_questionnaire_shows_the_french_wording_in_french(
    tmp_path, physio, client_for, client
):
    load(tmp_path, "EN")
    load(tmp_path, "FR", "--language", "fr")
    episode = EpisodeFactory(physiotherapist=physio, patient__preferred_language="fr")
    response = client_for(physio).post(reverse("triage:questionnaire_link", args=[episode.pk]))
    url = response.context["link_url"]
    path = url[url.index("/triage/q/") :]
    client.logout()
    page = text(client.get(path, **FR))
    assert "Questionnaire sur le mal de dos" in page
    assert "3. FR item 3" in page
    assert "EN item" not in page
    assert "Envoyer mes réponses" in page


def test_without_a_french_wording_the_french_form_shows_the_labelled_placeholder(
    tmp_path, physio, client_for
):
    load(tmp_path, "EN")  # only English loaded: French never falls back to the English wording
    episode = TriageEpisodeFactory(physiotherapist=physio)
    page = text(client_for(physio).get(reverse("triage:episode_triage", args=[episode.pk]), **FR))
    assert "Paraphrase en langage simple (pas le libellé officiel de Keele)" in page
    assert "EN item" not in page


def test_scoring_is_the_same_whatever_the_wording_language(tmp_path, physio, client_for):
    """The same answers through the English and the French form give identical scores: items 1, 3,
    5, 6, 7 agreed and item 9 'very much' is total 6, psychosocial 4 of 5: high risk (Keele)."""
    load(tmp_path, "EN")
    load(tmp_path, "FR", "--language", "fr")
    client = client_for(physio)
    scored = {}
    for name, language in (("en", EN), ("fr", FR)):
        episode = TriageEpisodeFactory(physiotherapist=physio)
        url = reverse("triage:episode_triage", args=[episode.pk])
        assert client.post(url, triage_post(HIGH_RISK_ANSWERS), **language).status_code == 302
        decision = TriageDecision.objects.get(episode=episode)
        scored[name] = (
            decision.risk,
            decision.outputs["start_back"],
            decision.inputs["start_back"],
        )
    assert scored["en"] == scored["fr"]
    risk, start_back, answers = scored["fr"]
    assert (risk, start_back["total"], start_back["psychosocial"]) == ("high", 6, 4)
    assert answers == HIGH_RISK_ANSWERS


# --- the pages in French ------------------------------------------------------------------------


def test_the_triage_form_renders_in_french(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    page = text(client_for(physio).get(reverse("triage:episode_triage", args=[episode.pk]), **FR))
    for french in (
        "Consigner le triage",
        "Drapeaux rouges d'urgence",
        "Nouvelle perte du contrôle des selles",  # an emergency red flag in plain French
        "Critères d'admissibilité",
        "D'accord",
        "Historique des décisions",
    ):
        assert french in page, french
    for english in ("Record triage", "Emergency red flags", "New loss of bowel control", "Agree"):
        assert english not in page, english


def test_the_triage_result_renders_in_french(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    services.record_triage(
        episode,
        facts(red_flags=["history_of_cancer"]),
        HIGH_RISK_ANSWERS,
        actor=audit.as_actor(physio),
    )
    page = text(client_for(physio).get(reverse("triage:episode_triage", args=[episode.pk]), **FR))
    assert "Résultat du triage" in page
    assert "Risque élevé : sous-échelle psychosociale 4 sur 5 (questions 5, 6, 7, 9)" in page
    assert "Physiothérapie à approche psychologique" in page
    assert "Un cancer actuel ou passé" in page
    assert "Évaluation par le médecin de famille avant les soins habituels du parcours" in page
    for english in ("Triage result", "High risk:", "A past or current cancer", "Matched care"):
        assert english not in page, english


def test_the_emergency_stop_renders_in_french(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    client = client_for(physio)
    url = reverse("triage:episode_triage", args=[episode.pk])
    client.post(url, triage_post([None] * 9, emergency_flags="significant_trauma"), **FR)
    page = text(client.get(url, **FR))
    assert "Diriger vers l'urgence maintenant" in page
    assert "Mal de dos après un traumatisme important" in page
    assert "Les rendez-vous habituels sont refusés pour cet épisode" in page
    assert "Send to the Emergency Department now" not in page
    assert "Back pain after a significant injury" not in page
    # The record stays in English, word for word.
    assert "Back pain after a significant injury" in PhysicianAlert.objects.get().message


def test_the_phone_screen_stop_renders_in_french(front_desk, client_for):
    episode = TriageEpisodeFactory()
    url = reverse("triage:phone_screen") + f"?patient={episode.patient.pk}"
    client = client_for(front_desk)
    form = text(client.get(url, **FR))
    assert "Le mal de dos est-il la raison principale de l'appel?" in form
    assert "Is back pain the main reason" not in form
    response = client.post(
        url,
        {
            "back_pain_main_reason": "yes",
            "emergency_symptoms": ["ces_saddle_or_perineal_anaesthesia"],
        },
        **FR,
    )
    page = text(response)
    assert "Diriger vers l'urgence maintenant / composer le 911" in page
    assert "Engourdissement ou sensation modifiée" in page
    assert "Send to the Emergency Department now" not in page


def test_the_alert_clearance_page_renders_in_french(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    services.record_triage(
        episode, facts(red_flags=["significant_trauma"]), [None] * 9, actor=audit.as_actor(physio)
    )
    alert = PhysicianAlert.objects.get(episode=episode)
    client = client_for(alert.physician)
    page = text(client.get(reverse("triage:clear_alert", args=[alert.pk]), **FR))
    assert (
        "Drapeau rouge d'urgence, dirigé vers l'urgence : Mal de dos après un traumatisme" in page
    )
    assert "Lever l'alerte" in page
    assert "Pourquoi l'alerte peut être levée" in page
    assert "Clear the alert" not in page
    assert "Emergency red flag, sent to the Emergency Department" not in page


def test_the_rmdq_wording_loads_per_language_and_never_falls_back_to_another(tmp_path):
    path = tmp_path / "rmdq-fr.json"
    statements = {"items": [f"FR S{n}" for n in range(1, 25)], "copyright_notice": "FR notice"}
    path.write_text(json.dumps(statements), encoding="utf-8")
    call_command("load_instrument_text", str(path), "--instrument", "rmdq", "--language", "fr")
    french = selectors.instrument_text("rmdq", "fr-ca")
    assert french is not None and french.items[23] == "FR S24"
    assert selectors.instrument_text("rmdq", "en") is None

"""Education pages (issue 15): by topic and stratum, English and French, printable, linked from the
self-management handout, public and without patient data."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from care_episodes.models import SelfManagementPlan
from tests.factories import EpisodeFactory

pytestmark = pytest.mark.django_db

TOPICS = {
    # slug: (English title, French title)
    "what-is-back-pain": ("What back pain is", "Qu'est-ce que la douleur au dos?"),
    "staying-active": ("Staying active", "Rester actif"),
    "pain-and-worry": ("Pain, worry and mood", "Douleur, inquiétude et moral"),
    "work": ("Back pain and work", "Douleur au dos et travail"),
    "when-to-seek-help": ("When to seek help", "Quand demander de l'aide"),
}


@pytest.mark.parametrize("slug", sorted(TOPICS))
def test_each_topic_reads_in_english_and_french_and_prints(client, slug) -> None:
    english, french = TOPICS[slug]
    url = reverse("learn:topic", args=[slug])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<h1 class="h3">{english}</h1>' in page.replace("&#x27;", "'")
    assert "learn.css" in page and "Print this page" in page
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert french in page.replace("&#x27;", "'")
    assert 'lang="fr-CA"' in page and "Imprimer cette page" in page


def test_the_emergency_signs_send_the_patient_to_911() -> None:
    page = Client().get(reverse("learn:topic", args=["when-to-seek-help"])).content.decode()
    assert "Call 911 or go to the nearest Emergency Department now" in page


def test_pages_by_stratum_put_the_right_topics_first(client) -> None:
    high = client.get(reverse("learn:for_stratum", args=["high"])).content.decode()
    start = high.split("Start here", 1)[1]
    assert "Pain, worry and mood" in start
    low = client.get(reverse("learn:for_stratum", args=["low"])).content.decode()
    low_start = low.split("Start here", 1)[1].split("Other topics", 1)[0]
    assert "Staying active" in low_start and "Pain, worry and mood" not in low_start
    assert client.get(reverse("learn:for_stratum", args=["severe"])).status_code == 404
    assert client.get(reverse("learn:topic", args=["nothing-here"])).status_code == 404


def test_print_css_hides_the_page_chrome(client) -> None:
    css = open(finders.find("followup_measures/learn.css"), encoding="utf-8").read()
    assert "@media print" in css and ".patient-header" in css


def test_the_handout_links_to_the_pages_for_the_patients_stratum(client_for, physio) -> None:
    episode = EpisodeFactory(physiotherapist=physio, status="in_care", risk="medium")
    SelfManagementPlan.objects.create(episode=episode, by=physio, safety_netting="Call us.")
    page = client_for(physio).get(reverse("care_episodes:handout", args=[episode.pk]))
    assert reverse("learn:for_stratum", args=["medium"]) in page.content.decode()

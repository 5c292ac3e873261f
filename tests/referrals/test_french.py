"""Referral pages and the referral letter in French (Accept-Language: fr)."""

import html as html_lib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from referrals import letters, rules, services
from tests.factories import EpisodeFactory, PatientFactory
from tests.referrals.factories import DestinationFactory, PostalCodeFactory, ReferralFactory

pytestmark = pytest.mark.django_db

FR = {"HTTP_ACCEPT_LANGUAGE": "fr-CA,fr;q=0.9"}


def text(response):
    return html_lib.unescape(response.content.decode())


@pytest.fixture
def episode(physio, physician):
    PostalCodeFactory(code="K7L", latitude=44.231, longitude=-76.495)
    patient = PatientFactory(postal_code="K7L 1A1", family_physician=physician)
    return EpisodeFactory(patient=patient, physiotherapist=physio, status="in_care")


def test_the_routing_review_and_its_suggestions_render_in_french(client_for, physio, episode):
    client = client_for(physio)
    url = reverse("referrals:episode_referrals", args=[episode.pk])
    form = text(client.get(url, **FR))
    assert "Examen d'orientation" in form
    assert "Suggérer des destinations" in form
    assert "Routing review" not in form
    started = (timezone.localdate() - timedelta(weeks=10)).isoformat()
    client.post(
        url,
        {
            "symptoms_started_on": started,
            "risk": "medium",
            "leg_dominant": "on",
            "surgical_candidate": "on",
            "not_improving": "on",
        },
        **FR,
    )
    page = text(client.get(url, **FR))
    # The stored English reasons, with their number of weeks, are shown in French.
    assert "Douleur surtout à la jambe depuis 10 semaines malgré les soins" in page
    assert "Clinique d'accès rapide pour la lombalgie" in page
    assert "Leg-dominant pain for" not in page
    assert "Rapid Access Clinic for LBP" not in page


def test_a_referral_page_the_list_and_the_letter_render_in_french(client_for, physio, episode):
    destination = DestinationFactory(name="Kingston Spine Clinic")
    referral = ReferralFactory(
        episode=episode, kind=rules.COMMUNITY_PHYSIO, destination=destination, created_by=physio
    )
    services.move_referral(referral, rules.SENT, by=physio, on=timezone.localdate())
    client = client_for(physio)
    detail = text(client.get(reverse("referrals:detail", args=[referral.pk]), **FR))
    assert "Orientation vers Kingston Spine Clinic" in detail
    assert "Envoyée" in detail
    assert "Changer le statut" in detail
    assert "Change status" not in detail and "Referral to" not in detail

    listing = text(client.get(reverse("referrals:list"), **FR))
    assert "Orientations" in listing and "Physiothérapie communautaire" in listing
    assert "Community physiotherapy" not in listing

    letter = text(client.get(reverse("referrals:letter", args=[referral.pk]), **FR))
    assert "Lettre d'orientation" in letter
    assert "Motif de l'orientation" in letter
    assert "Reason for referral" not in letter


def test_the_letter_pdf_carries_the_language_and_a_french_title(physio, episode):
    referral = ReferralFactory(episode=episode, created_by=physio)
    with translation.override("fr"):
        source = letters.letter_pdf_html(referral)
    assert '<html lang="fr">' in source
    assert "<title>Lettre d'orientation</title>" in html_lib.unescape(source)
    assert "Referral letter" not in source

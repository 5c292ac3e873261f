"""Referral recommendations in the drafted note, the episode timeline, and settings-driven rules."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care_episodes import drafting, selectors, services
from care_episodes.models import Episode
from lbp_pathway.audit import as_actor
from tests.care_episodes.factories import AssessmentFactory, OutcomeFactory
from tests.factories import EpisodeFactory

S = Episode.Status


def facts(**overrides):
    base = dict(
        patient_name="Test Patient",
        date_of_birth=date(1970, 1, 1),
        assessed_on=date(2025, 6, 2),
        physiotherapist="Pat Physio",
        presenting_complaint="Back pain",
        onset="2 weeks",
        pattern="back_dominant",
        pattern_label="Back-dominant pain",
    )
    return drafting.NoteFacts(**{**base, **overrides})


@pytest.mark.parametrize(
    ("overrides", "expected", "absent"),
    [
        ({}, "No imaging recommended", "Emergency Department"),
        (
            {"red_flag_disposition": "emergency"},
            "Emergency Department assessment now",
            "No imaging",
        ),
        ({"booking_hold": "Cauda equina symptoms"}, "Cauda equina symptoms", "No imaging"),
        (
            {"red_flag_disposition": "urgent_physician_review"},
            "Family physician review before routine physiotherapy",
            "No imaging",
        ),
        ({"pattern": "leg_dominant", "symptom_weeks": 8}, "Rapid Access Clinic", "Emergency"),
        ({"pattern": "leg_dominant", "symptom_weeks": 3}, "No imaging", "Rapid Access Clinic"),
        ({"risk": "high"}, "Interdisciplinary pain program if not improving", "Rapid Access"),
        ({"opioid_use": True}, "medication review", "Rapid Access"),
    ],
)
def test_recommendations_follow_the_routing_hints_with_reasons(overrides, expected, absent):
    _, body = drafting.draft(facts(**overrides))
    recommendations = body.split("Recommendations\n", 1)[1]
    assert expected in recommendations
    assert absent not in recommendations
    assert all("Reason:" in line for line in recommendations.splitlines())


def test_missing_sections_say_not_recorded_rather_than_disappearing():
    _, body = drafting.draft(facts())
    assert "Baseline outcomes\nNot recorded." in body
    assert "STarT Back\nScore not recorded." in body


@pytest.mark.django_db
def test_the_timeline_merges_events_assessments_outcomes_and_notes(physio):
    episode = EpisodeFactory(physiotherapist=physio, status=S.BOOKED)
    services.record_assessment(
        episode,
        actor=as_actor(physio),
        **{
            k: v
            for k, v in AssessmentFactory.build(episode=episode).__dict__.items()
            if k
            in {
                "assessed_on",
                "presenting_complaint",
                "onset",
                "pattern",
                "work_status",
                "red_flag_screen",
                "working_diagnosis",
                "goals",
            }
        },
    )
    OutcomeFactory(episode=episode)
    services.sign_note(services.draft_note(episode, actor=as_actor(physio)), actor=as_actor(physio))
    kinds = [entry.kind for entry in selectors.episode_timeline(episode)]
    assert {"Event", "Assessment", "Outcome measures", "Consultation note"} <= set(kinds)


@pytest.mark.django_db
def test_notes_become_overdue_after_the_configured_number_of_days(physio, settings):
    today = timezone.localdate()
    EpisodeFactory(
        physiotherapist=physio, status=S.ASSESSED, first_assessed_on=today - timedelta(days=4)
    )
    settings.NOTE_SIGN_DAYS = 3
    assert selectors.physio_open_episodes(physio)[0].note_overdue
    settings.NOTE_SIGN_DAYS = 7
    assert not selectors.physio_open_episodes(physio)[0].note_overdue


@pytest.mark.django_db
def test_odi_is_offered_only_when_the_clinic_enables_it_and_is_scored(physio, client_for, settings):
    episode = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE)
    client = client_for(physio)
    url = reverse("care_episodes:outcome_add", args=[episode.pk])
    assert b"ODI section" not in client.get(url).content
    settings.ODI_ENABLED = True
    assert b"ODI section 1" in client.get(url).content
    sections = {f"odi_{n}": "2" for n in range(1, 9)}
    client.post(url, {"measured_on": "2025-06-02", "timepoint": "baseline", **sections})
    assert float(episode.outcomes.get().odi) == 40.0
    response = client.post(
        url, {"measured_on": "2025-06-02", "timepoint": "other", "odi_1": "2", "odi_2": "3"}
    )
    assert "at least 8 of 10" in response.content.decode()


@pytest.mark.django_db
def test_without_a_triage_decision_model_the_episode_page_still_works(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.BOOKED, risk="high")
    assert selectors.latest_triage(episode) is None
    html = client_for(physio).get(reverse("care_episodes:episode_detail", args=[episode.pk]))
    assert "High risk" in html.content.decode()

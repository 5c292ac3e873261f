"""The pages join up into one pathway: each role finds the next step from where it stands."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care_episodes.models import Assessment, Episode
from lbp_pathway import audit
from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent
from tests.care_episodes.factories import AssessmentFactory, NoteFactory
from tests.factories import EpisodeFactory, UserFactory
from tests.privacy.factories import EmergencyAccessFactory
from tests.referrals.factories import ReferralFactory
from tests.triage.factories import HIGH_RISK_ANSWERS, LOW_RISK_ANSWERS, TriageEpisodeFactory, facts
from triage import services as triage

pytestmark = pytest.mark.django_db


# 1. Care episode page and physio home ----------------------------------------------------------------


def test_the_episode_page_links_to_its_triage_and_referrals_pages(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio)
    html = client_for(physio).get(reverse("care_episodes:episode_detail", args=[episode.pk]))
    page = html.content.decode()
    assert f'href="{reverse("triage:episode_triage", args=[episode.pk])}"' in page
    assert f'href="{reverse("referrals:episode_referrals", args=[episode.pk])}"' in page


def test_the_physio_home_offers_triage_only_for_episodes_not_yet_triaged(physio, client_for):
    untriaged = TriageEpisodeFactory(physiotherapist=physio, status=Episode.Status.BOOKED)
    triaged = TriageEpisodeFactory(physiotherapist=physio, status=Episode.Status.BOOKED)
    triage.record_triage(triaged, facts(), LOW_RISK_ANSWERS, actor=audit.as_actor(physio))
    page = client_for(physio).get(reverse("care_episodes:physio_home")).content.decode()
    assert f'href="{reverse("triage:episode_triage", args=[untriaged.pk])}"' in page
    assert f'href="{reverse("triage:episode_triage", args=[triaged.pk])}"' not in page


# 2. Referrals prefilled from triage and assessment -----------------------------------------------------


def test_the_routing_review_is_prefilled_from_the_latest_triage_and_assessment(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    started = timezone.localdate() - timedelta(days=70)
    triage.record_triage(
        episode,
        facts(
            episode_start_date=started,
            red_flags=["history_of_cancer"],
            claims={"wsib": True, "motor_vehicle": False, "legal": False},
        ),
        HIGH_RISK_ANSWERS,
        actor=audit.as_actor(physio),
    )
    AssessmentFactory(
        episode=episode, by=physio, pattern=Assessment.Pattern.LEG_DOMINANT, opioid_use=True
    )
    response = client_for(physio).get(reverse("referrals:episode_referrals", args=[episode.pk]))
    form = response.context["form"]
    assert form["symptoms_started_on"].value() == started
    assert form["red_flags"].value() == ["history_of_cancer"]
    assert form["wsib_claim"].value() is True
    assert form["risk"].value() == "high"
    assert form["leg_dominant"].value() is True
    assert form["opioid_concerns"].value() is True


def test_without_triage_the_onset_comes_from_the_assessments_weeks_of_symptoms(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio)
    assessment = AssessmentFactory(episode=episode, by=physio, symptom_weeks=4)
    response = client_for(physio).get(reverse("referrals:episode_referrals", args=[episode.pk]))
    expected = assessment.assessed_on - timedelta(weeks=4)
    assert response.context["form"]["symptoms_started_on"].value() == expected
    assert response.context["form"]["leg_dominant"].value() is False


# 3. Family physician refers to the physio -------------------------------------------------------------


def test_the_physician_menu_offers_to_refer_a_patient_to_the_physio(physician, client_for):
    page = client_for(physician).get(reverse("care_episodes:physician_home")).content.decode()
    assert f'href="{reverse("intake:refer_patient")}"' in page
    assert "Refer to physio" in page


# 4. Front desk sees the disposition, never the clinical detail ----------------------------------------


def test_the_front_desk_sees_an_emergency_disposition_and_the_booking_hold(
    front_desk, physio, client_for
):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    triage.record_triage(
        episode,
        facts(red_flags=["ces_saddle_or_perineal_anaesthesia"]),
        HIGH_RISK_ANSWERS,
        actor=audit.as_actor(physio),
    )
    episode.refresh_from_db()
    AssessmentFactory(episode=episode, by=physio, presenting_complaint="Secret complaint text")
    page = client_for(front_desk).get(reverse("intake:patient_detail", args=[episode.patient_id]))
    html = page.content.decode()
    assert "Emergency — sent to ED" in html
    assert episode.booking_hold, "an emergency red flag puts routine booking on hold"
    assert f"Booking on hold: {episode.booking_hold}" in html
    assert "Secret complaint text" not in html
    assert "saddle" not in html.lower()


def test_the_front_desk_sees_physician_review_pending_for_an_urgent_flag(
    front_desk, physio, client_for
):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    triage.record_triage(
        episode,
        facts(red_flags=["history_of_cancer"]),
        LOW_RISK_ANSWERS,
        actor=audit.as_actor(physio),
    )
    html = (
        client_for(front_desk)
        .get(reverse("intake:patient_detail", args=[episode.patient_id]))
        .content.decode()
    )
    assert "Physician review pending" in html
    assert "cancer" not in html.lower()


def test_the_front_desk_sees_routine_and_can_send_the_questionnaire_link(
    front_desk, physio, client_for
):
    episode = TriageEpisodeFactory(physiotherapist=physio, status=Episode.Status.BOOKED)
    triage.record_triage(episode, facts(), LOW_RISK_ANSWERS, actor=audit.as_actor(physio))
    client = client_for(front_desk)
    html = client.get(reverse("intake:patient_detail", args=[episode.patient_id])).content.decode()
    assert "Routine" in html
    link = reverse("triage:questionnaire_link", args=[episode.pk])
    assert f'href="{link}"' in html and "Send questionnaire link" in html
    assert client.get(link).status_code == 200


def test_a_closed_episode_offers_no_questionnaire_link(front_desk, client_for):
    episode = EpisodeFactory(status=Episode.Status.DISCHARGED)
    html = (
        client_for(front_desk)
        .get(reverse("intake:patient_detail", args=[episode.patient_id]))
        .content.decode()
    )
    assert "Send questionnaire link" not in html
    assert "not screened yet" in html


# 5. The central patient guard on clinical pages -------------------------------------------------------


def test_the_episode_page_is_audited_once_as_a_view_by_the_guard(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio)
    client_for(physio).get(reverse("care_episodes:episode_detail", args=[episode.pk]))
    views = AuditEvent.objects.filter(user=physio, action="view", patient_id=episode.patient_id)
    assert views.count() == 1


def test_break_the_glass_opens_another_physios_episode_read_only(physio, client_for):
    episode = EpisodeFactory(physiotherapist=UserFactory(role=Role.PHYSIOTHERAPIST))
    url = reverse("care_episodes:episode_detail", args=[episode.pk])
    client = client_for(physio)
    assert client.get(url).status_code == 403
    EmergencyAccessFactory(user=physio, patient_id=episode.patient_id)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("triage:episode_triage", args=[episode.pk]) not in page
    assert AuditEvent.objects.filter(
        user=physio, action="break_glass", patient_id=episode.patient_id
    ).exists()


def test_a_note_pdf_outside_the_physicians_panel_is_refused_by_the_guard(physician, client_for):
    """A signed note (a draft is never shown to a physician: 404, tests/privacy/test_access_for.py)."""
    physio = UserFactory(role=Role.PHYSIOTHERAPIST)
    note = NoteFactory(
        episode=EpisodeFactory(physiotherapist=physio), signed_at=timezone.now(), signed_by=physio
    )
    response = client_for(physician).get(reverse("care_episodes:note_pdf", args=[note.pk]))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(
        user=physician, action="denied", patient_id=note.episode.patient_id
    ).exists()


def test_a_referral_letter_of_a_patient_not_in_care_is_refused_and_audited(physio, client_for):
    another_physio = UserFactory(role=Role.PHYSIOTHERAPIST)
    referral = ReferralFactory(episode=EpisodeFactory(physiotherapist=another_physio))
    response = client_for(physio).get(reverse("referrals:letter", args=[referral.pk]))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(
        user=physio, action="denied", patient_id=referral.episode.patient_id
    ).exists()
    pdf = client_for(physio).get(reverse("referrals:letter_pdf", args=[referral.pk]))
    assert pdf.status_code == 403

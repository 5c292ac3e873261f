"""Issue 18: the nurse practitioner (refers and reads notes like a family physician, for their own
panel) and the practice lead (reviews complex or escalated cases, reads the team's episodes, never
writes them). Clinical rules: high risk on STarT Back and an urgent red flag are the cases a lead
watches (docs/clinical-rules.md, sections 2 and 3)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care_episodes.models import CaseReview
from lbp_pathway import audit
from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent
from reminders.models import Notification
from tests.care_episodes.factories import NoteFactory
from tests.factories import EpisodeFactory, PatientFactory
from tests.triage.factories import HIGH_RISK_ANSWERS, LOW_RISK_ANSWERS, facts
from triage import services as triage_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(practice_lead):
    return practice_lead


def _signed_note(physio, patient):
    episode = EpisodeFactory(
        patient=patient,
        physiotherapist=physio,
        status="in_care",
        requested_on=timezone.localdate() - timedelta(days=20),
        first_assessed_on=timezone.localdate() - timedelta(days=14),
    )
    return NoteFactory(
        episode=episode,
        title="Consultation: mechanical low back pain",
        signed_at=timezone.now(),
        signed_by=physio,
        author=physio,
    )


# --- nurse practitioner ------------------------------------------------------------------------------


def test_a_nurse_practitioner_reads_the_notes_of_their_own_panel(
    nurse_practitioner, physician, physio, client_for
):
    mine = _signed_note(physio, PatientFactory(family_physician=nurse_practitioner))
    theirs = _signed_note(physio, PatientFactory(family_physician=physician))
    client = client_for(nurse_practitioner)
    inbox = client.get(reverse("care_episodes:physician_home"))
    assert inbox.status_code == 200
    html = inbox.content.decode()
    assert mine.episode.patient.full_name in html
    assert theirs.episode.patient.full_name not in html
    assert client.get(reverse("care_episodes:physician_note", args=[mine.pk])).status_code == 200
    refused = client.get(reverse("care_episodes:physician_note", args=[theirs.pk]))
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(
        user=nurse_practitioner, action="denied", patient_id=theirs.episode.patient_id
    ).exists()


def test_a_nurse_practitioner_refers_their_patient_to_the_physiotherapist(
    nurse_practitioner, client_for
):
    patient = PatientFactory(family_physician=nurse_practitioner)
    client = client_for(nurse_practitioner)
    page = client.get(reverse("intake:refer_patient"), {"patient": patient.pk})
    assert page.status_code == 200
    client.post(
        reverse("intake:refer_patient"),
        {"patient": patient.pk, "reason": "Back pain for 6 weeks", "urgency": "routine"},
    )
    assert patient.incoming_referrals.filter(referring_physician=nurse_practitioner).exists()


def test_a_nurse_practitioner_can_be_a_patients_primary_care_provider(
    nurse_practitioner, front_desk, client_for
):
    page = client_for(front_desk).get(reverse("intake:patient_create"))
    assert nurse_practitioner.get_full_name() in page.content.decode()


def test_an_emergency_red_flag_for_a_patient_of_a_nurse_practitioner_alerts_them(
    nurse_practitioner, physio
):
    patient = PatientFactory(family_physician=nurse_practitioner)
    episode = EpisodeFactory(patient=patient, physiotherapist=physio)
    triage_services.record_triage(
        episode,
        facts(red_flags=["ces_saddle_or_perineal_anaesthesia"]),
        LOW_RISK_ANSWERS,
        actor=audit.as_actor(physio),
    )
    alert = patient.physician_alerts.get()
    assert triage_services.may_clear(alert, nurse_practitioner)
    assert Notification.objects.filter(user=nurse_practitioner).exists()


# --- practice lead ---------------------------------------------------------------------------------


def test_the_lead_home_lists_high_risk_and_urgent_red_flag_episodes_of_the_whole_team(
    lead, physio, make_user, client_for
):
    other_physio = make_user(Role.PHYSIOTHERAPIST, username="pt2")
    high = EpisodeFactory(physiotherapist=other_physio, status="requested")
    triage_services.record_triage(
        high, facts(), HIGH_RISK_ANSWERS, actor=audit.as_actor(other_physio)
    )
    urgent = EpisodeFactory(physiotherapist=physio, status="requested")
    triage_services.record_triage(
        urgent,
        facts(red_flags=["history_of_cancer"]),
        LOW_RISK_ANSWERS,
        actor=audit.as_actor(physio),
    )
    low = EpisodeFactory(physiotherapist=physio, status="requested")
    triage_services.record_triage(low, facts(), LOW_RISK_ANSWERS, actor=audit.as_actor(physio))
    html = client_for(lead).get(reverse("care_episodes:lead_home")).content.decode()
    assert high.patient.full_name in html and "High risk (STarT Back)" in html
    assert urgent.patient.full_name in html and "Urgent red flag" in html
    assert low.patient.full_name not in html


def test_the_lead_reads_any_episode_of_the_team_but_never_writes_it(lead, physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status="in_care")
    client = client_for(lead)
    page = client.get(reverse("care_episodes:case_review", args=[episode.pk]))
    assert page.status_code == 200
    assert episode.patient.full_name in page.content.decode()
    assert AuditEvent.objects.filter(user=lead, action="view", patient_id=episode.patient_id)
    # The physiotherapist's pages and writes stay closed to the lead.
    assert client.get(reverse("care_episodes:episode_detail", args=[episode.pk])).status_code == 403
    status = client.post(
        reverse("care_episodes:change_status", args=[episode.pk]), {"to_status": "discharged"}
    )
    assert status.status_code == 403
    episode.refresh_from_db()
    assert episode.status == "in_care"


def test_a_physio_escalates_a_case_and_reads_the_leads_advice(lead, physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status="in_care")
    physio_client = client_for(physio)
    physio_client.post(
        reverse("care_episodes:request_case_review", args=[episode.pk]),
        {"question": "No change at 6 weeks; leg pain spreading."},
    )
    review = CaseReview.objects.get(episode=episode)
    assert review.requested_by == physio and review.reviewed_at is None
    assert Notification.objects.filter(user=lead, title="A case review was requested").exists()

    again = physio_client.post(
        reverse("care_episodes:request_case_review", args=[episode.pk]),
        {"question": "Second question"},
        follow=True,
    )
    assert "already waiting for a practice lead" in again.content.decode()
    assert CaseReview.objects.filter(episode=episode).count() == 1

    lead_client = client_for(lead)  # the same test client, now signed in as the lead
    home = lead_client.get(reverse("care_episodes:lead_home")).content.decode()
    assert "No change at 6 weeks; leg pain spreading." in home
    lead_client.post(
        reverse("care_episodes:case_review", args=[episode.pk]),
        {"advice": "Refer to the Rapid Access Clinic if no change in 2 weeks."},
    )
    review.refresh_from_db()
    assert review.reviewed_by == lead and review.reviewed_at is not None
    assert Notification.objects.filter(user=physio, title__contains="answered").exists()
    lead_home = lead_client.get(reverse("care_episodes:lead_home")).content.decode()
    assert "No review is waiting." in lead_home
    page = client_for(physio).get(reverse("care_episodes:episode_detail", args=[episode.pk]))
    assert "Refer to the Rapid Access Clinic if no change in 2 weeks." in page.content.decode()


def test_an_empty_question_or_advice_changes_nothing(lead, physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status="in_care")
    page = client_for(physio).post(
        reverse("care_episodes:request_case_review", args=[episode.pk]),
        {"question": " "},
        follow=True,
    )
    assert "Say what the practice lead should look at." in page.content.decode()
    assert not CaseReview.objects.exists()


def test_another_physio_cannot_escalate_an_episode_not_in_their_care(physio, make_user, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status="in_care")
    stranger = make_user(Role.PHYSIOTHERAPIST, username="pt3")
    response = client_for(stranger).post(
        reverse("care_episodes:request_case_review", args=[episode.pk]), {"question": "Help"}
    )
    assert response.status_code == 403
    assert not CaseReview.objects.exists()

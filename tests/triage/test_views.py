from datetime import timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from care_episodes.models import Episode
from lbp_pathway import audit
from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent
from tests.factories import EpisodeFactory, PatientFactory, SiteFactory
from tests.intake.factories import WeeklyAvailabilityFactory
from tests.privacy.factories import EmergencyAccessFactory
from tests.triage.factories import HIGH_RISK_ANSWERS, TriageEpisodeFactory, facts
from triage import services
from triage.models import (
    PhoneScreen,
    PhysicianAlert,
    QuestionnaireLink,
    QuestionnaireResponse,
    TriageDecision,
)

pytestmark = pytest.mark.django_db


def triage_post(answers, **extra):
    data = {f"sb_{n}": a for n, a in enumerate(answers, start=1) if a is not None}
    data["episode_start_date"] = (timezone.localdate() - timedelta(days=60)).isoformat()
    data.update(extra)
    return data


# --- the physiotherapist's triage page -------------------------------------------------------


def test_physio_sees_the_triage_form_with_the_paraphrase_label(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    html = client_for(physio).get(reverse("triage:episode_triage", args=[episode.pk])).content
    html = html.decode()
    assert "Plain-language paraphrase (not the official Keele wording)" in html
    assert "New loss of bowel control" in html  # emergency flags in plain words
    assert AuditEvent.objects.filter(patient_id=episode.patient_id, action="view").exists()


@pytest.fixture
def site_episode(physio):
    """An episode not yet in anyone's care, at a site where `physio` works, with one triage on it."""
    site = SiteFactory()
    WeeklyAvailabilityFactory(practitioner=physio, site=site)
    episode = TriageEpisodeFactory(physiotherapist=None, site=site)
    services.record_triage(episode, facts(), HIGH_RISK_ANSWERS, actor=audit.as_actor(physio))
    return episode


def test_an_unassigned_episode_at_the_physios_site_opens_read_only(
    physio, site_episode, client_for
):
    response = client_for(physio).get(reverse("triage:episode_triage", args=[site_episode.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["form"] is None
    assert 'data-testid="read-only"' in html
    assert 'data-testid="decision-history"' in html
    assert "Psychologically informed physiotherapy" in html  # the latest decision is shown
    assert "Record triage" not in html
    assert 'name="sb_1"' not in html
    assert reverse("triage:questionnaire_link", args=[site_episode.pk]) not in html
    take_url = response.context["take_url"]
    if take_url is not None:  # care_episodes:take_episode, once the care branch is merged
        assert f'action="{take_url}"' in html
        assert "Take this episode into my care" in html


def test_a_triage_posted_on_an_unassigned_episode_is_refused_until_taken(
    physio, site_episode, client_for
):
    decisions = TriageDecision.objects.count()
    responses = QuestionnaireResponse.objects.count()
    url = reverse("triage:episode_triage", args=[site_episode.pk])
    response = client_for(physio).post(url, triage_post(HIGH_RISK_ANSWERS, claim_wsib="on"))
    assert response.status_code == 403
    assert TriageDecision.objects.count() == decisions
    assert QuestionnaireResponse.objects.count() == responses
    denied = AuditEvent.objects.get(action="denied")
    assert denied.patient_id == site_episode.patient_id
    assert denied.user == physio
    assert not AuditEvent.objects.filter(action="create", user=physio, path=url).exists()


def test_a_physio_may_not_send_a_patient_link_for_an_unassigned_episode_until_taken(
    physio, site_episode, client_for
):
    client = client_for(physio)
    url = reverse("triage:questionnaire_link", args=[site_episode.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Create a single-use link" not in page.content.decode()
    assert client.post(url).status_code == 403
    assert not QuestionnaireLink.objects.exists()
    assert AuditEvent.objects.filter(
        action="denied", patient_id=site_episode.patient_id, user=physio
    ).exists()


def test_break_the_glass_opens_the_triage_read_only_with_nothing_to_take(
    physio, make_user, client_for
):

    episode = TriageEpisodeFactory(physiotherapist=make_user(Role.PHYSIOTHERAPIST, username="pt2"))
    EmergencyAccessFactory(user=physio, patient_id=episode.patient_id)
    client = client_for(physio)
    url = reverse("triage:episode_triage", args=[episode.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"] is None
    assert not response.context["may_take"]
    assert "Take this episode into my care" not in response.content.decode()
    assert AuditEvent.objects.filter(action="break_glass", patient_id=episode.patient_id).exists()
    assert client.post(url, triage_post(HIGH_RISK_ANSWERS)).status_code == 403
    assert not TriageDecision.objects.exists()


def test_an_unassigned_episode_at_another_site_is_refused_and_audited(physio, client_for):
    WeeklyAvailabilityFactory(practitioner=physio, site=SiteFactory())
    episode = TriageEpisodeFactory(physiotherapist=None, site=SiteFactory())
    client = client_for(physio)
    assert client.get(reverse("triage:episode_triage", args=[episode.pk])).status_code == 403
    assert AuditEvent.objects.filter(
        action="denied", patient_id=episode.patient_id, user=physio
    ).exists()
    assert client.get(reverse("triage:questionnaire_link", args=[episode.pk])).status_code == 403


def test_the_physio_in_care_records_a_triage_with_one_audit_row_from_the_service(
    physio, client_for
):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    url = reverse("triage:episode_triage", args=[episode.pk])
    assert client_for(physio).post(url, triage_post(HIGH_RISK_ANSWERS)).status_code == 302
    decision = TriageDecision.objects.get(episode=episode)
    created = AuditEvent.objects.get(action="create", patient_id=episode.patient_id)
    assert created.what == f"Triage decision {decision.pk}"
    assert created.user == physio
    assert created.path == url


def test_physio_is_refused_another_physios_episode_and_the_refusal_is_audited(
    physio, make_user, client_for
):
    other = make_user(Role.PHYSIOTHERAPIST, username="pt2")
    episode = TriageEpisodeFactory(physiotherapist=other)
    response = client_for(physio).get(reverse("triage:episode_triage", args=[episode.pk]))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(patient_id=episode.patient_id, action="denied").exists()


@pytest.mark.parametrize("role", ["front_desk", "physician", "manager", "administrator"])
def test_other_roles_are_refused_the_triage_page(role, request, client_for):
    episode = TriageEpisodeFactory()
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("triage:episode_triage", args=[episode.pk])).status_code == 403


def test_submitting_a_high_risk_triage_stores_it_and_explains_it(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    client = client_for(physio)
    url = reverse("triage:episode_triage", args=[episode.pk])
    response = client.post(url, triage_post(HIGH_RISK_ANSWERS, claim_wsib="on"))
    assert response.status_code == 302
    decision = TriageDecision.objects.get(episode=episode)
    assert decision.risk == "high"
    html = client.get(url).content.decode()
    assert "High risk: psychosocial subscale 4 of 5 (items 5, 6, 7, 9)" in html
    assert "Psychologically informed physiotherapy" in html
    assert "An active WSIB claim" in html
    assert decision.rule_version in html


def test_a_missing_start_date_is_shown_next_to_the_field_and_nothing_is_stored(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    data = triage_post(HIGH_RISK_ANSWERS)
    data["episode_start_date"] = ""
    response = client_for(physio).post(reverse("triage:episode_triage", args=[episode.pk]), data)
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not TriageDecision.objects.exists()


def test_a_future_start_date_is_refused(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    data = triage_post(HIGH_RISK_ANSWERS)
    data["episode_start_date"] = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client_for(physio).post(reverse("triage:episode_triage", args=[episode.pk]), data)
    assert "This date is in the future." in response.content.decode()
    assert not TriageDecision.objects.exists()


def test_an_emergency_flag_turns_the_page_into_a_stop(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    client = client_for(physio)
    url = reverse("triage:episode_triage", args=[episode.pk])
    client.post(url, triage_post([None] * 9, emergency_flags="significant_trauma"))
    html = client.get(url).content.decode()
    assert "Send to the Emergency Department now" in html
    assert "Back pain after a significant injury" in html
    assert "Routine booking is refused" in html
    episode.refresh_from_db()
    assert episode.booking_hold == services.EMERGENCY_HOLD


def test_an_urgent_flag_shows_the_physician_review_with_its_due_date(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    client = client_for(physio)
    url = reverse("triage:episode_triage", args=[episode.pk])
    client.post(url, triage_post(HIGH_RISK_ANSWERS, urgent_flags="history_of_cancer"))
    alert = PhysicianAlert.objects.get(episode=episode)
    html = client.get(url).content.decode()
    assert "Family physician review before routine pathway care" in html
    assert timezone.localtime(alert.due_at).strftime("%Y-%m-%d %H:%M") in html


def test_an_indeterminate_start_back_asks_for_the_missing_items(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    client = client_for(physio)
    url = reverse("triage:episode_triage", args=[episode.pk])
    answers = ["agree", "agree", "agree", "agree", None, None, None, None, None]
    client.post(url, triage_post(answers))
    html = client.get(url).content.decode()
    assert "Ask the missing STarT Back items before care is matched" in html
    assert "items 5, 6, 7, 8, 9" in html


def test_the_live_score_panel_scores_the_answers_so_far(physio, client_for):
    data = {f"sb_{n}": a for n, a in enumerate(HIGH_RISK_ANSWERS, start=1)}
    response = client_for(physio).post(reverse("triage:score"), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "High risk" in html
    assert "Total 6 of 9" in html
    assert TriageDecision.objects.count() == 0


def test_the_score_endpoint_is_refused_to_the_front_desk(front_desk, client_for):
    assert client_for(front_desk).post(reverse("triage:score"), {}).status_code == 403


def test_decision_history_lists_each_triage_in_a_bounded_number_of_queries(
    physio, client_for, django_assert_max_num_queries
):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    for _ in range(5):
        services.record_triage(episode, facts(), HIGH_RISK_ANSWERS, actor=audit.as_actor(physio))
    client = client_for(physio)
    client.get(reverse("triage:episode_triage", args=[episode.pk]))
    with django_assert_max_num_queries(20):
        response = client.get(reverse("triage:episode_triage", args=[episode.pk]))
    assert response.content.decode().count("Psychologically informed physiotherapy") >= 5


# --- the patient's questionnaire link --------------------------------------------------------


def create_link(client, episode):
    response = client.post(reverse("triage:questionnaire_link", args=[episode.pk]))
    assert response.status_code == 200
    url = response.context["link_url"]
    return url[url.index("/triage/q/") :]


def test_front_desk_and_physio_may_create_a_patient_link_and_only_a_hash_is_stored(
    front_desk, client_for
):
    episode = TriageEpisodeFactory()
    path = create_link(client_for(front_desk), episode)
    token = path.split("/")[-2]
    link = QuestionnaireLink.objects.get(episode=episode)
    assert token not in link.token_hash
    assert link.token_hash == services.hash_token(token)
    assert link.expires_at - link.created_at == timedelta(days=7)


@pytest.mark.parametrize("role", ["physician", "manager", "administrator"])
def test_other_roles_cannot_create_a_patient_link(role, request, client_for):
    episode = TriageEpisodeFactory()
    client = client_for(request.getfixturevalue(role))
    url = reverse("triage:questionnaire_link", args=[episode.pk])
    assert client.post(url).status_code == 403
    assert not QuestionnaireLink.objects.exists()


def test_the_patient_link_shows_only_the_questionnaire_and_works_once(physio, client_for, client):
    patient = PatientFactory(
        first_name="Zebulon", last_name="Quarrington", health_card_number="9876543210"
    )
    episode = EpisodeFactory(patient=patient, physiotherapist=physio)
    path = create_link(client_for(physio), episode)
    client.logout()

    html = client.get(path).content.decode()
    assert "Back pain questionnaire" in html
    for private in ("Zebulon", "Quarrington", "9876543210", str(patient.date_of_birth.year)):
        assert private not in html
    assert "signed-in-as" not in html

    data = {f"sb_{n}": a for n, a in enumerate(HIGH_RISK_ANSWERS, start=1)}
    response = client.post(path, data)
    assert "Thank you" in response.content.decode()
    stored = episode.questionnaire_responses.get()
    assert stored.answers == HIGH_RISK_ANSWERS
    assert stored.source == "patient_link"
    assert stored.confirmed_at is None

    again = client.post(path, {"sb_1": "disagree"})
    assert again.status_code == 410
    assert "This link no longer works" in again.content.decode()
    assert episode.questionnaire_responses.count() == 1


def test_an_expired_link_shows_a_plain_message_and_changes_nothing(physio, client_for, client):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    path = create_link(client_for(physio), episode)
    QuestionnaireLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.logout()
    assert client.get(path).status_code == 410
    response = client.post(path, {"sb_1": "agree"})
    assert response.status_code == 410
    assert not episode.questionnaire_responses.exists()


def test_an_unknown_token_shows_the_same_plain_message(client):
    response = client.get(reverse("triage:patient_questionnaire", args=["not-a-real-token"]))
    assert response.status_code == 410


def test_patient_answers_wait_on_the_triage_page_for_the_physio_to_confirm(
    physio, client_for, client
):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    _, token = services.create_questionnaire_link(episode, actor=audit.as_actor(physio))
    services.submit_patient_answers(token, HIGH_RISK_ANSWERS, actor=audit.SYSTEM)
    staff = client_for(physio)
    url = reverse("triage:episode_triage", args=[episode.pk])
    page = staff.get(url)
    assert "The patient answered the questionnaire" in page.content.decode()
    form = page.context["form"]
    assert form.initial["sb_5"] == "agree"
    response_id = form.initial["response_id"]
    staff.post(url, triage_post(HIGH_RISK_ANSWERS, response_id=response_id))
    stored = episode.questionnaire_responses.get()
    assert stored.confirmed_by == physio
    assert TriageDecision.objects.get(episode=episode).response == stored
    assert "The patient answered the questionnaire" not in staff.get(url).content.decode()


def test_a_patient_must_answer_at_least_one_question(physio, client):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    _, token = services.create_questionnaire_link(episode, actor=audit.as_actor(physio))
    response = client.post(reverse("triage:patient_questionnaire", args=[token]), {})
    assert "Please answer at least one question" in response.content.decode()
    assert QuestionnaireLink.objects.get().used_at is None


# --- the front desk phone screen -------------------------------------------------------------


def test_front_desk_phone_screen_lists_the_emergency_symptoms_in_plain_words(
    front_desk, client_for
):
    patient = PatientFactory()
    response = client_for(front_desk).get(reverse("triage:phone_screen"), {"patient": patient.pk})
    html = response.content.decode()
    assert "Is back pain the main reason for the call?" in html
    assert "New difficulty passing urine" in html


@pytest.mark.parametrize("role", ["physio", "physician", "manager", "administrator"])
def test_other_roles_are_refused_the_phone_screen(role, request, client_for):
    patient = PatientFactory()
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("triage:phone_screen"), {"patient": patient.pk}).status_code == 403


def test_an_emergency_symptom_on_the_phone_is_a_big_stop_and_alerts_the_physician(
    front_desk, client_for
):
    episode = TriageEpisodeFactory(status=Episode.Status.REQUESTED)
    url = reverse("triage:phone_screen") + f"?patient={episode.patient.pk}"
    response = client_for(front_desk).post(
        url,
        {
            "back_pain_main_reason": "yes",
            "emergency_symptoms": ["ces_saddle_or_perineal_anaesthesia"],
        },
    )
    html = response.content.decode()
    assert "Send to the Emergency Department now / call 911" in html
    assert PhoneScreen.objects.get().outcome == "emergency"
    alert = PhysicianAlert.objects.get()
    assert alert.physician == episode.patient.family_physician
    episode.refresh_from_db()
    assert episode.booking_hold == services.EMERGENCY_HOLD


def test_a_phone_screen_is_audited_once_by_the_service(front_desk, client_for):
    patient = PatientFactory()
    url = reverse("triage:phone_screen") + f"?patient={patient.pk}"
    client_for(front_desk).post(url, {"back_pain_main_reason": "no"})
    created = AuditEvent.objects.get(action="create", patient_id=patient.pk)
    assert created.user == front_desk
    assert created.what == "Phone screen: family_physician"


def test_the_phone_screen_for_an_unknown_patient_is_not_found(front_desk, client_for):
    response = client_for(front_desk).get(reverse("triage:phone_screen"), {"patient": "999999"})
    assert response.status_code == 404


def test_back_pain_not_the_main_reason_advises_the_family_physician(front_desk, client_for):
    patient = PatientFactory()
    url = reverse("triage:phone_screen") + f"?patient={patient.pk}"
    response = client_for(front_desk).post(url, {"back_pain_main_reason": "no"})
    assert "Book with the family physician" in response.content.decode()
    assert not PhysicianAlert.objects.exists()


def test_a_clear_phone_screen_goes_on_to_booking(front_desk, client_for):
    patient = PatientFactory()
    url = reverse("triage:phone_screen") + f"?patient={patient.pk}"
    response = client_for(front_desk).post(url, {"back_pain_main_reason": "yes"})
    assert response.status_code == 302
    assert response.url == f"{reverse('intake:slot_search')}?patient={patient.pk}"
    assert PhoneScreen.objects.get().outcome == "book"


def test_the_phone_screen_needs_an_answer_to_the_main_reason(front_desk, client_for):
    patient = PatientFactory()
    url = reverse("triage:phone_screen") + f"?patient={patient.pk}"
    response = client_for(front_desk).post(url, {})
    assert "Ask the caller and choose yes or no." in response.content.decode()
    assert not PhoneScreen.objects.exists()


# --- the physician's alerts ------------------------------------------------------------------


def emergency_alert(physio):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    services.record_triage(
        episode, facts(red_flags=["significant_trauma"]), [None] * 9, actor=audit.as_actor(physio)
    )
    return PhysicianAlert.objects.get(episode=episode)


def test_the_physician_alerts_panel_lists_open_alerts_for_the_panel(physio):
    alert = emergency_alert(physio)
    html = Template("{% load triage_tags %}{% physician_alerts user %}").render(
        Context({"user": alert.physician})
    )
    assert alert.patient.full_name in html
    assert "Emergency red flag" in html
    assert reverse("triage:clear_alert", args=[alert.pk]) in html


def test_the_family_physician_clears_an_alert_from_their_panel(physio, client_for):
    alert = emergency_alert(physio)
    client = client_for(alert.physician)
    url = reverse("triage:clear_alert", args=[alert.pk])
    assert "Back pain after a significant injury" in client.get(url).content.decode()
    response = client.post(url, {"note": "Seen in ED: no fracture"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.cleared_at is not None
    alert.episode.refresh_from_db()
    assert alert.episode.booking_hold == ""
    assert alert.episode.status == Episode.Status.REQUESTED


def test_clearing_without_a_note_is_refused_next_to_the_field(physio, client_for):
    alert = emergency_alert(physio)
    response = client_for(alert.physician).post(
        reverse("triage:clear_alert", args=[alert.pk]), {"note": ""}
    )
    assert "This field is required" in response.content.decode()
    alert.refresh_from_db()
    assert alert.is_open


def test_a_physician_outside_the_panel_is_refused_and_audited(physio, physician, client_for):
    alert = emergency_alert(physio)
    url = reverse("triage:clear_alert", args=[alert.pk])
    assert client_for(physician).post(url, {"note": "x"}).status_code == 403
    alert.refresh_from_db()
    assert alert.is_open
    assert AuditEvent.objects.filter(action="denied", patient_id=alert.patient_id).exists()


@pytest.mark.parametrize("role", ["physio", "front_desk", "manager", "administrator"])
def test_other_roles_cannot_clear_alerts(role, request, physio, client_for):
    alert = emergency_alert(physio)
    client = client_for(request.getfixturevalue(role))
    url = reverse("triage:clear_alert", args=[alert.pk])
    assert client.post(url, {"note": "x"}).status_code == 403

"""The physiotherapist's pages: home list, assessment, outcomes, plan, handout, follow-up, discharge."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care_episodes import services
from care_episodes.models import Episode, Exercise, FollowUpPlan, OutcomeMeasurement
from lbp_pathway.access import Role
from lbp_pathway.audit import as_actor
from lbp_pathway.models import AuditEvent
from tests.care_episodes.factories import AssessmentFactory, NoteFactory, OutcomeFactory
from tests.factories import EpisodeFactory, SiteFactory, UserFactory
from tests.intake.factories import WeeklyAvailabilityFactory

pytestmark = pytest.mark.django_db
S = Episode.Status

ASSESSMENT = {
    "assessed_on": "2025-06-02",
    "presenting_complaint": "Low back pain for two weeks",
    "onset": "Two weeks ago, moving furniture",
    "symptom_weeks": "2",
    "pattern": "back_dominant",
    "aggravating_factors": "Bending",
    "easing_factors": "Lying down",
    "previous_episodes": "One in 2019",
    "work_status": "working_full",
    "medications": "Acetaminophen",
    "yellow_flags": "Worried it is a slipped disc",
    "red_flag_screen": "Negative for cauda equina, cancer, infection and fracture.",
    "myotomes": "normal",
    "dermatomes": "normal",
    "reflexes": "normal",
    "straight_leg_raise": "negative",
    "working_diagnosis": "Non-specific low back pain",
    "goals": "Play hockey again",
}


def test_physio_home_lists_only_my_open_episodes_with_risk_next_measure_and_overdue_notes(
    physio, client_for, django_assert_max_num_queries
):
    today = timezone.localdate()
    overdue = EpisodeFactory(
        physiotherapist=physio,
        status=S.ASSESSED,
        risk="high",
        first_assessed_on=today - timedelta(days=10),
    )
    OutcomeFactory(episode=overdue, measured_on=today - timedelta(days=10))
    signed = EpisodeFactory(
        physiotherapist=physio, status=S.IN_CARE, risk="low", first_assessed_on=today
    )
    NoteFactory(episode=signed, signed_at=timezone.now(), signed_by=physio)
    for _ in range(5):
        EpisodeFactory(physiotherapist=physio, status=S.BOOKED)
    others = EpisodeFactory(physiotherapist=UserFactory(role=Role.PHYSIOTHERAPIST))
    closed = EpisodeFactory(physiotherapist=physio, status=S.DISCHARGED)
    client = client_for(physio)
    with django_assert_max_num_queries(14):
        html = client.get(reverse("care_episodes:physio_home")).content.decode()
    assert overdue.patient.full_name in html
    assert others.patient.full_name not in html
    assert closed.patient.full_name not in html
    assert "Notes overdue" in html and "Overdue" in html
    assert 'class="risk-label risk-high">High risk' in html
    assert "6 weeks (" + f"{today - timedelta(days=10) + timedelta(weeks=6):%Y-%m-%d}" in html


def test_physio_home_query_count_does_not_grow_with_the_number_of_episodes(
    physio, client_for, django_assert_num_queries
):
    client = client_for(physio)
    EpisodeFactory(physiotherapist=physio, status=S.BOOKED)
    client.get(reverse("care_episodes:physio_home"))  # the session is settled
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("care_episodes:physio_home"))
    for _ in range(10):
        episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED)
        OutcomeFactory(episode=episode)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("care_episodes:physio_home"))


def test_a_physio_cannot_open_another_physios_episode_and_the_refusal_is_audited(
    physio, client_for
):
    episode = EpisodeFactory(physiotherapist=UserFactory(role=Role.PHYSIOTHERAPIST))
    response = client_for(physio).get(reverse("care_episodes:episode_detail", args=[episode.pk]))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(
        user=physio, action="denied", patient_id=episode.patient_id
    ).exists()


def test_unassigned_episodes_are_not_open_to_physios_for_writing(physio, client_for):
    episode = EpisodeFactory(physiotherapist=None)
    response = client_for(physio).get(reverse("care_episodes:assessment", args=[episode.pk]))
    assert response.status_code == 403


def test_an_unassigned_episode_at_my_site_reads_read_only_until_i_take_it(physio, client_for):
    site = SiteFactory()
    WeeklyAvailabilityFactory(practitioner=physio, site=site)
    episode = EpisodeFactory(physiotherapist=None, site=site, status=S.REQUESTED)
    client = client_for(physio)
    page = client.get(reverse("care_episodes:episode_detail", args=[episode.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Take this episode into my care" in html
    assert reverse("care_episodes:assessment", args=[episode.pk]) not in html
    assert AuditEvent.objects.filter(
        user=physio, action="view", patient_id=episode.patient_id, reason__contains="unassigned"
    ).exists()
    discharge = client.post(
        reverse("care_episodes:change_status", args=[episode.pk]), {"to_status": "declined"}
    )
    assert discharge.status_code == 403
    assert Episode.objects.get(pk=episode.pk).status == S.REQUESTED

    taken = client.post(reverse("care_episodes:take_episode", args=[episode.pk]))
    assert taken.status_code == 302
    episode.refresh_from_db()
    assert episode.physiotherapist == physio
    assert episode.events.filter(description__startswith="Taken into care").exists()
    assert AuditEvent.objects.filter(
        user=physio, action="change", patient_id=episode.patient_id, what__contains="taken"
    ).exists()
    html = client.get(reverse("care_episodes:episode_detail", args=[episode.pk])).content.decode()
    assert "Take this episode into my care" not in html
    assert reverse("care_episodes:assessment", args=[episode.pk]) in html


def test_an_episode_of_another_site_or_another_physio_cannot_be_taken(physio, client_for):
    colleague = UserFactory(role=Role.PHYSIOTHERAPIST)
    elsewhere = EpisodeFactory(physiotherapist=None, site=SiteFactory())
    theirs = EpisodeFactory(physiotherapist=colleague)
    client = client_for(physio)
    for episode in (elsewhere, theirs):
        response = client.post(reverse("care_episodes:take_episode", args=[episode.pk]))
        assert response.status_code == 403
        assert Episode.objects.get(pk=episode.pk).physiotherapist_id == episode.physiotherapist_id
        assert AuditEvent.objects.filter(
            user=physio, action="denied", patient_id=episode.patient_id
        ).exists()


def test_a_closed_unassigned_episode_is_not_taken(physio, client_for):
    episode = EpisodeFactory(physiotherapist=None, site=None, status=S.DECLINED)
    response = client_for(physio).post(
        reverse("care_episodes:take_episode", args=[episode.pk]), follow=True
    )
    assert "A closed episode cannot be taken into care." in response.content.decode()
    assert Episode.objects.get(pk=episode.pk).physiotherapist_id is None


@pytest.mark.parametrize("name", ["episode_detail", "assessment", "plan", "outcome_add"])
def test_front_desk_never_sees_clinical_pages(name, front_desk, physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio)
    assert (
        client_for(front_desk).get(reverse(f"care_episodes:{name}", args=[episode.pk])).status_code
        == 403
    )


def test_front_desk_cannot_open_a_note_pdf(front_desk, physio, client_for):
    note = NoteFactory(episode=EpisodeFactory(physiotherapist=physio))
    assert (
        client_for(front_desk).get(reverse("care_episodes:note_pdf", args=[note.pk])).status_code
        == 403
    )


def test_saving_the_first_assessment_marks_the_episode_assessed(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.BOOKED, risk="medium")
    client = client_for(physio)
    page = client.get(reverse("care_episodes:assessment", args=[episode.pk])).content.decode()
    assert "Medium risk" in page
    response = client.post(reverse("care_episodes:assessment", args=[episode.pk]), ASSESSMENT)
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.status == S.ASSESSED
    assert episode.first_assessed_on == date(2025, 6, 2)
    assert episode.assessments.get().working_diagnosis == "Non-specific low back pain"
    assert AuditEvent.objects.filter(action="create", patient_id=episode.patient_id).exists()
    detail = client.get(reverse("care_episodes:episode_detail", args=[episode.pk])).content.decode()
    assert "First assessment completed" in detail  # on the timeline


def test_an_assessment_missing_the_diagnosis_shows_the_error_and_changes_nothing(
    physio, client_for
):
    episode = EpisodeFactory(physiotherapist=physio, status=S.BOOKED)
    response = client_for(physio).post(
        reverse("care_episodes:assessment", args=[episode.pk]),
        {**ASSESSMENT, "working_diagnosis": ""},
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    episode.refresh_from_db()
    assert episode.status == S.BOOKED and not episode.assessments.exists()


def test_outcomes_are_scored_and_meaningful_change_is_highlighted(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE)
    OutcomeFactory(episode=episode, nprs=8, rmdq=20, measured_on=date(2025, 1, 1))
    client = client_for(physio)
    response = client.post(
        reverse("care_episodes:outcome_add", args=[episode.pk]),
        {
            "measured_on": "2025-02-12",
            "timepoint": "six_weeks",
            "nprs": "3",
            "rmdq_items": ["1", "2", "3"],
            "psfs_activity_1": "Sitting",
            "psfs_score_1": "4",
            "psfs_activity_2": "Lifting",
            "psfs_score_2": "5",
            "psfs_activity_3": "Running",
            "psfs_score_3": "6",
            "grc": "5",
        },
    )
    assert response.status_code == 302
    measure = episode.outcomes.get(timepoint="six_weeks")
    assert (measure.nprs, measure.rmdq, float(measure.psfs), measure.grc) == (3, 3, 5.0, 5)
    html = client.get(reverse("care_episodes:episode_detail", args=[episode.pk])).content.decode()
    assert 'class="change change-improved">Meaningful improvement' in html
    assert "<svg" in html and "<polyline" in html  # server-rendered chart


def test_psfs_with_two_activities_is_refused_next_to_the_field(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE)
    response = client_for(physio).post(
        reverse("care_episodes:outcome_add", args=[episode.pk]),
        {
            "measured_on": "2025-02-12",
            "timepoint": "baseline",
            "psfs_activity_1": "Sitting",
            "psfs_score_1": "4",
            "psfs_activity_2": "Lifting",
            "psfs_score_2": "5",
        },
    )
    assert response.status_code == 200
    assert "The PSFS needs 3 to 5 activities" in response.content.decode()
    assert not OutcomeMeasurement.objects.exists()


def test_a_timepoint_cannot_be_recorded_twice(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE)
    OutcomeFactory(episode=episode)
    response = client_for(physio).post(
        reverse("care_episodes:outcome_add", args=[episode.pk]),
        {"measured_on": "2025-02-12", "timepoint": "baseline", "nprs": "5"},
    )
    assert "already recorded" in response.content.decode()
    assert episode.outcomes.count() == 1


def test_plan_handout_prints_and_exports_a_pdf(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED)
    bridge = Exercise.objects.get(name="Bridge")
    client = client_for(physio)
    response = client.post(
        reverse("care_episodes:plan", args=[episode.pk]),
        {
            "education_topics": ["stay_active", "hurt_not_harm"],
            "exercises": [str(bridge.pk)],
            "activity_modifications": "Short walks every hour",
            "work_modifications": "Sit-stand desk",
            "goals": "Garden again",
            "safety_netting": "Go to Emergency if numbness in the saddle area.",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("care_episodes:handout", args=[episode.pk])).content.decode()
    assert "Bridge" in page and "Squeeze your buttocks" in page and "data-print" in page
    pdf = client.get(reverse("care_episodes:handout_pdf", args=[episode.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="print", patient_id=episode.patient_id).count() == 2


def test_the_exercise_library_is_seeded():
    assert Exercise.objects.count() >= 15


@pytest.mark.parametrize(
    ("risk", "sessions", "care_model"),
    [
        ("low", 1, "single_session_advice"),
        ("medium", 6, "physiotherapy_course"),
        ("high", 8, "psychologically_informed_physiotherapy"),
    ],
)
def test_follow_up_is_proposed_from_the_risk(risk, sessions, care_model, physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED, risk=risk)
    form = (
        client_for(physio)
        .get(reverse("care_episodes:follow_up", args=[episode.pk]))
        .context["form"]
    )
    assert (form.initial["sessions"], form.initial["care_model"]) == (sessions, care_model)


def test_follow_up_session_counts_come_from_settings(physio, client_for, settings):
    settings.FOLLOW_UP_SESSIONS = {"medium": 4}
    episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED, risk="medium")
    form = (
        client_for(physio)
        .get(reverse("care_episodes:follow_up", args=[episode.pk]))
        .context["form"]
    )
    assert form.initial["sessions"] == 4


def test_saving_a_course_of_follow_up_puts_the_episode_in_care(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED, risk="medium")
    client_for(physio).post(
        reverse("care_episodes:follow_up", args=[episode.pk]),
        {"care_model": "physiotherapy_course", "sessions": "5", "interval_weeks": "2", "notes": ""},
    )
    episode.refresh_from_db()
    assert episode.status == S.IN_CARE
    assert FollowUpPlan.objects.get(episode=episode).sessions == 5


def test_discharge_records_the_reason_final_outcomes_and_date(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE)
    response = client_for(physio).post(
        reverse("care_episodes:discharge", args=[episode.pk]),
        {
            "discharged_on": "2025-07-01",
            "reason": "goals_met",
            "summary": "Back at work",
            "nprs": "1",
        },
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert (episode.status, episode.discharged_on) == (S.DISCHARGED, date(2025, 7, 1))
    assert episode.discharge.get_reason_display() == "Goals met"
    assert episode.outcomes.get(timepoint="discharge").nprs == 1


def test_discharging_an_unassessed_episode_is_refused_with_a_message(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.BOOKED)
    response = client_for(physio).post(
        reverse("care_episodes:discharge", args=[episode.pk]),
        {"discharged_on": "2025-07-01", "reason": "goals_met"},
        follow=True,
    )
    assert "cannot become discharged" in response.content.decode()
    episode.refresh_from_db()
    assert episode.status == S.BOOKED


def test_an_illegal_status_change_is_refused_with_a_message(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.DISCHARGED)
    response = client_for(physio).post(
        reverse("care_episodes:change_status", args=[episode.pk]),
        {"to_status": "in_care"},
        follow=True,
    )
    assert "An episode that is discharged cannot become in care." in response.content.decode()


def test_physio_signs_the_note_and_sees_the_physicians_reply(physio, physician, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED)
    episode.patient.family_physician = physician
    episode.patient.save()
    AssessmentFactory(episode=episode, by=physio)
    client = client_for(physio)
    response = client.post(reverse("care_episodes:note_draft", args=[episode.pk]))
    note = episode.notes.get()
    assert response.url == reverse("care_episodes:note_edit", args=[note.pk])
    client.post(
        reverse("care_episodes:note_edit", args=[note.pk]),
        {"title": note.title, "body": note.body + "\nExtra line.", "sign": "1"},
    )
    note.refresh_from_db()
    assert note.is_signed and note.body.endswith("Extra line.")
    pdf = client.get(reverse("care_episodes:note_pdf", args=[note.pk]))
    assert pdf.content.startswith(b"%PDF")

    services.reply_to_note(note, actor=as_actor(physician), text="Should I order an X-ray?")
    home = client.get(reverse("care_episodes:physio_home")).content.decode()
    assert "Should I order an X-ray?" in home
    detail = client.get(reverse("care_episodes:episode_detail", args=[episode.pk])).content.decode()
    assert "Should I order an X-ray?" in detail

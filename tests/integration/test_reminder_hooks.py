"""Each event that makes a reminder due writes it in the same transaction; the event that makes it
moot cancels it (booking, notes, outcomes, follow-ups, referrals, physician alerts)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care_episodes import services as care
from care_episodes.models import Episode, FollowUpPlan, OutcomeMeasurement
from intake import services as intake
from lbp_pathway import audit
from lbp_pathway.access import Role
from lbp_pathway.audit import SYSTEM, as_actor
from referrals import rules
from referrals import services as referrals
from reminders import services as reminders
from reminders.messages import patient_wording
from reminders.models import Notification, Reminder
from tests.care_episodes.factories import AssessmentFactory
from tests.factories import EpisodeFactory, PatientFactory, SiteFactory, UserFactory
from tests.intake.conftest import Clinic
from tests.intake.factories import at, follow_up, new_assessment
from tests.referrals.factories import ReferralFactory
from tests.triage.factories import LOW_RISK_ANSWERS, TriageEpisodeFactory, facts
from triage import services as triage
from triage.models import PhysicianAlert

pytestmark = pytest.mark.django_db

Kind, Status = Reminder.Kind, Reminder.Status
ASSESSMENT_FIELDS = {
    "assessed_on",
    "presenting_complaint",
    "onset",
    "pattern",
    "work_status",
    "red_flag_screen",
    "working_diagnosis",
    "goals",
}


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    settings.REMINDER_QUIET_HOURS = ""
    settings.REMINDER_APPOINTMENT_LEAD_HOURS = [48]
    settings.REMINDER_NOTE_UNSIGNED_DAYS = 3
    settings.REMINDER_STAFF_EMAIL = False


@pytest.fixture
def clinic(db):
    return Clinic()


def pending(**filters) -> list[Reminder]:
    return list(Reminder.objects.filter(status=Status.PENDING, **filters).order_by("key"))


def book(clinic, patient, start, kind=None):
    return intake.book_appointment(
        patient=patient,
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=start,
        appointment_type=kind or new_assessment(),
        actor=SYSTEM,
        now=clinic.now,
    )


# 1. Appointments (intake)


def test_booking_schedules_the_patients_reminder_48_hours_before(clinic):
    patient = PatientFactory()
    appointment = book(clinic, patient, at(clinic.monday, 9))
    (reminder,) = pending(kind=Kind.APPOINTMENT)
    assert reminder.patient == patient
    assert reminder.due_at == at(clinic.monday, 9) - timedelta(hours=48)
    assert reminder.context["site"] == "Sydenham Street"
    assert reminder.key == reminders.appointment_key(appointment.pk, 48)


def test_the_lead_time_comes_from_the_setting(clinic, settings):
    settings.REMINDER_APPOINTMENT_LEAD_HOURS = [24, 2]
    book(clinic, PatientFactory(), at(clinic.monday, 10))
    due = sorted(r.due_at for r in pending(kind=Kind.APPOINTMENT))
    assert due == [at(clinic.monday, 10) - timedelta(hours=24), at(clinic.monday, 8)]


def test_cancelling_the_appointment_cancels_its_reminder(clinic):
    appointment = book(clinic, PatientFactory(), at(clinic.monday, 9))
    intake.cancel_appointment(appointment, actor=SYSTEM, reason="Patient called in sick")
    assert pending() == []
    assert Reminder.objects.get(kind=Kind.APPOINTMENT).status == Status.CANCELLED


def test_a_refused_cancellation_keeps_the_reminder(clinic):
    appointment = book(clinic, PatientFactory(), at(clinic.monday, 9))
    with pytest.raises(Exception, match="reason"):
        intake.cancel_appointment(appointment, actor=SYSTEM, reason=" ")
    assert len(pending(kind=Kind.APPOINTMENT)) == 1


def test_rescheduling_moves_the_reminder_to_the_new_time(clinic):
    patient = PatientFactory()
    first = book(clinic, patient, at(clinic.monday, 9))
    moved = intake.reschedule_appointment(
        first,
        practitioner=clinic.physio,
        site=clinic.west,
        start=at(clinic.tuesday, 14),
        actor=SYSTEM,
        now=clinic.now,
    )
    (reminder,) = pending(kind=Kind.APPOINTMENT)
    assert reminder.key == reminders.appointment_key(moved.pk, 48)
    assert reminder.due_at == at(clinic.tuesday, 14) - timedelta(hours=48)
    assert reminder.context["site"] == "Portsmouth"
    assert Reminder.objects.get(key=reminders.appointment_key(first.pk, 48)).status == (
        Status.CANCELLED
    )


@pytest.mark.parametrize("outcome", ["arrived", "no_show"])
def test_arrival_or_no_show_cancels_the_pending_reminder(clinic, outcome):
    appointment = book(clinic, PatientFactory(), at(clinic.monday, 9))
    intake.change_appointment_status(appointment, outcome, actor=SYSTEM)
    assert pending(kind=Kind.APPOINTMENT) == []


def test_a_slot_already_taken_leaves_no_reminder_behind(clinic):
    book(clinic, PatientFactory(), at(clinic.monday, 9))
    with pytest.raises(intake.SlotTaken):
        book(clinic, PatientFactory(), at(clinic.monday, 9))
    assert len(pending(kind=Kind.APPOINTMENT)) == 1


# 2. Care episodes


@pytest.fixture
def episode(physio):
    return EpisodeFactory(physiotherapist=physio, site=SiteFactory(), status=Episode.Status.BOOKED)


def assess(episode, by):
    fields = AssessmentFactory.build(episode=episode).__dict__
    return care.record_assessment(
        episode, actor=as_actor(by), **{k: v for k, v in fields.items() if k in ASSESSMENT_FIELDS}
    )


def test_the_first_assessment_reminds_the_physio_to_sign_the_note(episode, physio):
    assessment = assess(episode, physio)
    (reminder,) = pending(kind=Kind.NOTE_UNSIGNED)
    assert (reminder.user, reminder.about_patient) == (physio, episode.patient)
    assert reminder.channel == Reminder.Channel.IN_APP
    assert timezone.localtime(reminder.due_at).date() == assessment.assessed_on + timedelta(days=3)


def test_a_reassessment_does_not_push_the_note_reminder_back(episode, physio):
    assess(episode, physio)
    first_due = pending(kind=Kind.NOTE_UNSIGNED)[0].due_at
    episode.refresh_from_db()
    fields = AssessmentFactory.build(episode=episode).__dict__
    fields["assessed_on"] += timedelta(days=2)
    care.record_assessment(
        episode,
        actor=as_actor(physio),
        **{k: v for k, v in fields.items() if k in ASSESSMENT_FIELDS},
    )
    assert [r.due_at for r in pending(kind=Kind.NOTE_UNSIGNED)] == [first_due]


def test_signing_the_note_cancels_the_reminder(episode, physio):
    assess(episode, physio)
    care.sign_note(care.draft_note(episode, actor=as_actor(physio)), actor=as_actor(physio))
    assert pending(kind=Kind.NOTE_UNSIGNED) == []


def test_signing_one_episodes_note_leaves_the_reminder_of_an_episode_whose_id_extends_it(physio):
    """Keys are "episode-<n>" and "episode-<n>1": cancelling one by prefix would catch the other.

    The second id is made from the first one's real id, so the trap is there whatever id the database
    hands out (a fresh database, a full run, random order)."""
    first = EpisodeFactory(physiotherapist=physio, status=Episode.Status.BOOKED)
    longer = EpisodeFactory(
        pk=int(f"{first.pk}1"), physiotherapist=physio, status=Episode.Status.BOOKED
    )
    for each in (first, longer):
        assess(each, physio)
    assert sorted(r.key for r in pending(kind=Kind.NOTE_UNSIGNED)) == [
        f"note_unsigned:episode-{first.pk}",
        f"note_unsigned:episode-{first.pk}1",
    ]
    care.sign_note(care.draft_note(first, actor=as_actor(physio)), actor=as_actor(physio))
    (left,) = pending(kind=Kind.NOTE_UNSIGNED)
    assert (left.key, left.about_patient) == (
        f"note_unsigned:episode-{longer.pk}",
        longer.patient,
    )


def test_the_baseline_outcomes_schedule_the_six_week_re_measurement(episode, physio):
    measured = timezone.localdate()
    care.record_outcomes(
        episode,
        actor=as_actor(physio),
        measured_on=measured,
        timepoint=OutcomeMeasurement.Timepoint.BASELINE,
        nprs=7,
    )
    (reminder,) = pending(kind=Kind.OUTCOME_DUE)
    assert reminder.patient == episode.patient
    assert timezone.localtime(reminder.due_at).date() == measured + timedelta(weeks=6)
    care.record_outcomes(
        episode,
        actor=as_actor(physio),
        measured_on=measured + timedelta(weeks=6),
        timepoint=OutcomeMeasurement.Timepoint.SIX_WEEKS,
        nprs=3,
    )
    assert pending(kind=Kind.OUTCOME_DUE) == []


def test_the_outcome_message_without_a_link_asks_for_a_phone_call_or_visit(episode, physio):
    care.record_outcomes(
        episode,
        actor=as_actor(physio),
        measured_on=timezone.localdate(),
        timepoint=OutcomeMeasurement.Timepoint.BASELINE,
        nprs=7,
    )
    reminder = pending(kind=Kind.OUTCOME_DUE)[0]
    wording = patient_wording(reminder.kind, "en", reminder.context)
    assert "by phone or at your next visit" in wording.body
    assert not wording.body.rstrip().endswith(":")


def plan_follow_up(episode, physio, sessions=6):
    return care.save_follow_up(
        episode,
        actor=as_actor(physio),
        care_model=FollowUpPlan.CareModel.COURSE,
        sessions=sessions,
        interval_weeks=2,
    )


def test_a_plan_with_more_sessions_and_nothing_booked_reminds_patient_physio_and_desk(
    episode, physio, front_desk
):
    assess(episode, physio)
    plan_follow_up(episode, physio)
    reminders_ = pending(kind=Kind.FOLLOW_UP_NOT_BOOKED)
    assert {r.patient for r in reminders_ if r.patient} == {episode.patient}
    assert {r.user for r in reminders_ if r.user} == {physio, front_desk}
    assert all(r.due_at > timezone.now() for r in reminders_)


def test_a_single_session_plan_needs_no_follow_up_reminder(episode, physio):
    assess(episode, physio)
    plan_follow_up(episode, physio, sessions=1)
    assert pending(kind=Kind.FOLLOW_UP_NOT_BOOKED) == []


def test_cutting_the_plan_to_one_session_cancels_the_follow_up_reminders(
    episode, physio, front_desk
):
    assess(episode, physio)
    plan_follow_up(episode, physio, sessions=6)
    assert len(pending(kind=Kind.FOLLOW_UP_NOT_BOOKED)) == 3
    plan_follow_up(episode, physio, sessions=1)
    assert pending(kind=Kind.FOLLOW_UP_NOT_BOOKED) == []


def test_discharge_cancels_the_follow_up_and_outcome_reminders(episode, physio):
    assess(episode, physio)
    care.record_outcomes(
        episode,
        actor=as_actor(physio),
        measured_on=timezone.localdate(),
        timepoint=OutcomeMeasurement.Timepoint.BASELINE,
        nprs=7,
    )
    plan_follow_up(episode, physio, sessions=6)
    care.discharge(
        Episode.objects.get(pk=episode.pk),
        actor=as_actor(physio),
        reason="goals_met",
        discharged_on=timezone.localdate(),
    )
    assert pending(kind=Kind.FOLLOW_UP_NOT_BOOKED) == pending(kind=Kind.OUTCOME_DUE) == []


def test_booking_the_follow_up_cancels_the_follow_up_reminders(clinic, front_desk):
    patient = PatientFactory()
    first = book(clinic, patient, at(clinic.monday, 9))
    intake.change_appointment_status(first, "arrived", actor=SYSTEM)
    episode = first.episode
    assess(episode, clinic.physio)
    plan_follow_up(episode, clinic.physio)
    assert len(pending(kind=Kind.FOLLOW_UP_NOT_BOOKED)) == 3
    book(clinic, patient, at(clinic.monday + timedelta(days=7), 9), kind=follow_up())
    assert pending(kind=Kind.FOLLOW_UP_NOT_BOOKED) == []


def test_a_follow_up_already_booked_means_no_reminder(clinic):
    patient = PatientFactory()
    book(clinic, patient, at(clinic.monday, 9))
    episode = Episode.objects.get(patient=patient)
    book(clinic, patient, at(clinic.monday, 11), kind=follow_up())
    assess(episode, clinic.physio)
    plan_follow_up(Episode.objects.get(pk=episode.pk), clinic.physio)
    assert pending(kind=Kind.FOLLOW_UP_NOT_BOOKED) == []


# 3. Referrals


@pytest.fixture
def referral(physio):
    return ReferralFactory(episode=EpisodeFactory(physiotherapist=physio), created_by=physio)


def test_sending_a_referral_reminds_physio_and_front_desk_after_its_due_date(
    referral, physio, front_desk
):
    today = timezone.localdate()
    referrals.move_referral(referral, rules.SENT, by=physio, on=today)
    due = reminders.local_morning(referral.due_on + timedelta(days=1))
    overdue = pending(kind=Kind.REFERRAL_OVERDUE)
    assert {r.user for r in overdue} == {physio, front_desk}
    assert {r.due_at for r in overdue} == {due}
    assert {r.about_patient for r in overdue} == {referral.episode.patient}
    assert referral.due_on == today + timedelta(days=rules.SLA_DAYS[referral.kind])


def test_the_reminder_stays_while_the_clock_runs_and_goes_once_the_patient_is_seen(
    referral, physio, front_desk
):
    referrals.move_referral(referral, rules.SENT, by=physio)
    for step in (rules.ACCEPTED, rules.APPOINTMENT_BOOKED):
        referrals.move_referral(referral, step, by=physio)
        assert len(pending(kind=Kind.REFERRAL_OVERDUE)) == 2, step
    referrals.move_referral(referral, rules.SEEN, by=physio)
    assert pending(kind=Kind.REFERRAL_OVERDUE) == []


def test_cancelling_a_sent_referral_cancels_its_reminder(referral, physio, front_desk):
    other = ReferralFactory(episode=referral.episode, created_by=physio)
    referrals.move_referral(referral, rules.SENT, by=physio)
    referrals.move_referral(other, rules.SENT, by=physio)
    referrals.move_referral(referral, rules.CANCELLED, by=physio)
    assert {r.key.split(":")[1] for r in pending(kind=Kind.REFERRAL_OVERDUE)} == {str(other.pk)}


# 4. Physician alerts (triage)


def test_an_urgent_red_flag_reminds_the_physician_at_the_review_deadline(physio):
    episode = TriageEpisodeFactory()
    triage.record_triage(
        episode,
        facts(red_flags=["history_of_cancer"]),
        LOW_RISK_ANSWERS,
        actor=audit.as_actor(physio),
    )
    alert = PhysicianAlert.objects.get(episode=episode)
    (reminder,) = pending(kind=Kind.PHYSICIAN_REVIEW)
    assert reminder.user == episode.patient.family_physician
    assert reminder.due_at == alert.due_at
    assert reminder.about_patient == episode.patient


def test_clearing_the_urgent_alert_cancels_the_reminder(physio):
    episode = TriageEpisodeFactory()
    triage.record_triage(
        episode,
        facts(red_flags=["history_of_cancer"]),
        LOW_RISK_ANSWERS,
        actor=audit.as_actor(physio),
    )
    alert = PhysicianAlert.objects.get(episode=episode)
    triage.clear_alert(
        alert,
        note="Reviewed, bloods normal",
        actor=audit.as_actor(episode.patient.family_physician),
    )
    assert pending(kind=Kind.PHYSICIAN_REVIEW) == []


def test_repeating_the_urgent_triage_keeps_one_reminder(physio):
    episode = TriageEpisodeFactory()
    red = facts(red_flags=["history_of_cancer"])
    triage.record_triage(episode, red, LOW_RISK_ANSWERS, actor=audit.as_actor(physio))
    triage.record_triage(episode, red, LOW_RISK_ANSWERS, actor=audit.as_actor(physio))
    assert len(pending(kind=Kind.PHYSICIAN_REVIEW)) == 1


def test_an_emergency_red_flag_notifies_the_physician_in_the_app_at_once(physio, client_for):
    episode = TriageEpisodeFactory()
    triage.record_triage(
        episode, facts(red_flags=["significant_trauma"]), [None] * 9, actor=audit.as_actor(physio)
    )
    physician = episode.patient.family_physician
    notification = Notification.objects.get(user=physician)
    assert notification.read_at is None and "Emergency" in notification.title
    page = client_for(physician).get(reverse("reminders:inbox"))
    assert episode.patient.full_name in page.content.decode()
    assert not Notification.objects.exclude(user=physician).exists()


def test_an_emergency_on_the_phone_notifies_the_physician_even_without_an_episode(front_desk):
    physician = UserFactory(role=Role.FAMILY_PHYSICIAN)
    patient = PatientFactory(family_physician=physician)
    triage.record_phone_screen(
        patient,
        back_pain_main_reason=True,
        emergency_flags=["significant_trauma"],
        actor=audit.as_actor(front_desk),
    )
    assert Notification.objects.filter(user=physician, title__icontains="Emergency").count() == 1

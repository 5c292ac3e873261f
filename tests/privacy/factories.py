"""Factories for the privacy models."""

from datetime import time, timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from care_episodes import services as care_services
from care_episodes import visits as care_visits
from care_episodes.models import Exercise
from intake import group_sessions
from intake import services as intake_services
from intake.models import WaitlistEntry
from lbp_pathway.access import Role
from lbp_pathway.audit import SYSTEM, as_actor
from lbp_pathway.models import AuditEvent, EmergencyAccess, SignInFailures
from referrals import rules
from referrals import services as referral_services
from referrals.models import ReferralSuggestion
from referrals.suggestions import AssessmentFacts, triage_summary
from reminders.models import Reminder
from tests.care_episodes.factories import AssessmentFactory, NoteFactory, OutcomeFactory
from tests.factories import EpisodeFactory, PatientFactory, SiteFactory, UserFactory
from tests.intake.factories import (
    WeeklyAvailabilityFactory,
    at,
    ensure_appointment_types,
    new_assessment,
    next_weekday,
)
from tests.referrals.factories import DestinationFactory, PostalCodeFactory, ReferralFactory
from tests.reminders.factories import ReminderFactory
from tests.triage.factories import facts
from triage import services as triage_services
from triage.models import PhysicianAlert
from triage.rules import Claims


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    user = factory.SubFactory(UserFactory)
    username = factory.LazyAttribute(lambda e: e.user.username if e.user else "")
    patient_id = 1
    action = AuditEvent.Action.VIEW
    what = "Patient chart"
    path = "/physio/patients/1/"
    ip_address = "127.0.0.1"


class EmergencyAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmergencyAccess

    user = factory.SubFactory(UserFactory)
    patient_id = 1
    reason = "Covering for Dr. Gagnon during an urgent visit"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))


class AccessWorld:
    """What the access tests need: one user per role (the physiotherapist looks after the patient, the
    family physician has the patient in their panel), another physiotherapist at another site and
    another family physician, and, made on first use, every object a URL is about."""

    def __init__(self) -> None:

        ensure_appointment_types()
        self.users = {
            role: UserFactory(role=role, username=f"matrix-{role.name.lower()}") for role in Role
        }
        self.users[Role.ADMINISTRATOR].is_staff = True
        self.users[Role.ADMINISTRATOR].save()
        self.physio = self.users[Role.PHYSIOTHERAPIST]
        self.physician = self.users[Role.FAMILY_PHYSICIAN]
        self.site = SiteFactory(name="Matrix Sydenham Street")
        self.other_site = SiteFactory(name="Matrix Portsmouth")
        WeeklyAvailabilityFactory(
            practitioner=self.physio, site=self.site, weekday=0, start=time(9), end=time(12)
        )
        self.other_physio = UserFactory(role=Role.PHYSIOTHERAPIST, username="matrix-other-physio")
        WeeklyAvailabilityFactory(
            practitioner=self.other_physio,
            site=self.other_site,
            weekday=0,
            start=time(9),
            end=time(12),
        )
        self.other_physician = UserFactory(
            role=Role.FAMILY_PHYSICIAN, username="matrix-other-physician"
        )
        self.patient = PatientFactory(family_physician=self.physician, postal_code="K7L 1A1")
        self.episode = EpisodeFactory(
            patient=self.patient,
            physiotherapist=self.physio,
            site=self.site,
            status="in_care",
            requested_on=timezone.localdate() - timedelta(days=30),
            first_assessed_on=timezone.localdate() - timedelta(days=20),
        )
        self._made: dict[str, object] = {}

    def make_user(self, role, username: str):
        return UserFactory(role=role, username=username)

    def _once(self, key: str, make):
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    # --- care episodes ---------------------------------------------------------------------------

    def assessed(self):
        """The episode with an assessment and a baseline outcome (enough to draft a note)."""

        def make():
            AssessmentFactory(episode=self.episode)
            OutcomeFactory(episode=self.episode)
            return self.episode

        return self._once("assessed", make)

    def plan(self):

        return self._once(
            "plan",
            lambda: care_services.save_plan(
                self.episode,
                actor=as_actor(self.physio),
                exercises=list(Exercise.objects.all()[:1]),
                education_topics=["stay_active"],
                activity_modifications="Short walks",
                work_modifications="",
                goals="Garden again",
                safety_netting="Go to Emergency if numbness in the saddle area.",
            ),
        )

    def unassigned_episode(self):
        """An episode of the patient in no one's care yet, at the physiotherapist's site."""

        return self._once(
            "unassigned_episode",
            lambda: EpisodeFactory(
                patient=self.patient, physiotherapist=None, site=self.site, status="requested"
            ),
        )

    def visit(self):
        """An unsigned follow-up visit note on the episode."""

        return self._once(
            "visit",
            lambda: care_visits.record_visit(
                self.episode,
                actor=as_actor(self.physio),
                facts={
                    "visit_date": timezone.localdate(),
                    "mode": "in_person",
                    "subjective": "Better",
                    "treatment": "Exercise review",
                },
            ),
        )

    def draft_note(self):

        return self._once("draft_note", lambda: NoteFactory(episode=self.episode))

    def signed_note(self):

        return self._once(
            "signed_note",
            lambda: care_services.sign_note(
                NoteFactory(episode=self.episode), actor=as_actor(self.physio)
            ),
        )

    # --- triage ------------------------------------------------------------------------------------

    def alert(self):
        """An open emergency red-flag alert for the physician, on a second episode of the patient."""

        def make():
            episode = EpisodeFactory(patient=self.patient, physiotherapist=self.physio)
            triage_services.record_triage(
                episode,
                facts(red_flags=["significant_trauma"]),
                [None] * 9,
                actor=as_actor(self.physio),
            )
            return PhysicianAlert.objects.get(episode=episode)

        return self._once("alert", make)

    def questionnaire_token(self) -> str:

        return self._once(
            "token",
            lambda: triage_services.create_questionnaire_link(
                self.episode, actor=as_actor(self.physio)
            )[1],
        )

    # --- referrals ---------------------------------------------------------------------------------

    def destination(self):

        def make():
            PostalCodeFactory(code="K7L", latitude=44.231, longitude=-76.495)
            return DestinationFactory(name="Matrix community physio")

        return self._once("destination", make)

    def suggestion(self):
        """A pending routing suggestion from a review of the episode."""

        def make():
            today = timezone.localdate()
            triage = triage_summary(
                reference_date=today,
                date_of_birth=self.patient.date_of_birth,
                episode_start_date=today - timedelta(weeks=10),
                recurrent_episode=False,
                red_flags=[],
                risk="medium",
                claims=Claims(wsib=False, motor_vehicle=False, legal=False),
                pregnant=False,
                delivery_date=None,
                unmanaged_chronic_multisite_pain=False,
                unmanaged_narcotic_dependency=False,
                inflammatory_features=[],
                age_at_lbp_onset=None,
            )
            facts = AssessmentFacts(
                leg_dominant=True,
                weeks_of_symptoms=10,
                surgical_candidate=True,
                opioid_concerns=False,
                not_improving=True,
                private_physio_coverage=False,
            )
            referral_services.record_review(
                episode=self.episode,
                triage_result=triage,
                facts=facts,
                actor=as_actor(self.physio),
            )
            return ReferralSuggestion.objects.filter(review__episode=self.episode).first()

        return self._once("suggestion", make)

    def referral(self):
        """A referral sent ten days ago by the physio in care."""

        def make():
            referral = ReferralFactory(
                episode=self.episode, destination=self.destination(), created_by=self.physio
            )
            referral_services.move_referral(
                referral,
                rules.SENT,
                actor=as_actor(self.physio),
                on=timezone.localdate() - timedelta(days=10),
            )
            return referral

        return self._once("referral", make)

    def booked_referral(self):
        """The sent referral moved on to an appointment booked: a report may be attached."""

        def make():
            referral = self.referral()
            for step in (rules.ACCEPTED, rules.APPOINTMENT_BOOKED):
                referral_services.move_referral(referral, step, actor=as_actor(self.physio))
            return referral

        return self._once("booked_referral", make)

    def referral_with_report(self):

        def make():
            referral = self.booked_referral()
            referral_services.attach_report(
                referral,
                pdf_upload(),
                report_type=rules.REPORT_TYPES["pdf"],
                actor=as_actor(self.physio),
            )
            return referral

        return self._once("referral_with_report", make)

    # --- front desk, reminders, administration ----------------------------------------------------

    def monday_slot(self, hour: int):

        return at(next_weekday(0), hour)

    def appointment(self):

        return self._once(
            "appointment",
            lambda: intake_services.book_appointment(
                patient=self.patient,
                practitioner=self.physio,
                site=self.site,
                start=self.monday_slot(10),
                appointment_type=new_assessment(),
                actor=SYSTEM,
                episode=self.episode,
            ),
        )

    def group_session(self):
        """A class next Monday at the physio's site with places left."""

        return self._once(
            "group_session",
            lambda: group_sessions.create_session(
                actor=SYSTEM,
                kind="education",
                title="Back school",
                site=self.site,
                leader=self.physio,
                start=self.monday_slot(14),
                end=self.monday_slot(15),
                capacity=10,
            ),
        )

    def group_booking(self):

        return self._once(
            "group_booking",
            lambda: group_sessions.book_into_session(
                self.group_session(), patient=self.patient, actor=SYSTEM
            ),
        )

    def waitlist_entry(self):

        return self._once("waitlist", lambda: WaitlistEntry.objects.create(patient=self.patient))

    def stranger(self):
        """A patient neither in the physio's care nor in the physician's panel."""

        return self._once("stranger", lambda: PatientFactory(family_physician=self.other_physician))

    def grant(self):
        return self._once(
            "grant",
            lambda: EmergencyAccessFactory(user=self.physio, patient_id=self.stranger().pk),
        )

    def sign_in_failures(self):

        return self._once(
            "failures",
            lambda: SignInFailures.objects.create(
                username="matrix-front_desk",
                ip_address="127.0.0.1",
                failures=5,
                first_failure_at=timezone.now(),
                locked_until=timezone.now() + timedelta(minutes=15),
            ),
        )

    def failed_reminder(self):

        return self._once(
            "reminder",
            lambda: ReminderFactory(patient=self.patient, status=Reminder.Status.FAILED),
        )


def pdf_upload():

    return SimpleUploadedFile("consult.pdf", b"%PDF-1.4\nreport\n%%EOF", "application/pdf")

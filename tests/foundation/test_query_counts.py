"""Every list page runs the same number of queries with 10 rows as with 1,000 (issue 13, throughput).

Each page is opened once with 10 rows of what it lists, then again after 990 more rows were added
set-wise (bulk_create); the second visit must not issue more queries than the first. A page whose
count may legitimately move by a fixed amount states that amount in `slack` (none does today).
Zulip pins its list pages the same way ('zulip/zulip zerver/lib/test_classes.py').
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care_episodes.models import (
    Assessment,
    ConsultationNote,
    Episode,
    EpisodeEvent,
    NoteRead,
    NoteReply,
    OutcomeMeasurement,
)
from intake.models import Appointment, IncomingReferral, Patient, WaitlistEntry, WeeklyAvailability
from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent, EmergencyAccess, SignInFailures
from referrals import rules
from referrals.models import Referral, ReferralEvent
from reminders.models import Delivery, Notification, Reminder
from reporting import rollups
from tests.factories import EpisodeFactory, PatientFactory, SiteFactory
from tests.intake.factories import follow_up, new_assessment
from tests.referrals.factories import DestinationFactory
from triage.models import PhysicianAlert, TriageDecision

TZ = ZoneInfo("America/Toronto")
SMALL, LARGE = 10, 1000


class World:
    """One user per role, three sites, a patient in the physician's panel with an episode in the
    physiotherapist's care (the pages about one record), and counters for what `grow` has added."""

    def __init__(self) -> None:
        # No password (the client signs in with force_login): hashing one costs a second each.
        self.users = {
            role: User.objects.create(
                username=f"qc-{role.name.lower()}",
                first_name=role.name.title(),
                last_name="Tester",
                is_staff=role is Role.ADMINISTRATOR,
            )
            for role in Role
        }
        for role, user in self.users.items():
            user.groups.add(Group.objects.get_or_create(name=role.value)[0])
        self.physio = self.users[Role.PHYSIOTHERAPIST]
        self.physician = self.users[Role.FAMILY_PHYSICIAN]
        self.front_desk = self.users[Role.FRONT_DESK]
        self.sites = [SiteFactory(name=f"QC site {n}") for n in range(3)]
        self.new, self.follow = new_assessment(), follow_up()
        self.patient = PatientFactory(family_physician=self.physician, last_name="Focus")
        self.episode = EpisodeFactory(
            patient=self.patient,
            physiotherapist=self.physio,
            site=self.sites[0],
            status=Episode.Status.IN_CARE,
            requested_on=timezone.localdate() - timedelta(days=40),
            first_assessed_on=timezone.localdate() - timedelta(days=30),
        )
        self.destination = DestinationFactory(name="QC community physio")
        self.referral = Referral.objects.create(
            episode=self.episode,
            kind=rules.COMMUNITY_PHYSIO,
            destination=self.destination,
            reason="Persistent pain",
            question="Please assess.",
            created_by=self.physio,
            status=rules.SENT,
            sent_on=timezone.localdate() - timedelta(days=30),
            due_on=timezone.localdate() - timedelta(days=2),
        )
        self.grown: dict[str, int] = {}
        self.physios: list[User] = [self.physio]

    def start(self, kind: str, count: int) -> int:
        """The index of the first of `count` new rows of `kind`."""
        first = self.grown.get(kind, 0)
        self.grown[kind] = first + count
        return first

    def patients(self, count: int, kind: str) -> list[Patient]:
        first = self.start(f"patients:{kind}", count)
        return Patient.objects.bulk_create(
            Patient(
                first_name=f"Pat{kind.title()}{first + n}",
                last_name="Sample",
                date_of_birth=date(1970, 1, 1) + timedelta(days=first + n),
                family_physician=self.physician,
            )
            for n in range(count)
        )

    def episodes(self, count: int, kind: str, **fields: object) -> list[Episode]:
        patients = self.patients(count, kind)
        today = timezone.localdate()
        return Episode.objects.bulk_create(
            Episode(
                **{
                    "patient": patient,
                    "physiotherapist": self.physio,
                    "site": self.sites[n % 3],
                    "status": Episode.Status.IN_CARE,
                    "requested_on": today - timedelta(days=40 + n % 30),
                    "first_assessed_on": today - timedelta(days=20 + n % 10),
                    "risk": ("low", "medium", "high")[n % 3],
                    **fields,
                }
            )
            for n, patient in enumerate(patients)
        )

    def more_physios(self, wanted: int) -> list[User]:
        """At least `wanted` physiotherapists, made set-wise."""
        missing = wanted - len(self.physios)
        if missing > 0:
            first = len(self.physios)
            users = User.objects.bulk_create(
                User(username=f"qc-extra-physio-{first + n}", last_name=f"Extra{first + n:04d}")
                for n in range(missing)
            )
            group = Group.objects.get(name=Role.PHYSIOTHERAPIST.value)
            User.groups.through.objects.bulk_create(
                User.groups.through(user_id=user.pk, group_id=group.pk) for user in users
            )
            self.physios.extend(users)
        return self.physios


# What each page lists, added `count` rows at a time. ----------------------------------------------


def grow_todays_appointments(world: World, count: int) -> None:
    """Appointments today, one minute each, 50 per physiotherapist (20 of them at 1,000), 3 sites."""
    first = world.start("today", count)
    episodes = world.episodes(count, "today", status=Episode.Status.BOOKED)
    physios = world.more_physios((first + count + 49) // 50)
    day = timezone.localdate()
    Appointment.objects.bulk_create(
        Appointment(
            patient_id=episode.patient_id,
            episode=episode,
            practitioner=physios[(first + n) // 50],
            site=world.sites[(first + n) % 3],
            appointment_type=world.new,
            start=datetime.combine(day, time(6), tzinfo=TZ) + timedelta(minutes=(first + n) % 50),
            end=datetime.combine(day, time(6), tzinfo=TZ) + timedelta(minutes=(first + n) % 50 + 1),
        )
        for n, episode in enumerate(episodes)
    )


def grow_incoming_referrals(world: World, count: int) -> None:
    episodes = world.episodes(
        count, "referred", status=Episode.Status.REQUESTED, physiotherapist=None
    )
    IncomingReferral.objects.bulk_create(
        IncomingReferral(
            patient_id=episode.patient_id,
            referring_physician=world.physician,
            episode=episode,
            reason="Back pain for six weeks",
            urgency=("urgent", "routine")[n % 2],
            received_on=timezone.localdate() - timedelta(days=n % 20),
        )
        for n, episode in enumerate(episodes)
    )


def grow_front_desk_home(world: World, count: int) -> None:
    grow_todays_appointments(world, count)
    grow_incoming_referrals(world, count)


def grow_search_hits(world: World, count: int) -> None:
    world.patients(count, "search")


def grow_schedule(world: World, count: int) -> None:
    """Practitioners with weekday windows (one per 10 rows) and future appointments among them."""
    first = world.start("schedule", count)
    physios = world.more_physios((first + count) // 10 + 1)
    have = set(WeeklyAvailability.objects.values_list("practitioner_id", flat=True))
    WeeklyAvailability.objects.bulk_create(
        WeeklyAvailability(
            practitioner=physio,
            site=world.sites[n % 3],
            weekday=weekday,
            start=time(8),
            end=time(17),
        )
        for n, physio in enumerate(physios)
        if physio.pk not in have
        for weekday in range(5)
    )
    episodes = world.episodes(count, "schedule", status=Episode.Status.BOOKED)
    tomorrow = timezone.localdate() + timedelta(days=1)
    Appointment.objects.bulk_create(
        Appointment(
            patient_id=episode.patient_id,
            episode=episode,
            practitioner=physios[(first + n) % len(physios)],
            site=world.sites[0],
            appointment_type=world.follow,
            start=datetime.combine(tomorrow + timedelta(days=(first + n) // 500), time(0), TZ)
            + timedelta(minutes=2 * ((first + n) % 500)),
            end=datetime.combine(tomorrow + timedelta(days=(first + n) // 500), time(0), TZ)
            + timedelta(minutes=2 * ((first + n) % 500) + 1),
        )
        for n, episode in enumerate(episodes)
    )


def grow_waitlist(world: World, count: int) -> None:
    """Patients waiting, and cancelled future appointments (freed slots) to offer them."""
    first = world.start("waitlist", count)
    episodes = world.episodes(count, "waiting", status=Episode.Status.BOOKED)
    physios = world.more_physios(2)
    soon = timezone.localdate() + timedelta(days=2)
    booked = Appointment.objects.bulk_create(
        Appointment(
            patient_id=episode.patient_id,
            episode=episode,
            practitioner=physios[(first + n) % 2],
            site=world.sites[(first + n) % 3],
            appointment_type=world.new,
            start=datetime.combine(soon, time(0), TZ) + timedelta(minutes=first + n),
            end=datetime.combine(soon, time(0), TZ) + timedelta(minutes=first + n + 1),
            status=(Appointment.Status.CANCELLED, Appointment.Status.BOOKED)[n % 2],
        )
        for n, episode in enumerate(episodes)
    )
    WaitlistEntry.objects.bulk_create(
        WaitlistEntry(
            patient_id=appointment.patient_id,
            appointment=appointment if n % 2 else None,
            practitioner=physios[n % 2] if n % 3 == 0 else None,
            site=world.sites[n % 3] if n % 5 == 0 else None,
        )
        for n, appointment in enumerate(booked)
    )


def grow_physio_home(world: World, count: int) -> None:
    """Open episodes in the physio's care with a baseline measure, notes waiting to be signed (so
    overdue) and replies from the family physician not yet seen."""
    episodes = world.episodes(count, "physio home")
    OutcomeMeasurement.objects.bulk_create(
        OutcomeMeasurement(
            episode=episode,
            measured_on=episode.first_assessed_on,
            timepoint="baseline",
            nprs=6,
            rmdq=12,
            by=world.physio,
        )
        for episode in episodes
    )
    notes = _signed_notes(world, episodes)
    NoteReply.objects.bulk_create(
        NoteReply(note=note, author=world.physician, text="Thanks, agreed.") for note in notes
    )


def grow_physio_day(world: World, count: int) -> None:
    """Today's appointments for the physio across the three sites (one minute each from midnight),
    half of their episodes triaged, with a baseline measure and an unsigned assessment; and patients
    of the physio's episodes that the search box finds."""
    first = world.start("physio day", count)
    episodes = world.episodes(count, "physio day", status=Episode.Status.BOOKED)
    midnight = datetime.combine(timezone.localdate(), time(0), tzinfo=TZ)
    Appointment.objects.bulk_create(
        Appointment(
            patient_id=episode.patient_id,
            episode=episode,
            practitioner=world.physio,
            site=world.sites[n % 3],
            appointment_type=world.new if n % 2 else world.follow,
            start=midnight + timedelta(minutes=first + n),
            end=midnight + timedelta(minutes=first + n + 1),
        )
        for n, episode in enumerate(episodes)
    )
    TriageDecision.objects.bulk_create(
        TriageDecision(
            episode=episode,
            patient_id=episode.patient_id,
            inputs={},
            outputs={},
            risk="low",
            disposition="none",
            rule_version="qc",
        )
        for episode in episodes[::2]
    )
    Assessment.objects.bulk_create(
        Assessment(
            episode=episode,
            assessed_on=timezone.localdate(),
            by=world.physio,
            presenting_complaint="Back pain",
            onset="Lifting",
            pattern="back_dominant",
            work_status="working_full",
            red_flag_screen="None",
            working_diagnosis="Mechanical low back pain",
            goals="Walk",
        )
        for episode in episodes[1::2]
    )


def grow_physician_panel(world: World, count: int) -> None:
    """Open episodes of the physician's panel patients, half with a signed note."""
    episodes = world.episodes(count, "panel")
    _signed_notes(world, episodes[::2])


def _signed_notes(world: World, episodes: list[Episode]) -> list[ConsultationNote]:
    now = timezone.now()
    return ConsultationNote.objects.bulk_create(
        ConsultationNote(
            episode=episode,
            title=f"Physiotherapy consultation {episode.pk}",
            body="Presentation\nBack pain with sciatica.\n\nPlan\nWalking programme.",
            author=world.physio,
            signed_at=now - timedelta(minutes=n),
            signed_by=world.physio,
        )
        for n, episode in enumerate(episodes)
    )


def grow_physician_inbox(world: World, count: int) -> None:
    """Signed notes about the panel (half read) and open red-flag alerts."""
    episodes = world.episodes(count, "inbox")
    notes = _signed_notes(world, episodes)
    NoteRead.objects.bulk_create(NoteRead(note=note, reader=world.physician) for note in notes[::2])
    now = timezone.now()
    PhysicianAlert.objects.bulk_create(
        PhysicianAlert(
            episode=episode,
            patient_id=episode.patient_id,
            physician=world.physician,
            kind=PhysicianAlert.Kind.choices[n % len(PhysicianAlert.Kind.choices)][0],
            message="Possible cauda equina: assess today.",
            due_at=now + timedelta(hours=4),
        )
        for n, episode in enumerate(episodes)
    )


def grow_episode_record(world: World, count: int) -> None:
    """On the one episode: events, assessments, signed note versions, replies, triage decisions and
    referrals (outcome measures are one per timepoint, so they cannot grow)."""
    episode = world.episode
    first = world.start("record", count)
    today = timezone.localdate()
    EpisodeEvent.objects.bulk_create(
        EpisodeEvent(episode=episode, by=world.physio, description=f"Event {first + n}")
        for n in range(count)
    )
    Assessment.objects.bulk_create(
        Assessment(
            episode=episode,
            assessed_on=today - timedelta(days=n % 30),
            by=world.physio,
            presenting_complaint="Low back pain",
            onset="Lifting",
            symptom_weeks=3,
            pattern=Assessment.Pattern.BACK_DOMINANT,
            work_status=Assessment.WorkStatus.WORKING_MODIFIED,
            working_diagnosis="Non-specific low back pain",
            goals="Walk the dog",
        )
        for n in range(count)
    )
    now = timezone.now()
    notes = ConsultationNote.objects.bulk_create(
        ConsultationNote(
            episode=episode,
            version=first + n + 1,
            title=f"Consultation version {first + n + 1}",
            body="Back pain.",
            author=world.physio,
            signed_at=now - timedelta(minutes=n),
            signed_by=world.physio,
        )
        for n in range(count)
    )
    NoteReply.objects.bulk_create(
        NoteReply(note=note, author=world.physician, text="Noted.", seen_by_physio_at=now)
        for note in notes
    )
    TriageDecision.objects.bulk_create(
        TriageDecision(
            episode=episode,
            patient=world.patient,
            inputs={"red_flags": []},
            outputs={"start_back": {"total": 3, "psychosocial": 1}},
            risk="low",
            disposition=TriageDecision.Disposition.choices[0][0],
            rule_version="test",
            decided_by=world.physio,
        )
        for _ in range(count)
    )
    referrals = Referral.objects.bulk_create(
        Referral(
            episode=episode,
            kind=rules.COMMUNITY_PHYSIO,
            destination=world.destination,
            reason="Persistent pain",
            question="Please assess.",
            created_by=world.physio,
            status=rules.SENT,
            sent_on=today - timedelta(days=20),
            due_on=today - timedelta(days=n % 3),
        )
        for n in range(count)
    )
    ReferralEvent.objects.bulk_create(
        ReferralEvent(referral=world.referral, by=world.physio, to_status=rules.SENT, note=f"{n}")
        for n in range(count)
    )
    del referrals


def grow_referrals_out(world: World, count: int) -> None:
    """Referrals out, one per episode in the physio's care (so in the physician's panel too)."""
    episodes = world.episodes(count, "referrals out")
    today = timezone.localdate()
    Referral.objects.bulk_create(
        Referral(
            episode=episode,
            kind=rules.COMMUNITY_PHYSIO,
            destination=world.destination,
            reason="Persistent pain",
            question="Please assess.",
            created_by=world.physio,
            status=rules.SENT,
            sent_on=today - timedelta(days=20),
            due_on=today - timedelta(days=n % 3),
        )
        for n, episode in enumerate(episodes)
    )


def grow_patient_record(world: World, count: int) -> None:
    """The focus patient's appointments and episodes (front desk's patient page)."""
    first = world.start("patient record", count)
    today = timezone.localdate()
    episodes = Episode.objects.bulk_create(
        Episode(
            patient=world.patient,
            physiotherapist=world.physio,
            site=world.sites[n % 3],
            status=Episode.Status.DISCHARGED,
            requested_on=today - timedelta(days=400 + first + n),
        )
        for n in range(count)
    )
    start = datetime.combine(today - timedelta(days=3), time(0), TZ)
    Appointment.objects.bulk_create(
        Appointment(
            patient=world.patient,
            episode=episode,
            practitioner=world.physio,
            site=world.sites[n % 3],
            appointment_type=world.follow,
            start=start - timedelta(minutes=2 * (first + n)),
            end=start - timedelta(minutes=2 * (first + n) - 1),
            status=Appointment.Status.COMPLETED,
        )
        for n, episode in enumerate(episodes)
    )


def grow_reminders(world: World, count: int) -> None:
    """Reminders to the focus patient (with a delivery each) and notifications to every staff user."""
    first = world.start("reminders", count)
    now = timezone.now()
    reminders = Reminder.objects.bulk_create(
        Reminder(
            kind=Reminder.Kind.APPOINTMENT,
            key=f"qc:{first + n}",
            patient=world.patient,
            channel=Reminder.Channel.SMS,
            due_at=now - timedelta(minutes=n),
            status=(Reminder.Status.PENDING, Reminder.Status.FAILED)[n % 2],
            context={"site": "QC site 0", "starts_at": now.isoformat()},
        )
        for n in range(count)
    )
    Delivery.objects.bulk_create(
        Delivery(
            reminder=reminder,
            key=f"qc:{reminder.pk}:1",
            channel=Reminder.Channel.SMS,
            started_at=now,
            status=Delivery.Status.SENDING,
        )
        for reminder in reminders
    )
    Notification.objects.bulk_create(
        Notification(user=user, title=f"Reminder {first + n}", created_at=now, url="/")
        for user in (world.front_desk, world.physio, world.physician)
        for n in range(count)
    )


def grow_audit(world: World, count: int) -> None:
    """Audit rows, break-the-glass grants to review and sign-in locks."""
    first = world.start("audit", count)
    now = timezone.now()
    AuditEvent.objects.bulk_create(
        AuditEvent(
            user=world.physio,
            username=world.physio.username,
            patient_id=world.patient.pk,
            action=AuditEvent.Action.VIEW,
            what=f"care episode {first + n}",
            path="/physio/",
            ip_address="127.0.0.1",
        )
        for n in range(count)
    )
    EmergencyAccess.objects.bulk_create(
        EmergencyAccess(
            user=(world.physio, world.physician)[n % 2],
            patient_id=world.patient.pk,
            reason="Covering an urgent visit",
            expires_at=now + timedelta(hours=1),
        )
        for n in range(count)
    )
    SignInFailures.objects.bulk_create(
        SignInFailures(
            username=f"qc-locked-{first + n}",
            ip_address="127.0.0.1",
            failures=5,
            first_failure_at=now,
            locked_until=now + timedelta(minutes=15),
        )
        for n in range(count)
    )


def grow_manager_figures(world: World, count: int) -> None:
    """Assessed and discharged episodes over the quarter, and their appointments; then the rollup
    refresh that the beat job runs every minute (the page itself refreshes only the days changed since,
    which tests/dashboards/test_rollups.py measures)."""
    grow_todays_appointments(world, count)
    world.episodes(count, "dashboard", status=Episode.Status.ASSESSED)
    rollups.refresh()


def grow_users(world: World, count: int) -> None:
    world.more_physios(len(world.physios) + count)


# The pages. ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    role: Role
    url: Callable[[World], str]
    grow: Callable[[World, int], None]
    params: dict[str, str] = field(default_factory=dict)
    shows: str = ""  # text the page shows once rows exist: it lists what was grown
    slack: int = 0  # queries the large page may add over the small one (a constant, stated here)


def named(name: str, *args: object) -> Callable[[World], str]:
    return lambda world: reverse(name, args=args)


PAGES = [
    Page(
        "front-desk home",
        Role.FRONT_DESK,
        named("intake:home"),
        grow_front_desk_home,
        shows="Sample",
    ),
    Page(
        "patient search",
        Role.FRONT_DESK,
        named("intake:patient_search"),
        grow_search_hits,
        params={"q": "sample"},
        shows="PatSearch",
    ),
    Page("free slots", Role.FRONT_DESK, named("intake:slot_search"), grow_schedule, shows="Extra"),
    Page(
        "front-desk week calendar",
        Role.FRONT_DESK,
        named("intake:home"),
        grow_schedule,  # more physiotherapists with windows, and their bookings tomorrow
        params={"week": (date.today() + timedelta(days=1)).isoformat()},
        shows="Extra",
    ),
    Page(
        "day sheet",
        Role.FRONT_DESK,
        named("intake:day_sheet"),
        grow_todays_appointments,
        shows="Sample",
    ),
    Page("waitlist", Role.FRONT_DESK, named("intake:waitlist"), grow_waitlist, shows="PatWaiting"),
    Page(
        "referrals worklist",
        Role.FRONT_DESK,
        named("intake:referral_worklist"),
        grow_incoming_referrals,
        shows="PatReferred",
    ),
    Page(
        "patient page",
        Role.FRONT_DESK,
        lambda w: reverse("intake:patient_detail", args=[w.patient.pk]),
        grow_patient_record,
        shows="Discharged",
    ),
    Page(
        "physio day sheet",
        Role.PHYSIOTHERAPIST,
        named("intake:day_sheet"),
        grow_todays_appointments,
        shows="Sample",
    ),
    Page(
        "physio home",
        Role.PHYSIOTHERAPIST,
        named("care_episodes:physio_home"),
        grow_physio_home,
        shows="PatPhysio Home",
    ),
    Page(
        "physio home: today's schedule and patient search",
        Role.PHYSIOTHERAPIST,
        named("care_episodes:physio_home"),
        grow_physio_day,
        params={"q": "sample"},
        shows="PatPhysio Day",
    ),
    Page(
        "physician home: panel patients",
        Role.FAMILY_PHYSICIAN,
        named("care_episodes:physician_home"),
        grow_physician_panel,
        shows="PatPanel",
    ),
    Page(
        "episode page",
        Role.PHYSIOTHERAPIST,
        lambda w: reverse("care_episodes:episode_detail", args=[w.episode.pk]),
        grow_episode_record,
        shows="Event 9",
    ),
    Page(
        "episode triage",
        Role.PHYSIOTHERAPIST,
        lambda w: reverse("triage:episode_triage", args=[w.episode.pk]),
        grow_episode_record,
    ),
    Page(
        "episode referrals",
        Role.PHYSIOTHERAPIST,
        lambda w: reverse("referrals:episode_referrals", args=[w.episode.pk]),
        grow_episode_record,
        shows="QC community physio",
    ),
    Page(
        "referral page",
        Role.PHYSIOTHERAPIST,
        lambda w: reverse("referrals:detail", args=[w.referral.pk]),
        grow_episode_record,
    ),
    Page(
        "physio referrals",
        Role.PHYSIOTHERAPIST,
        named("referrals:list"),
        grow_referrals_out,
        shows="PatReferrals Out",
    ),
    Page(
        "physician referrals",
        Role.FAMILY_PHYSICIAN,
        named("referrals:list"),
        grow_referrals_out,
        shows="PatReferrals Out",
    ),
    Page(
        "front-desk referrals",
        Role.FRONT_DESK,
        named("referrals:list"),
        grow_referrals_out,
        shows="PatReferrals Out",
    ),
    Page(
        "physician inbox and alerts",
        Role.FAMILY_PHYSICIAN,
        named("care_episodes:physician_home"),
        grow_physician_inbox,
        shows="PatInbox",
    ),
    Page(
        "physician inbox search",
        Role.FAMILY_PHYSICIAN,
        named("care_episodes:physician_home"),
        grow_physician_inbox,
        params={"q": "sciatica"},
        shows="PatInbox",
    ),
    Page(
        "physician episode page",
        Role.FAMILY_PHYSICIAN,
        lambda w: reverse("care_episodes:physician_episode", args=[w.episode.pk]),
        grow_episode_record,
    ),
    Page(
        "notifications", Role.FRONT_DESK, named("reminders:inbox"), grow_reminders, shows="Reminder"
    ),
    Page(
        "patient reminders",
        Role.FRONT_DESK,
        lambda w: reverse("reminders:patient_history", args=[w.patient.pk]),
        grow_reminders,
    ),
    Page("reminder outbox", Role.MANAGER, named("reminders:outbox"), grow_reminders, shows="P-"),
    Page(
        "manager dashboard",
        Role.MANAGER,
        named("dashboards:manager_home"),
        grow_manager_figures,
    ),
    Page(
        "monthly report",
        Role.MANAGER,
        named("dashboards:monthly_report"),
        grow_manager_figures,
    ),
    Page("audit log", Role.ADMINISTRATOR, named("audit_log"), grow_audit, shows="care episode"),
    Page(
        "break-glass review",
        Role.ADMINISTRATOR,
        named("break_glass_review"),
        grow_audit,
        shows="Covering an urgent visit",
    ),
    Page(
        "security settings",
        Role.ADMINISTRATOR,
        named("security_settings"),
        grow_audit,
        shows="qc-locked-",
    ),
    # Django's admin: administrators hold the user and group permissions only (lbp_pathway migration
    # 0002), so the user list is the admin's one list that grows.
    Page("users (admin)", Role.ADMINISTRATOR, named("admin:auth_user_changelist"), grow_users),
]


def _queries(client, url: str, params: dict[str, str]) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries), response.content.decode()


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_a_list_page_runs_as_many_queries_for_1000_rows_as_for_10(page: Page, db, client):
    world = World()
    client.force_login(world.users[page.role])
    url = page.url(world)
    page.grow(world, SMALL)
    client.get(url, page.params)  # the session settles (first visit writes it)
    small, _ = _queries(client, url, page.params)
    page.grow(world, LARGE - SMALL)
    large, html = _queries(client, url, page.params)
    assert page.shows in html
    assert large <= small + page.slack, (
        f"{page.name}: {small} queries for 10 rows, {large} for 1000"
    )

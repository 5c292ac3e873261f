"""Demo data for the front desk: Kingston-area sites, physiotherapists' weekly schedules, patients with
valid Ontario health cards, weeks of past and future appointments, referrals in and a waitlist.

Generated with Faker (en_CA), never real people. Idempotent: a second call with the same number of
patients adds nothing; a larger number adds only the missing patients. Bulk inserts keep 100,000
patients to well under a few minutes.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from faker import Faker

from care_episodes import lifecycle
from care_episodes.models import Episode
from demo.output import Output
from intake import services as intake_services
from intake.identifiers import luhn_check_digit
from intake.models import (
    Appointment,
    AppointmentType,
    IncomingReferral,
    Patient,
    Referrer,
    Site,
    WaitlistEntry,
    WeeklyAvailability,
)
from lbp_pathway.access import Role

# Demo health card numbers start with 9 so they never meet the cards a test or a clinic types.
CARD_PREFIX = "9"
BATCH = 5000
PAST_WEEKS = 6
FUTURE_WEEKS = 4

SITES = [
    ("Princess Street Family Health", "797 Princess St, Kingston ON", "K7L 1G1", "613-555-0100"),
    ("Portsmouth Village Clinic", "40 Yonge St, Kingston ON", "K7M 1E4", "613-555-0110"),
    ("Kingston East Health Centre", "1201 Highway 15, Kingston ON", "K7L 4V4", "613-555-0120"),
    ("Amherstview Clinic", "4450 Bath Rd, Amherstview ON", "K7N 1A8", "613-555-0130"),
]
STAFF = [
    ("physio2", "Omar", "Haddad", Role.PHYSIOTHERAPIST),
    ("physio3", "Chloé", "Lavoie", Role.PHYSIOTHERAPIST),
    ("physician2", "Aisha", "Campbell", Role.FAMILY_PHYSICIAN),
]
# Which site each physiotherapist works at on each weekday (index into SITES); None: not working.
# Each physio's site index per weekday (Monday to Friday), None for a day off.
WEEK_PLANS: list[list[int | None]] = [
    [0, 1, 0, 2, 0],
    [1, 3, 1, None, 2],
    [2, 0, 3, 3, 1],
]
SESSIONS = [(time(8, 30), time(12, 0)), (time(13, 0), time(16, 30))]
# Kingston forward sortation areas, for realistic postal codes.
FSAS = ["K7K", "K7L", "K7M", "K7N", "K7P", "K0H", "K0K"]
LETTERS = "ABCEGHJKLMNPRSTVWXYZ"
# (preferred language, other language): mostly English, some French, a few others.
LANGUAGES = (
    [("en", "")] * 17 + [("fr", "")] * 2 + [("other", n) for n in ("Arabic", "Mandarin", "Punjabi")]
)
# The French-speaking patient of the demo: their reminders (and, through Patient.language_code, their
# handouts and questionnaire links) are in French.
FRENCH_PATIENT = {
    "first_name": "Geneviève",
    "last_name": "Bélanger-Demo",
    "preferred_language": "fr",
    "other_language": "",
    "consent_email_reminders": True,
    "consent_sms_reminders": True,
}
REASONS = [
    "Low back pain 4 weeks after lifting at work; no red flags on my review.",
    "Recurrent mechanical LBP, wants to avoid imaging; please assess.",
    "Sciatica left leg 6 weeks, improving slowly. Assessment and exercise plan please.",
    "Chronic LBP flare, high fear of movement.",
    "Back pain after a fall on ice; X-ray normal.",
]


def _staff(stdout: Output) -> tuple[list[User], list[User]]:
    for username, first, last, role in STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(Group.objects.get(name=role.value))
    physios = list(
        User.objects.filter(
            username__in=["physio", "physio2", "physio3"], groups__name=Role.PHYSIOTHERAPIST.value
        ).order_by("username")
    )
    # Primary care providers with a panel: two family physicians, then the nurse practitioner.
    panel_order = ["physician", "physician2", "np"]
    physicians = sorted(
        User.objects.filter(
            username__in=panel_order,
            groups__name__in=[Role.FAMILY_PHYSICIAN.value, Role.NURSE_PRACTITIONER.value],
        ).distinct(),
        key=lambda user: panel_order.index(user.username),
    )
    return physios, physicians


def _sites() -> list[Site]:
    sites = []
    for name, address, postal_code, phone in SITES:
        site, _ = Site.objects.get_or_create(
            name=name, defaults={"address": address, "postal_code": postal_code, "phone": phone}
        )
        sites.append(site)
    return sites


def _schedules(physios: list[User], sites: list[Site]) -> None:
    for physio, plan in zip(physios, WEEK_PLANS, strict=False):
        if WeeklyAvailability.objects.filter(practitioner=physio).exists():
            continue
        WeeklyAvailability.objects.bulk_create(
            WeeklyAvailability(
                practitioner=physio, site=sites[site_index], weekday=weekday, start=start, end=end
            )
            for weekday, site_index in enumerate(plan)
            if site_index is not None
            for start, end in SESSIONS
        )


def _postal_code(rng: random.Random) -> str:
    return f"{rng.choice(FSAS)} {rng.randint(0, 9)}{rng.choice(LETTERS)}{rng.randint(0, 9)}"


def _patients(
    count: int, start_index: int, physicians: list[User], rng: random.Random
) -> list[int]:
    fake = Faker("en_CA")
    fake.seed_instance(start_index)
    today = timezone.localdate()
    created: list[int] = []
    for offset in range(0, count, BATCH):
        batch = []
        for index in range(start_index + offset, start_index + min(offset + BATCH, count)):
            first_nine = f"{CARD_PREFIX}{index:08d}"
            sex = rng.choice("FFFMMMXU")
            first = fake.first_name_female() if sex == "F" else fake.first_name_male()
            last = fake.last_name()
            share = rng.random()
            physician = physicians[0] if physicians and share < 0.45 else None
            if physician is None and len(physicians) > 1 and share < 0.75:
                physician = physicians[1]
            if physician is None and len(physicians) > 2 and share < 0.85:
                physician = physicians[2]
            consent = rng.random()
            language, other_language = rng.choice(LANGUAGES)
            batch.append(
                Patient(
                    first_name=first,
                    last_name=last,
                    date_of_birth=today - timedelta(days=rng.randint(18 * 365, 88 * 365)),
                    sex=sex,
                    gender={"F": "woman", "M": "man"}.get(sex, ""),
                    health_card_number=first_nine + luhn_check_digit(first_nine),
                    health_card_version="".join(rng.choices(LETTERS, k=rng.choice([0, 2, 2]))),
                    phone=f"+1613555{rng.randint(0, 9999):04d}",  # E.164, as the patient form stores it
                    email=f"{first}.{last}.{index}@example.org".lower().replace(" ", ""),
                    postal_code=_postal_code(rng),
                    preferred_language=language,
                    other_language=other_language,
                    interpreter_needed=other_language == "Mandarin",
                    consent_email_reminders=consent < 0.6,
                    consent_sms_reminders=consent < 0.4,
                    family_physician=physician,
                )
            )
        created.extend(p.pk for p in Patient.objects.bulk_create(batch, batch_size=BATCH))
    return created


class _Case:
    def __init__(self, patient_id: int, physio: User, site_id: int, follow_ups: int) -> None:
        self.patient_id = patient_id
        self.physio = physio
        self.site_id = site_id
        self.follow_ups = follow_ups
        self.next_due: date | None = None
        self.first_done = False
        self.visits: list[dict[str, Any]] = []


def _appointments(
    patient_ids: list[int], physios: list[User], front_desk: User | None, rng: random.Random
) -> int:
    """Fill the physios' calendars: each new patient gets a new assessment then weekly follow-ups."""
    if not patient_ids or not physios:
        return 0
    tz = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    today = now.astimezone(tz).date()
    types = {t.code: t for t in AppointmentType.objects.all()}
    new, follow = types["new_assessment"], types["follow_up"]
    windows: dict[int, list[WeeklyAvailability]] = {}
    for window in WeeklyAvailability.objects.filter(practitioner__in=physios).order_by("start"):
        windows.setdefault(window.weekday, []).append(window)
    fresh = iter(patient_ids)
    days = (PAST_WEEKS + FUTURE_WEEKS) * 7
    hours = sum(
        (datetime.combine(today, w.end) - datetime.combine(today, w.start)).seconds / 3600
        for ws in windows.values()
        for w in ws
    ) * (days / 7)
    # Spread the new patients over the whole period rather than filling the first weeks only.
    new_rate = min(1.0, 1.6 * len(patient_ids) / max(hours, 1))
    cases: list[_Case] = []
    active: dict[int, list[_Case]] = {p.pk: [] for p in physios}
    first_day = today - timedelta(weeks=PAST_WEEKS)
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        past = day < today
        fill = 0.85 if past else 0.55 if day > today else 0.75
        for window in windows.get(day.weekday(), []):
            start = datetime.combine(day, window.start, tzinfo=tz)
            end = datetime.combine(day, window.end, tzinfo=tz)
            due = [
                c
                for c in active[window.practitioner_id]
                if c.next_due and c.next_due <= day and c.follow_ups
            ]
            while start + follow.duration <= end:
                if rng.random() > fill:
                    start += follow.duration
                    continue
                if due:
                    case, kind = due.pop(0), follow
                    case.follow_ups -= 1
                elif rng.random() > new_rate:
                    start += follow.duration
                    continue
                elif start + new.duration <= end:
                    patient_id = next(fresh, None)
                    if patient_id is None:
                        break
                    case = _Case(
                        patient_id, window.practitioner, window.site_id, rng.choice([0, 1, 2, 3])
                    )
                    cases.append(case)
                    active[window.practitioner_id].append(case)
                    kind = new
                else:
                    break
                case.next_due = day + timedelta(days=7)
                case.visits.append(
                    {
                        "start": start,
                        "end": start + kind.duration,
                        "type": kind,
                        "site_id": window.site_id,
                    }
                )
                start += kind.duration
    return _store_cases(cases, today, now, front_desk, rng)


def _store_cases(
    cases: list[_Case], today: date, now: datetime, front_desk: User | None, rng: random.Random
) -> int:
    rows: list[dict[str, Any]] = []
    for case in cases:
        first = case.visits[0]["start"].date()
        booked_on = min(first - timedelta(days=rng.randint(1, 12)), today)
        first_done = case.visits[0]["end"] <= now and rng.random() > 0.05
        status = Episode.Status.BOOKED
        if first_done:
            status = Episode.Status.IN_CARE if len(case.visits) > 1 else Episode.Status.ASSESSED
        rows.append(
            {
                "patient_id": case.patient_id,
                "physiotherapist": case.physio,
                "site_id": case.site_id,
                "status": status,
                "source": Episode.Source.DIRECT
                if rng.random() < 0.7
                else Episode.Source.PHYSICIAN_REFERRAL,
                "requested_on": booked_on - timedelta(days=rng.randint(0, 3)),
                "booked_on": booked_on,
                "first_assessed_on": first if first_done else None,
                "risk": rng.choice(["low", "low", "medium", "medium", "high"])
                if first_done
                else "",
            }
        )
        case.first_done = first_done
    episodes = lifecycle.load_past_episodes(rows, batch_size=BATCH)
    lifecycle.load_past_events(
        (
            {
                "episode": episode,
                "by": front_desk,
                "from_status": Episode.Status.REQUESTED,
                "to_status": Episode.Status.BOOKED,
                "description": "Booked (demo data)",
            }
            for episode in episodes
        ),
        batch_size=BATCH,
    )
    appointments = []
    for case, episode in zip(cases, episodes, strict=True):
        for number, visit in enumerate(case.visits):
            if visit["end"] > now:
                # A few future cancellations leave freed slots for the waitlist to fill.
                visit_status = rng.choices(
                    [Appointment.Status.BOOKED, Appointment.Status.CANCELLED], weights=[97, 3]
                )[0]
            elif number == 0:
                visit_status = (
                    Appointment.Status.COMPLETED if case.first_done else Appointment.Status.NO_SHOW
                )
            else:
                visit_status = rng.choices(
                    [
                        Appointment.Status.COMPLETED,
                        Appointment.Status.NO_SHOW,
                        Appointment.Status.CANCELLED,
                    ],
                    weights=[90, 5, 5],
                )[0]
            appointments.append(
                Appointment(
                    patient_id=case.patient_id,
                    episode=episode,
                    practitioner=case.physio,
                    site_id=visit["site_id"],
                    appointment_type=visit["type"],
                    start=visit["start"],
                    end=visit["end"],
                    status=visit_status,
                    cancel_reason="Patient called to cancel" if visit_status == "cancelled" else "",
                    booked_by=front_desk,
                )
            )
    Appointment.objects.bulk_create(appointments, batch_size=BATCH)
    return len(appointments)


def _referrals_and_waitlist(
    patient_ids: list[int],
    physicians: list[User],
    physios: list[User],
    sites: list[Site],
    rng: random.Random,
) -> None:
    if not patient_ids or not physicians:
        return
    today = timezone.localdate()
    chosen = patient_ids[: max(1, min(25, len(patient_ids) // 20))]
    episodes = lifecycle.load_past_episodes(
        {
            "patient_id": pid,
            "source": Episode.Source.PHYSICIAN_REFERRAL,
            "requested_on": today - timedelta(days=rng.randint(0, 20)),
        }
        for pid in chosen
    )
    referrers = [
        intake_services.referrer_for_staff(p, kind=Referrer.Kind.FAMILY_PHYSICIAN)
        for p in physicians
    ]
    IncomingReferral.objects.bulk_create(
        IncomingReferral(
            patient_id=episode.patient_id,
            referrer=(referrer := rng.choice(referrers)),
            referring_physician=referrer.user,
            episode=episode,
            reason=rng.choice(REASONS),
            urgency="urgent" if rng.random() < 0.25 else "routine",
            received_on=episode.requested_on,
        )
        for episode in episodes
    )
    booked = list(
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED, start__gt=timezone.now() + timedelta(days=7)
        )
        .order_by("start")
        .values_list("patient_id", "pk")[:10]
    )
    WaitlistEntry.objects.bulk_create(
        WaitlistEntry(
            patient_id=patient_id,
            appointment_id=appointment_id,
            practitioner=rng.choice([None, *physios]),
            site=rng.choice([None, *sites]),
            note="Can come at short notice",
        )
        for patient_id, appointment_id in dict(booked).items()
    )


def seed(patients: int, stdout: Output) -> None:
    rng = random.Random(20260)
    with transaction.atomic():
        physios, physicians = _staff(stdout)
        sites = _sites()
        _schedules(physios, sites)
        existing = Patient.objects.filter(health_card_number__startswith=CARD_PREFIX).count()
        missing = max(0, patients - existing)
        if not missing:
            stdout.write(f"Intake: {existing} demo patients already there; nothing added.")
            return
        rng.seed(existing)
        new_ids = _patients(missing, existing, physicians, rng)
        count = 0
        if not existing:
            # The calendars are filled once, from the first patients (as many as they hold).
            front_desk = (
                User.objects.filter(groups__name=Role.FRONT_DESK.value).order_by("pk").first()
            )
            count = _appointments(new_ids[: max(1, len(new_ids) // 3)], physios, front_desk, rng)
            # The first patient (booked, reminded) speaks French.
            Patient.objects.filter(pk=new_ids[0]).update(**FRENCH_PATIENT)
            _referrals_and_waitlist(new_ids[len(new_ids) // 3 :], physicians, physios, sites, rng)
    stdout.write(
        f"Intake: {len(sites)} sites, {len(physios)} physiotherapists, {missing} patients, "
        f"{count} appointments."
    )
    if not existing and missing:
        stdout.write(
            f"Intake: {FRENCH_PATIENT['first_name']} {FRENCH_PATIENT['last_name']} speaks French "
            "(reminders, handouts and questionnaire links in French)."
        )

"""The dashboard read from rollups shows what a full scan of the records shows (issue 13).

reporting/queries.py keeps the full-scan queries as the reference: every figure the dashboard shows is
computed both ways on generated data and must be equal, after a rebuild, after an incremental refresh
of what changed, after rebuilding twice, and for every filter a manager can set.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from care_episodes.models import ConsultationNote, Episode, OutcomeMeasurement
from intake.models import Appointment
from referrals.models import Referral
from reporting import queries as q
from reporting import rollups, tasks
from reporting.models import (
    AppointmentRollup,
    AppointmentSiteRollup,
    EpisodeRollup,
    PendingRollupDay,
)
from tests.care_episodes.factories import NoteFactory
from tests.factories import EpisodeFactory, PatientFactory, SiteFactory
from tests.intake.factories import (
    AvailabilityExceptionFactory,
    PhysioFactory,
    WeeklyAvailabilityFactory,
    follow_up,
    new_assessment,
)
from tests.referrals.factories import DestinationFactory, ReferralFactory

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")
TODAY = date(2026, 10, 20)  # "today" for the waitlist and for notes still unsigned
STRATA = ["", "low", "medium", "high"]
# Referral kinds the resource table counts (imaging, specialists, RAC) and one it does not.
KINDS = ["imaging", "spine_surgeon", "rheumatology", "pain_program", "rac_lbp", "community_physio"]

# What the dashboard shows, the rollup reader next to its full-scan reference.
FIGURES = {
    "wait_by_site": (rollups.wait_by_site, q.wait_by_site),
    "wait_by_week": (rollups.wait_by_week, q.wait_by_week),
    "volumes": (rollups.volumes, q.volumes),
    "stratum_mix": (rollups.stratum_mix, q.stratum_mix),
    "visits": (rollups.visits, q.visits),
    "utilisation": (rollups.utilisation, q.utilisation),
    "outcomes": (rollups.outcomes_by_stratum, q.outcomes_by_stratum),
    "resources": (
        lambda f: rollups.resource_use(f, today=TODAY),
        lambda f: q.resource_use(f, today=TODAY),
    ),
    "waitlist": (
        lambda f: rollups.waitlist(f, today=TODAY),
        lambda f: q.waitlist(f, today=TODAY),
    ),
}


class Clinic:
    """Three sites and three physiotherapists with a few months of generated records: episodes of
    every status, source and stratum, waits from 0 to 70 days, appointments of every status on both
    sides of midnight, outcomes, referrals and notes."""

    def __init__(self, seed: int = 13):
        self.rng = random.Random(seed)
        self.sites = [SiteFactory(name=name) for name in ("North", "South", "Ouest")]
        self.physios = [PhysioFactory() for _ in range(3)]
        self.destination = DestinationFactory()
        self.slots: set[tuple[int, datetime]] = set()
        for physio, site in zip(self.physios, self.sites, strict=True):
            for weekday in (0, 2, 4):
                WeeklyAvailabilityFactory(
                    practitioner=physio, site=site, weekday=weekday, start=time(8), end=time(16)
                )
        AvailabilityExceptionFactory(
            practitioner=self.physios[0], first_day=date(2026, 8, 3), last_day=date(2026, 8, 14)
        )
        self.episodes = [self.episode() for _ in range(70)]

    def episode(self, requested_on: date | None = None) -> Episode:
        rng = self.rng
        requested_on = requested_on or date(2026, 6, 1) + timedelta(days=rng.randrange(140))
        status = rng.choice(
            ["requested", "booked", "assessed", "in_care", "discharged", "discharged"]
            + ["sent_to_emergency", "referred_on"]
        )
        assessed = status not in ("requested", "booked", "sent_to_emergency")
        wait = rng.choice([0, 1, 3, 7, 7, 14, 20, 28, 29, 45, 70])
        physio = rng.choice([*self.physios, None])
        episode = EpisodeFactory(
            requested_on=requested_on,
            first_assessed_on=requested_on + timedelta(days=wait) if assessed else None,
            status=status,
            source=rng.choice(["direct", "direct", "physician_referral"]),
            risk=rng.choice(STRATA),
            site=rng.choice([*self.sites, None]),
            physiotherapist=physio,
        )
        if assessed:
            for _ in range(rng.randrange(5)):
                self.appointment(episode)
            self.outcomes(episode)
            self.notes(episode)
        for _ in range(rng.randrange(3)):
            self.referral(episode)
        return episode

    def appointment(self, episode: Episode, status: str | None = None) -> Appointment:
        rng = self.rng
        physio = episode.physiotherapist or rng.choice(self.physios)
        while True:  # a free slot: no double booking; late evenings cross midnight in UTC
            day = episode.requested_on + timedelta(days=rng.randrange(0, 90))
            start = datetime.combine(day, time(rng.choice([0, 8, 10, 14, 20, 23])), tzinfo=TORONTO)
            if (physio.pk, start) not in self.slots:
                self.slots.add((physio.pk, start))
                break
        kind = rng.choice([new_assessment(), follow_up()])
        return Appointment.objects.create(
            patient=episode.patient,
            episode=episode,
            practitioner=physio,
            site=episode.site or rng.choice(self.sites),
            appointment_type=kind,
            start=start,
            end=start + timedelta(minutes=kind.duration_minutes),
            status=status
            or rng.choice(["booked", "arrived", "completed", "completed", "no_show", "cancelled"]),
        )

    def outcomes(self, episode: Episode) -> None:
        rng = self.rng
        timepoints = ["baseline", "six_weeks", "discharge"][: rng.randrange(4)]
        for weeks, timepoint in enumerate(timepoints):
            OutcomeMeasurement.objects.create(
                episode=episode,
                measured_on=episode.first_assessed_on + timedelta(weeks=6 * weeks),
                timepoint=timepoint,
                nprs=rng.choice([None, 0, 2, 3, 5, 7, 9, 10]),
                rmdq=rng.choice([None, 0, 4, 9, 14, 20, 24]),
                psfs=rng.choice(
                    [None, Decimal("1.5"), Decimal("3.0"), Decimal("5.5"), Decimal("9.0")]
                ),
            )

    def notes(self, episode: Episode) -> None:
        delay = self.rng.choice([None, 0, 2, 3, 4, 10])
        if delay is None:
            NoteFactory(episode=episode, author=self.physios[0])
            return
        signed = datetime.combine(episode.first_assessed_on, time(22, 30), tzinfo=TORONTO)
        NoteFactory(
            episode=episode,
            author=self.physios[0],
            signed_at=signed + timedelta(days=delay),
            signed_by=self.physios[0],
        )

    def referral(self, episode: Episode) -> Referral:
        rng = self.rng
        kind = rng.choice(KINDS)
        outside = kind == "imaging" and rng.random() < 0.5
        return ReferralFactory(
            episode=episode,
            kind=kind,
            status=rng.choice(["draft", "sent", "cancelled"]),
            imaging_outside_guideline=outside,
            imaging_reason="Requested by the patient" if outside else "",
            destination=self.destination,
            created_by=self.physios[1],
        )


def periods(clinic: Clinic) -> list[q.Filters]:
    """Every filter a manager can set: the whole span, partial weeks at both ends, a period with
    nothing in it, each site, each physiotherapist, each stratum, and some together."""
    whole = q.Filters(date(2026, 5, 1), date(2026, 12, 31))
    filters = [
        whole,
        q.Filters(date(2026, 7, 1), date(2026, 9, 30)),
        q.Filters(date(2026, 7, 15), date(2026, 8, 20)),  # a Wednesday to a Thursday
        q.Filters(date(2026, 8, 9), date(2026, 8, 9)),  # one Sunday
        q.Filters(date(2020, 1, 1), date(2020, 3, 31)),  # nothing
    ]
    filters += [q.Filters(whole.start, whole.end, site_id=site.pk) for site in clinic.sites]
    filters += [
        q.Filters(whole.start, whole.end, practitioner_id=physio.pk) for physio in clinic.physios
    ]
    filters += [q.Filters(whole.start, whole.end, risk=risk) for risk in ("low", "medium", "high")]
    filters.append(
        q.Filters(
            date(2026, 6, 15),
            date(2026, 9, 15),
            site_id=clinic.sites[0].pk,
            practitioner_id=clinic.physios[0].pk,
            risk="low",
        )
    )
    return filters


def assert_rollups_match_full_scan(clinic: Clinic) -> None:
    compared = 0
    for filters in periods(clinic):
        for name, (from_rollups, full_scan) in FIGURES.items():
            assert from_rollups(filters) == full_scan(filters), (name, filters)
            compared += 1
    assert compared == len(periods(clinic)) * len(FIGURES)


def rollup_rows() -> list[list[tuple]]:
    return [
        sorted(
            (tuple(v for k, v in row.items() if k != "id") for row in model.objects.values()),
            key=repr,
        )
        for model in (EpisodeRollup, AppointmentRollup, AppointmentSiteRollup)
    ]


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic():
    return Clinic()


def test_the_generated_data_exercises_every_figure(clinic):
    """Guards the comparisons below against comparing empty tables."""
    whole = q.Filters(date(2026, 5, 1), date(2026, 12, 31))
    assert q.volumes(whole)["new_episodes"] == 70
    assert len(q.wait_by_site(whole)) == 5  # three sites, "No site" and "All sites"
    assert q.visits(whole)["visits"] > 10 and q.visits(whole)["no_shows"] > 0
    assert {row["stratum"] for row in q.outcomes_by_stratum(whole)} >= {"low", "medium", "high"}
    resources = q.resource_use(whole, today=TODAY)
    assert resources["imaging_outside_guideline"] > 0 and resources["notes_late"] > 0
    assert all(row["utilisation"] for row in q.utilisation(whole))


def test_every_figure_from_the_rollups_equals_the_full_scan_after_a_rebuild(clinic):
    rollups.rebuild()
    assert not PendingRollupDay.objects.exists()
    assert_rollups_match_full_scan(clinic)


def test_a_change_marks_its_day_in_the_same_transaction(clinic):
    rollups.rebuild()
    episode = next(e for e in clinic.episodes if e.status == "requested")
    Episode.objects.filter(pk=episode.pk).update(status="sent_to_emergency")
    marked = list(PendingRollupDay.objects.values_list("kind", "day"))
    assert set(marked) == {("e", episode.requested_on)}
    # A change to a column no figure reads marks nothing.
    Episode.objects.filter(pk=episode.pk).update(booking_hold="held by the front desk")
    assert PendingRollupDay.objects.count() == len(marked)


def test_the_incremental_refresh_catches_up_with_every_kind_of_change(clinic):
    rollups.rebuild()
    rng = random.Random(7)
    episodes = clinic.episodes
    # New episodes with their appointments, outcomes, notes and referrals.
    for _ in range(8):
        episodes.append(clinic.episode())
    # A waiting patient is assessed and later discharged with outcomes.
    waiting = next(e for e in episodes if e.status == "requested")
    Episode.objects.filter(pk=waiting.pk).update(
        status="discharged", first_assessed_on=waiting.requested_on + timedelta(days=9)
    )
    waiting.refresh_from_db()
    for weeks, nprs in enumerate((8, 3)):
        OutcomeMeasurement.objects.create(
            episode=waiting,
            measured_on=waiting.first_assessed_on + timedelta(weeks=weeks),
            timepoint=("baseline", "discharge")[weeks],
            nprs=nprs,
        )
    clinic.appointment(waiting, status="completed")
    # Re-triage moves an episode's appointments to another stratum; another moves to another site.
    with_visits = Episode.objects.filter(appointments__isnull=False).distinct()
    first, second = with_visits[0], with_visits[1]
    Episode.objects.filter(pk=first.pk).update(risk="high" if first.risk != "high" else "low")
    Episode.objects.filter(pk=second.pk).update(site=clinic.sites[2], requested_on=date(2026, 6, 2))
    # Appointments change status, move to another day, or go away.
    appointments = list(Appointment.objects.order_by("pk"))
    rng.shuffle(appointments)
    Appointment.objects.filter(pk=appointments[0].pk).update(status="no_show")
    Appointment.objects.filter(pk=appointments[1].pk).update(status="cancelled")
    moved = appointments[2]
    Appointment.objects.filter(pk=moved.pk).update(
        start=moved.start + timedelta(days=3, hours=5), end=moved.end + timedelta(days=3, hours=5)
    )
    Appointment.objects.filter(pk=appointments[3].pk).delete()
    # Referrals are cancelled, notes signed, outcomes corrected.
    Referral.objects.filter(pk__in=Referral.objects.order_by("pk")[:3]).update(status="cancelled")
    draft = ConsultationNote.objects.filter(signed_at__isnull=True).first()
    ConsultationNote.objects.filter(pk=draft.pk).update(
        signed_at=datetime.combine(TODAY, time(9), tzinfo=TORONTO), signed_by=clinic.physios[1]
    )
    OutcomeMeasurement.objects.filter(pk=OutcomeMeasurement.objects.first().pk).update(nprs=10)
    assert PendingRollupDay.objects.exists()

    assert tasks.refresh_rollups() > 0  # what the beat job runs
    assert not PendingRollupDay.objects.exists()
    assert_rollups_match_full_scan(clinic)
    assert tasks.refresh_rollups() == 0  # nothing changed since: nothing to do
    # The incremental rows are the rows a rebuild makes.
    incremental = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == incremental


def test_rebuilding_twice_gives_the_same_rows_and_figures(clinic):
    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = rollup_rows()
    assert all(first)
    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert rollup_rows() == first
    assert_rollups_match_full_scan(clinic)


def test_the_dashboard_page_shows_the_full_scan_figures(clinic, manager, client_for):
    """Through the page: no refresh was run by hand, the page brings the rollups up to date."""
    params = {"start": "2026-07-01", "end": "2026-09-30"}
    response = client_for(manager).get(reverse("dashboards:manager_home"), params)
    assert response.status_code == 200
    html = response.content.decode()
    full = q.wait_by_site(q.Filters(date(2026, 7, 1), date(2026, 9, 30)))
    for row in full:
        assert f'<th scope="row">{row["site"]}</th><td>{row["episodes"]}</td>' in html
        assert f"<td>{row['median_days']}</td><td>{row['p90_days']}</td>" in html
    assert not PendingRollupDay.objects.exists()


@pytest.mark.parametrize(
    ("waits", "expected"),
    [
        # Hand-computed percentile_cont: rank fraction * (n - 1), interpolated.
        ([5], (5.0, 5.0)),
        ([2, 4, 6, 8, 10], (6.0, 9.2)),
        ([2, 4, 6, 8, 10, 10, 40], (8.0, 22.0)),
        ([0, 0, 0, 1], (0.0, 0.7)),
        ([], (None, None)),
    ],
)
def test_median_and_90th_percentile_from_a_histogram(waits, expected):
    histogram = sorted({w: waits.count(w) for w in waits}.items())
    median, p90 = (rollups.percentile_cont(histogram, p) for p in (0.5, 0.9))
    assert (q._round(median), q._round(p90)) == expected


def test_the_histogram_percentile_is_postgresqls_to_the_last_bit(db):
    rng = random.Random(3)
    with connection.cursor() as cursor:
        for _ in range(30):
            waits = [rng.randrange(0, 120) for _ in range(rng.randrange(1, 60))]
            cursor.execute(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY w),"
                " percentile_cont(0.9) WITHIN GROUP (ORDER BY w) FROM unnest(%s::int[]) AS t(w)",
                [waits],
            )
            histogram = sorted({w: waits.count(w) for w in waits}.items())
            mine = (
                rollups.percentile_cont(histogram, 0.5),
                rollups.percentile_cont(histogram, 0.9),
            )
            assert mine == cursor.fetchone()


def test_the_rollup_rows_read_do_not_grow_with_the_appointments(db):
    """Ten or a thousand appointments on the same five days, site, physiotherapist and stratum: the
    same five rollup rows."""
    counts = []
    for size in (10, 1000):
        Appointment.objects.all().delete()
        physio, site = PhysioFactory(), SiteFactory(name="Main")
        episode = EpisodeFactory(requested_on=date(2026, 7, 1), risk="low", site=site)
        kind = follow_up()
        Appointment.objects.bulk_create(
            Appointment(
                patient=episode.patient,
                episode=episode,
                practitioner=physio,
                site=site,
                appointment_type=kind,
                start=datetime(2026, 7, 6 + i % 5, 8, tzinfo=TORONTO) + timedelta(minutes=i // 5),
                end=datetime(2026, 7, 6 + i % 5, 8, tzinfo=TORONTO) + timedelta(minutes=i // 5 + 1),
                status="cancelled" if i >= 5 else "completed",
            )
            for i in range(size)
        )
        rollups.refresh()
        counts.append(AppointmentRollup.objects.filter(practitioner=physio).count())
        assert q.visits(
            q.Filters(date(2026, 7, 1), date(2026, 7, 31), practitioner_id=physio.pk)
        ) == (
            rollups.visits(
                q.Filters(date(2026, 7, 1), date(2026, 7, 31), practitioner_id=physio.pk)
            )
        )
    assert counts == [5, 5]


@pytest.mark.parametrize("size", [10, 1000])
def test_the_page_query_count_does_not_grow_with_the_appointments(size, manager, client_for):
    """After the beat job has run, the page reads only: the same count for 10 or 1,000 appointments
    (the count is written down from one run and must not move with the size)."""
    physio, site = PhysioFactory(), SiteFactory(name="Main")
    patients = PatientFactory.create_batch(10)
    episodes = [
        EpisodeFactory(patient=patients[i], requested_on=date(2026, 7, 1), risk="low", site=site)
        for i in range(10)
    ]
    kind = follow_up()
    Appointment.objects.bulk_create(
        Appointment(
            patient=episodes[i % 10].patient,
            episode=episodes[i % 10],
            practitioner=physio,
            site=site,
            appointment_type=kind,
            start=datetime(2026, 7, 6, 8, tzinfo=TORONTO) + timedelta(days=i % 60, minutes=i),
            end=datetime(2026, 7, 6, 8, tzinfo=TORONTO) + timedelta(days=i % 60, minutes=i + 1),
            status="completed",
        )
        for i in range(size)
    )
    tasks.refresh_rollups()
    client = client_for(manager)
    params = {"start": "2026-07-01", "end": "2026-09-30"}
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboards:manager_home"), params).status_code == 200
    assert len(queries) == PAGE_QUERIES
    rollup_reads = [s["sql"] for s in queries.captured_queries if "rollup" in s["sql"]]
    assert rollup_reads, "the page reads the rollups"
    assert not [s for s in queries.captured_queries if "intake_appointment " in s["sql"]]


# The session and the user with their roles (2), the filter form's choices, the check for changed
# days, the waitlist and the eight tables (18 before the session was written at most once a minute and
# the roles came with the user, issue 13 throughput), then one query each for the follow-up visit notes
# (issue 18) and the questionnaire response rates (issue 15).
PAGE_QUERIES = 16


def test_the_beat_schedule_runs_the_incremental_refresh(settings):
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "reporting.tasks.refresh_rollups"
    ]
    assert len(entries) == 1 and entries[0]["schedule"] <= 300


def test_sessions_per_episode_count_from_the_day_of_the_request(db):
    """An attended appointment before the episode was requested is not one of its sessions, whatever
    the period (bulk-loaded data can hold such rows; the app cannot book them)."""
    physio, site = PhysioFactory(), SiteFactory(name="Main")
    episode = EpisodeFactory(requested_on=date(2026, 7, 10), risk="low", site=site)
    kind = follow_up()
    for day in (date(2026, 7, 9), date(2026, 7, 10), date(2026, 7, 20)):  # before, on, after
        start = datetime.combine(day, time(9), tzinfo=TORONTO)
        Appointment.objects.create(
            patient=episode.patient,
            episode=episode,
            practitioner=physio,
            site=site,
            appointment_type=kind,
            start=start,
            end=start + timedelta(minutes=30),
            status="completed",
        )
    rollups.refresh()
    july = q.Filters(date(2026, 7, 1), date(2026, 7, 31))
    expected = [{"stratum": "low", "episodes": 1, "share": 100.0, "sessions_per_episode": 2.0}]
    assert q.stratum_mix(july) == expected
    assert rollups.stratum_mix(july) == expected

"""Dashboard-scale demo volume: hundreds of thousands of episodes and a million appointments, inserted
set-wise in PostgreSQL (INSERT ... SELECT generate_series), for `seed_demo --volume-episodes N
--volume-appointments M` and bench/dashboard.py. Generated data only, never real patients.

Each appointment gets its own practitioner-hour (one hour per slot, eight a day), so the no-double-booking
constraint holds however many are asked for; the physiotherapists needed for that are created as staff
accounts that cannot sign in.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection, transaction

from care_episodes.models import Episode
from demo.output import Output
from lbp_pathway.access import Role

SLOTS_PER_DAY = 8
DAYS = 730
VOLUME_PREFIX = "volume-physio-"


def _physios(needed: int) -> list[int]:
    existing = list(
        User.objects.filter(username__startswith=VOLUME_PREFIX)
        .order_by("id")
        .values_list("id", flat=True)
    )
    missing = needed - len(existing)
    if missing > 0:
        users = [
            User(
                username=f"{VOLUME_PREFIX}{len(existing) + i:04d}",
                first_name="Volume",
                last_name="Physio",
            )
            for i in range(missing)
        ]
        for user in users:
            user.set_unusable_password()
        created = User.objects.bulk_create(users)
        group = Group.objects.get_or_create(name=Role.PHYSIOTHERAPIST.value)[0]
        group.user_set.add(*created)
        existing += [user.id for user in created]
    return existing[:needed]


@transaction.atomic
def seed_volume(episodes: int, appointments: int, stdout: Output, seed: float = 0.42) -> None:
    if (
        Episode.objects.filter(physiotherapist__username__startswith=VOLUME_PREFIX).exists()
        or episodes <= 0
    ):
        stdout.write("Volume data already present (or none asked for): nothing added.\n")
        return
    physios = _physios(max(1, -(-appointments // (SLOTS_PER_DAY * DAYS))))
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute("SELECT count(*) FROM intake_patient")
        if cursor.fetchone()[0] == 0:
            raise ValueError("Seed patients first (seed_demo --patients N).")
        cursor.execute("SELECT count(*) FROM intake_site")
        if cursor.fetchone()[0] == 0:
            raise ValueError("Seed the sites first (seed_demo --patients N).")
        # Episodes: requests over two years, waits skewed short, strata and pathways in clinic-like shares.
        cursor.execute(
            """
            WITH p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM intake_patient),
                 s AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM intake_site),
                 counts AS (SELECT (SELECT count(*) FROM p) AS patients, (SELECT count(*) FROM s) AS sites),
                 g AS (
                   SELECT n, current_date - (random() * %(days)s)::int AS requested_on,
                          (random() ^ 2 * 70)::int AS wait, random() AS r1, random() AS r2, random() AS r3
                   FROM generate_series(1, %(episodes)s) AS n)
            INSERT INTO care_episodes_episode
              (patient_id, physiotherapist_id, site_id, status, source, requested_on, booked_on,
               first_assessed_on, discharged_on, risk, booking_hold, created_at)
            SELECT p.id,
                   (%(physios)s::bigint[])[1 + g.n %% %(physio_count)s],
                   s.id,
                   CASE WHEN g.requested_on + g.wait >= current_date THEN
                          CASE WHEN g.r1 < 0.6 THEN 'booked' ELSE 'requested' END
                        WHEN g.r1 < 0.03 THEN 'sent_to_emergency'
                        WHEN g.r1 < 0.70 THEN 'discharged'
                        WHEN g.r1 < 0.90 THEN 'in_care'
                        ELSE 'assessed' END,
                   CASE WHEN g.r2 < 0.6 THEN 'direct' ELSE 'physician_referral' END,
                   g.requested_on,
                   g.requested_on + g.wait / 3,
                   CASE WHEN g.requested_on + g.wait < current_date AND g.r1 >= 0.03
                        THEN g.requested_on + g.wait END,
                   CASE WHEN g.requested_on + g.wait < current_date AND g.r1 >= 0.03 AND g.r1 < 0.70
                        THEN LEAST(g.requested_on + g.wait + 42, current_date) END,
                   CASE WHEN g.r3 < 0.4 THEN 'low' WHEN g.r3 < 0.75 THEN 'medium' ELSE 'high' END,
                   '', now()
            FROM g CROSS JOIN counts
            JOIN p ON p.rn = g.n %% counts.patients
            JOIN s ON s.rn = g.n %% counts.sites
            """,
            {"days": DAYS, "episodes": episodes, "physios": physios, "physio_count": len(physios)},
        )
        # Appointments: practitioner-hour slots, one per appointment, so no two ever overlap.
        cursor.execute(
            """
            WITH e AS (SELECT id, patient_id, site_id, row_number() OVER (ORDER BY id) - 1 AS rn
                       FROM care_episodes_episode
                       WHERE physiotherapist_id = ANY(%(physios)s::bigint[])),
                 e_count AS (SELECT count(*) AS n FROM e),
                 t AS (SELECT (SELECT id FROM intake_appointmenttype WHERE is_new_assessment
                               ORDER BY id LIMIT 1) AS new_type,
                              (SELECT id FROM intake_appointmenttype WHERE NOT is_new_assessment
                               ORDER BY id LIMIT 1) AS follow_type),
                 g AS (SELECT n, n %% %(physio_count)s AS physio_index, n / %(physio_count)s AS slot,
                              random() AS r FROM generate_series(0, %(appointments)s - 1) AS n),
                 slots AS (
                   SELECT g.*, e.id AS episode_id, e.patient_id, e.site_id, e_count.n AS episodes,
                          (date_trunc('day', now() AT TIME ZONE %(tz)s)
                            - make_interval(days => %(days)s - (g.slot / %(per_day)s)::int)
                            + make_interval(hours => 8 + (g.slot %% %(per_day)s)::int))
                            AT TIME ZONE %(tz)s AS start
                   FROM g CROSS JOIN e_count JOIN e ON e.rn = g.n %% e_count.n)
            INSERT INTO intake_appointment
              (patient_id, episode_id, practitioner_id, site_id, appointment_type_id, start, "end",
               status, cancel_reason, created_at, status_changed_at, rescheduled_from_id, booked_by_id)
            SELECT slots.patient_id, slots.episode_id, (%(physios)s::bigint[])[1 + slots.physio_index],
                   slots.site_id,
                   CASE WHEN slots.n < slots.episodes THEN t.new_type ELSE t.follow_type END,
                   slots.start,
                   slots.start + interval '1 hour' * CASE WHEN slots.n < slots.episodes
                                                           THEN 1 ELSE 0.5 END,
                   CASE WHEN slots.start > now() THEN 'booked'
                        WHEN slots.r < 0.07 THEN 'no_show'
                        WHEN slots.r < 0.15 THEN 'cancelled' ELSE 'completed' END,
                   CASE WHEN slots.start <= now() AND slots.r >= 0.07 AND slots.r < 0.15
                        THEN 'Patient called to cancel' ELSE '' END,
                   now(), NULL, NULL, NULL
            FROM slots CROSS JOIN t
            """,
            {
                "appointments": appointments,
                "physios": physios,
                "physio_count": len(physios),
                "days": DAYS,
                "per_day": SLOTS_PER_DAY,
                "tz": settings.TIME_ZONE,
            },
        )
        cursor.execute("ANALYZE care_episodes_episode; ANALYZE intake_appointment;")
    stdout.write(f"Volume data: {episodes} episodes, {appointments} appointments.\n")

"""Set-wise bench data: a million patients with their episodes, appointments, notes, referrals and audit
rows in a few INSERT ... SELECT generate_series statements (minutes, not hours). Generated data only.

Runs after `seed_demo --patients N` (small, through Faker: demo accounts, sites, schedules, the demo
physiotherapist's and physician's own caseload) and tops the patient table up to the asked-for size.
The bulk caseload belongs to bench physiotherapists (`bench-physio-NNNNN`, unusable passwords) at bench
clinics, and every bulk appointment lies in the past, so the demo accounts' pages show a clinic-sized
caseload while every table they read is at full size: an index-driven page costs the same at 1M rows as
at 1,000, and a page that scans shows it.

Shares, per bulk patient: 0.5 episode; per episode 3 appointments, 0.5 signed consultation note, 0.4
incoming physician referral; one audit row per appointment.
"""

from __future__ import annotations

import time
from typing import Any

BENCH_PHYSIO = "bench-physio-"
BENCH_SITE = "Bench clinic "
PATIENTS_PER_PHYSIO = 1000
PATIENTS_PER_SITE = 20_000

COMMON_SURNAMES = (
    "Tremblay Gagnon Roy Côté Bouchard Gauthier Morin Lavoie Fortin Gagné Ouellet Pelletier Bélanger "
    "Lévesque Bergeron Leblanc Paquette Girard Simard Boucher Caron Beaulieu Cloutier Dubé Poirier "
    "Fournier Lapointe Leclerc Lefebvre Poulin Thibault St-Pierre Nadeau Martin Landry Martel Bédard "
    "Grenier Lessard Bernier Richard Michaud Hébert Desjardins Couture Turcotte Smith Brown Wilson "
    "Taylor Campbell Anderson Jones Williams Thompson MacDonald Johnson Stewart Scott Murray Reid Clark "
    "Ross Young Mitchell Walker Robinson Wright Li Wang Chen Zhang Liu Singh Patel Kaur Nguyen Tran Kim "
    "Ahmed Ali Khan Hussain Garcia Rodriguez Silva Santos Rossi Russo Müller Novak Kowalski"
).split()
SYLLABLES = (
    "ka lo ma ri be to na sel vin dor bra che gu la mon tar fe li ro sa ber quin dal ves har mor "
    "pel tri zan cor"
).split()
ENDINGS = "ault eau son ski ez elli berg ton ier ard".split()
FIRST_NAMES = (
    "Marie Jean Sophie Olivier Emma Liam Noah Olivia Léa William Chloé Thomas Zoé Félix Alice "
    "Gabriel Charlotte Samuel Florence Jacob Rosalie Nathan Camille Raphaël Juliette Louis Amélie "
    "Antoine Hélène Mohammed Fatima Wei Mei Arjun Priya Hiroshi Yuki Daniel Sarah Michael Jessica "
    "David Emily James Hannah Robert Grace Ethan Ava Lucas Mia Benjamin Isabelle Élodie François"
).split()
NOTE_WORDS = (
    "lumbar flexion extension radiculopathy sciatica stiffness morning walking sitting lifting "
    "exercise education reassurance progress improved worse numbness tingling leg buttock hip core "
    "mobility strength return work sleep pain score disability STarT back physiotherapy follow-up "
    "imaging unnecessary red flags absent neurological intact reflexes dermatome myotome guarded"
).split()


def _sql_array(words: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + word.replace("'", "''") + "'" for word in words) + "]"


def load_hot(connection: Any, patients: int) -> dict[str, int]:
    """Top the bench database up to `patients` patients with their proportional caseload; return the
    row counts added (nothing when it already holds that many)."""
    added: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM intake_patient")
        missing = patients - cursor.fetchone()[0]
        if missing <= 0:
            return added
        cursor.execute("SELECT setseed(0.13)")
        cursor.execute(
            "SELECT coalesce(max(id), 0) FROM auth_user WHERE username = 'physician2' OR "
            "username = 'physician'"
        )
        physician_id = cursor.fetchone()[0]
        physios = max(1, missing // PATIENTS_PER_PHYSIO)
        sites = max(1, missing // PATIENTS_PER_SITE)

        def step(name: str, sql: str, params: dict[str, Any] | None = None) -> None:
            began = time.monotonic()
            cursor.execute(sql, params or {})
            added[name] = cursor.rowcount
            print(
                f"  {name}: {cursor.rowcount} rows in {time.monotonic() - began:.0f} s", flush=True
            )

        step(
            "bench physiotherapists",
            """INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                                      is_staff, is_active, date_joined)
               SELECT '!bench', false, %(prefix)s || lpad(n::text, 5, '0'), 'Bench', 'Physio ' || n,
                      '', false, true, now()
               FROM generate_series(1, %(physios)s) AS n
               ON CONFLICT (username) DO NOTHING""",
            {"prefix": BENCH_PHYSIO, "physios": physios},
        )
        cursor.execute(
            """INSERT INTO auth_user_groups (user_id, group_id)
               SELECT u.id, g.id FROM auth_user u, auth_group g
               WHERE u.username LIKE %(like)s AND g.name = 'Physiotherapist'
               ON CONFLICT DO NOTHING""",
            {"like": BENCH_PHYSIO + "%"},
        )
        step(
            "bench clinics",
            """INSERT INTO intake_site (name, address, postal_code, phone)
               SELECT %(prefix)s || lpad(n::text, 4, '0'), n || ' Bench Street', 'K1A 0B1',
                      '613-555-' || lpad(n::text, 4, '0')
               FROM generate_series(1, %(sites)s) AS n
               ON CONFLICT (name) DO NOTHING""",
            {"prefix": BENCH_SITE, "sites": sites},
        )
        # Surnames: a third from the common list (a few thousand namesakes each at 1M, like Tremblay),
        # the rest from about 9,000 made-up ones, so a surname search matches tens to thousands of rows.
        step(
            "patients",
            f"""INSERT INTO intake_patient
                  (first_name, last_name, date_of_birth, sex, gender, health_card_number,
                   health_card_version, phone, email, postal_code, preferred_language,
                   consent_email_reminders, consent_sms_reminders, created_at, family_physician_id,
                   booking_hold)
                SELECT (f)[1 + (random() * (cardinality(f) - 1))::int],
                       CASE WHEN random() < 0.33 THEN (c)[1 + (random() * (cardinality(c) - 1))::int]
                            ELSE initcap((s)[1 + (random() * (cardinality(s) - 1))::int]
                                         || (s)[1 + (random() * (cardinality(s) - 1))::int]
                                         || (e)[1 + (random() * (cardinality(e) - 1))::int]) END,
                       date '1935-01-01' + (random() * 32000)::int,
                       (ARRAY['F','F','M','M','X','U'])[1 + (random() * 5)::int], '',
                       '9' || lpad(n::text, 9, '0'), 'AB',
                       '613-' || lpad((random() * 999)::int::text, 3, '0') || '-'
                         || lpad((random() * 9999)::int::text, 4, '0'),
                       '', 'K2P 1L4', CASE WHEN random() < 0.25 THEN 'fr' ELSE 'en' END,
                       random() < 0.5, random() < 0.3, now() - random() * interval '730 days',
                       NULL, ''
                FROM generate_series(1, %(missing)s) AS n,
                     (SELECT {_sql_array(FIRST_NAMES)} AS f, {_sql_array(COMMON_SURNAMES)} AS c,
                             {_sql_array(SYLLABLES)} AS s, {_sql_array(ENDINGS)} AS e) AS words
                ON CONFLICT (health_card_number) DO NOTHING""",
            {"missing": missing},
        )
        step(
            "episodes",
            """WITH p AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM intake_patient
                          WHERE health_card_number LIKE '9%%' AND health_card_version = 'AB'),
                    ph AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM auth_user
                           WHERE username LIKE %(physio_like)s),
                    st AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM intake_site
                           WHERE name LIKE %(site_like)s),
                    counts AS (SELECT (SELECT count(*) FROM ph) AS physios,
                                      (SELECT count(*) FROM st) AS sites)
               INSERT INTO care_episodes_episode
                 (patient_id, physiotherapist_id, site_id, status, source, requested_on, booked_on,
                  first_assessed_on, discharged_on, risk, booking_hold, created_at)
               SELECT p.id, ph.id, st.id, x.status,
                      CASE WHEN random() < 0.4 THEN 'physician_referral' ELSE 'direct' END,
                      x.requested_on, x.requested_on + 7, x.requested_on + 14,
                      CASE WHEN x.status = 'discharged' THEN x.requested_on + 60 END,
                      (ARRAY['low','medium','high'])[1 + (random() * 2)::int], '', now()
               FROM p CROSS JOIN counts
               CROSS JOIN LATERAL (
                 SELECT CASE WHEN random() < 0.9 THEN 'discharged' ELSE 'in_care' END AS status,
                        current_date - 75 - (random() * 650)::int AS requested_on) AS x
               JOIN ph ON ph.rn = p.rn %% counts.physios
               JOIN st ON st.rn = p.rn %% counts.sites
               WHERE p.rn %% 2 = 0""",
            {"physio_like": BENCH_PHYSIO + "%", "site_like": BENCH_SITE + "%"},
        )
        # Each bench physiotherapist's episodes k = 0, 1, … get the practitioner-hours 3k, 3k+1, 3k+2
        # counted back from yesterday (eight a day): no two overlap, none on today's day sheet.
        step(
            "appointments",
            """WITH e AS (SELECT id, patient_id, site_id, physiotherapist_id,
                                 row_number() OVER (PARTITION BY physiotherapist_id ORDER BY id) - 1 AS k
                          FROM care_episodes_episode
                          WHERE physiotherapist_id IN (SELECT id FROM auth_user
                                                       WHERE username LIKE %(physio_like)s)),
                    t AS (SELECT (SELECT id FROM intake_appointmenttype WHERE is_new_assessment
                                  ORDER BY id LIMIT 1) AS new_type,
                                 (SELECT id FROM intake_appointmenttype WHERE NOT is_new_assessment
                                  ORDER BY id LIMIT 1) AS follow_type),
                    s AS (SELECT e.*, j, e.k * 3 + j AS slot,
                                 (date_trunc('day', now() AT TIME ZONE %(tz)s)
                                   - make_interval(days => 1 + ((e.k * 3 + j) / 8)::int)
                                   + make_interval(hours => 8 + ((e.k * 3 + j) %% 8)::int))
                                   AT TIME ZONE %(tz)s AS start
                          FROM e CROSS JOIN generate_series(0, 2) AS j)
               INSERT INTO intake_appointment
                 (patient_id, episode_id, practitioner_id, site_id, appointment_type_id, start, "end",
                  status, cancel_reason, created_at, status_changed_at, rescheduled_from_id,
                  booked_by_id)
               SELECT s.patient_id, s.id, s.physiotherapist_id, s.site_id,
                      CASE WHEN s.j = 0 THEN t.new_type ELSE t.follow_type END,
                      s.start, s.start + interval '45 minutes',
                      CASE WHEN random() < 0.07 THEN 'no_show' ELSE 'completed' END, '',
                      s.start - interval '14 days', NULL, NULL, NULL
               FROM s CROSS JOIN t""",
            {"physio_like": BENCH_PHYSIO + "%", "tz": _time_zone()},
        )
        step(
            "consultation notes",
            f"""INSERT INTO care_episodes_consultationnote
                  (version, title, body, created_at, updated_at, signed_at, author_id, episode_id,
                   previous_id, signed_by_id)
                SELECT 1, 'Consultation note',
                       array_to_string(ARRAY(SELECT (w)[1 + (random() * (cardinality(w) - 1))::int]
                                             FROM generate_series(1, 60 + (e.id %% 2))), ' '),
                       now(), now(), e.requested_on + 15, e.physiotherapist_id, e.id, NULL,
                       e.physiotherapist_id
                FROM care_episodes_episode e,
                     (SELECT {_sql_array(NOTE_WORDS)} AS w) AS words
                WHERE e.physiotherapist_id IN (SELECT id FROM auth_user
                                               WHERE username LIKE %(physio_like)s)
                  AND e.id %% 2 = 0""",
            {"physio_like": BENCH_PHYSIO + "%"},
        )
        step(
            "incoming referrals",
            """INSERT INTO intake_incomingreferral
                 (patient_id, referring_physician_id, episode_id, reason, urgency, received_on, status,
                  created_at)
               SELECT e.patient_id, %(physician)s, e.id,
                      'Low back pain for six weeks, not improving with advice; please assess.',
                      CASE WHEN random() < 0.1 THEN 'urgent' ELSE 'routine' END, e.requested_on,
                      'booked', now()
               FROM care_episodes_episode e
               WHERE e.source = 'physician_referral'
                 AND e.physiotherapist_id IN (SELECT id FROM auth_user
                                              WHERE username LIKE %(physio_like)s)""",
            {"physician": physician_id, "physio_like": BENCH_PHYSIO + "%"},
        )
        step(
            "audit rows",
            # Numbered after the chain's last row (the load runs with the chain's trigger off, so
            # these bench rows carry no hash: audit_verify reports the bench database as broken).
            """INSERT INTO lbp_pathway_auditevent
                 (seq, at, username, patient_id, action, what, path, ip_address, reason, user_id)
               SELECT (SELECT coalesce(max(seq), 0) FROM lbp_pathway_auditevent)
                        + row_number() OVER (ORDER BY a.start, a.id),
                      a.start, u.username, a.patient_id, 'view', 'care episode ' || a.episode_id,
                      '/physio/episodes/' || a.episode_id || '/', '10.0.0.1', '', u.id
               FROM intake_appointment a JOIN auth_user u ON u.id = a.practitioner_id
               WHERE u.username LIKE %(physio_like)s""",
            {"physio_like": BENCH_PHYSIO + "%"},
        )
        began = time.monotonic()
        cursor.execute("ANALYZE")
        print(f"  ANALYZE in {time.monotonic() - began:.0f} s", flush=True)
    connection.commit()
    return added


def _time_zone() -> str:
    return "America/Toronto"

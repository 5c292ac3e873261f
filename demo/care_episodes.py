"""Demo data for care episodes: assessments, outcomes over time, plans, follow-ups and signed notes for a
share of the demo episodes. Idempotent (episodes that already have an assessment are left alone); bulk
inserts for volume. Generated data only."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from faker import Faker

from care_episodes import drafting, lifecycle, outcomes
from care_episodes.models import (
    Assessment,
    ConsultationNote,
    Episode,
    Exercise,
    FollowUpPlan,
    OutcomeMeasurement,
    SelfManagementPlan,
)
from care_episodes.services import CARE_MODEL_FOR_RISK, follow_up_sessions
from demo.output import Output
from demo.volume import VOLUME_PREFIX

S = Episode.Status
# What clinicians type into the demo records (never the application's own wording); the French check
# (tests/integration/test_french_everywhere.py) reads these constants to tell the two apart.
ONSETS = ("weeks ago, gradual", "weeks ago, sudden", "weeks ago, after lifting")
PREVIOUS_EPISODES = ("No previous episode", "One episode five years ago", "Yearly flare-ups")
MEDICATIONS = ("Ibuprofen as needed", "Acetaminophen", "No medication")
YELLOW_FLAGS = ("", "Fear that bending will cause damage", "Low mood, poor sleep")
RED_FLAG_SCREEN = (
    "No saddle anaesthesia, bladder and bowel function normal, no fever, "
    "no unexplained weight loss, no history of cancer."
)
ACTIVITY_MODIFICATIONS = "Change position every 30 minutes; short walks through the day."
WORK_MODIFICATIONS = ("", "Lifting limit 10 kg for two weeks", "Sit-stand desk")
PSFS_ACTIVITIES = ["Sitting", "Walking", "Lifting", "Sleeping", "Driving"]
COMPLAINTS = [
    (
        "Low back pain after lifting a heavy box",
        "back_dominant",
        "Non-specific mechanical low back pain",
    ),
    ("Low back and buttock pain after gardening", "back_dominant", "Non-specific low back pain"),
    ("Pain from the back down the left leg to the foot", "leg_dominant", "Left L5 radicular pain"),
    ("Right leg pain and tingling below the knee", "leg_dominant", "Right S1 radiculopathy"),
    (
        "Leg heaviness when walking, eased by sitting",
        "neurogenic_claudication",
        "Lumbar spinal stenosis",
    ),
    (
        "Recurrent low back pain, worse with sitting",
        "back_dominant",
        "Recurrent non-specific low back pain",
    ),
]
AGGRAVATING = [
    "Sitting",
    "Bending forward",
    "Lifting",
    "Standing still",
    "Walking uphill",
    "Driving",
]
EASING = ["Walking", "Lying down", "Heat", "Changing position", "Sitting (leg symptoms)"]
PLAN_GOALS = [
    "Walk 30 minutes every day",
    "Return to full duties at work",
    "Play with the grandchildren",
    "Sleep through the night",
    "Get back to the gym",
    "Garden without flare-ups",
]
SHARE = 3  # two in three eligible episodes get seeded records


def _candidates() -> list[Episode]:
    today = timezone.localdate()
    episodes = (
        Episode.objects.filter(assessments__isnull=True)
        .exclude(physiotherapist__username__startswith=VOLUME_PREFIX)  # bench volume: no detail
        .filter(status__in=[S.BOOKED, S.ASSESSED, S.IN_CARE, S.DISCHARGED])
        .select_related("patient", "physiotherapist")
        .order_by("pk")
    )
    return [
        e
        for e in episodes
        if e.pk % SHARE != 0 and (e.status != S.BOOKED or (e.booked_on or today) < today)
    ]


def seed(patients: int, stdout: Output) -> None:
    fake = Faker("en_CA")
    candidates = _candidates()
    if not candidates:
        stdout.write("Care episodes: nothing to seed (no eligible episodes without an assessment).")
        return
    demo_physio = get_user_model().objects.filter(username="physio").first()
    exercises = list(Exercise.objects.all())
    today = timezone.localdate()
    now = timezone.now()
    assessments, measurements, plans, follow_ups, notes = [], [], [], [], []
    plan_exercises: dict[int, list[Exercise]] = {}
    with transaction.atomic():
        for episode in candidates:
            rng = random.Random(episode.pk)
            fake.seed_instance(episode.pk)
            physio = episode.physiotherapist or demo_physio
            if physio is None:
                continue
            if episode.physiotherapist_id is None:
                lifecycle.take_episode(episode, physiotherapist=physio, by=physio)
            assessed_on = episode.first_assessed_on or min(
                today,
                (episode.booked_on or episode.requested_on) + timedelta(days=rng.randint(0, 7)),
            )
            if episode.status == S.BOOKED:
                lifecycle.transition(
                    episode,
                    S.ASSESSED,
                    by=physio,
                    description="First assessment completed",
                    on=assessed_on,
                )
            else:
                lifecycle.record_first_assessment(episode, on=assessed_on)
            complaint, pattern, diagnosis = rng.choice(COMPLAINTS)
            weeks = rng.randint(1, 20)
            opioids = rng.random() < 0.1
            assessment = Assessment(
                episode=episode,
                assessed_on=assessed_on,
                by=physio,
                presenting_complaint=complaint,
                onset=f"{weeks} {rng.choice(ONSETS)}",
                symptom_weeks=weeks,
                pattern=pattern,
                aggravating_factors=", ".join(rng.sample(AGGRAVATING, 2)),
                easing_factors=", ".join(rng.sample(EASING, 2)),
                previous_episodes=rng.choice(PREVIOUS_EPISODES),
                work_status=rng.choice(Assessment.WorkStatus.values),
                medications=rng.choice(MEDICATIONS) + ("; oxycodone at night" if opioids else ""),
                opioid_use=opioids,
                yellow_flags=rng.choice(YELLOW_FLAGS),
                red_flag_screen=RED_FLAG_SCREEN,
                myotomes="normal",
                dermatomes="abnormal" if pattern == "leg_dominant" else "normal",
                reflexes="normal",
                straight_leg_raise="positive_left" if pattern == "leg_dominant" else "negative",
                working_diagnosis=diagnosis,
                goals=rng.choice(PLAN_GOALS),
            )
            assessments.append(assessment)
            # Outcomes at baseline and at each scheduled timepoint already reached, improving over time.
            nprs, rmdq = rng.randint(4, 9), rng.randint(6, 20)
            psfs_base = [rng.randint(1, 5) for _ in range(3)]
            activities = rng.sample(PSFS_ACTIVITIES, 3)
            for step, due in enumerate(outcomes.schedule(assessed_on, episode.discharged_on)):
                if due.due_on > today:
                    break
                gain = min(step * rng.uniform(0.8, 2.2), 6)
                psfs_scores = [min(10, round(v + gain)) for v in psfs_base]
                measurements.append(
                    OutcomeMeasurement(
                        episode=episode,
                        measured_on=due.due_on,
                        timepoint=due.timepoint,
                        by=physio,
                        nprs=max(0, round(nprs - gain)),
                        rmdq=max(0, round(rmdq - gain * 2)),
                        psfs=outcomes.psfs_score(psfs_scores),
                        psfs_activities=[
                            {"activity": a, "score": s}
                            for a, s in zip(activities, psfs_scores, strict=True)
                        ],
                        grc=None if step == 0 else min(7, round(gain)),
                        rule_version=outcomes.RULE_VERSION,
                    )
                )
            topics = rng.sample(SelfManagementPlan.Topic.values, 3)
            chosen = rng.sample(exercises, min(3, len(exercises)))
            plan = SelfManagementPlan(
                episode=episode,
                education_topics=topics,
                activity_modifications=ACTIVITY_MODIFICATIONS,
                work_modifications=rng.choice(WORK_MODIFICATIONS),
                goals=assessment.goals,
                by=physio,
            )
            plans.append(plan)
            plan_exercises[episode.pk] = chosen
            risk = episode.risk or "medium"
            follow_up = FollowUpPlan(
                episode=episode,
                care_model=CARE_MODEL_FOR_RISK[risk],
                sessions=follow_up_sessions()[risk],
                interval_weeks=1 if risk == "low" else 2,
            )
            follow_ups.append(follow_up)
            if rng.random() < 0.75:
                baseline = next(m for m in measurements if m.episode is episode)
                facts = drafting.NoteFacts(
                    patient_name=episode.patient.full_name,
                    date_of_birth=episode.patient.date_of_birth,
                    assessed_on=assessed_on,
                    physiotherapist=physio.get_full_name() or physio.get_username(),
                    presenting_complaint=complaint,
                    onset=assessment.onset,
                    pattern=pattern,
                    pattern_label=str(Assessment.Pattern(pattern).label),
                    red_flag_screen=assessment.red_flag_screen,
                    working_diagnosis=diagnosis,
                    goals=assessment.goals,
                    opioid_use=opioids,
                    risk=episode.risk,
                    symptom_weeks=weeks,
                    baseline_outcomes=[f"NPRS {baseline.nprs}/10", f"RMDQ {baseline.rmdq}/24"],
                    education_topics=[str(SelfManagementPlan.Topic(t).label) for t in topics],
                    exercises=[f"{ex.name} ({ex.dosage})" for ex in chosen],
                    activity_modifications=plan.activity_modifications,
                    work_modifications=plan.work_modifications,
                    plan_goals=plan.goals,
                    safety_netting=plan.safety_netting,
                    follow_up=f"{follow_up.get_care_model_display()}: {follow_up.sessions} session(s).",
                    next_steps="Continue the self-management plan.",
                )
                title, body = drafting.draft(facts)
                signed_on = assessed_on + timedelta(days=rng.randint(0, 2))
                signed_at = min(now, timezone.make_aware(datetime.combine(signed_on, time(16))))
                notes.append(
                    ConsultationNote(
                        episode=episode,
                        version=1,
                        title=title,
                        body=body,
                        author=physio,
                        signed_at=signed_at,
                        signed_by=physio,
                    )
                )
        Assessment.objects.bulk_create(assessments, batch_size=500)
        OutcomeMeasurement.objects.bulk_create(measurements, batch_size=500)
        SelfManagementPlan.objects.bulk_create(plans, batch_size=500)
        through = SelfManagementPlan.exercises.through
        through.objects.bulk_create(
            [
                through(selfmanagementplan_id=plan.pk, exercise_id=ex.pk)
                for plan in plans
                for ex in plan_exercises[plan.episode_id]
            ],
            batch_size=1000,
        )
        FollowUpPlan.objects.bulk_create(follow_ups, batch_size=500)
        ConsultationNote.objects.bulk_create(notes, batch_size=500)
    stdout.write(
        f"Care episodes: {len(assessments)} assessments, {len(measurements)} outcome measures, "
        f"{len(plans)} plans, {len(notes)} signed notes."
    )

"""Demo triage decisions for a share of the demo episodes (generated data, never real patients).

Idempotent: an episode that already has a decision is left alone, so a second run adds nothing.
Runs before care episodes are seeded on a first `seed_demo`; it seeds nothing until episodes exist.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from care_episodes.models import Episode
from demo.output import Output
from demo.volume import VOLUME_PREFIX
from lbp_pathway import audit
from lbp_pathway.access import Role
from triage import rules, services

# Two episodes in three get a triage; the rest are left for the physiotherapists to do.
SHARE_DIVISOR = 3
EMERGENCY_SHARE = 0.03
URGENT_SHARE = 0.08


def _answers(rng: random.Random) -> list[str | None]:
    worry = rng.random()  # some patients answer the psychosocial items mostly "agree"
    answers: list[str | None] = []
    for item in rules.START_BACK_ITEMS:
        if item.number == rules.START_BACK_ITEM_COUNT:
            weights = (1, 2, 3, 2 + 3 * worry, 1 + 2 * worry)
            answers.append(rng.choices(rules.BOTHERSOME_ANSWERS, weights=weights)[0])
        else:
            agree = 0.5 if item.number < 5 else 0.15 + 0.7 * worry
            answers.append("agree" if rng.random() < agree else "disagree")
    if rng.random() < 0.05:
        answers[rng.randrange(rules.START_BACK_ITEM_COUNT)] = None
    return answers


def _facts(episode: Episode, rng: random.Random, reference: date) -> dict[str, Any]:
    dob = episode.patient.date_of_birth
    start = max(reference - timedelta(days=rng.randint(10, 400)), dob)
    flags: list[str] = []
    roll = rng.random()
    if roll < EMERGENCY_SHARE and episode.status == Episode.Status.REQUESTED:
        flags.append(rng.choice(rules.EMERGENCY_FLAGS))
    elif roll < EMERGENCY_SHARE + URGENT_SHARE:
        flags.append(rng.choice(rules.URGENT_FLAGS))
    if rules.age_in_years(dob, start) > 50 and rng.random() < 0.2:
        flags.append("age_over_50_new_onset")
    return {
        "reference_date": reference,
        "episode_start_date": start,
        "recurrent_episode": rng.random() < 0.3,
        "claims": {
            "wsib": rng.random() < 0.05,
            "motor_vehicle": rng.random() < 0.04,
            "legal": rng.random() < 0.02,
        },
        "pregnant": False,
        "delivery_date": None,
        "unmanaged_chronic_multisite_pain": rng.random() < 0.05,
        "unmanaged_narcotic_dependency": rng.random() < 0.02,
        "red_flags": flags,
        "inflammatory_features": [],
        "age_at_lbp_onset": None,
    }


def seed(patients: int, stdout: Output) -> None:
    episodes = list(
        Episode.objects.filter(triage_decisions__isnull=True)
        .exclude(physiotherapist__username__startswith=VOLUME_PREFIX)  # bench volume: no detail
        .select_related("patient__family_physician", "physiotherapist")
        .order_by("pk")
    )
    if not Episode.objects.exists():
        stdout.write("Triage: no episodes yet, no triage decisions seeded.")
        return
    fallback_physio = User.objects.filter(groups__name=Role.PHYSIOTHERAPIST.value).first()
    today = timezone.localdate()
    added = 0
    with transaction.atomic():
        for episode in episodes:
            by = episode.physiotherapist or fallback_physio
            # A decision is always someone's: without a physiotherapist account there is no one.
            if episode.pk % SHARE_DIVISOR == 0 or by is None:
                continue
            rng = random.Random(f"triage-demo-{episode.pk}")
            reference = min(episode.first_assessed_on or episode.requested_on, today)
            decided_at = timezone.make_aware(datetime.combine(reference, time(10, 0)))
            services.record_triage(
                episode,
                _facts(episode, rng, reference),
                _answers(rng),
                actor=audit.as_actor(by),
                decided_at=decided_at,
            )
            added += 1
    stdout.write(f"Triage: {added} demo triage decisions.")

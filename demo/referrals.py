"""Demo data for referrals: postal codes, a directory of destinations, a few referrals.

Idempotent: postal codes are upserted, destinations are keyed by name, and referrals are only made
when there are none yet.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from care_episodes.models import Episode
from demo.output import Output
from demo.postal_codes import FSAS, demo_rows
from referrals import rules, services
from referrals.models import Destination, PostalCode, Referral
from referrals.selectors import Location, match_destinations

# (name, kind, postal code, address, languages, provider genders, eligibility program)
DIRECTORY: list[tuple[str, str, str, str, list[str], list[str], str]] = [
    ("Kingston Rapid Access Clinic for LBP", rules.RAC_LBP, "K7L", "76 Stuart St, Kingston", ["English", "French"], ["female", "male"], "rac_lbp"),
    ("Belleville Rapid Access Clinic for LBP", rules.RAC_LBP, "K8N", "265 Dundas St E, Belleville", ["English"], ["male"], "rac_lbp"),
    ("Ottawa Rapid Access Clinic for LBP", rules.RAC_LBP, "K1Y", "1053 Carling Ave, Ottawa", ["English", "French"], ["female", "male"], "rac_lbp"),
    ("Limestone Spine Surgery", rules.SPINE_SURGEON, "K7L", "166 Brock St, Kingston", ["English"], ["male"], ""),
    ("Quinte Spine Practice", rules.SPINE_SURGEON, "K8P", "10 Bridge St, Belleville", ["English"], ["female"], ""),
    ("Kingston Community Physiotherapy", rules.COMMUNITY_PHYSIO, "K7M", "1201 Division St, Kingston", ["English", "French"], ["female", "male"], ""),
    ("Cataraqui Physio and Wellness", rules.COMMUNITY_PHYSIO, "K7P", "945 Gardiners Rd, Kingston", ["English", "Mandarin"], ["female"], ""),
    ("Napanee Physiotherapy", rules.COMMUNITY_PHYSIO, "K7R", "20 Dundas St W, Napanee", ["English"], ["male"], ""),
    ("Gananoque Physiotherapy", rules.COMMUNITY_PHYSIO, "K7G", "150 King St E, Gananoque", ["English", "French"], ["female"], ""),
    ("Kingston Imaging Centre", rules.IMAGING, "K7K", "797 Princess St, Kingston", ["English"], [], ""),
    ("Quinte Diagnostic Imaging", rules.IMAGING, "K8V", "242 King St, Trenton", ["English"], [], ""),
    ("Kingston Rheumatology Associates", rules.RHEUMATOLOGY, "K7L", "340 Montreal St, Kingston", ["English", "French"], ["female"], ""),
    ("Ottawa Rheumatology Group", rules.RHEUMATOLOGY, "K2P", "200 Elgin St, Ottawa", ["English", "French"], ["male"], ""),
    ("Providence Care Pain Program", rules.PAIN_PROGRAM, "K7M", "752 King St W, Kingston", ["English"], ["female", "male"], ""),
    ("Toronto Interdisciplinary Pain Program", rules.PAIN_PROGRAM, "M5G", "585 University Ave, Toronto", ["English", "Portuguese"], ["female", "male"], ""),
    ("Kingston General Emergency Department", rules.EMERGENCY, "K7L", "76 Stuart St, Kingston", ["English", "French"], ["female", "male"], ""),
    ("Lennox and Addington Emergency Department", rules.EMERGENCY, "K7R", "8 Richmond Park Dr, Napanee", ["English"], ["female", "male"], ""),
    ("Kingston Family Health Team", rules.FAMILY_PHYSICIAN, "K7K", "220 Bagot St, Kingston", ["English", "French"], ["female", "male"], ""),
]  # fmt: skip


def seed_postal_codes() -> int:
    return services.import_postal_codes(demo_rows())


def seed_destinations(rng: random.Random) -> int:
    existing = set(Destination.objects.values_list("name", flat=True))
    points = {p.code: p for p in PostalCode.objects.filter(code__in=list(FSAS))}
    today = timezone.localdate()
    new = []
    for name, kind, fsa, address, languages, genders, program in DIRECTORY:
        if name in existing:
            continue
        point = points.get(fsa)
        wait = {rules.EMERGENCY: 0, rules.RAC_LBP: 21}.get(kind, rng.randint(7, 60))
        new.append(
            Destination(
                name=name,
                kind=kind,
                address=address,
                postal_code=fsa,
                latitude=point.latitude if point else None,
                longitude=point.longitude if point else None,
                phone=f"613-555-{rng.randint(1000, 9999)}",
                fax=f"613-555-{rng.randint(1000, 9999)}",
                services=[rules.KIND_LABELS[kind]],
                eligibility_program=program,
                typical_wait_days=wait,
                next_available_on=today + timedelta(days=wait),
                accepting=True,
                slots=rng.randint(3, 20),
                languages=languages,
                provider_genders=genders,
            )
        )
    Destination.objects.bulk_create(new)
    return len(new)


def seed_referrals(rng: random.Random, limit: int = 8) -> int:
    if Referral.objects.exists():
        return 0
    episodes = list(
        Episode.objects.filter(physiotherapist__isnull=False)
        .select_related("patient", "physiotherapist")
        .order_by("id")[:limit]
    )
    kinds = [rules.RAC_LBP, rules.COMMUNITY_PHYSIO, rules.IMAGING, rules.PAIN_PROGRAM]
    point = PostalCode.objects.filter(code="K7L").first()
    if point is None:
        return 0
    made = 0
    for episode in episodes:
        kind = rng.choice(kinds)
        matches = match_destinations(
            kind=kind,
            location=Location("K7L", point.latitude, point.longitude, False),
            eligible_programs=["rac_lbp"],
        )
        if not matches:
            continue
        referral = services.create_referral(
            episode=episode,
            kind=kind,
            destination=matches[0],
            matches=matches,
            matched_from_postal_code=episode.patient.postal_code or "K7L",
            reason="Demo referral: persistent low back pain",
            question="Please assess and advise.",
            imaging_outside_guideline=kind == rules.IMAGING,
            imaging_reason="Demo: patient anxious about structural cause"
            if kind == rules.IMAGING
            else "",
            by=episode.physiotherapist,
        )
        # Walk some referrals along the status path, some sent long enough ago to be overdue.
        steps = rng.randint(0, 4)
        path = [rules.SENT, rules.ACCEPTED, rules.APPOINTMENT_BOOKED, rules.SEEN]
        sent_on = timezone.localdate() - timedelta(days=rng.randint(1, 60))
        for step in path[:steps]:
            services.move_referral(referral, step, by=episode.physiotherapist, on=sent_on)
        made += 1
    return made


def seed(patients: int, stdout: Output) -> None:
    rng = random.Random(2026)
    with transaction.atomic():
        codes = seed_postal_codes()
        destinations = seed_destinations(rng)
        referrals = seed_referrals(rng)
    stdout.write(
        f"Referrals: {codes} postal codes, {destinations} new destinations, "
        f"{referrals} demo referrals."
    )

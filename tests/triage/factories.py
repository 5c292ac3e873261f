"""Factories and ready-made inputs for triage tests."""

from datetime import timedelta

import factory
from django.utils import timezone

from lbp_pathway.access import Role
from tests.factories import EpisodeFactory, PatientFactory, UserFactory

# Psychosocial items 5, 6, 7 and 9 score: high risk (subscale 4 of 5), total 6.
HIGH_RISK_ANSWERS = [
    "agree", "disagree", "agree", "disagree", "agree", "agree", "agree", "disagree", "very_much",
]  # fmt: skip
LOW_RISK_ANSWERS = [
    "agree", "disagree", "disagree", "disagree", "disagree", "disagree", "disagree", "disagree",
    "slightly",
]  # fmt: skip


def facts(**overrides):
    """Eligibility facts for an adult first episode of 2 months, no claims, no red flags."""
    base = {
        "episode_start_date": timezone.localdate() - timedelta(days=60),
        "recurrent_episode": False,
        "claims": {"wsib": False, "motor_vehicle": False, "legal": False},
        "pregnant": False,
        "delivery_date": None,
        "unmanaged_chronic_multisite_pain": False,
        "unmanaged_narcotic_dependency": False,
        "red_flags": [],
        "inflammatory_features": [],
        "age_at_lbp_onset": None,
    }
    base.update(overrides)
    return base


class PanelPatientFactory(PatientFactory):
    """A patient in a family physician's panel."""

    family_physician = factory.SubFactory(UserFactory, role=Role.FAMILY_PHYSICIAN)


class TriageEpisodeFactory(EpisodeFactory):
    patient = factory.SubFactory(PanelPatientFactory)

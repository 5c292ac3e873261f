"""The inflammatory back pain screen, NICE NG65 (docs/clinical-rules.md section 4).

Plain Python, no Django imports (see triage/rules/__init__.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Final, Literal

from triage.rules.base import (
    RulesInputError,
    gettext_noop,
)
from triage.rules.eligibility import (
    add_months,
)

# --- 4. Inflammatory back pain screen (NICE NG65) -------------------------------------------------

InflammatoryScreen = Literal["refer_rheumatology", "hla_b27_test", "negative"]

INFLAMMATORY_FEATURES: Final[tuple[str, ...]] = (
    "onset_before_35",
    "wakes_second_half_of_night",
    "buttock_pain",
    "improves_with_movement",
    "nsaid_response_within_48h",
    "first_degree_relative_spa",
    "current_or_past_arthritis",
    "current_or_past_enthesitis",
    "current_or_past_psoriasis",
)
INFLAMMATORY_FEATURE_LABELS: Final[dict[str, str]] = {
    "onset_before_35": gettext_noop("Back pain started before age 35"),
    "wakes_second_half_of_night": gettext_noop(
        "Woken by back pain in the second half of the night"
    ),
    "buttock_pain": gettext_noop("Buttock pain"),
    "improves_with_movement": gettext_noop("Better with movement, not with rest"),
    "nsaid_response_within_48h": gettext_noop(
        "Better within 48 hours of starting an anti-inflammatory (NSAID)"
    ),
    "first_degree_relative_spa": gettext_noop("A parent, sibling or child with spondyloarthritis"),
    "current_or_past_arthritis": gettext_noop("Arthritis now or in the past"),
    "current_or_past_enthesitis": gettext_noop(
        "Enthesitis (e.g. heel pain at the tendon) now or in the past"
    ),
    "current_or_past_psoriasis": gettext_noop("Psoriasis now or in the past"),
}
INFLAMMATORY_SCREEN_LABELS: Final[dict[str, str]] = {
    "refer_rheumatology": (
        gettext_noop("4 or more features: suggest a rheumatology referral via the family physician")
    ),
    "hla_b27_test": gettext_noop(
        "3 features: suggest an HLA-B27 test, refer to rheumatology if positive"
    ),
    "negative": gettext_noop("Fewer than 3 features of inflammatory back pain"),
}
# NICE NG65: for people whose low back pain started before 45 and has lasted more than 3 months.
INFLAMMATORY_MAX_ONSET_AGE: Final = 45
INFLAMMATORY_MIN_MONTHS: Final = 3
INFLAMMATORY_REFER_MIN_FEATURES: Final = 4
INFLAMMATORY_HLA_B27_FEATURES: Final = 3


def _validate_inflammatory_features(features: Iterable[str]) -> frozenset[str]:
    if isinstance(features, str | bytes):
        raise RulesInputError(None, "inflammatory_features", "must be a list of feature codes")
    present: set[str] = set()
    for index, feature in enumerate(features):
        if not isinstance(feature, str) or feature not in INFLAMMATORY_FEATURES:
            raise RulesInputError(
                None,
                f"inflammatory_features[{index}]",
                f"unknown inflammatory feature {feature!r}",
            )
        present.add(feature)
    return frozenset(present)


def inflammatory_screen(
    *,
    reference_date: date,
    episode_start_date: date,
    age_at_lbp_onset: int | None,
    features: Iterable[str],
) -> InflammatoryScreen | None:
    """NICE NG65 advice (never changes eligibility); None when the screen does not apply.

    Each distinct feature counts once.
    """
    present = _validate_inflammatory_features(features)
    if age_at_lbp_onset is None or age_at_lbp_onset >= INFLAMMATORY_MAX_ONSET_AGE:
        return None
    if not reference_date > add_months(episode_start_date, INFLAMMATORY_MIN_MONTHS):
        return None
    if len(present) >= INFLAMMATORY_REFER_MIN_FEATURES:
        return "refer_rheumatology"
    if len(present) == INFLAMMATORY_HLA_B27_FEATURES:
        return "hla_b27_test"
    return "negative"

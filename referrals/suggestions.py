"""Routing hints (clinical-rules.md section 6): the app suggests destinations with reasons, the
physiotherapist decides.

Pure Python, no Django: takes the triage rules' output dict (triage.rules.TriageResult.to_dict(), or
the parts of it that are known) and the assessment facts, returns suggestions in priority order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from referrals import rules
from triage import rules as triage_rules
from triage.rules import REASON_LABELS

# Not a destination: care continues in the team; recorded so unmet need shows on dashboards (D).
CONTINUE_IN_TEAM: Final = "continue_in_team"
SUGGESTION_LABELS: Final[dict[str, str]] = rules.KIND_LABELS | {
    CONTINUE_IN_TEAM: rules.gettext_noop("Continue care in the team")
}
# Reasons with a value in them: stored in English with the value, shown in the reader's language
# (referrals/labels.py finds the value again from these templates).
LEG_DOMINANT_REASON: Final = rules.gettext_noop(
    "Leg-dominant pain for %(weeks)s weeks despite care"
)
RAC_NOT_ELIGIBLE_REASON: Final = rules.gettext_noop(
    "Not eligible for the Rapid Access Clinic: %(reasons)s"
)
NOT_IMPROVING_REASON: Final = rules.gettext_noop(
    "High STarT Back risk and not improving at %(weeks)s weeks"
)
COURSE_OF_PHYSIO_REASONS: Final[dict[str, str]] = {
    "medium": rules.gettext_noop("Medium STarT Back risk: a course of physiotherapy"),
    "high": rules.gettext_noop("High STarT Back risk: a course of physiotherapy"),
}
TEMPLATED_REASONS: Final = (LEG_DOMINANT_REASON, RAC_NOT_ELIGIBLE_REASON, NOT_IMPROVING_REASON)
# Section 6: "leg-dominant pain >= 6-12 weeks despite care"; the lower bound opens the door.
LEG_DOMINANT_MIN_WEEKS: Final = 6
# Section 6: "high risk not improving at 6-12 weeks".
NOT_IMPROVING_MIN_WEEKS: Final = 6


@dataclass(frozen=True)
class AssessmentFacts:
    leg_dominant: bool = False
    weeks_of_symptoms: int = 0
    surgical_candidate: bool = False
    opioid_concerns: bool = False
    not_improving: bool = False
    private_physio_coverage: bool = False


@dataclass(frozen=True)
class Suggestion:
    kind: str
    reasons: tuple[str, ...]
    # True when a referral to a destination follows; False for advice kept in the team.
    referable: bool = True
    unmet_need: bool = False

    @property
    def label(self) -> str:
        return SUGGESTION_LABELS[self.kind]


def _disposition(triage: Mapping[str, Any]) -> str:
    return str((triage.get("red_flags") or {}).get("disposition") or "none")


def _rac(triage: Mapping[str, Any]) -> tuple[bool | None, tuple[str, ...]]:
    rac = (triage.get("eligibility") or {}).get("rac_lbp")
    if not rac:
        return None, ()
    return bool(rac.get("eligible")), tuple(rac.get("reasons") or ())


def _risk(triage: Mapping[str, Any]) -> str | None:
    return (triage.get("start_back") or {}).get("risk")


def suggest(triage: Mapping[str, Any], facts: AssessmentFacts) -> list[Suggestion]:
    """Suggested destinations with their reasons, most urgent first.

    An emergency red flag suggests the Emergency Department only: nothing routine is offered.
    """
    disposition = _disposition(triage)
    if disposition == "emergency":
        return [
            Suggestion(
                rules.EMERGENCY,
                (rules.gettext_noop("Emergency red flag: send to the Emergency Department now"),),
            )
        ]

    suggestions: list[Suggestion] = []
    if disposition == "urgent_physician_review":
        suggestions.append(
            Suggestion(
                rules.FAMILY_PHYSICIAN,
                (
                    rules.gettext_noop(
                        "Urgent red flag: family physician review before routine care"
                    ),
                    rules.gettext_noop("Imaging, if needed, is decided at that review"),
                ),
            )
        )

    risk = _risk(triage)
    weeks = facts.weeks_of_symptoms
    if (
        facts.leg_dominant
        and facts.surgical_candidate
        and weeks >= LEG_DOMINANT_MIN_WEEKS
        and facts.not_improving
        and disposition == "none"
    ):
        base = (
            LEG_DOMINANT_REASON % {"weeks": weeks},
            rules.gettext_noop("Possible surgical candidate"),
        )
        eligible, reasons = _rac(triage)
        if eligible:
            suggestions.append(
                Suggestion(
                    rules.RAC_LBP,
                    base
                    + (
                        rules.gettext_noop("Eligible for the Rapid Access Clinic"),
                        rules.gettext_noop("Imaging decided there"),
                    ),
                )
            )
        else:
            why = (
                RAC_NOT_ELIGIBLE_REASON
                % {"reasons": "; ".join(REASON_LABELS.get(r, r) for r in reasons)}
                if reasons
                else rules.gettext_noop("Rapid Access Clinic eligibility not known")
            )
            suggestions.append(
                Suggestion(
                    rules.SPINE_SURGEON, base + (why, rules.gettext_noop("Imaging decided there"))
                )
            )

    screen = triage.get("inflammatory_screen")
    if screen == "refer_rheumatology":
        suggestions.append(
            Suggestion(
                rules.RHEUMATOLOGY,
                (
                    rules.gettext_noop(
                        "Inflammatory back pain screen: 4 or more features (NICE NG65)"
                    ),
                    rules.gettext_noop("Refer via the family physician"),
                ),
            )
        )
    elif screen == "hla_b27_test":
        suggestions.append(
            Suggestion(
                rules.FAMILY_PHYSICIAN,
                (
                    rules.gettext_noop("Inflammatory back pain screen: 3 features (NICE NG65)"),
                    rules.gettext_noop("Ask the family physician for an HLA-B27 test"),
                ),
            )
        )

    pain_reasons: list[str] = []
    if risk == "high" and facts.not_improving and weeks >= NOT_IMPROVING_MIN_WEEKS:
        pain_reasons.append(NOT_IMPROVING_REASON % {"weeks": weeks})
    if facts.opioid_concerns:
        pain_reasons.append(rules.gettext_noop("Concerns about opioid use"))
    if pain_reasons:
        suggestions.append(Suggestion(rules.PAIN_PROGRAM, tuple(pain_reasons)))

    if risk in ("medium", "high") and disposition == "none":
        if facts.private_physio_coverage:
            suggestions.append(
                Suggestion(
                    rules.COMMUNITY_PHYSIO,
                    (
                        COURSE_OF_PHYSIO_REASONS[risk],
                        rules.gettext_noop("Has private physiotherapy coverage"),
                    ),
                )
            )
        else:
            suggestions.append(
                Suggestion(
                    CONTINUE_IN_TEAM,
                    (
                        COURSE_OF_PHYSIO_REASONS[risk],
                        rules.gettext_noop(
                            "No private physiotherapy coverage: continue care in the team "
                            "(unmet need)"
                        ),
                    ),
                    referable=False,
                    unmet_need=True,
                )
            )
    return suggestions


def triage_summary(
    *,
    reference_date: date,
    date_of_birth: date,
    episode_start_date: date,
    recurrent_episode: bool,
    red_flags: Sequence[str],
    risk: str | None,
    claims: triage_rules.Claims | None = None,
    pregnant: bool = False,
    delivery_date: date | None = None,
    unmanaged_chronic_multisite_pain: bool = False,
    unmanaged_narcotic_dependency: bool = False,
    inflammatory_features: Sequence[str] = (),
    age_at_lbp_onset: int | None = None,
) -> dict[str, Any]:
    """The parts of the triage rules' output dict that routing needs, from the physio's answers.

    Same shape as triage.rules.TriageResult.to_dict(); `start_back` carries only the risk group when
    the full SBST answers are not at hand.
    """
    flags = triage_rules.classify_red_flags(red_flags)
    rac = triage_rules.rac_lbp_eligibility(
        reference_date=reference_date,
        date_of_birth=date_of_birth,
        episode_start_date=episode_start_date,
        recurrent_episode=recurrent_episode,
        claims=claims or triage_rules.Claims(),
        pregnant=pregnant,
        delivery_date=delivery_date,
        unmanaged_chronic_multisite_pain=unmanaged_chronic_multisite_pain,
        unmanaged_narcotic_dependency=unmanaged_narcotic_dependency,
        red_flags=flags,
    )
    physio = triage_rules.first_contact_physio_eligibility(
        reference_date=reference_date, date_of_birth=date_of_birth, red_flags=flags
    )
    screen = triage_rules.inflammatory_screen(
        reference_date=reference_date,
        episode_start_date=episode_start_date,
        age_at_lbp_onset=age_at_lbp_onset,
        features=inflammatory_features,
    )
    return {
        "rule_version": triage_rules.RULE_VERSION,
        "start_back": {"risk": risk or "indeterminate"},
        "red_flags": {
            "disposition": flags.disposition,
            "emergency": list(flags.emergency),
            "urgent": list(flags.urgent),
            "contextual": list(flags.contextual),
        },
        "eligibility": {
            "first_contact_physio": physio.to_dict(),
            "rac_lbp": rac.to_dict(),
        },
        "inflammatory_screen": screen,
    }

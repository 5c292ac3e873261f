"""Routing suggestions (clinical-rules.md section 6): pure rules, no database."""

from datetime import date

import pytest

from referrals import rules
from referrals.suggestions import CONTINUE_IN_TEAM, AssessmentFacts, suggest, triage_summary

TODAY = date(2026, 6, 1)


def triage(
    *,
    disposition="none",
    risk="medium",
    rac_eligible=True,
    rac_reasons=(),
    screen=None,
):
    return {
        "start_back": {"risk": risk},
        "red_flags": {"disposition": disposition, "contextual": []},
        "eligibility": {
            "first_contact_physio": {"eligible": True, "reasons": []},
            "rac_lbp": {"eligible": rac_eligible, "reasons": list(rac_reasons)},
        },
        "inflammatory_screen": screen,
    }


SURGICAL = AssessmentFacts(
    leg_dominant=True, weeks_of_symptoms=10, surgical_candidate=True, not_improving=True
)


def kinds(suggestions):
    return [s.kind for s in suggestions]


def test_an_emergency_red_flag_suggests_only_the_emergency_department():
    result = suggest(triage(disposition="emergency", risk="high"), SURGICAL)
    assert kinds(result) == [rules.EMERGENCY]
    assert "Emergency Department now" in result[0].reasons[0]


def test_an_urgent_red_flag_suggests_family_physician_review_first_and_no_rapid_access_clinic():
    result = suggest(
        triage(
            disposition="urgent_physician_review",
            rac_eligible=False,
            rac_reasons=["red_flags_present"],
        ),
        SURGICAL,
    )
    assert kinds(result)[0] == rules.FAMILY_PHYSICIAN
    assert rules.RAC_LBP not in kinds(result)
    assert rules.SPINE_SURGEON not in kinds(result)


def test_leg_dominant_surgical_candidate_not_improving_and_eligible_goes_to_rapid_access_clinic():
    result = suggest(triage(risk="low"), SURGICAL)
    assert kinds(result) == [rules.RAC_LBP]
    assert "Leg-dominant pain for 10 weeks despite care" in result[0].reasons
    assert "Eligible for the Rapid Access Clinic" in result[0].reasons


def test_an_ineligible_surgical_candidate_goes_to_a_spine_surgeon_with_the_rac_reasons():
    result = suggest(
        triage(risk="low", rac_eligible=False, rac_reasons=["active_wsib_claim"]), SURGICAL
    )
    assert kinds(result) == [rules.SPINE_SURGEON]
    assert any("An active WSIB claim" in reason for reason in result[0].reasons)


@pytest.mark.parametrize(
    "facts",
    [
        AssessmentFacts(
            leg_dominant=True, weeks_of_symptoms=5, surgical_candidate=True, not_improving=True
        ),
        AssessmentFacts(
            leg_dominant=False, weeks_of_symptoms=10, surgical_candidate=True, not_improving=True
        ),
        AssessmentFacts(
            leg_dominant=True, weeks_of_symptoms=10, surgical_candidate=False, not_improving=True
        ),
        AssessmentFacts(
            leg_dominant=True, weeks_of_symptoms=10, surgical_candidate=True, not_improving=False
        ),
    ],
    ids=["under-6-weeks", "back-dominant", "not-a-surgical-candidate", "improving"],
)
def test_no_spine_assessment_is_suggested_unless_every_condition_holds(facts):
    assert not {rules.RAC_LBP, rules.SPINE_SURGEON} & set(kinds(suggest(triage(risk="low"), facts)))


def test_inflammatory_screen_positive_suggests_rheumatology_via_the_family_physician():
    result = suggest(triage(risk="low", screen="refer_rheumatology"), AssessmentFacts())
    assert kinds(result) == [rules.RHEUMATOLOGY]
    assert "Refer via the family physician" in result[0].reasons


def test_three_inflammatory_features_suggest_asking_the_physician_for_hla_b27():
    result = suggest(triage(risk="low", screen="hla_b27_test"), AssessmentFacts())
    assert kinds(result) == [rules.FAMILY_PHYSICIAN]
    assert "HLA-B27" in result[0].reasons[1]


def test_high_risk_not_improving_at_six_weeks_suggests_the_pain_program():
    facts = AssessmentFacts(weeks_of_symptoms=8, not_improving=True, private_physio_coverage=True)
    result = suggest(triage(risk="high"), facts)
    assert rules.PAIN_PROGRAM in kinds(result)


def test_opioid_concerns_alone_suggest_the_pain_program():
    result = suggest(triage(risk="low"), AssessmentFacts(opioid_concerns=True))
    assert kinds(result) == [rules.PAIN_PROGRAM]
    assert result[0].reasons == ("Concerns about opioid use",)


def test_medium_risk_without_private_coverage_continues_in_the_team_as_unmet_need():
    result = suggest(triage(risk="medium"), AssessmentFacts(private_physio_coverage=False))
    assert kinds(result) == [CONTINUE_IN_TEAM]
    assert result[0].unmet_need and not result[0].referable


def test_medium_risk_with_private_coverage_suggests_community_physiotherapy():
    result = suggest(triage(risk="medium"), AssessmentFacts(private_physio_coverage=True))
    assert kinds(result) == [rules.COMMUNITY_PHYSIO]


def test_low_risk_without_other_findings_suggests_nothing():
    assert suggest(triage(risk="low"), AssessmentFacts()) == []


def test_triage_summary_applies_the_rac_rules_and_red_flag_tiers():
    summary = triage_summary(
        reference_date=TODAY,
        date_of_birth=date(1980, 1, 1),
        episode_start_date=date(2026, 5, 1),
        recurrent_episode=False,
        red_flags=[],
        risk="medium",
    )
    assert summary["eligibility"]["rac_lbp"] == {
        "eligible": False,
        "reasons": ["symptoms_less_than_6_weeks"],
    }
    urgent = triage_summary(
        reference_date=TODAY,
        date_of_birth=date(1980, 1, 1),
        episode_start_date=date(2026, 3, 1),
        recurrent_episode=False,
        red_flags=["history_of_cancer"],
        risk="medium",
    )
    assert urgent["red_flags"]["disposition"] == "urgent_physician_review"
    assert urgent["eligibility"]["rac_lbp"]["reasons"] == ["red_flags_present"]

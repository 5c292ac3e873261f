"""Every red flag by name, with its tier, written from docs/clinical-rules.md section 2.

The table is the rule book's, never read from triage/rules/: swapping two flags of
different tiers in the code must fail here. Each flag is judged through the triage_check contract (a
whole case in, the result dict out) and through the screens that offer the flags.
"""

import pytest

from tests.triage.test_rules import make_case
from tests.triage.test_rules_spec import RED_FLAG_TIERS
from triage import rules
from triage.forms import PhoneScreenForm

EMERGENCY = "emergency"
URGENT = "urgent_physician_review"
CONTEXTUAL = "contextual"

# The rule book's table (docs/clinical-rules.md section 2), written once in test_rules_spec.py.
SPEC_TIERS = {code: CONTEXTUAL if tier == "none" else tier for code, tier in RED_FLAG_TIERS.items()}
SPEC_EMERGENCY = {code for code, tier in SPEC_TIERS.items() if tier == EMERGENCY}


def case(red_flags, **overrides):
    """An adult, six months into a first episode, no claims, all STarT Back items answered (low)."""
    data = make_case(
        id="spec",
        episode_start_date="2026-01-05",
        red_flags=list(red_flags),
        start_back=["disagree"] * 8 + ["not_at_all"],
        **overrides,
    )
    return rules.evaluate(rules.parse_case(data)).to_dict()


@pytest.mark.parametrize(("code", "tier"), sorted(SPEC_TIERS.items()))
def test_each_flag_alone_gives_its_tiers_disposition_and_eligibility(code, tier):
    result = case([code])
    disposition = result["red_flags"]["disposition"]
    first_contact = result["eligibility"]["first_contact_physio"]
    rac = result["eligibility"]["rac_lbp"]
    if tier == EMERGENCY:
        assert disposition == "emergency"
        assert first_contact == {"eligible": False, "reasons": ["emergency_red_flags"]}
        assert "red_flags_present" in rac["reasons"]
        assert result["red_flags"]["contextual"] == []
    elif tier == URGENT:
        assert disposition == "urgent_physician_review"
        assert first_contact == {"eligible": True, "reasons": []}, "urgent is a hold, not a bar"
        assert "red_flags_present" in rac["reasons"]
    else:
        assert disposition == "none"
        assert result["red_flags"]["contextual"] == [code]
        assert first_contact == {"eligible": True, "reasons": []}
        assert "red_flags_present" not in rac["reasons"]


@pytest.mark.parametrize("emergency", sorted(SPEC_EMERGENCY))
@pytest.mark.parametrize(
    "other", sorted(code for code, tier in SPEC_TIERS.items() if tier != EMERGENCY)
)
def test_the_highest_tier_wins_whatever_else_is_ticked(emergency, other):
    assert case([other, emergency])["red_flags"]["disposition"] == "emergency"


@pytest.mark.parametrize("contextual", ["age_over_50_new_onset"])
@pytest.mark.parametrize("urgent", sorted(c for c, t in SPEC_TIERS.items() if t == URGENT))
def test_urgent_wins_over_contextual(urgent, contextual):
    result = case([contextual, urgent])
    assert result["red_flags"]["disposition"] == "urgent_physician_review"
    assert result["red_flags"]["contextual"] == [contextual]


def test_the_rules_know_exactly_the_flags_of_the_rule_book():
    for code in SPEC_TIERS:
        case([code])  # no input error for any listed flag
    with pytest.raises(rules.RulesInputError):
        case(["sore_back_generally"])


def test_the_phone_screen_reads_out_exactly_the_emergency_flags():
    offered = {value for value, _label in PhoneScreenForm().fields["emergency_symptoms"].choices}
    assert offered == SPEC_EMERGENCY


def test_no_flag_means_no_disposition():
    result = case([])
    assert result["red_flags"] == {"disposition": "none", "contextual": []}

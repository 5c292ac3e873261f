"""The triage rules of docs/clinical-rules.md, tested without Django or a database."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage import rules
from triage.rules import (
    AGREE_DISAGREE_ANSWERS,
    BOTHERSOME_ANSWERS,
    CONTEXTUAL_FLAGS,
    EMERGENCY_FLAGS,
    INFLAMMATORY_FEATURES,
    RAC_LBP_REASONS,
    REASON_LABELS,
    RED_FLAG_CODES,
    RED_FLAG_LABELS,
    RULE_VERSION,
    URGENT_FLAGS,
    CaseSetError,
    RulesInputError,
    add_months,
    age_in_years,
    classify_red_flags,
    evaluate,
    parse_case,
    parse_cases,
    score_start_back,
    start_back_risk,
)

EXAMPLES_PATH = Path(__file__).with_name("triage-examples.json")
EXAMPLES: list[dict[str, Any]] = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))

# Low risk, final: total 1 (item 1), psychosocial 0.
LOW_ANSWERS: list[str | None] = ["agree", *["disagree"] * 7, "not_at_all"]


def make_case(**overrides: Any) -> dict[str, Any]:
    """A valid JSON case: an adult, first episode of 4 months, nothing that excludes anyone."""
    case: dict[str, Any] = {
        "id": "t1",
        "reference_date": "2026-06-02",
        "date_of_birth": "1980-01-15",
        "pregnant": False,
        "delivery_date": None,
        "episode_start_date": "2026-02-02",
        "recurrent_episode": False,
        "claims": {"wsib": False, "motor_vehicle": False, "legal": False},
        "unmanaged_chronic_multisite_pain": False,
        "unmanaged_narcotic_dependency": False,
        "red_flags": [],
        "start_back": list(LOW_ANSWERS),
        "inflammatory_features": [],
        "age_at_lbp_onset": None,
    }
    case.update(overrides)
    return case


def result_for(**overrides: Any) -> dict[str, Any]:
    return evaluate(parse_case(make_case(**overrides))).to_dict()


def rac_reasons(**overrides: Any) -> list[str]:
    return result_for(**overrides)["eligibility"]["rac_lbp"]["reasons"]


def physio_reasons(**overrides: Any) -> list[str]:
    return result_for(**overrides)["eligibility"]["first_contact_physio"]["reasons"]


def answers(agreed: set[int], bothersome: str = "not_at_all") -> list[str | None]:
    """SBST answers agreeing with the given items (1-8) and answering item 9 as given."""
    items: list[str | None] = ["agree" if n in agreed else "disagree" for n in range(1, 9)]
    return [*items, bothersome]


# --- The worked examples ------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["case"]["id"] for e in EXAMPLES])
def test_worked_example_gives_the_expected_result(example: dict[str, Any]) -> None:
    result = evaluate(parse_case(example["case"])).to_dict()
    assert result.pop("rule_version") == RULE_VERSION
    assert result == example["expected"]


def test_there_are_ten_worked_examples() -> None:
    assert len(EXAMPLES) == 10


def test_result_has_exactly_the_section_7_keys() -> None:
    result = result_for()
    assert list(result) == [
        "id",
        "rule_version",
        "start_back",
        "red_flags",
        "eligibility",
        "matched_care",
        "inflammatory_screen",
    ]
    assert list(result["start_back"]) == [
        "status",
        "total",
        "psychosocial",
        "total_range",
        "psychosocial_range",
        "risk",
        "missing_items",
    ]
    assert list(result["red_flags"]) == ["disposition", "contextual"]
    assert list(result["eligibility"]) == ["first_contact_physio", "rac_lbp"]
    assert result["eligibility"]["rac_lbp"] == {"eligible": True, "reasons": []}
    assert json.loads(json.dumps(result)) == result


def test_rule_version_is_a_string_recorded_in_every_result() -> None:
    assert isinstance(RULE_VERSION, str)
    assert RULE_VERSION == "2026.11.1"
    assert result_for()["rule_version"] == RULE_VERSION


# --- STarT Back scoring ---------------------------------------------------------------------------


def test_start_back_constants_follow_keele_and_loinc() -> None:
    assert len(rules.START_BACK_ITEMS) == 9
    assert [item.number for item in rules.START_BACK_ITEMS] == list(range(1, 10))
    assert rules.SBST_ITEM_LOINC[0] == "91340-0"
    assert rules.SBST_ITEM_LOINC[-1] == "91348-3"
    assert rules.SBST_PANEL_LOINC == "91349-1"
    assert rules.SBST_PSYCHOSOCIAL_LOINC == "91350-9"
    assert rules.SBST_TOTAL_LOINC == "91351-7"
    assert rules.SBST_RISK_LOINC == "91352-5"
    assert rules.SBST_RISK_ANSWER_LOINC == {
        "high": "LA9193-9",
        "medium": "LA8982-6",
        "low": "LA9194-7",
    }
    assert rules.PSYCHOSOCIAL_ITEMS == (5, 6, 7, 8, 9)


@pytest.mark.parametrize(
    ("bothersome", "score"),
    [
        ("not_at_all", 0),
        ("slightly", 0),
        ("moderately", 0),
        ("very_much", 1),
        ("extremely", 1),
    ],
)
def test_only_very_much_and_extremely_bothersome_score(bothersome: str, score: int) -> None:
    result = score_start_back(answers(set(), bothersome))
    assert (result.total, result.psychosocial) == (score, score)


def test_psychosocial_subscale_is_items_5_to_9_not_the_apta_list() -> None:
    result = score_start_back(answers({1, 2, 3, 4}, "moderately"))
    assert (result.total, result.psychosocial) == (4, 0)
    result = score_start_back(answers({5, 6, 7, 8}, "extremely"))
    assert (result.total, result.psychosocial) == (5, 5)


def test_total_3_is_low_and_total_4_is_medium() -> None:
    low = score_start_back(answers({1, 2, 3}))
    medium = score_start_back(answers({1, 2, 3, 4}))
    assert (low.total, low.risk, low.status) == (3, "low", "final")
    assert (medium.total, medium.risk) == (4, "medium")


def test_subscale_3_is_medium_and_subscale_4_is_high() -> None:
    medium = score_start_back(answers({1, 2, 3, 5, 6, 7}))
    high = score_start_back(answers({1, 2, 3, 5, 6, 7}, "very_much"))
    assert (medium.psychosocial, medium.risk) == (3, "medium")
    assert (high.psychosocial, high.risk) == (4, "high")


def test_subscale_4_is_high_even_when_the_total_is_only_4() -> None:
    result = score_start_back(answers({5, 6, 7, 8}))
    assert (result.total, result.psychosocial, result.risk) == (4, 4, "high")


def test_complete_answers_are_final_with_point_ranges() -> None:
    result = score_start_back(answers({1, 5}))
    assert result.status == "final"
    assert result.total_range == (2, 2)
    assert result.psychosocial_range == (1, 1)
    assert result.missing_items == ()


def test_missing_item_that_cannot_change_the_risk_is_provisional() -> None:
    # Total 1..2 either way: low.
    result = score_start_back([None] + answers({2})[1:])
    assert result.status == "provisional"
    assert result.risk == "low"
    assert (result.total, result.psychosocial) == (None, None)
    assert result.total_range == (1, 2)
    assert result.missing_items == (1,)


def test_missing_item_that_could_change_the_risk_is_indeterminate() -> None:
    # Total 3 known, item 4 missing: 3 (low) or 4 (medium).
    result = score_start_back(answers({1, 2, 3})[:3] + [None] + answers(set())[4:])
    assert result.status == "indeterminate"
    assert result.risk == "indeterminate"
    assert result.total_range == (3, 4)
    assert result.missing_items == (4,)


def test_missing_psychosocial_item_between_medium_and_high_is_indeterminate() -> None:
    result = score_start_back(answers({1, 5, 6, 7})[:8] + [None])
    assert result.psychosocial_range == (3, 4)
    assert result.risk == "indeterminate"


def test_all_items_missing_give_full_ranges_and_indeterminate() -> None:
    result = score_start_back([None] * 9)
    assert result.total_range == (0, 9)
    assert result.psychosocial_range == (0, 5)
    assert result.missing_items == tuple(range(1, 10))
    assert result.status == "indeterminate"


def test_indeterminate_risk_asks_to_complete_start_back_before_matching_care() -> None:
    start_back = answers({1, 2, 3})
    start_back[3] = None
    result = result_for(start_back=start_back)
    assert result["start_back"]["risk"] == "indeterminate"
    assert result["start_back"]["missing_items"] == [4]
    assert result["matched_care"] == "complete_start_back"


@pytest.mark.parametrize(
    ("agreed", "bothersome", "care"),
    [
        (set(), "not_at_all", "single_session_advice"),
        ({1, 2, 3, 4}, "not_at_all", "physiotherapy_course"),
        ({5, 6, 7}, "extremely", "psychologically_informed_physiotherapy"),
    ],
)
def test_care_is_matched_to_the_risk_group(agreed: set[int], bothersome: str, care: str) -> None:
    assert result_for(start_back=answers(agreed, bothersome))["matched_care"] == care


def test_explanations_say_the_risk_in_plain_words() -> None:
    assert score_start_back(answers({1, 2, 3})).explanation == "Low risk: total 3 of 9"
    assert (
        score_start_back(answers({1, 2, 3, 5, 6})).explanation
        == "Medium risk: total 5 of 9, psychosocial subscale 2 of 5"
    )
    assert (
        score_start_back(answers({1, 5, 6, 7}, "very_much")).explanation
        == "High risk: psychosocial subscale 4 of 5 (items 5, 6, 7, 9)"
    )


def test_explanations_name_the_missing_items() -> None:
    provisional = score_start_back([None, None] + answers({5})[2:])
    assert provisional.explanation.startswith("Low risk: total 1 to 3 of 9")
    assert "items 1, 2 unanswered" in provisional.explanation
    indeterminate = score_start_back([None] * 9)
    assert indeterminate.explanation.startswith("Risk not known yet")
    assert "total 0 to 9 of 9" in indeterminate.explanation


@pytest.mark.parametrize(
    ("start_back", "field"),
    [
        (["agree"] * 8, "start_back"),
        (["agree"] * 10, "start_back"),
        (["yes"] + ["agree"] * 7 + ["slightly"], "start_back[0]"),
        (["very_much"] + ["agree"] * 7 + ["slightly"], "start_back[0]"),
        (["agree"] * 9, "start_back[8]"),
        (["agree"] * 8 + [1], "start_back[8]"),
        (["Agree"] + ["agree"] * 7 + ["slightly"], "start_back[0]"),
    ],
)
def test_start_back_answers_outside_the_vocabulary_are_rejected(
    start_back: list[Any], field: str
) -> None:
    with pytest.raises(RulesInputError) as raised:
        score_start_back(start_back)
    assert raised.value.field == field


# --- Red flags ------------------------------------------------------------------------------------


def test_red_flag_tiers_hold_every_code_of_section_2_once() -> None:
    assert len(EMERGENCY_FLAGS) == 8
    assert len(URGENT_FLAGS) == 10
    assert CONTEXTUAL_FLAGS == ("age_over_50_new_onset",)
    assert len(set(RED_FLAG_CODES)) == len(RED_FLAG_CODES) == 19
    assert set(RED_FLAG_LABELS) == set(RED_FLAG_CODES)
    assert all(label.strip() for label in RED_FLAG_LABELS.values())


def test_no_red_flags_means_no_disposition() -> None:
    result = classify_red_flags([])
    assert result.disposition == "none"
    assert (result.emergency, result.urgent, result.contextual) == ((), (), ())


@pytest.mark.parametrize("code", EMERGENCY_FLAGS)
def test_every_emergency_flag_sends_to_emergency(code: str) -> None:
    result = classify_red_flags([code])
    assert result.disposition == "emergency"
    assert result.emergency == (code,)


@pytest.mark.parametrize("code", URGENT_FLAGS)
def test_every_urgent_flag_asks_for_physician_review(code: str) -> None:
    result = classify_red_flags([code])
    assert result.disposition == "urgent_physician_review"
    assert result.urgent == (code,)


def test_highest_tier_wins_and_every_tier_is_listed() -> None:
    result = classify_red_flags(
        ["age_over_50_new_onset", "history_of_cancer", "significant_trauma", "history_of_cancer"]
    )
    assert result.disposition == "emergency"
    assert result.emergency == ("significant_trauma",)
    assert result.urgent == ("history_of_cancer",)
    assert result.contextual == ("age_over_50_new_onset",)


def test_contextual_flag_alone_changes_nothing_but_is_reported() -> None:
    result = result_for(red_flags=["age_over_50_new_onset"])
    assert result["red_flags"] == {"disposition": "none", "contextual": ["age_over_50_new_onset"]}
    assert result["eligibility"]["first_contact_physio"]["eligible"] is True
    assert result["eligibility"]["rac_lbp"]["eligible"] is True


def test_unknown_red_flag_code_is_an_input_error_naming_the_code() -> None:
    with pytest.raises(RulesInputError) as raised:
        classify_red_flags(["history_of_cancer", "back_ache"])
    assert isinstance(raised.value, ValueError)
    assert raised.value.field == "red_flags[1]"
    assert "back_ache" in str(raised.value)


def test_unknown_red_flag_in_a_case_names_the_case_and_field() -> None:
    with pytest.raises(RulesInputError) as raised:
        parse_case(make_case(id="RF9", red_flags=["cauda_equina"]))
    assert raised.value.case_id == "RF9"
    assert "RF9" in str(raised.value)
    assert "red_flags[0]" in str(raised.value)
    assert "cauda_equina" in str(raised.value)


# --- Eligibility ----------------------------------------------------------------------------------


def test_reason_labels_explain_every_reason() -> None:
    assert set(REASON_LABELS) == set(RAC_LBP_REASONS) | {"emergency_red_flags"}


def test_urgent_flag_keeps_first_contact_physio_but_not_rac_lbp() -> None:
    result = result_for(red_flags=["unexplained_weight_loss"])
    assert result["red_flags"]["disposition"] == "urgent_physician_review"
    assert result["eligibility"]["first_contact_physio"] == {"eligible": True, "reasons": []}
    assert result["eligibility"]["rac_lbp"] == {
        "eligible": False,
        "reasons": ["red_flags_present"],
    }


def test_emergency_flag_excludes_from_both_programs() -> None:
    result = result_for(red_flags=["ces_saddle_or_perineal_anaesthesia"])
    assert result["eligibility"]["first_contact_physio"]["reasons"] == ["emergency_red_flags"]
    assert result["eligibility"]["rac_lbp"]["reasons"] == ["red_flags_present"]


def test_day_before_18th_birthday_is_under_18_for_both_programs() -> None:
    assert physio_reasons(date_of_birth="2008-06-03") == ["age_under_18"]
    assert rac_reasons(date_of_birth="2008-06-03") == ["age_under_18"]


def test_on_18th_birthday_the_patient_is_an_adult() -> None:
    assert physio_reasons(date_of_birth="2008-06-02") == []
    assert rac_reasons(date_of_birth="2008-06-02") == []


def test_feb_29_birthday_completes_a_year_on_feb_28_of_a_common_year() -> None:
    # Years are 12 calendar months clamped to month end, like every other month count.
    assert age_in_years(date(2008, 2, 29), date(2026, 2, 27)) == 17
    assert age_in_years(date(2008, 2, 29), date(2026, 2, 28)) == 18
    assert age_in_years(date(2008, 2, 29), date(2028, 2, 28)) == 19
    assert age_in_years(date(2008, 2, 29), date(2028, 2, 29)) == 20
    assert physio_reasons(date_of_birth="2008-02-29", reference_date="2026-02-27") == [
        "age_under_18"
    ]
    assert physio_reasons(date_of_birth="2008-02-29", reference_date="2026-02-28") == []


def test_age_counts_completed_years() -> None:
    assert age_in_years(date(1980, 6, 15), date(2026, 6, 14)) == 45
    assert age_in_years(date(1980, 6, 15), date(2026, 6, 15)) == 46
    assert age_in_years(date(2026, 6, 2), date(2026, 6, 2)) == 0


def test_first_episode_of_41_days_is_too_early_for_rac_lbp() -> None:
    # 2026-06-02 minus 41 days is 2026-04-22.
    assert rac_reasons(episode_start_date="2026-04-22") == ["symptoms_less_than_6_weeks"]


def test_first_episode_of_42_days_is_eligible_for_rac_lbp() -> None:
    assert rac_reasons(episode_start_date="2026-04-21") == []


def test_first_episode_starting_on_the_reference_date_is_too_early() -> None:
    assert rac_reasons(episode_start_date="2026-06-02") == ["symptoms_less_than_6_weeks"]


def test_recurrence_has_no_6_week_minimum() -> None:
    assert rac_reasons(episode_start_date="2026-05-30", recurrent_episode=True) == []


def test_first_episode_of_exactly_12_months_is_still_eligible() -> None:
    assert rac_reasons(episode_start_date="2025-06-02") == []


def test_first_episode_of_12_months_and_a_day_is_too_long() -> None:
    assert rac_reasons(episode_start_date="2025-06-01") == ["constant_symptoms_more_than_12_months"]


def test_recurrence_of_a_day_under_12_months_is_eligible() -> None:
    assert rac_reasons(episode_start_date="2025-06-03", recurrent_episode=True) == []


def test_recurrence_of_exactly_12_months_is_not_eligible() -> None:
    assert rac_reasons(episode_start_date="2025-06-02", recurrent_episode=True) == [
        "recurrence_12_months_or_more"
    ]


def test_recurrence_of_12_months_and_a_day_is_not_eligible() -> None:
    assert rac_reasons(episode_start_date="2025-06-01", recurrent_episode=True) == [
        "recurrence_12_months_or_more"
    ]


def test_12_calendar_months_from_feb_29_end_on_feb_28() -> None:
    assert rac_reasons(reference_date="2026-02-28", episode_start_date="2025-02-28") == []
    assert rac_reasons(
        reference_date="2025-02-28", episode_start_date="2024-02-29", recurrent_episode=True
    ) == ["recurrence_12_months_or_more"]
    assert (
        rac_reasons(
            reference_date="2025-02-27",
            episode_start_date="2024-02-29",
            recurrent_episode=True,
        )
        == []
    )


def test_day_before_first_postpartum_anniversary_is_postpartum() -> None:
    assert rac_reasons(delivery_date="2025-06-03") == ["postpartum_less_than_1_year"]


def test_on_first_postpartum_anniversary_the_patient_is_eligible() -> None:
    assert rac_reasons(delivery_date="2025-06-02") == []


def test_postpartum_year_from_feb_29_ends_on_feb_28() -> None:
    def reasons(reference_date: str) -> list[str]:
        return rac_reasons(
            reference_date=reference_date,
            episode_start_date="2024-12-01",
            delivery_date="2024-02-29",
        )

    assert reasons("2025-02-27") == ["postpartum_less_than_1_year"]
    assert reasons("2025-02-28") == []


def test_pregnancy_excludes_from_rac_lbp_but_not_first_contact_physio() -> None:
    assert rac_reasons(pregnant=True) == ["pregnant"]
    assert physio_reasons(pregnant=True) == []


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        ("wsib", "active_wsib_claim"),
        ("motor_vehicle", "active_motor_vehicle_claim"),
        ("legal", "active_legal_claim"),
    ],
)
def test_each_active_claim_excludes_from_rac_lbp(claim: str, reason: str) -> None:
    claims = {"wsib": False, "motor_vehicle": False, "legal": False, claim: True}
    assert rac_reasons(claims=claims) == [reason]
    assert physio_reasons(claims=claims) == []


def test_every_rac_lbp_reason_is_listed_in_section_3_order() -> None:
    reasons = rac_reasons(
        date_of_birth="2010-01-01",
        episode_start_date="2026-05-30",
        claims={"wsib": True, "motor_vehicle": True, "legal": True},
        pregnant=True,
        delivery_date="2026-01-10",
        unmanaged_chronic_multisite_pain=True,
        unmanaged_narcotic_dependency=True,
        red_flags=["history_of_cancer"],
    )
    assert reasons == [
        "age_under_18",
        "symptoms_less_than_6_weeks",
        "active_wsib_claim",
        "active_motor_vehicle_claim",
        "active_legal_claim",
        "pregnant",
        "postpartum_less_than_1_year",
        "unmanaged_chronic_multisite_pain",
        "unmanaged_narcotic_dependency",
        "red_flags_present",
    ]


def test_long_first_episode_reasons_keep_section_3_order() -> None:
    assert rac_reasons(
        date_of_birth="2010-01-01",
        episode_start_date="2024-01-01",
        unmanaged_narcotic_dependency=True,
    ) == ["age_under_18", "constant_symptoms_more_than_12_months", "unmanaged_narcotic_dependency"]


def test_first_contact_physio_lists_both_reasons_in_order() -> None:
    assert physio_reasons(date_of_birth="2010-01-01", red_flags=["significant_trauma"]) == [
        "age_under_18",
        "emergency_red_flags",
    ]


# --- Calendar months ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 8, 31), 3, date(2025, 11, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 11, 15), 3, date(2026, 2, 15)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 6, 2), 0, date(2025, 6, 2)),
    ],
)
def test_add_months_keeps_the_day_clamped_to_month_end(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


# --- Inflammatory back pain screen ----------------------------------------------------------------

FOUR_FEATURES = list(INFLAMMATORY_FEATURES[:4])


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "negative"),
        (2, "negative"),
        (3, "hla_b27_test"),
        (4, "refer_rheumatology"),
        (9, "refer_rheumatology"),
    ],
)
def test_inflammatory_screen_counts_features(count: int, expected: str) -> None:
    result = result_for(
        age_at_lbp_onset=30, inflammatory_features=list(INFLAMMATORY_FEATURES[:count])
    )
    assert result["inflammatory_screen"] == expected


def test_repeated_inflammatory_feature_counts_once() -> None:
    features = ["buttock_pain", "buttock_pain", "onset_before_35", "onset_before_35"]
    result = result_for(age_at_lbp_onset=30, inflammatory_features=features)
    assert result["inflammatory_screen"] == "negative"


def test_inflammatory_screen_applies_to_onset_at_44_not_45() -> None:
    assert (
        result_for(age_at_lbp_onset=44, inflammatory_features=FOUR_FEATURES)["inflammatory_screen"]
        == "refer_rheumatology"
    )
    assert (
        result_for(age_at_lbp_onset=45, inflammatory_features=FOUR_FEATURES)["inflammatory_screen"]
        is None
    )


def test_inflammatory_screen_needs_the_onset_age() -> None:
    assert result_for(inflammatory_features=FOUR_FEATURES)["inflammatory_screen"] is None
    case = make_case(inflammatory_features=FOUR_FEATURES)
    del case["age_at_lbp_onset"]
    assert evaluate(parse_case(case)).inflammatory_screen is None


def test_inflammatory_screen_applies_only_after_more_than_3_months() -> None:
    # Episode 2025-11-30 + 3 months = 2026-02-28 (clamped).
    def screen(reference_date: str) -> str | None:
        return result_for(
            reference_date=reference_date,
            episode_start_date="2025-11-30",
            age_at_lbp_onset=30,
            inflammatory_features=FOUR_FEATURES,
        )["inflammatory_screen"]

    assert screen("2026-02-28") is None
    assert screen("2026-03-01") == "refer_rheumatology"


def test_inflammatory_screen_never_changes_eligibility() -> None:
    result = result_for(age_at_lbp_onset=20, inflammatory_features=list(INFLAMMATORY_FEATURES))
    assert result["inflammatory_screen"] == "refer_rheumatology"
    assert result["eligibility"]["rac_lbp"] == {"eligible": True, "reasons": []}


def test_inflammatory_features_optional_in_a_case() -> None:
    case = make_case(age_at_lbp_onset=30)
    del case["inflammatory_features"]
    assert evaluate(parse_case(case)).inflammatory_screen == "negative"


# --- Malformed cases ------------------------------------------------------------------------------


def _rejected(case: object) -> RulesInputError:
    with pytest.raises(RulesInputError) as raised:
        parse_case(case)
    return raised.value


def _without(field: str) -> dict[str, Any]:
    case = make_case(id="M1")
    del case[field]
    return case


@pytest.mark.parametrize(
    ("case", "field"),
    [
        (_without("reference_date"), "reference_date"),
        (_without("delivery_date"), "delivery_date"),
        (_without("start_back"), "start_back"),
        (_without("claims"), "claims"),
        (make_case(id="M1", reference_date="2026-6-2"), "reference_date"),
        (make_case(id="M1", reference_date="02/06/2026"), "reference_date"),
        (make_case(id="M1", reference_date="20260602"), "reference_date"),
        (make_case(id="M1", date_of_birth="2025-02-29"), "date_of_birth"),
        (make_case(id="M1", date_of_birth=None), "date_of_birth"),
        (make_case(id="M1", episode_start_date=20260302), "episode_start_date"),
        (make_case(id="M1", delivery_date="yesterday"), "delivery_date"),
        (make_case(id="M1", pregnant="false"), "pregnant"),
        (make_case(id="M1", pregnant=0), "pregnant"),
        (make_case(id="M1", recurrent_episode=None), "recurrent_episode"),
        (
            make_case(id="M1", unmanaged_chronic_multisite_pain=1),
            "unmanaged_chronic_multisite_pain",
        ),
        (make_case(id="M1", unmanaged_narcotic_dependency="no"), "unmanaged_narcotic_dependency"),
        (make_case(id="M1", claims=[]), "claims"),
        (make_case(id="M1", claims={"wsib": False, "motor_vehicle": False}), "claims.legal"),
        (
            make_case(
                id="M1", claims={"wsib": False, "motor_vehicle": False, "legal": False, "ltd": 1}
            ),
            "claims.ltd",
        ),
        (
            make_case(id="M1", claims={"wsib": "no", "motor_vehicle": False, "legal": False}),
            "claims.wsib",
        ),
        (make_case(id="M1", red_flags="history_of_cancer"), "red_flags"),
        (make_case(id="M1", red_flags=[None]), "red_flags[0]"),
        (make_case(id="M1", start_back=["agree"] * 8), "start_back"),
        (make_case(id="M1", start_back=None), "start_back"),
        (make_case(id="M1", start_back=["agree"] * 8 + ["agree"]), "start_back[8]"),
        (make_case(id="M1", start_back=["extremely"] * 9), "start_back[0]"),
        (make_case(id="M1", inflammatory_features=["back_stiffness"]), "inflammatory_features[0]"),
        (make_case(id="M1", inflammatory_features="buttock_pain"), "inflammatory_features"),
        (make_case(id="M1", age_at_lbp_onset="30"), "age_at_lbp_onset"),
        (make_case(id="M1", age_at_lbp_onset=30.5), "age_at_lbp_onset"),
        (make_case(id="M1", age_at_lbp_onset=True), "age_at_lbp_onset"),
        (make_case(id="M1", age_at_lbp_onset=-1), "age_at_lbp_onset"),
        (make_case(id="M1", age_at_onset=30), "age_at_onset"),
        (make_case(id="M1", date_of_birth="2026-06-03"), "date_of_birth"),
        (make_case(id="M1", episode_start_date="2026-06-03"), "episode_start_date"),
        (make_case(id="M1", delivery_date="2026-07-01"), "delivery_date"),
    ],
)
def test_malformed_case_is_rejected_naming_the_case_and_field(
    case: dict[str, Any], field: str
) -> None:
    error = _rejected(case)
    assert error.case_id == "M1"
    assert error.field == field
    assert str(error).startswith(f"case 'M1': field '{field}': ")


@pytest.mark.parametrize("bad_id", [None, "", 7, ["M1"]])
def test_case_without_a_usable_id_is_named_by_its_position(bad_id: object) -> None:
    case = make_case(id=bad_id)
    with pytest.raises(RulesInputError) as raised:
        parse_case(case, index=3)
    assert raised.value.field == "id"
    assert "case at index 3" in str(raised.value)


def test_worked_example_wrapper_is_not_a_case() -> None:
    with pytest.raises(RulesInputError) as raised:
        parse_case(EXAMPLES[0], index=0)
    assert raised.value.field == "id"
    assert "worked example" in str(raised.value)


def test_case_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(RulesInputError) as raised:
        parse_case(["not", "a", "case"], index=0)
    assert "index 0" in str(raised.value)


def test_case_set_must_be_an_array() -> None:
    with pytest.raises(RulesInputError) as raised:
        parse_cases({"id": "c1"})
    assert "array" in str(raised.value)


def test_case_set_error_names_every_malformed_case() -> None:
    with pytest.raises(CaseSetError) as raised:
        parse_cases(
            [make_case(id="ok"), make_case(id="B1", pregnant=None), make_case(id="B2", claims={})]
        )
    fields = [(error.case_id, error.field) for error in raised.value.errors]
    assert fields == [("B1", "pregnant"), ("B2", "claims.wsib")]
    message = str(raised.value)
    assert "case 'B1': field 'pregnant'" in message
    assert "case 'B2': field 'claims.wsib'" in message


def test_case_set_keeps_input_order() -> None:
    cases = parse_cases([make_case(id="b"), make_case(id="a")])
    assert [case.id for case in cases] == ["b", "a"]


# --- Properties -----------------------------------------------------------------------------------

AGREEMENT = st.sampled_from(AGREE_DISAGREE_ANSWERS)
BOTHER = st.sampled_from(BOTHERSOME_ANSWERS)
COMPLETE_ANSWERS = st.tuples(*[AGREEMENT] * 8, BOTHER).map(list)
PARTIAL_ANSWERS = st.tuples(*[st.none() | AGREEMENT] * 8, st.none() | BOTHER).map(list)


def _oracle_scores(answers: list[str]) -> tuple[int, int]:
    """Keele scoring written out a second, independent way."""
    item_scores = [a == "agree" for a in answers[:8]] + [answers[8] in ("very_much", "extremely")]
    return sum(item_scores), sum(item_scores[4:])


def _completions(answers: list[str | None]) -> list[list[str]]:
    options = [
        [a] if a is not None else list(AGREE_DISAGREE_ANSWERS if i < 8 else BOTHERSOME_ANSWERS)
        for i, a in enumerate(answers)
    ]
    return [list(c) for c in itertools.product(*options)]


@given(COMPLETE_ANSWERS)
def test_complete_answers_score_as_keele_and_are_high_iff_subscale_at_least_4(
    answers: list[str],
) -> None:
    result = score_start_back(answers)
    total, psychosocial = _oracle_scores(answers)
    assert (result.status, result.total, result.psychosocial) == ("final", total, psychosocial)
    assert result.total_range == (total, total)
    assert (result.risk == "high") == (psychosocial >= 4)
    assert (result.risk == "low") == (total <= 3 and psychosocial < 4)


@given(COMPLETE_ANSWERS, st.integers(min_value=0, max_value=7))
def test_flipping_one_of_items_1_to_8_changes_the_total_by_exactly_one(
    answers: list[str], index: int
) -> None:
    flipped = list(answers)
    flipped[index] = "disagree" if answers[index] == "agree" else "agree"
    before = score_start_back(answers).total
    after = score_start_back(flipped).total
    assert before is not None and after is not None
    assert abs(after - before) == 1


@given(PARTIAL_ANSWERS)
def test_ranges_contain_every_completion_and_are_reached(answers: list[str | None]) -> None:
    result = score_start_back(answers)
    scores = [_oracle_scores(completion) for completion in _completions(answers)]
    totals = [total for total, _ in scores]
    psychosocials = [psychosocial for _, psychosocial in scores]
    assert result.total_range == (min(totals), max(totals))
    assert result.psychosocial_range == (min(psychosocials), max(psychosocials))
    assert result.missing_items == tuple(i + 1 for i, a in enumerate(answers) if a is None)


@given(PARTIAL_ANSWERS)
def test_a_known_risk_is_the_risk_of_every_completion(answers: list[str | None]) -> None:
    result = score_start_back(answers)
    risks = {start_back_risk(*_oracle_scores(c)) for c in _completions(answers)}
    if result.risk == "indeterminate":
        assert result.status == "indeterminate"
        assert len(risks) > 1
    else:
        assert risks == {result.risk}
        assert result.status == ("final" if None not in answers else "provisional")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)), st.integers(-240, 240))
def test_add_months_moves_whole_calendar_months(start: date, months: int) -> None:
    moved = add_months(start, months)
    assert (moved.year * 12 + moved.month) - (start.year * 12 + start.month) == months
    assert moved.day == start.day or (moved.day < start.day and (moved + timedelta(1)).day == 1)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2050, 1, 1)), st.integers(0, 100))
def test_age_turns_over_exactly_on_the_birthday(date_of_birth: date, years: int) -> None:
    birthday = add_months(date_of_birth, 12 * years)
    assert age_in_years(date_of_birth, birthday) == years
    if years:
        assert age_in_years(date_of_birth, birthday - timedelta(days=1)) == years - 1


@st.composite
def valid_cases(draw: st.DrawFn) -> dict[str, Any]:
    reference = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
    before = st.integers(min_value=0, max_value=800).map(lambda d: reference - timedelta(days=d))
    return make_case(
        reference_date=reference.isoformat(),
        date_of_birth=(reference - timedelta(days=draw(st.integers(0, 36500)))).isoformat(),
        pregnant=draw(st.booleans()),
        delivery_date=draw(st.none() | before.map(date.isoformat)),
        episode_start_date=draw(before).isoformat(),
        recurrent_episode=draw(st.booleans()),
        claims={key: draw(st.booleans()) for key in ("wsib", "motor_vehicle", "legal")},
        unmanaged_chronic_multisite_pain=draw(st.booleans()),
        unmanaged_narcotic_dependency=draw(st.booleans()),
        red_flags=draw(st.lists(st.sampled_from(RED_FLAG_CODES), max_size=4)),
        start_back=draw(PARTIAL_ANSWERS),
        inflammatory_features=draw(st.lists(st.sampled_from(INFLAMMATORY_FEATURES), max_size=9)),
        age_at_lbp_onset=draw(st.none() | st.integers(0, 90)),
    )


@given(valid_cases())
def test_every_valid_case_gets_consistent_reasons_in_section_3_order(
    case: dict[str, Any],
) -> None:
    result = evaluate(parse_case(case)).to_dict()
    for program, order in (
        ("first_contact_physio", rules.FIRST_CONTACT_PHYSIO_REASONS),
        ("rac_lbp", RAC_LBP_REASONS),
    ):
        eligibility = result["eligibility"][program]
        assert eligibility["eligible"] == (not eligibility["reasons"])
        assert eligibility["reasons"] == [r for r in order if r in eligibility["reasons"]]
    red_flags = set(case["red_flags"])
    has_serious_flag = bool(red_flags & set(EMERGENCY_FLAGS + URGENT_FLAGS))
    assert ("red_flags_present" in result["eligibility"]["rac_lbp"]["reasons"]) == has_serious_flag
    assert (result["red_flags"]["disposition"] == "emergency") == bool(
        red_flags & set(EMERGENCY_FLAGS)
    )
    assert result["matched_care"] == rules.MATCHED_CARE[result["start_back"]["risk"]]

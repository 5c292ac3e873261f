"""docs/clinical-rules.md sections 1-4 and 7, written out as tables in this file (issue 22).

Every expected value here is copied from the rule book, never read from triage.rules' own tables, so a
changed code, tier, score or reason order in the module fails a test. The error-message table at the
end is the `triage_check` contract of section 7 (malformed input names the case and the field).
Pure: no database, no Django (these tests run under `make mutation`).
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest

from tests.triage.test_rules import make_case
from triage import rules
from triage.rules import (
    CaseSetError,
    Claims,
    RedFlagResult,
    RulesInputError,
    TriageCase,
    classify_red_flags,
    evaluate,
    first_contact_physio_eligibility,
    parse_case,
    parse_cases,
    rac_lbp_eligibility,
    score_start_back,
)

# --- Section 1: SBST item scoring ----------------------------------------------------------------

# item -> {answer: score}, from the section 1 table ("scores 1 when the answer is ...").
SBST_ITEM_SCORING: dict[int, dict[str, int]] = {
    **{item: {"agree": 1, "disagree": 0} for item in range(1, 9)},
    9: {"not_at_all": 0, "slightly": 0, "moderately": 0, "very_much": 1, "extremely": 1},
}
SBST_PSYCHOSOCIAL_ITEMS = {5, 6, 7, 8, 9}
ITEM_ZERO = {**{item: "disagree" for item in range(1, 9)}, 9: "not_at_all"}


def _answers(**by_item: str) -> list[str | None]:
    return [by_item.get(f"i{n}", ITEM_ZERO[n]) for n in range(1, 10)]


@pytest.mark.parametrize(
    ("item", "answer", "score"),
    [(i, a, s) for i, scoring in SBST_ITEM_SCORING.items() for a, s in scoring.items()],
)
def test_each_sbst_item_answer_scores_as_the_rule_book_says(item, answer, score) -> None:
    result = score_start_back(_answers(**{f"i{item}": answer}))
    assert result.status == "final"
    assert result.total == score
    assert result.psychosocial == (score if item in SBST_PSYCHOSOCIAL_ITEMS else 0)
    assert result.scored_items == ((item,) if score else ())


@pytest.mark.parametrize("item", range(1, 10))
@pytest.mark.parametrize("wrong", ["yes", "Agree", "", "very much", 1, True], ids=lambda v: repr(v))
def test_answers_outside_an_items_vocabulary_are_refused(item, wrong) -> None:
    # Item 9 refuses agree/disagree; items 1-8 refuse the bothersomeness answers.
    for answer in [wrong, *(a for i, s in SBST_ITEM_SCORING.items() if i != item for a in s)]:
        if answer in SBST_ITEM_SCORING[item]:
            continue
        with pytest.raises(RulesInputError) as raised:
            score_start_back(_answers(**{f"i{item}": answer}))
        assert raised.value.field == f"start_back[{item - 1}]"


def _risk(total: int, psychosocial: int) -> str:
    """Section 1: subscale 4+ high; else total 3 or less low; else medium."""
    if psychosocial >= 4:
        return "high"
    return "low" if total <= 3 else "medium"


MATCHED_CARE = {
    "low": "single_session_advice",
    "medium": "physiotherapy_course",
    "high": "psychologically_informed_physiotherapy",
    "indeterminate": "complete_start_back",
}


@pytest.mark.parametrize(
    "agreed", [set(c) for n in range(10) for c in itertools.combinations(range(1, 10), n)][::7]
)
def test_total_subscale_risk_and_matched_care_of_complete_answers(agreed) -> None:
    answers = _answers(**{f"i{n}": ("extremely" if n == 9 else "agree") for n in agreed})
    result = score_start_back(answers)
    total = len(agreed)
    psychosocial = len(agreed & SBST_PSYCHOSOCIAL_ITEMS)
    assert (result.total, result.psychosocial) == (total, psychosocial)
    assert result.total_range == (total, total)
    assert result.risk == _risk(total, psychosocial)
    assert rules.matched_care(result.risk) == MATCHED_CARE[result.risk]


def test_high_risk_explanation_names_the_psychosocial_items_that_scored() -> None:
    result = score_start_back(_answers(i5="agree", i6="agree", i7="agree", i9="very_much"))
    assert result.risk == "high"
    assert result.explanation == "High risk: psychosocial subscale 4 of 5 (items 5, 6, 7, 9)"


def test_one_missing_item_is_named_in_the_singular() -> None:
    answers = _answers()
    answers[2] = None
    result = score_start_back(answers)
    assert result.status == "provisional"
    assert result.explanation == (
        "Low risk: total 0 to 1 of 9 (provisional: item 3 unanswered, any answer gives the same risk)"
    )


def test_provisional_high_risk_explanation_names_the_psychosocial_items_that_scored() -> None:
    answers = _answers(i5="agree", i6="agree", i7="agree", i8="agree")
    answers[0] = None
    result = score_start_back(answers)
    assert (result.status, result.risk, result.scored_items) == (
        "provisional",
        "high",
        (5, 6, 7, 8),
    )
    assert result.explanation == (
        "High risk: psychosocial subscale 4 of 5 (items 5, 6, 7, 8) "
        "(provisional: item 1 unanswered, any answer gives the same risk)"
    )


def test_start_back_that_is_not_a_list_is_refused() -> None:
    for not_a_list in ("agree" * 9, {"agree"}, iter(["agree"] * 9)):
        with pytest.raises(RulesInputError) as raised:
            score_start_back(not_a_list)  # type: ignore[arg-type]
        assert str(raised.value) == "input: field 'start_back': must be a list of 9 answers"


# --- Section 2: red flags ------------------------------------------------------------------------

RED_FLAG_TIERS: dict[str, str] = {
    "ces_urinary_retention_or_overflow_incontinence": "emergency",
    "ces_faecal_incontinence_or_loss_of_anal_tone": "emergency",
    "ces_saddle_or_perineal_anaesthesia": "emergency",
    "ces_new_bilateral_radicular_symptoms": "emergency",
    "progressive_neurological_deficit": "emergency",
    "suspected_cord_compression": "emergency",
    "significant_trauma": "emergency",
    "suspected_spinal_infection": "emergency",
    "history_of_cancer": "urgent_physician_review",
    "unexplained_weight_loss": "urgent_physician_review",
    "fever_or_systemically_unwell": "urgent_physician_review",
    "iv_drug_use": "urgent_physician_review",
    "immunosuppression": "urgent_physician_review",
    "prolonged_corticosteroid_use": "urgent_physician_review",
    "osteoporosis_fragility_fracture_risk": "urgent_physician_review",
    "major_motor_weakness_stable": "urgent_physician_review",
    "unrelenting_night_or_rest_pain": "urgent_physician_review",
    "raised_inflammatory_markers": "urgent_physician_review",
    "age_over_50_new_onset": "none",  # contextual: recorded and shown only
}
TIER_RANK = {"none": 0, "urgent_physician_review": 1, "emergency": 2}


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(RED_FLAG_TIERS, 2)))
def test_every_pair_of_red_flags_takes_the_highest_tier(first, second) -> None:
    result = classify_red_flags([second, first])
    expected = max(RED_FLAG_TIERS[first], RED_FLAG_TIERS[second], key=TIER_RANK.__getitem__)
    assert result.disposition == expected
    assert result.any_emergency_or_urgent is (expected != "none")


def test_red_flags_given_as_a_string_are_refused() -> None:
    with pytest.raises(RulesInputError) as raised:
        classify_red_flags("history_of_cancer")
    assert str(raised.value) == "input: field 'red_flags': must be a list of red-flag codes"


# --- Section 3: eligibility ----------------------------------------------------------------------

FIRST_CONTACT_PHYSIO_REASONS = ["age_under_18", "emergency_red_flags"]
RAC_LBP_REASONS = [
    "age_under_18",
    "symptoms_less_than_6_weeks",
    "constant_symptoms_more_than_12_months",
    "recurrence_12_months_or_more",
    "active_wsib_claim",
    "active_motor_vehicle_claim",
    "active_legal_claim",
    "pregnant",
    "postpartum_less_than_1_year",
    "unmanaged_chronic_multisite_pain",
    "unmanaged_narcotic_dependency",
    "red_flags_present",
]
REFERENCE = date(2026, 6, 2)
ADULT = date(1980, 1, 15)
CHILD = date(2010, 1, 15)


def _rac(**overrides: Any) -> tuple[str, ...]:
    kwargs: dict[str, Any] = {
        "reference_date": REFERENCE,
        "date_of_birth": ADULT,
        "episode_start_date": date(2026, 2, 2),
        "recurrent_episode": False,
        "claims": Claims(),
        "pregnant": False,
        "delivery_date": None,
        "unmanaged_chronic_multisite_pain": False,
        "unmanaged_narcotic_dependency": False,
        "red_flags": RedFlagResult("none"),
    } | overrides
    result = rac_lbp_eligibility(**kwargs)
    assert result.program == "rac_lbp"
    assert result.eligible is (not result.reasons)
    return result.reasons


# One way to meet each RAC-LBP exclusion of section 3, alone.
RAC_TRIGGERS: dict[str, dict[str, Any]] = {
    "age_under_18": {"date_of_birth": CHILD},
    "symptoms_less_than_6_weeks": {"episode_start_date": date(2026, 4, 22)},  # 41 days
    "constant_symptoms_more_than_12_months": {"episode_start_date": date(2025, 6, 1)},
    "recurrence_12_months_or_more": {
        "recurrent_episode": True,
        "episode_start_date": date(2025, 6, 2),
    },
    "active_wsib_claim": {"claims": Claims(wsib=True)},
    "active_motor_vehicle_claim": {"claims": Claims(motor_vehicle=True)},
    "active_legal_claim": {"claims": Claims(legal=True)},
    "pregnant": {"pregnant": True},
    "postpartum_less_than_1_year": {"delivery_date": date(2025, 6, 3)},
    "unmanaged_chronic_multisite_pain": {"unmanaged_chronic_multisite_pain": True},
    "unmanaged_narcotic_dependency": {"unmanaged_narcotic_dependency": True},
    "red_flags_present": {"red_flags": classify_red_flags(["history_of_cancer"])},
}


@pytest.mark.parametrize("reason", RAC_LBP_REASONS)
def test_each_rac_lbp_reason_alone(reason) -> None:
    assert _rac(**RAC_TRIGGERS[reason]) == (reason,)


# Pairs that cannot both apply: a first episode cannot be a recurrence, nor both too short and too long.
EXCLUSIVE = [
    {"symptoms_less_than_6_weeks", "constant_symptoms_more_than_12_months"},
    {"symptoms_less_than_6_weeks", "recurrence_12_months_or_more"},
    {"constant_symptoms_more_than_12_months", "recurrence_12_months_or_more"},
]
RAC_PAIRS = [p for p in itertools.combinations(RAC_LBP_REASONS, 2) if set(p) not in EXCLUSIVE]


@pytest.mark.parametrize(("first", "second"), RAC_PAIRS)
def test_every_pair_of_rac_lbp_reasons_is_listed_in_section_3_order(first, second) -> None:
    claims = Claims(
        wsib="active_wsib_claim" in (first, second),
        motor_vehicle="active_motor_vehicle_claim" in (first, second),
        legal="active_legal_claim" in (first, second),
    )
    overrides = RAC_TRIGGERS[first] | RAC_TRIGGERS[second] | {"claims": claims}
    assert _rac(**overrides) == (first, second)


def test_all_compatible_rac_lbp_reasons_at_once_keep_section_3_order() -> None:
    overrides: dict[str, Any] = {}
    for reason in RAC_LBP_REASONS:
        if reason not in ("symptoms_less_than_6_weeks", "recurrence_12_months_or_more"):
            overrides |= RAC_TRIGGERS[reason]
    overrides["claims"] = Claims(wsib=True, motor_vehicle=True, legal=True)
    expected = [
        r
        for r in RAC_LBP_REASONS
        if r not in ("symptoms_less_than_6_weeks", "recurrence_12_months_or_more")
    ]
    assert list(_rac(**overrides)) == expected


@pytest.mark.parametrize(
    ("date_of_birth", "flags", "reasons"),
    [
        (ADULT, [], []),
        (CHILD, [], ["age_under_18"]),
        (ADULT, ["significant_trauma"], ["emergency_red_flags"]),
        (CHILD, ["significant_trauma"], FIRST_CONTACT_PHYSIO_REASONS),
        # Urgent flags add a physician review but never make anyone ineligible.
        (ADULT, ["history_of_cancer", "age_over_50_new_onset"], []),
    ],
)
def test_first_contact_physio_reasons(date_of_birth, flags, reasons) -> None:
    result = first_contact_physio_eligibility(
        reference_date=REFERENCE, date_of_birth=date_of_birth, red_flags=classify_red_flags(flags)
    )
    assert result.program == "first_contact_physio"
    assert list(result.reasons) == reasons
    assert result.eligible is (not reasons)


# --- Section 7: malformed cases name the case and the field --------------------------------------


def _case(**overrides: Any) -> dict[str, Any]:
    """A valid case (test_rules.make_case); an override of `...` removes the field."""
    case = make_case(**{"id": "M1", **{k: v for k, v in overrides.items() if v is not ...}})
    for key in [k for k, v in overrides.items() if v is ...]:
        del case[key]
    return case


NO_LEGAL = {"wsib": False, "motor_vehicle": False}
MALFORMED: list[tuple[dict[str, Any], str]] = [
    (_case(reference_date=...), "field 'reference_date': is required"),
    (_case(colour="red"), "field 'colour': unknown field"),
    (
        _case(reference_date="2026-6-2"),
        "field 'reference_date': must be an ISO date YYYY-MM-DD, got '2026-6-2'",
    ),
    (
        _case(date_of_birth="2025-02-29"),
        "field 'date_of_birth': '2025-02-29' is not a real calendar date",
    ),
    (
        _case(episode_start_date=20260202),
        "field 'episode_start_date': must be an ISO date YYYY-MM-DD, got 20260202",
    ),
    (
        _case(delivery_date=5),
        "field 'delivery_date': must be an ISO date YYYY-MM-DD or null, got 5",
    ),
    (
        _case(delivery_date="2025-02-29"),
        "field 'delivery_date': '2025-02-29' is not a real calendar date",
    ),
    (_case(pregnant="false"), "field 'pregnant': must be true or false, got 'false'"),
    (_case(recurrent_episode=1), "field 'recurrent_episode': must be true or false, got 1"),
    (
        _case(unmanaged_chronic_multisite_pain=None),
        "field 'unmanaged_chronic_multisite_pain': must be true or false, got None",
    ),
    (
        _case(unmanaged_narcotic_dependency="no"),
        "field 'unmanaged_narcotic_dependency': must be true or false, got 'no'",
    ),
    (_case(claims=[]), "field 'claims': must be an object, got []"),
    (_case(claims=NO_LEGAL), "field 'claims.legal': is required"),
    (
        _case(claims=NO_LEGAL | {"legal": False, "ltd": True}),
        "field 'claims.ltd': unknown claim type",
    ),
    (
        _case(claims=NO_LEGAL | {"legal": "no"}),
        "field 'claims.legal': must be true or false, got 'no'",
    ),
    (
        _case(red_flags="history_of_cancer"),
        "field 'red_flags': must be a list, got 'history_of_cancer'",
    ),
    (_case(red_flags=["cancer"]), "field 'red_flags[0]': unknown red-flag code 'cancer'"),
    (_case(start_back=None), "field 'start_back': must be a list, got None"),
    (
        _case(start_back=["agree"] * 8),
        "field 'start_back': must have exactly 9 answers (null if unanswered), got 8",
    ),
    (
        _case(start_back=["agree", "agree", "maybe", *["agree"] * 5, "slightly"]),
        "field 'start_back[2]': item 3 must be one of agree, disagree or null, got 'maybe'",
    ),
    (
        _case(start_back=["agree"] * 9),
        "field 'start_back[8]': item 9 must be one of not_at_all, slightly, moderately, "
        "very_much, extremely or null, got 'agree'",
    ),
    (
        _case(inflammatory_features="buttock_pain"),
        "field 'inflammatory_features': must be a list, got 'buttock_pain'",
    ),
    (
        _case(inflammatory_features=["buttock_pain", "stiffness"]),
        "field 'inflammatory_features[1]': unknown inflammatory feature 'stiffness'",
    ),
    (
        _case(age_at_lbp_onset="30"),
        "field 'age_at_lbp_onset': must be a whole number of years or null, got '30'",
    ),
    (
        _case(age_at_lbp_onset=131),
        "field 'age_at_lbp_onset': must be a whole number of years from 0 to 130 or null, got 131",
    ),
    (
        _case(date_of_birth="2026-06-03"),
        "field 'date_of_birth': 2026-06-03 is after reference_date 2026-06-02",
    ),
]


@pytest.mark.parametrize(("case", "message"), MALFORMED, ids=[m for _, m in MALFORMED])
def test_malformed_case_names_the_case_the_field_and_the_fault(case, message) -> None:
    with pytest.raises(RulesInputError) as raised:
        parse_case(case, index=4)
    error = raised.value
    assert str(error) == f"case 'M1': {message}"
    assert error.args == (str(error),)
    assert (error.case_id, error.index) == ("M1", 4)
    assert message.startswith(f"field '{error.field}': ")
    assert error.message == message.removeprefix(f"field '{error.field}': ")


@pytest.mark.parametrize(("case", "message"), MALFORMED[:-2], ids=[m for _, m in MALFORMED[:-2]])
def test_field_parsing_names_the_case_itself(case, message) -> None:
    # The field parser attributes every error to its case, not only the wrapper around it.
    with pytest.raises(RulesInputError) as raised:
        rules._parse_case_fields("M1", case)
    assert raised.value.case_id == "M1"
    assert str(raised.value) == f"case 'M1': {message}"


@pytest.mark.parametrize("age", [0, 1, 130])
def test_age_at_onset_from_0_to_130_is_accepted(age) -> None:
    assert parse_case(_case(age_at_lbp_onset=age)).age_at_lbp_onset == age


def test_inflammatory_features_given_as_a_string_are_refused() -> None:
    with pytest.raises(RulesInputError) as raised:
        rules.inflammatory_screen(
            reference_date=REFERENCE,
            episode_start_date=date(2025, 1, 1),
            age_at_lbp_onset=30,
            features="buttock_pain",
        )
    assert str(raised.value) == (
        "input: field 'inflammatory_features': must be a list of feature codes"
    )


def test_a_case_built_directly_is_checked_and_names_itself() -> None:
    good = parse_case(_case())
    fields = {f: getattr(good, f) for f in good.__dataclass_fields__}
    with pytest.raises(RulesInputError) as raised:
        TriageCase(**fields | {"age_at_lbp_onset": 131})
    assert (raised.value.case_id, raised.value.field) == ("M1", "age_at_lbp_onset")
    with pytest.raises(RulesInputError) as raised:
        TriageCase(**fields | {"episode_start_date": date(2026, 6, 3)})
    assert str(raised.value) == (
        "case 'M1': field 'episode_start_date': 2026-06-03 is after reference_date 2026-06-02"
    )
    with pytest.raises(RulesInputError) as raised:
        TriageCase(**fields | {"red_flags": ("bogus",)})
    assert (raised.value.case_id, raised.value.field) == ("M1", "red_flags[0]")


def test_evaluate_names_the_case_of_an_input_error() -> None:
    case = parse_case(_case())
    object.__setattr__(case, "red_flags", ("bogus",))  # as if it had bypassed the checks
    with pytest.raises(RulesInputError) as raised:
        evaluate(case)
    assert (raised.value.case_id, raised.value.field) == ("M1", "red_flags[0]")


@pytest.mark.parametrize("not_an_object", [["M1"], "M1", 7, None])
def test_a_case_that_is_not_an_object_is_named_by_its_position(not_an_object) -> None:
    with pytest.raises(RulesInputError) as raised:
        parse_case(not_an_object, index=2)
    assert (
        str(raised.value) == "case at index 2 (no valid id): field '(case)': must be a JSON object"
    )
    assert (raised.value.field, raised.value.index) == ("(case)", 2)


def test_a_missing_id_on_a_worked_example_says_so() -> None:
    with pytest.raises(RulesInputError) as raised:
        parse_case({"case": _case(), "expected": {}}, index=0)
    assert str(raised.value) == (
        "case at index 0 (no valid id): field 'id': must be a non-empty string, got None "
        "(this looks like a worked example: give the array of its 'case' objects)"
    )
    with pytest.raises(RulesInputError) as raised:
        parse_case({"case": _case(), "id": " "}, index=0)
    assert "worked example" not in str(raised.value)
    for no_id in (_case(id=""), _case(id=...)):
        with pytest.raises(RulesInputError) as raised:
            parse_case(no_id, index=0)
        assert "worked example" not in str(raised.value)


def test_a_case_set_must_be_an_array() -> None:
    with pytest.raises(RulesInputError) as raised:
        parse_cases({"id": "M1"})
    assert str(raised.value) == "input: field '(case set)': must be a JSON array of cases, got dict"


def test_a_case_set_error_lists_every_bad_case_by_id_or_position() -> None:
    with pytest.raises(CaseSetError) as raised:
        parse_cases([_case(id="ok"), 5, _case(id="B2", claims={})])
    error = raised.value
    assert str(error) == (
        "case at index 1 (no valid id): field '(case)': must be a JSON object\n"
        "case 'B2': field 'claims.wsib': is required"
    )
    assert [(e.case_id, e.field, e.index) for e in error.errors] == [
        (None, "(case)", 1),
        ("B2", "claims.wsib", 2),
    ]
    with pytest.raises(CaseSetError) as raised:
        parse_cases([_case(id="B1", pregnant=None), 5])
    assert (raised.value.case_id, raised.value.field, raised.value.index) == ("B1", "pregnant", 0)
    # The set error itself carries the first bad case.
    assert (error.case_id, error.field, error.message, error.index) == (
        None,
        "(case)",
        "must be a JSON object",
        1,
    )


def test_an_error_keeps_its_own_case_and_position_when_attributed_again() -> None:
    error = RulesInputError("A", "f", "bad", index=1)
    again = error.for_case("B", 2)
    assert (again.case_id, again.field, again.message, again.index) == ("A", "f", "bad", 1)
    loose = RulesInputError(None, "f", "bad")
    assert str(loose) == "input: field 'f': bad"
    filled = loose.for_case("B", 2)
    assert (filled.case_id, filled.index) == ("B", 2)
    assert str(loose.for_case(None, 3)) == "case at index 3 (no valid id): field 'f': bad"

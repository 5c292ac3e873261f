"""Clinical triage rules for the LBP Pathway, as plain Python.

The rules are written down in shared/clinical-rules.md; this module is that document made
executable: STarT Back scoring (section 1), red flags (section 2), program eligibility (section 3),
the inflammatory back pain screen (section 4), matched care, and the `triage_check` case and result
format (section 7).

No Django imports: the module takes and returns plain values and frozen dataclasses, so it tests
alone in microseconds and every stored decision can record the RULE_VERSION that made it.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

# Change this whenever any rule below changes (a threshold, a code, the order of reasons): decisions
# store it, so a changed rule under an unchanged version would make old decisions unexplainable.
RULE_VERSION: Final = "2026.11.1"


class RulesInputError(ValueError):
    """Input the rules cannot judge: names the case (when known) and the field at fault."""

    def __init__(
        self, case_id: str | None, field: str, message: str, *, index: int | None = None
    ) -> None:
        self.case_id = case_id
        self.field = field
        self.message = message
        self.index = index
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.case_id is not None:
            where = f"case {self.case_id!r}"
        elif self.index is not None:
            where = f"case at index {self.index} (no valid id)"
        else:
            where = "input"
        return f"{where}: field {self.field!r}: {self.message}"

    def for_case(self, case_id: str | None, index: int | None = None) -> RulesInputError:
        """The same error, attributed to a case when it was raised without one."""
        return RulesInputError(
            self.case_id if self.case_id is not None else case_id,
            self.field,
            self.message,
            index=self.index if self.index is not None else index,
        )


class CaseSetError(RulesInputError):
    """Several malformed cases in one case set: one error per case, in input order."""

    def __init__(self, errors: Sequence[RulesInputError]) -> None:
        self.errors = tuple(errors)
        first = self.errors[0]
        super().__init__(first.case_id, first.field, first.message, index=first.index)

    def __str__(self) -> str:
        return "\n".join(RulesInputError.__str__(error) for error in self.errors)


# --- 1. Keele STarT Back Screening Tool -----------------------------------------------------------

StartBackAnswer = str | None
StartBackStatus = Literal["final", "provisional", "indeterminate"]
Risk = Literal["low", "medium", "high"]
StartBackRisk = Literal["low", "medium", "high", "indeterminate"]


@dataclass(frozen=True)
class StartBackItem:
    number: int
    key: str
    topic: str
    loinc: str


# Our own plain paraphrase of each item's topic, not Keele's wording (Keele owns the wording).
START_BACK_ITEMS: Final[tuple[StartBackItem, ...]] = (
    StartBackItem(1, "leg_pain", "Back pain has spread down the leg(s)", "91340-0"),
    StartBackItem(2, "shoulder_neck_pain", "Pain in the shoulder or neck as well", "91341-8"),
    StartBackItem(3, "walking_short_distances", "Only walked short distances", "91342-6"),
    StartBackItem(4, "dressing_slowly", "Dressed more slowly than usual", "91343-4"),
    StartBackItem(
        5, "physical_activity_not_safe", "Not really safe to be physically active", "91344-2"
    ),
    StartBackItem(6, "worrying_thoughts", "Worrying thoughts going through the mind", "91345-9"),
    StartBackItem(7, "pain_terrible", "Pain is terrible and will never get any better", "91346-7"),
    StartBackItem(8, "not_enjoying_things", "Not enjoyed things as much as usual", "91347-5"),
    StartBackItem(9, "bothersomeness", "How bothersome the back pain has been", "91348-3"),
)
START_BACK_ITEM_COUNT: Final = 9
START_BACK_ITEM_KEYS: Final[tuple[str, ...]] = tuple(item.key for item in START_BACK_ITEMS)
START_BACK_ITEM_TOPICS: Final[dict[str, str]] = {item.key: item.topic for item in START_BACK_ITEMS}

AGREE_DISAGREE_ANSWERS: Final[tuple[str, ...]] = ("agree", "disagree")
BOTHERSOME_ANSWERS: Final[tuple[str, ...]] = (
    "not_at_all",
    "slightly",
    "moderately",
    "very_much",
    "extremely",
)
# Keele SBST scoring: items 1-8 score 1 for "agree"; item 9 scores 1 only for very much / extremely.
AGREE_DISAGREE_SCORES: Final[dict[str, int]] = {"agree": 1, "disagree": 0}
BOTHERSOME_SCORES: Final[dict[str, int]] = {
    "not_at_all": 0,
    "slightly": 0,
    "moderately": 0,
    "very_much": 1,
    "extremely": 1,
}
START_BACK_ANSWER_LABELS: Final[dict[str, str]] = {
    "agree": "Agree",
    "disagree": "Disagree",
    "not_at_all": "Not at all",
    "slightly": "Slightly",
    "moderately": "Moderately",
    "very_much": "Very much",
    "extremely": "Extremely",
}

# Keele SBST scoring: items 5-9 form the psychosocial subscale (the 2012 APTA table is wrong).
PSYCHOSOCIAL_ITEMS: Final[tuple[int, ...]] = (5, 6, 7, 8, 9)
LOW_RISK_MAX_TOTAL: Final = 3
HIGH_RISK_MIN_PSYCHOSOCIAL: Final = 4

SBST_PANEL_LOINC: Final = "91349-1"
SBST_ITEM_LOINC: Final[tuple[str, ...]] = tuple(item.loinc for item in START_BACK_ITEMS)
SBST_PSYCHOSOCIAL_LOINC: Final = "91350-9"
SBST_TOTAL_LOINC: Final = "91351-7"
SBST_RISK_LOINC: Final = "91352-5"
SBST_RISK_ANSWER_LOINC: Final[dict[str, str]] = {
    "high": "LA9193-9",
    "medium": "LA8982-6",
    "low": "LA9194-7",
}


def start_back_answers_for_item(number: int) -> tuple[str, ...]:
    """The answers item `number` (1-based) accepts."""
    return BOTHERSOME_ANSWERS if number == START_BACK_ITEM_COUNT else AGREE_DISAGREE_ANSWERS


def start_back_item_score(number: int, answer: str) -> int:
    """0 or 1 for one answered item (1-based number)."""
    scores = BOTHERSOME_SCORES if number == START_BACK_ITEM_COUNT else AGREE_DISAGREE_SCORES
    return scores[answer]


def start_back_risk(total: int, psychosocial: int) -> Risk:
    """Keele SBST risk groups from a complete total (0-9) and psychosocial subscale (0-5)."""
    if psychosocial >= HIGH_RISK_MIN_PSYCHOSOCIAL:
        return "high"
    if total <= LOW_RISK_MAX_TOTAL:
        return "low"
    return "medium"


def _validate_start_back(answers: Sequence[StartBackAnswer]) -> tuple[StartBackAnswer, ...]:
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise RulesInputError(None, "start_back", "must be a list of 9 answers")
    if len(answers) != START_BACK_ITEM_COUNT:
        raise RulesInputError(
            None,
            "start_back",
            f"must have exactly 9 answers (null if unanswered), got {len(answers)}",
        )
    for index, answer in enumerate(answers):
        allowed = start_back_answers_for_item(index + 1)
        if answer is not None and (not isinstance(answer, str) or answer not in allowed):
            raise RulesInputError(
                None,
                f"start_back[{index}]",
                f"item {index + 1} must be one of {', '.join(allowed)} or null, got {answer!r}",
            )
    return tuple(answers)


def _items_text(numbers: Sequence[int]) -> str:
    noun = "item" if len(numbers) == 1 else "items"
    return f"{noun} {', '.join(str(n) for n in numbers)}"


def _range_text(low: int, high: int) -> str:
    return str(low) if low == high else f"{low} to {high}"


@dataclass(frozen=True)
class StartBackResult:
    status: StartBackStatus
    total: int | None
    psychosocial: int | None
    total_range: tuple[int, int]
    psychosocial_range: tuple[int, int]
    risk: StartBackRisk
    missing_items: tuple[int, ...]
    # Answered items that scored 1 (1-based), for explanations.
    scored_items: tuple[int, ...] = ()

    @property
    def explanation(self) -> str:
        """Plain words for the screen, e.g. 'Low risk: total 3 of 9'."""
        total = _range_text(*self.total_range)
        psychosocial = _range_text(*self.psychosocial_range)
        scored_psychosocial = [n for n in self.scored_items if n in PSYCHOSOCIAL_ITEMS]
        if self.risk == "high":
            detail = f"psychosocial subscale {psychosocial} of 5"
            if scored_psychosocial:
                detail += f" ({_items_text(scored_psychosocial)})"
        elif self.risk == "medium":
            detail = f"total {total} of 9, psychosocial subscale {psychosocial} of 5"
        elif self.risk == "low":
            detail = f"total {total} of 9"
        else:
            return (
                f"Risk not known yet: {_items_text(self.missing_items)} unanswered and the answers "
                f"would change the risk group (total {total} of 9, psychosocial subscale "
                f"{psychosocial} of 5); ask the missing items before care is matched"
            )
        text = f"{self.risk.capitalize()} risk: {detail}"
        if self.status == "provisional":
            text += (
                f" (provisional: {_items_text(self.missing_items)} unanswered, "
                "any answer gives the same risk)"
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "total": self.total,
            "psychosocial": self.psychosocial,
            "total_range": list(self.total_range),
            "psychosocial_range": list(self.psychosocial_range),
            "risk": self.risk,
            "missing_items": list(self.missing_items),
        }


def score_start_back(answers: Sequence[StartBackAnswer]) -> StartBackResult:
    """Score the 9 SBST answers (None = unanswered) per Keele, with ranges for missing items.

    Missing answers are never guessed (D): every completion of the missing items is scored; one risk
    group for all completions is a provisional result, more than one is indeterminate.
    """
    checked = _validate_start_back(answers)
    missing = tuple(n for n, answer in enumerate(checked, start=1) if answer is None)
    known = {
        n: start_back_item_score(n, a) for n, a in enumerate(checked, start=1) if a is not None
    }
    scored = tuple(n for n, score in known.items() if score)

    totals: list[int] = []
    psychosocials: list[int] = []
    risks: set[Risk] = set()
    for completion in itertools.product((0, 1), repeat=len(missing)):
        scores = known | dict(zip(missing, completion, strict=True))
        total = sum(scores.values())
        psychosocial = sum(scores[n] for n in PSYCHOSOCIAL_ITEMS)
        totals.append(total)
        psychosocials.append(psychosocial)
        risks.add(start_back_risk(total, psychosocial))

    total_range = (min(totals), max(totals))
    psychosocial_range = (min(psychosocials), max(psychosocials))
    if not missing:
        return StartBackResult(
            status="final",
            total=totals[0],
            psychosocial=psychosocials[0],
            total_range=total_range,
            psychosocial_range=psychosocial_range,
            risk=risks.pop(),
            missing_items=(),
            scored_items=scored,
        )
    status: StartBackStatus = "provisional" if len(risks) == 1 else "indeterminate"
    risk: StartBackRisk = risks.pop() if len(risks) == 1 else "indeterminate"
    return StartBackResult(
        status=status,
        total=None,
        psychosocial=None,
        total_range=total_range,
        psychosocial_range=psychosocial_range,
        risk=risk,
        missing_items=missing,
        scored_items=scored,
    )


# --- Matched care (Hill et al., Lancet 2011) ------------------------------------------------------

MatchedCare = Literal[
    "single_session_advice",
    "physiotherapy_course",
    "psychologically_informed_physiotherapy",
    "complete_start_back",
]
MATCHED_CARE: Final[dict[str, MatchedCare]] = {
    "low": "single_session_advice",
    "medium": "physiotherapy_course",
    "high": "psychologically_informed_physiotherapy",
    # Care is not matched until the missing SBST items are answered (D).
    "indeterminate": "complete_start_back",
}
MATCHED_CARE_LABELS: Final[dict[str, str]] = {
    "single_session_advice": (
        "One session of assessment, reassurance, advice and self-management support"
    ),
    "physiotherapy_course": "A course of physiotherapy",
    "psychologically_informed_physiotherapy": "Psychologically informed physiotherapy",
    "complete_start_back": "Ask the unanswered STarT Back items before matching care",
}


def matched_care(risk: StartBackRisk) -> MatchedCare:
    """The care matched to an SBST risk group."""
    return MATCHED_CARE[risk]


# --- 2. Red flags ---------------------------------------------------------------------------------

Disposition = Literal["emergency", "urgent_physician_review", "none"]

# Ontario RAC-LBP provider FAQ: cauda equina, progressive deficit, significant trauma are emergent.
EMERGENCY_FLAGS: Final[tuple[str, ...]] = (
    "ces_urinary_retention_or_overflow_incontinence",
    "ces_faecal_incontinence_or_loss_of_anal_tone",
    "ces_saddle_or_perineal_anaesthesia",
    "ces_new_bilateral_radicular_symptoms",
    "progressive_neurological_deficit",
    "suspected_cord_compression",
    "significant_trauma",
    "suspected_spinal_infection",
)
# CEP CORE Back Tool (NIFTI) and the UK National Back and Radicular Pain Pathway.
URGENT_FLAGS: Final[tuple[str, ...]] = (
    "history_of_cancer",
    "unexplained_weight_loss",
    "fever_or_systemically_unwell",
    "iv_drug_use",
    "immunosuppression",
    "prolonged_corticosteroid_use",
    "osteoporosis_fragility_fracture_risk",
    "major_motor_weakness_stable",
    "unrelenting_night_or_rest_pain",
    "raised_inflammatory_markers",
)
# Recorded and shown; changes nothing alone. The age threshold is a setting, so the UI decides when
# to offer it.
CONTEXTUAL_FLAGS: Final[tuple[str, ...]] = ("age_over_50_new_onset",)
RED_FLAG_CODES: Final[tuple[str, ...]] = EMERGENCY_FLAGS + URGENT_FLAGS + CONTEXTUAL_FLAGS

RED_FLAG_LABELS: Final[dict[str, str]] = {
    "ces_urinary_retention_or_overflow_incontinence": (
        "New difficulty passing urine, or leaking urine without noticing"
    ),
    "ces_faecal_incontinence_or_loss_of_anal_tone": (
        "New loss of bowel control, or reduced anal tone on examination"
    ),
    "ces_saddle_or_perineal_anaesthesia": (
        "Numbness or altered feeling around the back passage, genitals or inner thighs"
    ),
    "ces_new_bilateral_radicular_symptoms": "New pain, numbness or weakness in both legs",
    "progressive_neurological_deficit": "Weakness or numbness in the leg(s) that is getting worse",
    "suspected_cord_compression": (
        "Signs of spinal cord compression (e.g. unsteady walking, clumsy hands, brisk reflexes)"
    ),
    "significant_trauma": "Back pain after a significant injury (fall from height, road accident)",
    "suspected_spinal_infection": (
        "Possible spinal infection (fever with back pain, recent infection or spinal procedure)"
    ),
    "history_of_cancer": "A past or current cancer",
    "unexplained_weight_loss": "Weight loss without trying",
    "fever_or_systemically_unwell": "Fever, or feeling generally unwell",
    "iv_drug_use": "Injecting drug use",
    "immunosuppression": "A weakened immune system (illness or medicines)",
    "prolonged_corticosteroid_use": "Long-term steroid tablets or injections",
    "osteoporosis_fragility_fracture_risk": "Osteoporosis, or a high risk of fragility fracture",
    "major_motor_weakness_stable": "Marked leg weakness that is not getting worse",
    "unrelenting_night_or_rest_pain": "Constant pain at night or at rest that nothing eases",
    "raised_inflammatory_markers": "Raised inflammatory blood markers (CRP or ESR)",
    "age_over_50_new_onset": "Back pain that started for the first time after age 50",
}

RED_FLAG_DISPOSITION_LABELS: Final[dict[str, str]] = {
    "emergency": (
        "Send to the Emergency Department now; no routine booking; the physician is alerted"
    ),
    "urgent_physician_review": "Hold routine pathway care until the family physician has reviewed",
    "none": "No red flag that changes the pathway",
}


@dataclass(frozen=True)
class RedFlagResult:
    disposition: Disposition
    emergency: tuple[str, ...] = ()
    urgent: tuple[str, ...] = ()
    contextual: tuple[str, ...] = ()

    @property
    def any_emergency_or_urgent(self) -> bool:
        return bool(self.emergency or self.urgent)

    def to_dict(self) -> dict[str, Any]:
        return {"disposition": self.disposition, "contextual": list(self.contextual)}


def classify_red_flags(codes: Iterable[str]) -> RedFlagResult:
    """Sort red-flag codes into tiers; the highest tier present sets the disposition.

    Unknown codes are an input error, never ignored. Lists follow the order of the tier tables.
    """
    if isinstance(codes, str | bytes):
        raise RulesInputError(None, "red_flags", "must be a list of red-flag codes")
    present: set[str] = set()
    for index, code in enumerate(codes):
        if not isinstance(code, str) or code not in RED_FLAG_CODES:
            raise RulesInputError(None, f"red_flags[{index}]", f"unknown red-flag code {code!r}")
        present.add(code)
    emergency = tuple(code for code in EMERGENCY_FLAGS if code in present)
    urgent = tuple(code for code in URGENT_FLAGS if code in present)
    contextual = tuple(code for code in CONTEXTUAL_FLAGS if code in present)
    disposition: Disposition = (
        "emergency" if emergency else "urgent_physician_review" if urgent else "none"
    )
    return RedFlagResult(disposition, emergency, urgent, contextual)


# --- 3. Eligibility -------------------------------------------------------------------------------

Program = Literal["first_contact_physio", "rac_lbp"]
PROGRAMS: Final[tuple[Program, ...]] = ("first_contact_physio", "rac_lbp")

ADULT_AGE_YEARS: Final = 18
# Ontario RAC-LBP referral criteria (seed 003).
RAC_MIN_SYMPTOM_DAYS: Final = 42
RAC_MAX_SYMPTOM_MONTHS: Final = 12
RAC_POSTPARTUM_MONTHS: Final = 12

# Reasons in the order of section 3; a program's reasons are always reported in this order.
FIRST_CONTACT_PHYSIO_REASONS: Final[tuple[str, ...]] = ("age_under_18", "emergency_red_flags")
RAC_LBP_REASONS: Final[tuple[str, ...]] = (
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
)
REASON_LABELS: Final[dict[str, str]] = {
    "age_under_18": "Under 18 years old",
    "emergency_red_flags": "An emergency red flag: needs the Emergency Department instead",
    "symptoms_less_than_6_weeks": "Symptoms for less than 6 weeks (first episode)",
    "constant_symptoms_more_than_12_months": "Constant symptoms for more than 12 months",
    "recurrence_12_months_or_more": "The current recurrence started 12 months ago or more",
    "active_wsib_claim": "An active WSIB claim",
    "active_motor_vehicle_claim": "An active motor vehicle accident claim",
    "active_legal_claim": "An active legal claim",
    "pregnant": "Currently pregnant",
    "postpartum_less_than_1_year": "Gave birth less than 1 year ago",
    "unmanaged_chronic_multisite_pain": "Unmanaged chronic pain in several sites",
    "unmanaged_narcotic_dependency": "Unmanaged narcotic dependency",
    "red_flags_present": "An emergency or urgent red flag is present",
}


def add_months(start: date, months: int) -> date:
    """The same day-of-month `months` calendar months later (or earlier), clamped to month end."""
    month_index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def age_in_years(date_of_birth: date, on: date) -> int:
    """Completed years on `on`.

    A year is 12 calendar months clamped to month end, so someone born on 29 February completes a
    year on 28 February in a common year (the same rule as every other month count here).
    """
    years = on.year - date_of_birth.year
    if add_months(date_of_birth, 12 * years) > on:
        years -= 1
    return years


@dataclass(frozen=True)
class Claims:
    wsib: bool = False
    motor_vehicle: bool = False
    legal: bool = False


@dataclass(frozen=True)
class Eligibility:
    program: Program
    reasons: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def explanations(self) -> tuple[str, ...]:
        return tuple(REASON_LABELS[reason] for reason in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {"eligible": self.eligible, "reasons": list(self.reasons)}


def first_contact_physio_eligibility(
    *, reference_date: date, date_of_birth: date, red_flags: RedFlagResult
) -> Eligibility:
    """Kingston pilot: adults with LBP. Urgent flags add a physician review but do not exclude."""
    reasons: list[str] = []
    if age_in_years(date_of_birth, reference_date) < ADULT_AGE_YEARS:
        reasons.append("age_under_18")
    if red_flags.emergency:
        reasons.append("emergency_red_flags")
    return Eligibility("first_contact_physio", tuple(reasons))


def rac_lbp_eligibility(
    *,
    reference_date: date,
    date_of_birth: date,
    episode_start_date: date,
    recurrent_episode: bool,
    claims: Claims,
    pregnant: bool,
    delivery_date: date | None,
    unmanaged_chronic_multisite_pain: bool,
    unmanaged_narcotic_dependency: bool,
    red_flags: RedFlagResult,
) -> Eligibility:
    """Rapid Access Clinic for LBP referral criteria, every failing reason in section-3 order."""
    reasons: list[str] = []
    if age_in_years(date_of_birth, reference_date) < ADULT_AGE_YEARS:
        reasons.append("age_under_18")
    symptom_limit = add_months(episode_start_date, RAC_MAX_SYMPTOM_MONTHS)
    if not recurrent_episode:
        if (reference_date - episode_start_date).days < RAC_MIN_SYMPTOM_DAYS:
            reasons.append("symptoms_less_than_6_weeks")
        # Exactly 12 months is still eligible.
        if reference_date > symptom_limit:
            reasons.append("constant_symptoms_more_than_12_months")
    # A recurrence dates from its own start; the 6-week minimum does not apply to it (D).
    elif reference_date >= symptom_limit:
        reasons.append("recurrence_12_months_or_more")
    if claims.wsib:
        reasons.append("active_wsib_claim")
    if claims.motor_vehicle:
        reasons.append("active_motor_vehicle_claim")
    if claims.legal:
        reasons.append("active_legal_claim")
    if pregnant:
        reasons.append("pregnant")
    if delivery_date is not None and reference_date < add_months(
        delivery_date, RAC_POSTPARTUM_MONTHS
    ):
        reasons.append("postpartum_less_than_1_year")
    if unmanaged_chronic_multisite_pain:
        reasons.append("unmanaged_chronic_multisite_pain")
    if unmanaged_narcotic_dependency:
        reasons.append("unmanaged_narcotic_dependency")
    if red_flags.any_emergency_or_urgent:
        reasons.append("red_flags_present")
    return Eligibility("rac_lbp", tuple(reasons))


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
    "onset_before_35": "Back pain started before age 35",
    "wakes_second_half_of_night": "Woken by back pain in the second half of the night",
    "buttock_pain": "Buttock pain",
    "improves_with_movement": "Better with movement, not with rest",
    "nsaid_response_within_48h": "Better within 48 hours of starting an anti-inflammatory (NSAID)",
    "first_degree_relative_spa": "A parent, sibling or child with spondyloarthritis",
    "current_or_past_arthritis": "Arthritis now or in the past",
    "current_or_past_enthesitis": "Enthesitis (e.g. heel pain at the tendon) now or in the past",
    "current_or_past_psoriasis": "Psoriasis now or in the past",
}
INFLAMMATORY_SCREEN_LABELS: Final[dict[str, str]] = {
    "refer_rheumatology": (
        "4 or more features: suggest a rheumatology referral via the family physician"
    ),
    "hla_b27_test": "3 features: suggest an HLA-B27 test, refer to rheumatology if positive",
    "negative": "Fewer than 3 features of inflammatory back pain",
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


# --- 7. Cases and results (the triage_check contract) ---------------------------------------------

MAX_AGE_AT_LBP_ONSET: Final = 130
CLAIM_KEYS: Final[tuple[str, ...]] = ("wsib", "motor_vehicle", "legal")
_REQUIRED_CASE_KEYS: Final[tuple[str, ...]] = (
    "id",
    "reference_date",
    "date_of_birth",
    "pregnant",
    "delivery_date",
    "episode_start_date",
    "recurrent_episode",
    "claims",
    "unmanaged_chronic_multisite_pain",
    "unmanaged_narcotic_dependency",
    "red_flags",
    "start_back",
)
_OPTIONAL_CASE_KEYS: Final[tuple[str, ...]] = ("inflammatory_features", "age_at_lbp_onset")
CASE_KEYS: Final[tuple[str, ...]] = _REQUIRED_CASE_KEYS + _OPTIONAL_CASE_KEYS
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class TriageCase:
    """One patient's triage inputs; construction checks the rules the JSON parser does not."""

    id: str
    reference_date: date
    date_of_birth: date
    pregnant: bool
    delivery_date: date | None
    episode_start_date: date
    recurrent_episode: bool
    claims: Claims
    unmanaged_chronic_multisite_pain: bool
    unmanaged_narcotic_dependency: bool
    red_flags: tuple[str, ...]
    start_back: tuple[StartBackAnswer, ...]
    inflammatory_features: tuple[str, ...] = ()
    age_at_lbp_onset: int | None = None

    def __post_init__(self) -> None:
        try:
            classify_red_flags(self.red_flags)
            _validate_start_back(self.start_back)
            _validate_inflammatory_features(self.inflammatory_features)
        except RulesInputError as error:
            raise error.for_case(self.id) from None
        if self.age_at_lbp_onset is not None and not (
            0 <= self.age_at_lbp_onset <= MAX_AGE_AT_LBP_ONSET
        ):
            raise RulesInputError(
                self.id,
                "age_at_lbp_onset",
                f"must be a whole number of years from 0 to {MAX_AGE_AT_LBP_ONSET} or null, "
                f"got {self.age_at_lbp_onset}",
            )
        # Every event must have happened by the triage date: a later date is a typing error that
        # would otherwise quietly change an age, a symptom duration or a postpartum period.
        for name in ("date_of_birth", "episode_start_date", "delivery_date"):
            value = getattr(self, name)
            if value is not None and value > self.reference_date:
                raise RulesInputError(
                    self.id,
                    name,
                    f"{value.isoformat()} is after reference_date "
                    f"{self.reference_date.isoformat()}",
                )


def _require_bool(case_id: str | None, field: str, value: object) -> bool:
    if type(value) is not bool:
        raise RulesInputError(case_id, field, f"must be true or false, got {value!r}")
    return value


def _require_date(case_id: str | None, field: str, value: object) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise RulesInputError(case_id, field, f"must be an ISO date YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RulesInputError(case_id, field, f"{value!r} is not a real calendar date") from None


def _optional_date(case_id: str | None, field: str, value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RulesInputError(
            case_id, field, f"must be an ISO date YYYY-MM-DD or null, got {value!r}"
        )
    return _require_date(case_id, field, value)


def _require_list(case_id: str | None, field: str, value: object) -> list[Any]:
    if not isinstance(value, list):
        raise RulesInputError(case_id, field, f"must be a list, got {value!r}")
    return value


def parse_case(data: object, *, index: int | None = None) -> TriageCase:
    """Build a TriageCase from one decoded JSON case (section 7), rejecting anything malformed.

    Unknown keys are rejected too: a misspelt optional field would otherwise be silently absent.
    `index` (the case's position in a case set) names the case when it has no usable id.
    """
    if not isinstance(data, dict):
        raise RulesInputError(None, "(case)", "must be a JSON object", index=index)
    raw_id = data.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        message = f"must be a non-empty string, got {raw_id!r}"
        if "case" in data and "id" not in data:
            message += " (this looks like a worked example: give the array of its 'case' objects)"
        raise RulesInputError(None, "id", message, index=index)
    case_id = raw_id
    try:
        return _parse_case_fields(case_id, data)
    except RulesInputError as error:
        raise error.for_case(case_id, index) from None


def _parse_case_fields(case_id: str, data: Mapping[str, Any]) -> TriageCase:
    for key in data:
        if key not in CASE_KEYS:
            raise RulesInputError(case_id, str(key), "unknown field")
    for key in _REQUIRED_CASE_KEYS:
        if key not in data:
            raise RulesInputError(case_id, key, "is required")

    reference_date = _require_date(case_id, "reference_date", data["reference_date"])
    date_of_birth = _require_date(case_id, "date_of_birth", data["date_of_birth"])
    pregnant = _require_bool(case_id, "pregnant", data["pregnant"])
    delivery_date = _optional_date(case_id, "delivery_date", data["delivery_date"])
    episode_start_date = _require_date(case_id, "episode_start_date", data["episode_start_date"])
    recurrent_episode = _require_bool(case_id, "recurrent_episode", data["recurrent_episode"])

    raw_claims = data["claims"]
    if not isinstance(raw_claims, dict):
        raise RulesInputError(case_id, "claims", f"must be an object, got {raw_claims!r}")
    for key in raw_claims:
        if key not in CLAIM_KEYS:
            raise RulesInputError(case_id, f"claims.{key}", "unknown claim type")
    for key in CLAIM_KEYS:
        if key not in raw_claims:
            raise RulesInputError(case_id, f"claims.{key}", "is required")
    claims = Claims(
        **{key: _require_bool(case_id, f"claims.{key}", raw_claims[key]) for key in CLAIM_KEYS}
    )

    multisite = _require_bool(
        case_id, "unmanaged_chronic_multisite_pain", data["unmanaged_chronic_multisite_pain"]
    )
    narcotic = _require_bool(
        case_id, "unmanaged_narcotic_dependency", data["unmanaged_narcotic_dependency"]
    )
    red_flags = _require_list(case_id, "red_flags", data["red_flags"])
    start_back = _require_list(case_id, "start_back", data["start_back"])

    raw_features = data.get("inflammatory_features")
    features = (
        []
        if raw_features is None
        else _require_list(case_id, "inflammatory_features", raw_features)
    )
    age_at_onset = data.get("age_at_lbp_onset")
    if age_at_onset is not None and (type(age_at_onset) is not int):
        raise RulesInputError(
            case_id,
            "age_at_lbp_onset",
            f"must be a whole number of years or null, got {age_at_onset!r}",
        )

    return TriageCase(
        id=case_id,
        reference_date=reference_date,
        date_of_birth=date_of_birth,
        pregnant=pregnant,
        delivery_date=delivery_date,
        episode_start_date=episode_start_date,
        recurrent_episode=recurrent_episode,
        claims=claims,
        unmanaged_chronic_multisite_pain=multisite,
        unmanaged_narcotic_dependency=narcotic,
        red_flags=tuple(red_flags),
        start_back=tuple(start_back),
        inflammatory_features=tuple(features),
        age_at_lbp_onset=age_at_onset,
    )


def parse_cases(data: object) -> list[TriageCase]:
    """Parse a decoded JSON case set (an array of cases); CaseSetError lists every bad case."""
    if not isinstance(data, list):
        raise RulesInputError(
            None, "(case set)", f"must be a JSON array of cases, got {type(data).__name__}"
        )
    cases: list[TriageCase] = []
    errors: list[RulesInputError] = []
    for index, item in enumerate(data):
        try:
            cases.append(parse_case(item, index=index))
        except RulesInputError as error:
            errors.append(error)
    if errors:
        raise CaseSetError(errors)
    return cases


@dataclass(frozen=True)
class TriageResult:
    case_id: str
    start_back: StartBackResult
    red_flags: RedFlagResult
    first_contact_physio: Eligibility
    rac_lbp: Eligibility
    matched_care: MatchedCare
    inflammatory_screen: InflammatoryScreen | None
    rule_version: str = RULE_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The result JSON of section 7, key for key."""
        return {
            "id": self.case_id,
            "rule_version": self.rule_version,
            "start_back": self.start_back.to_dict(),
            "red_flags": self.red_flags.to_dict(),
            "eligibility": {
                "first_contact_physio": self.first_contact_physio.to_dict(),
                "rac_lbp": self.rac_lbp.to_dict(),
            },
            "matched_care": self.matched_care,
            "inflammatory_screen": self.inflammatory_screen,
        }


def evaluate(case: TriageCase) -> TriageResult:
    """Apply every rule to one case."""
    try:
        start_back = score_start_back(case.start_back)
        red_flags = classify_red_flags(case.red_flags)
        screen = inflammatory_screen(
            reference_date=case.reference_date,
            episode_start_date=case.episode_start_date,
            age_at_lbp_onset=case.age_at_lbp_onset,
            features=case.inflammatory_features,
        )
    except RulesInputError as error:
        raise error.for_case(case.id) from None
    return TriageResult(
        case_id=case.id,
        start_back=start_back,
        red_flags=red_flags,
        first_contact_physio=first_contact_physio_eligibility(
            reference_date=case.reference_date,
            date_of_birth=case.date_of_birth,
            red_flags=red_flags,
        ),
        rac_lbp=rac_lbp_eligibility(
            reference_date=case.reference_date,
            date_of_birth=case.date_of_birth,
            episode_start_date=case.episode_start_date,
            recurrent_episode=case.recurrent_episode,
            claims=case.claims,
            pregnant=case.pregnant,
            delivery_date=case.delivery_date,
            unmanaged_chronic_multisite_pain=case.unmanaged_chronic_multisite_pain,
            unmanaged_narcotic_dependency=case.unmanaged_narcotic_dependency,
            red_flags=red_flags,
        ),
        matched_care=matched_care(start_back.risk),
        inflammatory_screen=screen,
    )

"""Cases and results: the triage_check contract (docs/clinical-rules.md section 7).

Plain Python, no Django imports (see triage/rules/__init__.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from triage.rules.base import (
    RULE_VERSION,
    CaseSetError,
    RulesInputError,
)
from triage.rules.eligibility import (
    Claims,
    Eligibility,
    first_contact_physio_eligibility,
    rac_lbp_eligibility,
)
from triage.rules.inflammatory import (
    InflammatoryScreen,
    _validate_inflammatory_features,
    inflammatory_screen,
)
from triage.rules.red_flags import (
    RedFlagResult,
    classify_red_flags,
)
from triage.rules.start_back import (
    MatchedCare,
    StartBackAnswer,
    StartBackResult,
    _validate_start_back,
    matched_care,
    score_start_back,
)

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

"""Program eligibility with every reason, in order (docs/clinical-rules.md section 3).

Plain Python, no Django imports (see triage/rules/__init__.py)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

from triage.rules.base import gettext_noop
from triage.rules.red_flags import (
    RedFlagResult,
)

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
    "age_under_18": gettext_noop("Under 18 years old"),
    "emergency_red_flags": gettext_noop(
        "An emergency red flag: needs the Emergency Department instead"
    ),
    "symptoms_less_than_6_weeks": gettext_noop("Symptoms for less than 6 weeks (first episode)"),
    "constant_symptoms_more_than_12_months": gettext_noop(
        "Constant symptoms for more than 12 months"
    ),
    "recurrence_12_months_or_more": gettext_noop(
        "The current recurrence started 12 months ago or more"
    ),
    "active_wsib_claim": gettext_noop("An active WSIB claim"),
    "active_motor_vehicle_claim": gettext_noop("An active motor vehicle accident claim"),
    "active_legal_claim": gettext_noop("An active legal claim"),
    "pregnant": gettext_noop("Currently pregnant"),
    "postpartum_less_than_1_year": gettext_noop("Gave birth less than 1 year ago"),
    "unmanaged_chronic_multisite_pain": gettext_noop("Unmanaged chronic pain in several sites"),
    "unmanaged_narcotic_dependency": gettext_noop("Unmanaged narcotic dependency"),
    "red_flags_present": gettext_noop("An emergency or urgent red flag is present"),
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

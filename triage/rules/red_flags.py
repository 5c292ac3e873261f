"""Red flags and their tiers (docs/clinical-rules.md section 2).

Plain Python, no Django imports (see triage/rules/__init__.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

from triage.rules.base import (
    RulesInputError,
    gettext_noop,
)

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
        gettext_noop("New difficulty passing urine, or leaking urine without noticing")
    ),
    "ces_faecal_incontinence_or_loss_of_anal_tone": (
        gettext_noop("New loss of bowel control, or reduced anal tone on examination")
    ),
    "ces_saddle_or_perineal_anaesthesia": (
        gettext_noop(
            "Numbness or altered feeling around the back passage, genitals or inner thighs"
        )
    ),
    "ces_new_bilateral_radicular_symptoms": gettext_noop(
        "New pain, numbness or weakness in both legs"
    ),
    "progressive_neurological_deficit": gettext_noop(
        "Weakness or numbness in the leg(s) that is getting worse"
    ),
    "suspected_cord_compression": (
        gettext_noop(
            "Signs of spinal cord compression (e.g. unsteady walking, clumsy hands, brisk reflexes)"
        )
    ),
    "significant_trauma": gettext_noop(
        "Back pain after a significant injury (fall from height, road accident)"
    ),
    "suspected_spinal_infection": (
        gettext_noop(
            "Possible spinal infection (fever with back pain, recent infection or spinal procedure)"
        )
    ),
    "history_of_cancer": gettext_noop("A past or current cancer"),
    "unexplained_weight_loss": gettext_noop("Weight loss without trying"),
    "fever_or_systemically_unwell": gettext_noop("Fever, or feeling generally unwell"),
    "iv_drug_use": gettext_noop("Injecting drug use"),
    "immunosuppression": gettext_noop("A weakened immune system (illness or medicines)"),
    "prolonged_corticosteroid_use": gettext_noop("Long-term steroid tablets or injections"),
    "osteoporosis_fragility_fracture_risk": gettext_noop(
        "Osteoporosis, or a high risk of fragility fracture"
    ),
    "major_motor_weakness_stable": gettext_noop("Marked leg weakness that is not getting worse"),
    "unrelenting_night_or_rest_pain": gettext_noop(
        "Constant pain at night or at rest that nothing eases"
    ),
    "raised_inflammatory_markers": gettext_noop("Raised inflammatory blood markers (CRP or ESR)"),
    "age_over_50_new_onset": gettext_noop("Back pain that started for the first time after age 50"),
}

RED_FLAG_DISPOSITION_LABELS: Final[dict[str, str]] = {
    "emergency": (
        gettext_noop(
            "Send to the Emergency Department now; no routine booking; the physician is alerted"
        )
    ),
    "urgent_physician_review": gettext_noop(
        "Hold routine pathway care until the family physician has reviewed"
    ),
    "none": gettext_noop("No red flag that changes the pathway"),
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

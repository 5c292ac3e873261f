"""The self-referral's safety questions in plain language, keyed by the red-flag codes of
triage/rules (the same codes, tiers and RULE_VERSION as staff triage; the wording is for patients).

Questions that need an examination or a blood test (reduced anal tone, cord compression signs,
inflammatory markers) are left to the clinician; every emergency code a person can notice is asked.
"""

from __future__ import annotations

from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Emergency codes: any "yes" stops the form with the Emergency Department page.
EMERGENCY_QUESTIONS: Final[dict[str, Promise]] = {
    "ces_urinary_retention_or_overflow_incontinence": _(
        "Since your back pain started, have you had new trouble passing urine, or leaked urine "
        "without noticing?"
    ),
    "ces_faecal_incontinence_or_loss_of_anal_tone": _(
        "Have you had new trouble controlling your bowels (stool), or leaked stool without noticing?"
    ),
    "ces_saddle_or_perineal_anaesthesia": _(
        "Is there new numbness or a strange feeling around your bottom, genitals or inner thighs?"
    ),
    "ces_new_bilateral_radicular_symptoms": _(
        "Do you have new pain, numbness or weakness in both legs?"
    ),
    "progressive_neurological_deficit": _(
        "Is weakness or numbness in your leg or legs getting worse day by day?"
    ),
    "significant_trauma": _(
        "Did the pain start after a serious injury, such as a fall from a height or a car crash?"
    ),
    "suspected_spinal_infection": _(
        "Do you have a fever with your back pain, or did you recently have an infection or a "
        "procedure on your spine?"
    ),
}

# Urgent codes: the family physician reviews first; the person is put first on the worklist.
URGENT_QUESTIONS: Final[dict[str, Promise]] = {
    "history_of_cancer": _("Have you ever had cancer?"),
    "unexplained_weight_loss": _("Have you lost weight recently without trying?"),
    "fever_or_systemically_unwell": _("Do you feel generally unwell, or have you had chills?"),
    "iv_drug_use": _("Do you inject drugs, or have you in the past?"),
    "immunosuppression": _(
        "Do you have a weakened immune system, from an illness or from medicines?"
    ),
    "prolonged_corticosteroid_use": _(
        "Have you taken steroid tablets or injections (such as prednisone) for a long time?"
    ),
    "osteoporosis_fragility_fracture_risk": _(
        "Have you been told you have osteoporosis (thin, fragile bones)?"
    ),
    "major_motor_weakness_stable": _(
        "Is one of your legs very weak (for example, your foot drags), even if it is not getting "
        "worse?"
    ),
    "unrelenting_night_or_rest_pain": _(
        "Is the pain constant at night or at rest, with nothing that eases it?"
    ),
}

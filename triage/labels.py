"""The triage rules' codes in the reader's language.

The rules (triage/rules/) keep codes and English labels, each marked for the catalogue; the screens
show the label through gettext here, in the language of the request. A stored decision keeps its
English words as recorded (`TriageDecision.reasons`); `decision_reasons` gives the same in French,
rebuilt from the decision's stored codes, so an English page still shows the record word for word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, gettext_lazy, gettext_noop, ngettext

from triage import rules

if TYPE_CHECKING:
    from triage.models import PhysicianAlert

# A physician alert's message, stored in English (the record) and shown in the reader's language.
EMERGENCY_ALERT = gettext_noop("Emergency red flag, sent to the Emergency Department: %(flags)s")
URGENT_ALERT = gettext_noop("Urgent red flag, review before routine pathway care: %(flags)s")
PHONE_EMERGENCY_ALERT = gettext_noop(
    "Emergency symptom on the phone, told to go to Emergency / call 911: %(flags)s"
)


def english() -> bool:
    return (get_language() or "en").lower().startswith("en")


def red_flag_label(code: str) -> str:
    return gettext(rules.RED_FLAG_LABELS[code])


def red_flag_choices(codes: Sequence[str]) -> list[tuple[str, Promise]]:
    """Form choices: the code, and its label translated when the form is shown."""
    return [(code, gettext_lazy(rules.RED_FLAG_LABELS[code])) for code in codes]


def inflammatory_feature_choices() -> list[tuple[str, Promise]]:
    return [
        (code, gettext_lazy(rules.INFLAMMATORY_FEATURE_LABELS[code]))
        for code in rules.INFLAMMATORY_FEATURES
    ]


def answer_label(answer: str) -> str:
    return gettext(rules.START_BACK_ANSWER_LABELS[answer])


def topic(item: rules.StartBackItem) -> str:
    return gettext(item.topic)


def _items_text(numbers: Sequence[int]) -> str:
    joined = ", ".join(str(n) for n in numbers)
    return ngettext("item %(numbers)s", "items %(numbers)s", len(numbers)) % {"numbers": joined}


def _range_text(low: int, high: int) -> str:
    return str(low) if low == high else gettext("%(low)s to %(high)s") % {"low": low, "high": high}


def start_back_explanation(result: rules.StartBackResult) -> str:
    """`StartBackResult.explanation` in the reader's language (the same words in English)."""
    total = _range_text(*result.total_range)
    psychosocial = _range_text(*result.psychosocial_range)
    scored_psychosocial = [n for n in result.scored_items if n in rules.PSYCHOSOCIAL_ITEMS]
    if result.risk == "indeterminate":
        return gettext(
            "Risk not known yet: %(items)s unanswered and the answers would change the risk group "
            "(total %(total)s of 9, psychosocial subscale %(psychosocial)s of 5); ask the missing "
            "items before care is matched"
        ) % {
            "items": _items_text(result.missing_items),
            "total": total,
            "psychosocial": psychosocial,
        }
    if result.risk == "high":
        detail = gettext("psychosocial subscale %(psychosocial)s of 5") % {
            "psychosocial": psychosocial
        }
        if scored_psychosocial:
            detail += f" ({_items_text(scored_psychosocial)})"
        text = gettext("High risk: %(detail)s") % {"detail": detail}
    elif result.risk == "medium":
        detail = gettext("total %(total)s of 9, psychosocial subscale %(psychosocial)s of 5") % {
            "total": total,
            "psychosocial": psychosocial,
        }
        text = gettext("Medium risk: %(detail)s") % {"detail": detail}
    else:
        detail = gettext("total %(total)s of 9") % {"total": total}
        text = gettext("Low risk: %(detail)s") % {"detail": detail}
    if result.status == "provisional":
        text += gettext(" (provisional: %(items)s unanswered, any answer gives the same risk)") % {
            "items": _items_text(result.missing_items)
        }
    return text


def risk_label(risk: str) -> str:
    return {
        "low": gettext("Low risk"),
        "medium": gettext("Medium risk"),
        "high": gettext("High risk"),
    }.get(risk, gettext("Risk not known yet"))


def _stored_start_back(inputs: dict[str, Any], outputs: dict[str, Any]) -> rules.StartBackResult:
    stored = outputs["start_back"]
    answers = inputs.get("start_back") or []
    scored = tuple(
        number
        for number, answer in enumerate(answers, start=1)
        if answer is not None and rules.start_back_item_score(number, answer) == 1
    )
    return rules.StartBackResult(
        status=stored["status"],
        total=stored["total"],
        psychosocial=stored["psychosocial"],
        total_range=(stored["total_range"][0], stored["total_range"][1]),
        psychosocial_range=(stored["psychosocial_range"][0], stored["psychosocial_range"][1]),
        risk=stored["risk"],
        missing_items=tuple(stored["missing_items"]),
        scored_items=scored,
    )


def decision_reasons(
    reasons: dict[str, Any], inputs: dict[str, Any], outputs: dict[str, Any]
) -> dict[str, Any]:
    """A stored decision's words (`services.explain`) in the reader's language: the record as
    stored in English, otherwise rebuilt from the codes it stored (falls back to the record)."""
    if english() or not reasons:
        return reasons
    try:
        flags = reasons["red_flags"]
        eligibility = outputs["eligibility"]
        screen = outputs.get("inflammatory_screen")
        return {
            "start_back": start_back_explanation(_stored_start_back(inputs, outputs)),
            "red_flags": {
                tier: [
                    {"code": flag["code"], "label": red_flag_label(flag["code"])}
                    for flag in flags[tier]
                ]
                for tier in ("emergency", "urgent", "contextual")
            },
            "disposition": gettext(
                rules.RED_FLAG_DISPOSITION_LABELS[outputs["red_flags"]["disposition"]]
            ),
            "eligibility": {
                program: {
                    "eligible": eligibility[program]["eligible"],
                    "reasons": [
                        gettext(rules.REASON_LABELS[code])
                        for code in eligibility[program]["reasons"]
                    ],
                }
                for program in eligibility
            },
            "matched_care": gettext(rules.MATCHED_CARE_LABELS[outputs["matched_care"]]),
            "inflammatory_screen": (
                gettext(rules.INFLAMMATORY_SCREEN_LABELS[screen]) if screen else None
            ),
        }
    except (KeyError, TypeError, ValueError, IndexError):
        return reasons


def alert_message(alert: PhysicianAlert) -> str:
    """The alert's message in the reader's language: as stored in English, otherwise rebuilt from
    the red-flag codes of its decision or phone screen (a self-referral's stays as written)."""
    if english():
        return alert.message
    decision = alert.decision if alert.decision_id is not None else None
    screen = alert.phone_screen if alert.phone_screen_id is not None else None
    if decision is not None:
        tier = "emergency" if alert.kind == "emergency" else "urgent"
        codes = [flag["code"] for flag in decision.reasons["red_flags"][tier]]
        template = EMERGENCY_ALERT if tier == "emergency" else URGENT_ALERT
    elif screen is not None:
        codes = list(screen.emergency_flags)
        template = PHONE_EMERGENCY_ALERT
    else:
        return alert.message
    try:
        flags = "; ".join(red_flag_label(code) for code in codes)
    except KeyError:
        return alert.message
    return gettext(template) % {"flags": flags}

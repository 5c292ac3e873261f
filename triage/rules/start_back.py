"""Keele STarT Back Screening Tool scoring and matched care (docs/clinical-rules.md section 1).

Plain Python, no Django imports (see triage/rules/__init__.py)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from triage.rules.base import (
    RulesInputError,
    gettext_noop,
)

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
    StartBackItem(1, "leg_pain", gettext_noop("Back pain has spread down the leg(s)"), "91340-0"),
    StartBackItem(
        2, "shoulder_neck_pain", gettext_noop("Pain in the shoulder or neck as well"), "91341-8"
    ),
    StartBackItem(
        3, "walking_short_distances", gettext_noop("Only walked short distances"), "91342-6"
    ),
    StartBackItem(4, "dressing_slowly", gettext_noop("Dressed more slowly than usual"), "91343-4"),
    StartBackItem(
        5,
        "physical_activity_not_safe",
        gettext_noop("Not really safe to be physically active"),
        "91344-2",
    ),
    StartBackItem(
        6, "worrying_thoughts", gettext_noop("Worrying thoughts going through the mind"), "91345-9"
    ),
    StartBackItem(
        7,
        "pain_terrible",
        gettext_noop("Pain is terrible and will never get any better"),
        "91346-7",
    ),
    StartBackItem(
        8, "not_enjoying_things", gettext_noop("Not enjoyed things as much as usual"), "91347-5"
    ),
    StartBackItem(
        9, "bothersomeness", gettext_noop("How bothersome the back pain has been"), "91348-3"
    ),
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
    "agree": gettext_noop("Agree"),
    "disagree": gettext_noop("Disagree"),
    "not_at_all": gettext_noop("Not at all"),
    "slightly": gettext_noop("Slightly"),
    "moderately": gettext_noop("Moderately"),
    "very_much": gettext_noop("Very much"),
    "extremely": gettext_noop("Extremely"),
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
        gettext_noop("One session of assessment, reassurance, advice and self-management support")
    ),
    "physiotherapy_course": gettext_noop("A course of physiotherapy"),
    "psychologically_informed_physiotherapy": gettext_noop(
        "Psychologically informed physiotherapy"
    ),
    "complete_start_back": gettext_noop("Ask the unanswered STarT Back items before matching care"),
}


def matched_care(risk: StartBackRisk) -> MatchedCare:
    """The care matched to an SBST risk group."""
    return MATCHED_CARE[risk]

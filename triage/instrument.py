"""STarT Back item wording: our own paraphrase, or the official text a clinic loads under licence.

Keele University owns the STarT Back wording (free for non-commercial use, unchanged, with its
copyright notice). The repository therefore ships only a plain-language paraphrase of each item,
labelled as such; `manage.py load_instrument_text` loads the official text a clinic holds.
No Django imports: validation is plain logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from triage.rules import (
    BOTHERSOME_ANSWERS,
    START_BACK_ANSWER_LABELS,
    START_BACK_ITEM_COUNT,
)
from triage.rules.base import gettext_noop

PARAPHRASE_NOTICE: Final = gettext_noop(
    "Plain-language paraphrase (not the official Keele wording)"
)

# Our own words for each item's meaning, written for this project (not Keele's wording).
PARAPHRASE_ITEMS: Final[tuple[str, ...]] = (
    gettext_noop(
        "Over the past 2 weeks, pain from my back has at some point travelled down into a leg."
    ),
    gettext_noop(
        "Over the past 2 weeks, I have also had pain in my shoulder or neck at some point."
    ),
    gettext_noop("Because of my back pain, I have only managed to walk short distances."),
    gettext_noop(
        "Because of my back pain, getting dressed has taken me longer than it normally does."
    ),
    gettext_noop(
        "With my back the way it is, I don't feel it is safe for me to be physically active."
    ),
    gettext_noop("Worrying thoughts about my back have been on my mind a lot."),
    gettext_noop("My back pain feels awful and I think it will never improve."),
    gettext_noop("On the whole, I have not been getting my usual pleasure out of things."),
    gettext_noop("Overall, how much has your back pain bothered you over the past 2 weeks?"),
)
ITEM9_OPTION_COUNT: Final = len(BOTHERSOME_ANSWERS)


class InstrumentTextError(ValueError):
    """The official-wording file is not usable; the message says what is wrong."""


@dataclass(frozen=True)
class Wording:
    items: tuple[str, ...]
    item9_options: tuple[str, ...]
    copyright_notice: str
    official: bool
    # The placeholder's label in the reader's language (selectors.placeholder_wording).
    placeholder_notice: str = PARAPHRASE_NOTICE

    @property
    def notice(self) -> str:
        return self.copyright_notice if self.official else self.placeholder_notice


PARAPHRASE: Final = Wording(
    items=PARAPHRASE_ITEMS,
    item9_options=tuple(START_BACK_ANSWER_LABELS[answer] for answer in BOTHERSOME_ANSWERS),
    copyright_notice="",
    official=False,
)


def _strings(data: dict[str, Any], key: str, count: int) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list):
        raise InstrumentTextError(f"'{key}' must be a list of {count} texts")
    if len(value) != count:
        raise InstrumentTextError(f"'{key}' must have exactly {count} entries, got {len(value)}")
    for index, text in enumerate(value, start=1):
        if not isinstance(text, str) or not text.strip():
            raise InstrumentTextError(f"'{key}' entry {index} must be non-empty text")
    return tuple(text.strip() for text in value)


def parse_instrument_text(data: object) -> Wording:
    """Validate a decoded official-wording file.

    Format: {"items": [9 texts, items 1-9 in order], "item9_options": [5 texts, from "not at all"
    to "extremely"], "copyright_notice": "..."}.
    """
    if not isinstance(data, dict):
        raise InstrumentTextError("the file must hold a JSON object")
    unknown = sorted(set(data) - {"items", "item9_options", "copyright_notice"})
    if unknown:
        raise InstrumentTextError(f"unknown key(s): {', '.join(unknown)}")
    items = _strings(data, "items", START_BACK_ITEM_COUNT)
    options = _strings(data, "item9_options", ITEM9_OPTION_COUNT)
    notice = data.get("copyright_notice")
    if not isinstance(notice, str) or not notice.strip():
        raise InstrumentTextError("'copyright_notice' must be non-empty text (Keele's terms)")
    return Wording(items, options, notice.strip(), official=True)


RMDQ_ITEM_COUNT: Final = 24


ODI_SECTION_COUNT, ODI_STATEMENTS = 10, 6  # each section: a title and its statements scored 0-5


def parse_odi_text(data: object) -> Wording:
    """Validate a decoded Oswestry Disability Index wording file (the clinic's licensed copy).

    Format: {"items": [70 texts: for each of the 10 sections in order, its title then its 6
    statements (scored 0 to 5)], "copyright_notice": "..."}.
    """
    if not isinstance(data, dict):
        raise InstrumentTextError("the file must hold a JSON object")
    unknown = sorted(set(data) - {"items", "copyright_notice"})
    if unknown:
        raise InstrumentTextError(f"unknown key(s): {', '.join(unknown)}")
    items = _strings(data, "items", ODI_SECTION_COUNT * (1 + ODI_STATEMENTS))
    notice = data.get("copyright_notice")
    if not isinstance(notice, str) or not notice.strip():
        raise InstrumentTextError("'copyright_notice' must be non-empty text (the licence terms)")
    return Wording(items, (), notice.strip(), official=True)


def parse_rmdq_text(data: object) -> Wording:
    """Validate a decoded RMDQ wording file (the clinic's licensed copy).

    Format: {"items": [24 texts, statements 1-24 in order], "copyright_notice": "..."}.
    """
    if not isinstance(data, dict):
        raise InstrumentTextError("the file must hold a JSON object")
    unknown = sorted(set(data) - {"items", "copyright_notice"})
    if unknown:
        raise InstrumentTextError(f"unknown key(s): {', '.join(unknown)}")
    items = _strings(data, "items", RMDQ_ITEM_COUNT)
    notice = data.get("copyright_notice")
    if not isinstance(notice, str) or not notice.strip():
        raise InstrumentTextError("'copyright_notice' must be non-empty text (the licence terms)")
    return Wording(items, (), notice.strip(), official=True)

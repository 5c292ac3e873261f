"""Referral words in the reader's language.

The rules and suggestions keep codes and English (marked for the catalogue); a suggestion's reasons
are stored in English as they were made. Here they are shown through gettext, in the language of the
request: a stored reason with a value in it (weeks, the program's reasons) is matched against its
template to translate the words around the value.
"""

from __future__ import annotations

import re
from functools import cache

from django.utils.translation import get_language, gettext, pgettext

from referrals import rules
from referrals.suggestions import SUGGESTION_LABELS, TEMPLATED_REASONS


def english() -> bool:
    return (get_language() or "en").lower().startswith("en")


def kind_label(kind: str) -> str:
    return gettext(SUGGESTION_LABELS.get(kind, kind))


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, gettext(label)) for kind, label in rules.KIND_LABELS.items()]


def status_label(status: str) -> str:
    """A referral's status in the page's language. The context keeps the referral's own wording
    ("Envoyée": une orientation) where another app's catalogue translates the same English word for
    something else ("Sent": un message, "Envoyé")."""
    label = rules.STATUS_LABELS.get(status, status)
    translated = pgettext("referral status", label)
    return translated if translated != label else gettext(label)


def risk_label(risk: str) -> str:
    """A STarT Back risk group as a word ("high"), as the letter and the review show it."""
    words = {
        "low": pgettext("STarT Back risk", "low"),
        "medium": pgettext("STarT Back risk", "medium"),
        "high": pgettext("STarT Back risk", "high"),
        "indeterminate": pgettext("STarT Back risk", "indeterminate"),
    }
    return words.get(risk, risk)


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    return re.compile(regex)


def reason_text(text: str) -> str:
    """A stored suggestion reason in the reader's language (as stored when there is none)."""
    if english():
        return text
    translated = gettext(text)
    if translated != text:
        return translated
    for template in TEMPLATED_REASONS:
        match = _pattern(template).fullmatch(text)
        if match:
            values = match.groupdict()
            if "reasons" in values:
                values["reasons"] = "; ".join(
                    gettext(part) for part in values["reasons"].split("; ")
                )
            return gettext(template) % values
    return text


def move_refused(error: rules.IllegalReferralMove) -> str:
    """A refused status change in the reader's language."""
    if english() or not error.from_status or not error.to_status:
        return str(error)
    if error.to_status not in rules.STATUS_LABELS:
        return str(error)
    allowed = rules.next_statuses(error.from_status)
    options = ", ".join(status_label(s).lower() for s in allowed) or gettext(
        "nothing (it has ended)"
    )
    return gettext(
        "A referral that is %(from)s cannot become %(to)s; it can become: %(options)s."
    ) % {
        "from": status_label(error.from_status).lower(),
        "to": status_label(error.to_status).lower(),
        "options": options,
    }

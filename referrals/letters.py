"""The referral letter: what it shows (the web page, its PDF, and the FHIR API's letter PDF)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from referrals import labels, selectors
from referrals.models import Referral
from triage.rules import INFLAMMATORY_SCREEN_LABELS, REASON_LABELS, RED_FLAG_LABELS


def _words(labels: dict[str, str], code: str) -> str:
    return gettext(labels[code]) if code in labels else code


def triage_display(triage: dict[str, Any]) -> dict[str, Any]:
    """The routing review's triage in words, in the reader's language."""
    flags = triage.get("red_flags") or {}
    rac = (triage.get("eligibility") or {}).get("rac_lbp") or {}
    screen = triage.get("inflammatory_screen")
    return {
        "risk": labels.risk_label((triage.get("start_back") or {}).get("risk", "indeterminate")),
        "disposition": flags.get("disposition", "none"),
        "flags": [
            _words(RED_FLAG_LABELS, code)
            for code in (flags.get("emergency") or []) + (flags.get("urgent") or [])
        ],
        "rac_eligible": rac.get("eligible"),
        "rac_reasons": [_words(REASON_LABELS, r) for r in rac.get("reasons") or []],
        "inflammatory_screen": _words(INFLAMMATORY_SCREEN_LABELS, screen) if screen else None,
    }


def letter_context(referral: Referral) -> dict[str, Any]:
    review = referral.suggestion.review if referral.suggestion is not None else None
    if review is None:
        review = selectors.latest_review(referral.episode)
    return {
        "referral": referral,
        "patient": referral.episode.patient,
        "episode": referral.episode,
        "kind_label": labels.kind_label(referral.kind),
        "triage": triage_display(review.triage_result) if review else None,
        "today": timezone.localdate(),
    }


def letter_pdf_html(referral: Referral) -> str:
    """The HTML the letter's PDF is made from."""
    return render_to_string("referrals/letter_pdf.html", letter_context(referral))

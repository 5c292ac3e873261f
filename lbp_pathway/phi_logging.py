"""Keep personal health information out of logs: a filter that rewrites each record's message and
traceback with health card numbers, email addresses, phone numbers, URL query strings and tokens in
paths masked.

Digits that belong to an identifier are left alone, so that logs can still be traced: a run glued to a
letter, digit, `-`, `_`, `:` or `#` before it (Celery task ids, reminder keys such as
`follow_up:1234567890#1`, UUIDs) is not a health card or a phone number. A health card written as
`card:1234567890` is therefore not masked; the app logs record ids, never health card numbers, and this
filter is the second line of defence (issue 19).
"""

from __future__ import annotations

import logging
import re

TOKEN_MASK = "[token removed]"
# Not part of an identifier: see the module's docstring.
_FREE = r"(?<![\w:#-])"

PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Query strings can carry names typed into search boxes.
    (re.compile(r"\?[^\s\"'<>]+"), "?[query removed]"),
    # A path segment of 32 or more URL-safe characters is a bearer token (questionnaire links: 43).
    (re.compile(r"(?<=/)[A-Za-z0-9_-]{32,}(?=[/\s\"']|$)"), TOKEN_MASK),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email removed]"),
    # Ontario health card: 10 digits, often written 1234-567-890 or 1234 567 890, then a version code.
    (
        re.compile(_FREE + r"\d{4}[- ]?\d{3}[- ]?\d{3}(?:[- ]?[A-Za-z]{1,2})?(?![\w#-])"),
        "[health card removed]",
    ),
    # North American phone numbers: 613-555-0123, (613) 555 0123, +1 613.555.0123
    (
        re.compile(_FREE + r"(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?![\w#-])"),
        "[phone removed]",
    ),
]


def scrub(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class ScrubPersonalInformation(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a badly formatted record still gets logged, scrubbed
            message = str(record.msg)
        record.msg, record.args = scrub(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True

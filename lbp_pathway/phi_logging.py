"""Keep personal health information out of logs: a filter that rewrites each record's message and
traceback with health card numbers, email addresses, phone numbers and URL query strings masked."""

from __future__ import annotations

import logging
import re

PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Query strings can carry names typed into search boxes.
    (re.compile(r"\?[^\s\"'<>]+"), "?[query removed]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email removed]"),
    # Ontario health card: 10 digits, often written 1234-567-890 or 1234 567 890, then a version code.
    (
        re.compile(r"(?<!\d)\d{4}[- ]?\d{3}[- ]?\d{3}(?:[- ]?[A-Za-z]{1,2})?(?![\dA-Za-z])"),
        "[health card removed]",
    ),
    # North American phone numbers: 613-555-0123, (613) 555 0123, +1 613.555.0123
    (
        re.compile(r"(?<!\d)(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?!\d)"),
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

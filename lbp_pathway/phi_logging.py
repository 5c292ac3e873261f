"""Keep personal health information out of logs: a filter that rewrites each record's message and
traceback with health card numbers, email addresses, phone numbers, birth dates (written after a
label such as "date of birth", "dob" or "born"), URL query strings and tokens in paths masked; and, in
production, a formatter that writes each record as one line of JSON (LOG_FORMAT).

Digits that belong to an identifier are left alone, so that logs can still be traced: a run glued to a
letter, digit, `-`, `_`, `:` or `#` before it (Celery task ids, reminder keys such as
`follow_up:1234567890#1`, UUIDs) is not a health card or a phone number. A health card written as
`card:1234567890` is therefore not masked; the app logs record ids, never health card numbers, and this
filter is the second line of defence (issue 19).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from celery._state import get_current_task

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


# A birth date after its label: 1970-01-31, 31/01/1970, January 31, 1970, 31 Jan 1970, or as Django
# and Python print one (datetime.date(1970, 1, 31)). Dates without such a label (appointment times,
# due dates) are kept: they say nothing about who the patient is.
_BIRTH_LABEL = r"(?i:\b(?:dob|d\.o\.b\.?|date[ _-]?of[ _-]?birth|birth[ _-]?date|born(?: on)?)\b)"
_BIRTH_DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|datetime\.date\(\d{4},\s*\d{1,2},\s*\d{1,2}\)"
    r"|[A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2} [A-Za-z]{3,9}\.? \d{4})"
)
PATTERNS.append(
    (
        re.compile(f"({_BIRTH_LABEL}" + r"""["']?\s*[:=]?\s*["']?)""" + _BIRTH_DATE),
        r"\1[birth date removed]",
    )
)


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


class JsonFormatter(logging.Formatter):
    """One JSON object a line (LOG_FORMAT=json, production's default): time, level, logger, message,
    the Celery task id and name when a task logged it, and the traceback. Only these fields are
    written, never a record's `extra` values, and each is scrubbed again here, so a handler that
    forgot the filter still writes no personal information."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(message),
        }
        task = get_current_task()  # what Celery's own TaskFormatter reads
        if task is not None and task.request and task.request.id:
            entry["task_id"], entry["task_name"] = task.request.id, task.name
        for field in ("task_id", "task_name"):  # or as Celery's task logger set them
            value = getattr(record, field, None)
            if isinstance(value, str) and value and value != "???":
                entry[field] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = scrub(record.exc_text)
        if record.stack_info:
            entry["stack"] = scrub(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)

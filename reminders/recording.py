"""Recording email/SMS backends for tests and benches, readable across processes.

Every send appends one JSON line to REMINDER_RECORDING_FILE under an exclusive file lock, whatever
its idempotency key: like the email, SMS and console channels, these backends do not de-duplicate, so
a test that counts lines counts what patients would receive, and measures the app, not the backend.
REMINDER_RECORDING_DELAY (seconds) makes the provider slow to answer after accepting, so a test can
kill a worker in the middle of a send.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


def recording_path() -> Path:
    path = os.environ.get("REMINDER_RECORDING_FILE") or settings.REMINDER_RECORDING_FILE
    if not path:
        raise RuntimeError("set REMINDER_RECORDING_FILE to use the recording backends")
    return Path(path)


def record(channel: str, to: str, subject: str, body: str, key: str, message_id: str = "") -> str:
    path = recording_path()
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        entry = {"channel": channel, "to": to, "subject": subject, "body": body, "key": key}
        if message_id:
            entry["message_id"] = message_id
        handle.write(json.dumps({**entry, "event": "sent", "pid": os.getpid()}) + "\n")
        handle.flush()
        fcntl.flock(handle, fcntl.LOCK_UN)
    delay = float(os.environ.get("REMINDER_RECORDING_DELAY") or 0)
    if delay:
        time.sleep(delay)
    return f"recorded:{key}"


def read_recording(path: Path | str | None = None) -> list[dict[str, Any]]:
    path = Path(path) if path else recording_path()
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        lines = [json.loads(line) for line in handle if line.strip()]
        fcntl.flock(handle, fcntl.LOCK_UN)
    return lines


class RecordingEmailBackend(BaseEmailBackend):
    """A Django email backend that records instead of sending (EMAIL_BACKEND in tests)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            key = message.extra_headers.get("X-Idempotency-Key", "")
            message_id = message.extra_headers.get("Message-ID", "")
            for to in message.to:
                record("email", to, str(message.subject), str(message.body), key, message_id)
        return len(email_messages)

"""Reminder timing and wording rules: plain Python, no Django imports.

Quiet hours, retry back-off, the patient's message language and the pseudonymous recipient reference
used on the managers' outbox live here so they can be read and tested alone.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """A nightly window in a clinic's time zone when patients are never messaged."""

    start: time
    end: time
    zone: ZoneInfo

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # the window crosses midnight

    def postpone(self, moment: datetime) -> datetime:
        """The moment itself outside quiet hours, else the end of the quiet period it falls in."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(self.zone)
        end = datetime.combine(local.date(), self.end, tzinfo=self.zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=self.zone)
        return end.astimezone(moment.tzinfo)


def parse_quiet_hours(text: str) -> QuietHours | None:
    """Read "21:00-08:00 America/Toronto"; an empty text means no quiet hours."""
    text = text.strip()
    if not text:
        return None
    window, _, zone = text.partition(" ")
    start, sep, end = window.partition("-")
    if not sep:
        raise ValueError(f"quiet hours must look like '21:00-08:00 America/Toronto', not {text!r}")
    return QuietHours(
        start=time.fromisoformat(start),
        end=time.fromisoformat(end),
        zone=ZoneInfo(zone.strip() or "America/Toronto"),
    )


def retry_delay(attempts: int, base_seconds: int, cap_seconds: int = 6 * 3600) -> timedelta:
    """Exponential back-off after a transient failure: base, 2x base, 4x base ... capped."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))


def message_language(preferred_language: str) -> str:
    """The language code of the message templates for a patient's stated preference (en or fr)."""
    value = preferred_language.strip().lower()
    if value.startswith(("fr", "français", "francais")):
        return "fr"
    return "en"


def pseudonym(secret: str, kind: str, identifier: int) -> str:
    """A stable reference that lets a manager follow one recipient without learning who it is."""
    digest = hmac.new(secret.encode(), f"{kind}:{identifier}".encode(), hashlib.sha256)
    prefix = "P" if kind == "patient" else "S"
    return f"{prefix}-{digest.hexdigest()[:10].upper()}"

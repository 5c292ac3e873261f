"""iCalendar files (RFC 5545) for a booked appointment, written by hand: one VCALENDAR holding one
VEVENT with UID, DTSTAMP, DTSTART/DTEND in UTC, SUMMARY and LOCATION. Text values are escaped
(backslash, semicolon, comma, newline) and lines folded at 75 octets, as the RFC requires.

Only what a calendar needs leaves the clinic: the site, its address and the time; never a reason for
the visit or anything clinical."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

PRODID = "-//LBP Pathway//Self-booking//EN"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str = ""
    url: str = ""


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, continuation lines starting with a
    space, never cutting a UTF-8 character in two."""
    pieces: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode()) > limit:
            pieces.append(current)
            current = char
            limit = 74  # the leading space of a continuation line counts
        else:
            current += char
    pieces.append(current)
    return "\r\n ".join(pieces)


def ics(event: CalendarEvent, *, now: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(event.start)}",
        f"DTEND:{_utc(event.end)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"LOCATION:{escape_text(event.location)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def parse(text: str) -> list[dict[str, str]]:
    """The VEVENTs of an iCalendar text as {property name: value} (lines unfolded, text unescaped):
    enough to read back what `ics` wrote, e.g. in tests and for the confirmation page."""
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in unfolded.split("\r\n"):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT" and current is not None:
            events.append(current)
            current = None
        elif current is not None and ":" in line:
            name, _, value = line.partition(":")
            current[name.split(";")[0]] = _unescape(value)
    return events


def _unescape(value: str) -> str:
    out = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)

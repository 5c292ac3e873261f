"""Referral rules as plain Python: destination kinds, the referral status machine, service-level
clocks, the imaging guideline check and what an attached report may be.

No Django imports, so the rules read like the spec and test alone. Models and services take their
choices and checks from here: this is the one place where a referral's status rules live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final


def gettext_noop(message: str) -> str:
    """Marks an English label for the French catalogue (tools/messages.py) and returns it as is:
    the rules keep codes and English; the screens translate the label when they show it."""
    return message


# --- Destination kinds ----------------------------------------------------------------------------

COMMUNITY_PHYSIO: Final = "community_physio"
RAC_LBP: Final = "rac_lbp"
SPINE_SURGEON: Final = "spine_surgeon"
IMAGING: Final = "imaging"
RHEUMATOLOGY: Final = "rheumatology"
PAIN_PROGRAM: Final = "pain_program"
EMERGENCY: Final = "emergency"
FAMILY_PHYSICIAN: Final = "family_physician"

KIND_LABELS: Final[dict[str, str]] = {
    COMMUNITY_PHYSIO: gettext_noop("Community physiotherapy"),
    RAC_LBP: gettext_noop("Rapid Access Clinic for LBP"),
    SPINE_SURGEON: gettext_noop("Spine surgeon / practice lead"),
    IMAGING: gettext_noop("Imaging"),
    RHEUMATOLOGY: gettext_noop("Rheumatology"),
    PAIN_PROGRAM: gettext_noop("Interdisciplinary pain program"),
    EMERGENCY: gettext_noop("Emergency Department"),
    FAMILY_PHYSICIAN: gettext_noop("Family physician"),
}
KINDS: Final[tuple[str, ...]] = tuple(KIND_LABELS)

# Service-level clock (D): days from sending a referral to the patient being seen. Ontario's RAC-LBP
# aims to assess within about four weeks; the others are our own targets, reviewed with the sites.
SLA_DAYS: Final[dict[str, int]] = {
    COMMUNITY_PHYSIO: 14,
    RAC_LBP: 28,
    SPINE_SURGEON: 90,
    IMAGING: 28,
    RHEUMATOLOGY: 90,
    PAIN_PROGRAM: 120,
    EMERGENCY: 1,
    FAMILY_PHYSICIAN: 14,
}

# --- Referral status machine ----------------------------------------------------------------------

DRAFT: Final = "draft"
SENT: Final = "sent"
ACCEPTED: Final = "accepted"
DECLINED: Final = "declined"
APPOINTMENT_BOOKED: Final = "appointment_booked"
SEEN: Final = "seen"
REPORT_RECEIVED: Final = "report_received"
CLOSED: Final = "closed"
CANCELLED: Final = "cancelled"

STATUS_LABELS: Final[dict[str, str]] = {
    DRAFT: gettext_noop("Draft"),
    SENT: gettext_noop("Sent"),
    ACCEPTED: gettext_noop("Accepted"),
    DECLINED: gettext_noop("Declined"),
    APPOINTMENT_BOOKED: gettext_noop("Appointment booked"),
    SEEN: gettext_noop("Seen"),
    REPORT_RECEIVED: gettext_noop("Report received"),
    CLOSED: gettext_noop("Closed"),
    CANCELLED: gettext_noop("Cancelled"),
}
STATUSES: Final[tuple[str, ...]] = tuple(STATUS_LABELS)

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    DRAFT: frozenset({SENT, CANCELLED}),
    SENT: frozenset({ACCEPTED, DECLINED, CANCELLED}),
    ACCEPTED: frozenset({APPOINTMENT_BOOKED, CANCELLED}),
    # A declined referral is closed (the physio makes a new one elsewhere if still needed).
    DECLINED: frozenset({CLOSED}),
    APPOINTMENT_BOOKED: frozenset({SEEN, CANCELLED}),
    # The loop closes only when the destination's report is back.
    SEEN: frozenset({REPORT_RECEIVED}),
    REPORT_RECEIVED: frozenset({CLOSED}),
    CLOSED: frozenset(),
    CANCELLED: frozenset(),
}
# The service-level clock runs from sending until the patient is seen (or the referral ends).
CLOCK_RUNNING: Final[frozenset[str]] = frozenset({SENT, ACCEPTED, APPOINTMENT_BOOKED})
FINISHED: Final[frozenset[str]] = frozenset({CLOSED, CANCELLED})


class IllegalReferralMove(ValueError):
    """A status change the rules refuse; the message is for the user (in English: the screens
    say it in the reader's language from `from_status` and `to_status` when they are set)."""

    def __init__(self, message: str, *, from_status: str = "", to_status: str = "") -> None:
        super().__init__(message)
        self.from_status = from_status
        self.to_status = to_status


def next_statuses(status: str) -> tuple[str, ...]:
    """Statuses a referral in `status` may move to, in the order of STATUSES."""
    allowed = TRANSITIONS[status]
    return tuple(s for s in STATUSES if s in allowed)


def check_move(from_status: str, to_status: str) -> None:
    """Raise IllegalReferralMove unless `from_status` -> `to_status` is allowed."""
    if to_status not in STATUS_LABELS:
        raise IllegalReferralMove(f"{to_status!r} is not a referral status.")
    if to_status not in TRANSITIONS[from_status]:
        allowed = next_statuses(from_status)
        options = ", ".join(STATUS_LABELS[s].lower() for s in allowed) or "nothing (it has ended)"
        raise IllegalReferralMove(
            f"A referral that is {STATUS_LABELS[from_status].lower()} cannot become "
            f"{STATUS_LABELS[to_status].lower()}; it can become: {options}.",
            from_status=from_status,
            to_status=to_status,
        )


def sla_due_on(kind: str, sent_on: date) -> date:
    """The date by which a referral of `kind` sent on `sent_on` should have been seen."""
    return sent_on + timedelta(days=SLA_DAYS[kind])


def is_overdue(status: str, due_on: date | None, today: date) -> bool:
    """Past its service-level date while the clock still runs."""
    return status in CLOCK_RUNNING and due_on is not None and today > due_on


# --- Imaging guideline (NICE NG59, QS155) ---------------------------------------------------------


def imaging_outside_guideline(*, red_flag: bool, surgical_candidate: bool) -> bool:
    """NICE NG59: no imaging for low back pain unless a red flag or a surgical/injection candidate."""
    return not (red_flag or surgical_candidate)


# --- Incoming reports -----------------------------------------------------------------------------

MAX_REPORT_BYTES: Final = 10 * 1024 * 1024


@dataclass(frozen=True)
class ReportType:
    extension: str
    content_type: str
    label: str


REPORT_TYPES: Final[dict[str, ReportType]] = {
    "pdf": ReportType("pdf", "application/pdf", "PDF"),
    "png": ReportType("png", "image/png", "PNG image"),
    "jpg": ReportType("jpg", "image/jpeg", "JPEG image"),
    "txt": ReportType("txt", "text/plain; charset=utf-8", "plain text"),
}
_TEXT_CONTROL_ALLOWED: Final = frozenset(b"\t\n\r\f")


def sniff_report_type(head: bytes) -> ReportType | None:
    """What the file is, judged from its first bytes (never from its name); None if not allowed.

    Plain text must be UTF-8 without control characters (other than tab, newlines, form feed).
    `head` should be the first few kilobytes; a UTF-8 sequence cut at the end is tolerated.
    """
    if head.startswith(b"%PDF-"):
        return REPORT_TYPES["pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return REPORT_TYPES["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return REPORT_TYPES["jpg"]
    if not head:
        return None
    if any(byte < 0x20 and byte not in _TEXT_CONTROL_ALLOWED for byte in head) or b"\x7f" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the end of the sample is still text.
        if error.start < len(head) - 3:
            return None
    return REPORT_TYPES["txt"]

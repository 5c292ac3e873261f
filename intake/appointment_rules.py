"""Which appointment status may follow which: the one place these rules live (no Django imports)."""

from __future__ import annotations

BOOKED = "booked"
ARRIVED = "arrived"
NO_SHOW = "no_show"
CANCELLED = "cancelled"
COMPLETED = "completed"

TRANSITIONS: dict[str, frozenset[str]] = {
    BOOKED: frozenset({ARRIVED, NO_SHOW, CANCELLED}),
    ARRIVED: frozenset({COMPLETED}),
    NO_SHOW: frozenset(),
    CANCELLED: frozenset(),
    COMPLETED: frozenset(),
}


def gettext_noop(message: str) -> str:
    """Marks a message for the French catalogue (tools/messages.py) without importing Django; the
    pages translate `IllegalAppointmentChange.message` and its `params` when they show it."""
    return message


LABELS = {
    BOOKED: gettext_noop("booked"),
    ARRIVED: gettext_noop("arrived"),
    NO_SHOW: gettext_noop("a no-show"),
    CANCELLED: gettext_noop("cancelled"),
    COMPLETED: gettext_noop("completed"),
}
# A cancelled appointment no longer holds its time: the exclusion constraint ignores it.
HOLDS_TIME = frozenset({BOOKED, ARRIVED, NO_SHOW, COMPLETED})


class IllegalAppointmentChange(Exception):
    """The message is for the user: `message` (English, a msgid of the catalogue) with its `params`
    (each a msgid too) filled in; str() is the English sentence."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def check_change(from_status: str, to_status: str) -> None:
    if to_status not in TRANSITIONS[from_status]:
        if from_status == CANCELLED:
            raise IllegalAppointmentChange(
                gettext_noop("A cancelled appointment cannot be changed.")
            )
        raise IllegalAppointmentChange(
            gettext_noop("An appointment that is %(was)s cannot be marked %(to)s."),
            was=LABELS[from_status],
            to=LABELS[to_status],
        )

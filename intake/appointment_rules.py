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
LABELS = {
    BOOKED: "booked",
    ARRIVED: "arrived",
    NO_SHOW: "a no-show",
    CANCELLED: "cancelled",
    COMPLETED: "completed",
}
# A cancelled appointment no longer holds its time: the exclusion constraint ignores it.
HOLDS_TIME = frozenset({BOOKED, ARRIVED, NO_SHOW, COMPLETED})


class IllegalAppointmentChange(Exception):
    """The message is for the user."""


def check_change(from_status: str, to_status: str) -> None:
    if to_status not in TRANSITIONS[from_status]:
        if from_status == CANCELLED:
            raise IllegalAppointmentChange("A cancelled appointment cannot be changed.")
        raise IllegalAppointmentChange(
            f"An appointment that is {LABELS[from_status]} cannot be marked {LABELS[to_status]}."
        )

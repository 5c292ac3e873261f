"""docs/clinical-rules.md section 10 (appointment status), every pair of statuses (issue 22).

The table is copied from the rule book, never read from intake.appointment_rules. Pure: no database.
"""

from __future__ import annotations

import itertools

import pytest

from intake.appointment_rules import HOLDS_TIME, IllegalAppointmentChange, check_change

STATUSES = ["booked", "arrived", "no_show", "cancelled", "completed"]
# Section 10: from -> may become.
MAY_BECOME: dict[str, set[str]] = {
    "booked": {"arrived", "no_show", "cancelled"},
    "arrived": {"completed"},
    "no_show": set(),
    "cancelled": set(),
    "completed": set(),
}
# How the refusal names each status.
WORDS = {
    "booked": "booked",
    "arrived": "arrived",
    "no_show": "a no-show",
    "cancelled": "cancelled",
    "completed": "completed",
}
ALL_PAIRS = list(itertools.product(STATUSES, repeat=2))


@pytest.mark.parametrize(("here", "there"), [p for p in ALL_PAIRS if p[1] in MAY_BECOME[p[0]]])
def test_legal_appointment_changes_are_allowed(here, there) -> None:
    check_change(here, there)


@pytest.mark.parametrize(("here", "there"), [p for p in ALL_PAIRS if p[1] not in MAY_BECOME[p[0]]])
def test_every_other_pair_including_a_status_to_itself_is_refused(here, there) -> None:
    with pytest.raises(IllegalAppointmentChange) as raised:
        check_change(here, there)
    if here == "cancelled":
        assert str(raised.value) == "A cancelled appointment cannot be changed."
    else:
        assert str(raised.value) == (
            f"An appointment that is {WORDS[here]} cannot be marked {WORDS[there]}."
        )


def test_only_a_cancelled_appointment_frees_its_time() -> None:
    assert {status for status in STATUSES if status in HOLDS_TIME} == set(STATUSES) - {"cancelled"}

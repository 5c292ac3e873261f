"""docs/clinical-rules.md section 11 (referral status), every pair of statuses (issue 22).

The table is copied from the rule book, never read from referrals.rules. Pure: no database.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from referrals import rules

# In the order of the rule book.
STATUSES = [
    "draft",
    "sent",
    "accepted",
    "declined",
    "appointment_booked",
    "seen",
    "report_received",
    "closed",
    "cancelled",
]
# Section 11: from -> may become, in the order above.
MAY_BECOME: dict[str, list[str]] = {
    "draft": ["sent", "cancelled"],
    "sent": ["accepted", "declined", "cancelled"],
    "accepted": ["appointment_booked", "cancelled"],
    "declined": ["closed"],
    "appointment_booked": ["seen", "cancelled"],
    "seen": ["report_received"],
    "report_received": ["closed"],
    "closed": [],
    "cancelled": [],
}
CLOCK_RUNS = {"sent", "accepted", "appointment_booked"}
ALL_PAIRS = list(itertools.product(STATUSES, repeat=2))


def words(status: str) -> str:
    return status.replace("_", " ")


@pytest.mark.parametrize("status", STATUSES)
def test_next_statuses_follow_the_table_in_order(status) -> None:
    assert list(rules.next_statuses(status)) == MAY_BECOME[status]


@pytest.mark.parametrize(("here", "there"), [p for p in ALL_PAIRS if p[1] in MAY_BECOME[p[0]]])
def test_legal_referral_moves_are_allowed(here, there) -> None:
    rules.check_move(here, there)


@pytest.mark.parametrize(("here", "there"), [p for p in ALL_PAIRS if p[1] not in MAY_BECOME[p[0]]])
def test_every_other_pair_including_a_status_to_itself_is_refused(here, there) -> None:
    with pytest.raises(rules.IllegalReferralMove) as raised:
        rules.check_move(here, there)
    options = ", ".join(words(s) for s in MAY_BECOME[here]) or "nothing (it has ended)"
    assert str(raised.value) == (
        f"A referral that is {words(here)} cannot become {words(there)}; it can become: {options}."
    )


@pytest.mark.parametrize("here", STATUSES)
def test_a_move_to_something_that_is_not_a_status_is_refused(here) -> None:
    with pytest.raises(rules.IllegalReferralMove) as raised:
        rules.check_move(here, "lost")
    assert str(raised.value) == "'lost' is not a referral status."


@pytest.mark.parametrize("status", STATUSES)
def test_the_service_clock_runs_only_while_sent_accepted_or_booked(status) -> None:
    due = date(2026, 3, 29)
    assert rules.is_overdue(status, due, date(2026, 3, 30)) is (status in CLOCK_RUNS)
    assert rules.is_overdue(status, due, due) is False
    assert rules.is_overdue(status, None, date(2027, 1, 1)) is False


@pytest.mark.parametrize(
    "head",
    [
        "Seen today. Plan: MRI \U0001f600".encode()[:-1],  # a 4-byte character cut after 3 bytes
        "Seen today. Café".encode()[:-1],  # a 2-byte character cut after 1 byte
    ],
)
def test_text_cut_inside_its_last_character_is_still_text(head) -> None:
    assert rules.sniff_report_type(head).extension == "txt"


@pytest.mark.parametrize(
    "head",
    [
        b"Seen today\x7f",  # DEL
        b"Seen \xff today",  # not UTF-8, well before the end
        b"Seen today\xff...",  # not UTF-8 4 bytes from the end
    ],
)
def test_text_with_control_bytes_or_broken_utf8_is_refused(head) -> None:
    assert rules.sniff_report_type(head) is None

"""docs/clinical-rules.md section 9 (episode status), every pair of statuses (issue 22).

The table is copied from the rule book, never read from care_episodes.lifecycle. No database: an
unsaved episode is enough to ask what may follow, and an illegal move is refused before any query.
(Not part of `make mutation`: lifecycle.py imports Django.)
"""

from __future__ import annotations

import itertools

import pytest

from care_episodes import lifecycle
from care_episodes.lifecycle import IllegalTransition
from care_episodes.models import Episode

STATUSES = [
    "requested",
    "booked",
    "assessed",
    "in_care",
    "discharged",
    "sent_to_emergency",
    "referred_on",
    "declined",
    "lost_to_follow_up",
]
SIDE_EXITS = {"sent_to_emergency", "referred_on", "declined", "lost_to_follow_up"}
# Section 9: from -> may become.
MAY_BECOME: dict[str, set[str]] = {
    "requested": {"booked", "assessed"} | SIDE_EXITS,
    "booked": {"requested", "assessed"} | SIDE_EXITS,
    "assessed": {"in_care", "discharged"} | SIDE_EXITS,
    "in_care": {"discharged"} | SIDE_EXITS,
    "sent_to_emergency": {"requested"},
    "lost_to_follow_up": {"requested"},
    "discharged": set(),
    "referred_on": set(),
    "declined": set(),
}
WORDS = {status: status.replace("_", " ") for status in STATUSES} | {
    "sent_to_emergency": "sent to emergency",
    "lost_to_follow_up": "lost to follow-up",
}
ALL_PAIRS = list(itertools.product(STATUSES, repeat=2))


@pytest.mark.parametrize(("here", "there"), ALL_PAIRS)
def test_each_pair_is_allowed_exactly_when_the_rule_book_says(here, there) -> None:
    assert lifecycle.can_transition(Episode(status=here), there) is (there in MAY_BECOME[here])


@pytest.mark.parametrize("here", STATUSES)
def test_allowed_next_lists_the_rule_books_statuses_in_order(here) -> None:
    expected = [status for status in STATUSES if status in MAY_BECOME[here]]
    assert lifecycle.allowed_next(Episode(status=here)) == expected


@pytest.mark.parametrize(("here", "there"), [p for p in ALL_PAIRS if p[1] not in MAY_BECOME[p[0]]])
def test_every_other_pair_including_a_status_to_itself_is_refused(here, there) -> None:
    with pytest.raises(IllegalTransition) as raised:
        lifecycle.transition(Episode(status=here), there)
    assert str(raised.value) == f"An episode that is {WORDS[here]} cannot become {WORDS[there]}."

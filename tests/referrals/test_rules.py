"""Referral status rules, service-level clock, imaging guideline and report types."""

from datetime import date

import pytest

from referrals import rules

HAPPY_PATH = [
    rules.DRAFT,
    rules.SENT,
    rules.ACCEPTED,
    rules.APPOINTMENT_BOOKED,
    rules.SEEN,
    rules.REPORT_RECEIVED,
    rules.CLOSED,
]


def test_a_referral_walks_from_draft_to_closed_one_step_at_a_time():
    for here, there in zip(HAPPY_PATH, HAPPY_PATH[1:], strict=False):
        rules.check_move(here, there)


@pytest.mark.parametrize(
    ("here", "there"),
    [
        (rules.DRAFT, rules.ACCEPTED),
        (rules.SENT, rules.SEEN),
        (rules.SEEN, rules.CLOSED),
        (rules.CLOSED, rules.SENT),
        (rules.CANCELLED, rules.DRAFT),
        (rules.REPORT_RECEIVED, rules.CANCELLED),
    ],
)
def test_illegal_moves_are_refused_with_a_message_naming_what_is_possible(here, there):
    with pytest.raises(rules.IllegalReferralMove) as error:
        rules.check_move(here, there)
    assert rules.STATUS_LABELS[there].lower() in str(error.value)
    assert "it can become" in str(error.value)


@pytest.mark.parametrize(
    "status", [rules.DRAFT, rules.SENT, rules.ACCEPTED, rules.APPOINTMENT_BOOKED]
)
def test_an_open_referral_before_the_visit_can_be_cancelled(status):
    rules.check_move(status, rules.CANCELLED)


def test_a_declined_referral_can_only_be_closed():
    assert rules.next_statuses(rules.DECLINED) == (rules.CLOSED,)


def test_rapid_access_clinic_clock_is_28_days_from_sending():
    assert rules.sla_due_on(rules.RAC_LBP, date(2026, 3, 1)) == date(2026, 3, 29)


@pytest.mark.parametrize(
    ("status", "today", "overdue"),
    [
        (rules.SENT, date(2026, 3, 30), True),
        (rules.SENT, date(2026, 3, 29), False),  # the due day itself is still on time
        (rules.APPOINTMENT_BOOKED, date(2026, 4, 30), True),
        (rules.SEEN, date(2026, 4, 30), False),  # seen: the clock stopped
        (rules.CANCELLED, date(2026, 4, 30), False),
        (rules.DRAFT, date(2026, 4, 30), False),
    ],
)
def test_overdue_means_past_the_due_date_while_the_clock_runs(status, today, overdue):
    assert rules.is_overdue(status, date(2026, 3, 29), today) is overdue


@pytest.mark.parametrize(
    ("red_flag", "surgical", "outside"),
    [(False, False, True), (True, False, False), (False, True, False), (True, True, False)],
)
def test_imaging_is_outside_the_guideline_without_red_flag_or_surgical_candidacy(
    red_flag, surgical, outside
):
    assert (
        rules.imaging_outside_guideline(red_flag=red_flag, surgical_candidate=surgical) is outside
    )


@pytest.mark.parametrize(
    ("head", "extension"),
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpg"),
        ("Consult note: seen, MRI booked. Café\n".encode(), "txt"),
    ],
)
def test_reports_are_recognised_by_their_content(head, extension):
    assert rules.sniff_report_type(head).extension == extension


@pytest.mark.parametrize(
    "head",
    [b"MZ\x90\x00\x03\x00", b"PK\x03\x04zip", b"<html>\x00</html>", b"", b"GIF89a\x01\x00"],
    ids=["exe", "zip", "nul-in-text", "empty", "gif"],
)
def test_other_files_are_refused_whatever_their_name(head):
    assert rules.sniff_report_type(head) is None

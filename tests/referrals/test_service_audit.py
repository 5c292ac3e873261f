"""Referral write services audit themselves: given an Actor, each leaves exactly one audit row naming
the patient, inside the service's transaction, and none when it refuses."""

from __future__ import annotations

import pytest

from lbp_pathway import audit
from lbp_pathway.models import AuditEvent
from referrals import rules, services
from referrals.models import Referral, ReferralEvent, RoutingReview
from tests.audit_rows import mark, only_row, rows_after
from tests.privacy.factories import AccessWorld, pdf_upload
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return AccessWorld()


@pytest.fixture
def physio(world):
    return audit.Actor(user=world.physio, path="/referrals/test/", ip_address="10.0.0.9")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_routing_review_leaves_one_create_row(world):
    world.suggestion()  # services.record_review, as the physio
    assert RoutingReview.objects.count() == 1
    only_row(action="create", what="Routing review", patient_id=world.patient.pk, user=world.physio)


def test_deciding_a_suggestion_leaves_one_row_and_a_refused_decision_none(world, physio):
    suggestion = world.suggestion()
    since = mark()
    with pytest.raises(ValueError):
        services.decide_suggestion(suggestion, decision="declined", reason=" ", actor=physio)
    assert not rows_after(since).exists()
    services.decide_suggestion(suggestion, decision="accepted", actor=physio)
    only_row(since, action="change", patient_id=world.patient.pk, user=world.physio)
    suggestion.refresh_from_db()
    assert suggestion.decided_by == world.physio


def test_creating_a_referral_leaves_one_create_row(world, physio):
    destination = world.destination()
    referral = services.create_referral(
        episode=world.episode,
        kind=rules.COMMUNITY_PHYSIO,
        destination=destination,
        matches=[destination],
        matched_from_postal_code="K7L 1A1",
        reason="Persistent low back pain",
        question="Please assess.",
        actor=physio,
    )
    assert referral.created_by == world.physio
    assert ReferralEvent.objects.get(referral=referral).by == world.physio
    only_row(action="create", what=f"Referral {referral.pk}", patient_id=world.patient.pk)


def test_a_referral_refused_for_a_missing_override_reason_leaves_no_row(world, physio):
    destination = world.destination()
    other = ReferralFactory(episode=world.episode).destination
    with pytest.raises(ValueError):
        services.create_referral(
            episode=world.episode,
            kind=rules.COMMUNITY_PHYSIO,
            destination=other,
            matches=[destination, other],
            matched_from_postal_code="K7L 1A1",
            reason="Persistent low back pain",
            question="Please assess.",
            actor=physio,
        )
    assert not AuditEvent.objects.exists()


def test_moving_a_referral_leaves_one_row_and_an_illegal_move_none(world, physio):
    referral = ReferralFactory(episode=world.episode, created_by=world.physio)
    services.move_referral(referral, rules.SENT, actor=physio)
    only_row(action="change", what=f"Referral {referral.pk} status", patient_id=world.patient.pk)
    since = mark()
    with pytest.raises(rules.IllegalReferralMove):
        services.move_referral(referral, rules.REPORT_RECEIVED, actor=physio)
    assert not rows_after(since).exists()
    assert Referral.objects.get(pk=referral.pk).status == rules.SENT


def test_a_system_move_names_the_user_on_the_event_and_the_system_on_the_audit_row(world):
    """Demo data moves referrals as the system, naming the physio who did it."""
    referral = ReferralFactory(episode=world.episode, created_by=world.physio)
    event = services.move_referral(referral, rules.SENT, by=world.physio)
    assert event.by == world.physio
    only_row(action="change", user=None, path="system", patient_id=world.patient.pk)


def test_attaching_a_report_leaves_exactly_one_row_though_it_moves_twice(world, physio, media):
    referral = world.booked_referral()
    since = mark()
    services.attach_report(
        referral, pdf_upload(), report_type=rules.REPORT_TYPES["pdf"], actor=physio
    )
    assert referral.status == rules.REPORT_RECEIVED
    assert ReferralEvent.objects.filter(referral=referral, by=world.physio).count() >= 2
    only_row(
        since, action="change", what=f"Referral {referral.pk} report", patient_id=world.patient.pk
    )


def test_a_report_for_a_draft_referral_is_refused_without_a_row(world, physio, media):
    referral = ReferralFactory(episode=world.episode, created_by=world.physio)
    with pytest.raises(rules.IllegalReferralMove):
        services.attach_report(
            referral, pdf_upload(), report_type=rules.REPORT_TYPES["pdf"], actor=physio
        )
    assert not AuditEvent.objects.exists()

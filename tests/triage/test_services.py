from datetime import timedelta

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from care_episodes.models import Episode
from lbp_pathway import audit
from lbp_pathway.models import AuditEvent
from tests.triage.factories import (
    HIGH_RISK_ANSWERS,
    LOW_RISK_ANSWERS,
    TriageEpisodeFactory,
    facts,
)
from triage import services
from triage.models import AppendOnlyError, PhysicianAlert, QuestionnaireResponse, TriageDecision
from triage.rules import RULE_VERSION, RulesInputError

pytestmark = pytest.mark.django_db


def test_a_triage_is_stored_with_its_inputs_outputs_and_rule_version(physio):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    decision = services.record_triage(
        episode, facts(), HIGH_RISK_ANSWERS, actor=audit.as_actor(physio)
    )

    stored = TriageDecision.objects.get(pk=decision.pk)
    assert stored.rule_version == RULE_VERSION
    assert stored.risk == "high"
    assert stored.disposition == "none"
    assert stored.inputs["start_back"] == HIGH_RISK_ANSWERS
    assert stored.inputs["date_of_birth"] == episode.patient.date_of_birth.isoformat()
    assert stored.outputs["matched_care"] == "psychologically_informed_physiotherapy"
    assert stored.reasons["start_back"] == (
        "High risk: psychosocial subscale 4 of 5 (items 5, 6, 7, 9)"
    )
    assert stored.response.answers == HIGH_RISK_ANSWERS
    assert stored.response.source == QuestionnaireResponse.Source.STAFF
    episode.refresh_from_db()
    assert episode.risk == "high"
    assert episode.booking_hold == ""


def test_a_stored_decision_is_never_rewritten_by_the_app(physio):
    decision = services.record_triage(
        TriageEpisodeFactory(), facts(), LOW_RISK_ANSWERS, actor=audit.as_actor(physio)
    )
    decision.risk = "high"
    with pytest.raises(AppendOnlyError):
        decision.save()
    with pytest.raises(AppendOnlyError):
        decision.delete()
    assert TriageDecision.objects.get(pk=decision.pk).risk == "low"


def test_the_database_refuses_to_update_or_delete_a_decision(physio):
    decision = services.record_triage(
        TriageEpisodeFactory(), facts(), LOW_RISK_ANSWERS, actor=audit.as_actor(physio)
    )
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        TriageDecision.objects.filter(pk=decision.pk).update(risk="high")
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM triage_triagedecision WHERE id = %s", [decision.pk])
    assert TriageDecision.objects.get(pk=decision.pk).risk == "low"


def test_a_new_triage_makes_a_new_decision_and_keeps_the_old_one(physio):
    episode = TriageEpisodeFactory()
    first = services.record_triage(episode, facts(), LOW_RISK_ANSWERS, actor=audit.as_actor(physio))
    second = services.record_triage(
        episode, facts(), HIGH_RISK_ANSWERS, actor=audit.as_actor(physio)
    )
    assert list(episode.triage_decisions.order_by("id").values_list("risk", flat=True)) == [
        "low",
        "high",
    ]
    assert first.pk != second.pk
    episode.refresh_from_db()
    assert episode.risk == "high"


def test_emergency_red_flag_holds_booking_alerts_the_physician_and_sends_to_emergency(physio):
    episode = TriageEpisodeFactory(status=Episode.Status.BOOKED)
    decision = services.record_triage(
        episode,
        facts(red_flags=["ces_saddle_or_perineal_anaesthesia"]),
        LOW_RISK_ANSWERS,
        actor=audit.as_actor(physio),
    )
    episode.refresh_from_db()
    assert decision.disposition == "emergency"
    assert episode.status == Episode.Status.SENT_TO_EMERGENCY
    assert episode.booking_hold == services.EMERGENCY_HOLD
    alert = PhysicianAlert.objects.get(episode=episode)
    assert alert.kind == PhysicianAlert.Kind.EMERGENCY
    assert alert.physician == episode.patient.family_physician
    assert "Numbness or altered feeling around the back passage" in alert.message
    assert episode.events.filter(to_status="sent_to_emergency").exists()


def test_urgent_red_flag_creates_a_review_task_due_within_the_configured_hours(physio, settings):
    settings.TRIAGE_URGENT_REVIEW_HOURS = 48
    episode = TriageEpisodeFactory()
    before = timezone.now()
    services.record_triage(
        episode,
        facts(red_flags=["history_of_cancer"]),
        LOW_RISK_ANSWERS,
        actor=audit.as_actor(physio),
    )
    alert = PhysicianAlert.objects.get(episode=episode)
    assert alert.kind == PhysicianAlert.Kind.URGENT_REVIEW
    assert before + timedelta(hours=48) <= alert.due_at <= timezone.now() + timedelta(hours=48)
    episode.refresh_from_db()
    assert episode.status == Episode.Status.REQUESTED
    assert episode.booking_hold == services.URGENT_HOLD


def test_urgent_review_defaults_to_72_hours(physio, settings):
    del settings.TRIAGE_URGENT_REVIEW_HOURS
    episode = TriageEpisodeFactory()
    services.record_triage(
        episode, facts(red_flags=["iv_drug_use"]), LOW_RISK_ANSWERS, actor=audit.as_actor(physio)
    )
    alert = PhysicianAlert.objects.get(episode=episode)
    assert alert.due_at - alert.created_at == timedelta(hours=72)


def test_repeating_an_emergency_triage_keeps_one_open_alert(physio):
    episode = TriageEpisodeFactory()
    red = facts(red_flags=["significant_trauma"])
    services.record_triage(episode, red, LOW_RISK_ANSWERS, actor=audit.as_actor(physio))
    services.record_triage(episode, red, LOW_RISK_ANSWERS, actor=audit.as_actor(physio))
    assert PhysicianAlert.objects.filter(episode=episode).count() == 1
    assert episode.triage_decisions.count() == 2


def test_clearing_the_emergency_alert_lifts_the_hold_and_returns_the_episode(physio):
    episode = TriageEpisodeFactory()
    services.record_triage(
        episode, facts(red_flags=["significant_trauma"]), [None] * 9, actor=audit.as_actor(physio)
    )
    alert = PhysicianAlert.objects.get(episode=episode)
    services.clear_alert(
        alert,
        note="Seen in ED, imaging normal",
        actor=audit.as_actor(episode.patient.family_physician),
    )
    episode.refresh_from_db()
    alert.refresh_from_db()
    assert episode.booking_hold == ""
    assert episode.status == Episode.Status.REQUESTED
    assert alert.cleared_by == episode.patient.family_physician
    assert alert.clearance_note == "Seen in ED, imaging normal"


def test_another_physician_cannot_clear_the_alert(physio, physician):
    episode = TriageEpisodeFactory()
    services.record_triage(
        episode, facts(red_flags=["history_of_cancer"]), [None] * 9, actor=audit.as_actor(physio)
    )
    alert = PhysicianAlert.objects.get(episode=episode)
    with pytest.raises(services.AlertClearanceError):
        services.clear_alert(alert, note="not mine", actor=audit.as_actor(physician))
    alert.refresh_from_db()
    assert alert.is_open


def test_clearing_needs_a_note(physio):
    episode = TriageEpisodeFactory()
    services.record_triage(
        episode, facts(red_flags=["history_of_cancer"]), [None] * 9, actor=audit.as_actor(physio)
    )
    alert = PhysicianAlert.objects.get(episode=episode)
    with pytest.raises(services.AlertClearanceError, match="why"):
        services.clear_alert(
            alert, note="  ", actor=audit.as_actor(episode.patient.family_physician)
        )
    episode.refresh_from_db()
    assert episode.booking_hold == services.URGENT_HOLD


def test_an_indeterminate_start_back_leaves_risk_unset_and_asks_for_missing_items(physio):
    episode = TriageEpisodeFactory()
    answers = ["agree", "agree", "agree", "agree", None, None, None, None, None]
    decision = services.record_triage(episode, facts(), answers, actor=audit.as_actor(physio))
    assert decision.risk == "indeterminate"
    assert decision.outputs["matched_care"] == "complete_start_back"
    assert "ask the missing items" in decision.reasons["start_back"]
    episode.refresh_from_db()
    assert episode.risk == ""


def test_input_the_rules_cannot_judge_stores_nothing(physio):
    episode = TriageEpisodeFactory()
    with pytest.raises(RulesInputError):
        services.record_triage(
            episode, facts(red_flags=["not_a_flag"]), LOW_RISK_ANSWERS, actor=audit.as_actor(physio)
        )
    assert not TriageDecision.objects.exists()
    assert not QuestionnaireResponse.objects.exists()


def test_confirming_patient_answers_marks_them_confirmed_and_uses_them(physio):
    episode = TriageEpisodeFactory()
    _, token = services.create_questionnaire_link(episode, actor=audit.as_actor(physio))
    response = services.submit_patient_answers(token, HIGH_RISK_ANSWERS, actor=audit.SYSTEM)
    decision = services.record_triage(
        episode, facts(), HIGH_RISK_ANSWERS, actor=audit.as_actor(physio), response=response
    )
    response.refresh_from_db()
    assert decision.response == response
    assert response.confirmed_by == physio
    assert QuestionnaireResponse.objects.count() == 1


def test_phone_screen_emergency_alerts_the_physician_and_holds_the_open_episode(front_desk):
    episode = TriageEpisodeFactory()
    screen = services.record_phone_screen(
        episode.patient,
        back_pain_main_reason=True,
        emergency_flags=["ces_urinary_retention_or_overflow_incontinence"],
        actor=audit.as_actor(front_desk),
    )
    assert screen.outcome == "emergency"
    episode.refresh_from_db()
    assert episode.booking_hold == services.EMERGENCY_HOLD
    assert episode.status == Episode.Status.SENT_TO_EMERGENCY
    alert = PhysicianAlert.objects.get(patient=episode.patient)
    assert alert.phone_screen == screen
    assert alert.kind == "emergency"


def test_phone_screen_refuses_non_emergency_codes(front_desk):
    episode = TriageEpisodeFactory()
    with pytest.raises(RulesInputError):
        services.record_phone_screen(
            episode.patient,
            back_pain_main_reason=True,
            emergency_flags=["history_of_cancer"],
            actor=audit.as_actor(front_desk),
        )


def test_the_database_refuses_a_cleared_alert_without_a_note(physio):
    episode = TriageEpisodeFactory()
    services.record_triage(
        episode, facts(red_flags=["history_of_cancer"]), [None] * 9, actor=audit.as_actor(physio)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PhysicianAlert.objects.filter(episode=episode).update(cleared_at=timezone.now())


# --- every write is audited by its service, in its transaction ---------------------------------


def test_a_recorded_triage_is_audited_with_the_actor_and_the_patient(physio):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    acting = audit.Actor(user=physio, path="/triage/episode/1/", ip_address="10.0.0.7")
    decision = services.record_triage(episode, facts(), HIGH_RISK_ANSWERS, actor=acting)
    row = AuditEvent.objects.get(action="create")
    assert row.what == f"Triage decision {decision.pk}"
    assert (row.user, row.patient_id) == (physio, episode.patient_id)
    assert (row.path, row.ip_address) == ("/triage/episode/1/", "10.0.0.7")


def test_the_triage_and_its_audit_row_commit_together(physio, monkeypatch):
    """When the audit row cannot be written, the triage is not stored either."""
    episode = TriageEpisodeFactory(physiotherapist=physio)

    def broken(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services.audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.record_triage(
            episode,
            facts(red_flags=["significant_trauma"]),
            [None] * 9,
            actor=audit.as_actor(physio),
        )
    assert not TriageDecision.objects.exists()
    assert not QuestionnaireResponse.objects.exists()
    assert not PhysicianAlert.objects.exists()
    episode.refresh_from_db()
    assert episode.booking_hold == ""


def test_patient_answers_are_audited_without_a_user_as_the_patient_link(physio):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    _, token = services.create_questionnaire_link(episode, actor=audit.as_actor(physio))
    link_row = AuditEvent.objects.get()
    assert (link_row.user, link_row.action, link_row.patient_id) == (
        physio,
        "create",
        episode.patient_id,
    )
    response = services.submit_patient_answers(token, HIGH_RISK_ANSWERS, actor=audit.SYSTEM)
    row = AuditEvent.objects.exclude(pk=link_row.pk).get()
    assert row.user is None
    assert row.reason == "patient link"
    assert row.patient_id == episode.patient_id
    assert str(response.pk) in row.what


def test_clearing_an_alert_is_audited_and_a_refused_clearance_is_not(physio, physician):
    episode = TriageEpisodeFactory()
    services.record_triage(
        episode, facts(red_flags=["history_of_cancer"]), [None] * 9, actor=audit.as_actor(physio)
    )
    alert = PhysicianAlert.objects.get(episode=episode)
    before = AuditEvent.objects.count()
    with pytest.raises(services.AlertClearanceError):
        services.clear_alert(alert, note="not mine", actor=audit.as_actor(physician))
    assert AuditEvent.objects.count() == before
    owner = episode.patient.family_physician
    services.clear_alert(alert, note="Reviewed, bloods normal", actor=audit.as_actor(owner))
    row = AuditEvent.objects.latest("pk")
    assert (row.action, row.user, row.patient_id) == ("change", owner, episode.patient_id)
    assert row.what == f"Red-flag alert {alert.pk} cleared"


def test_a_phone_screen_is_audited_with_its_outcome(front_desk):
    patient = TriageEpisodeFactory().patient
    services.record_phone_screen(
        patient,
        back_pain_main_reason=True,
        emergency_flags=[],
        actor=audit.as_actor(front_desk),
    )
    row = AuditEvent.objects.get()
    assert (row.action, row.user, row.patient_id) == ("create", front_desk, patient.pk)
    assert row.what == "Phone screen: book"

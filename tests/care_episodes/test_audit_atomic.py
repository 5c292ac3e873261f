"""A write commits together with its audit row or not at all.

PostgreSQL itself is made to refuse every insert into the audit log (a trigger that raises), as a full
disk or a lost connection would; each service must then let the error through and leave nothing
behind: no note signed, no assessment, no status change, no timeline entry, no reminder. The test's
transaction (the `db` fixture) rolls the trigger back with everything else.
"""

from datetime import date

import pytest
from django.db import DatabaseError, connection
from django.urls import reverse

from care_episodes import services
from care_episodes.models import Assessment, Discharge, Episode, EpisodeEvent, OutcomeMeasurement
from lbp_pathway.audit import as_actor
from lbp_pathway.models import AuditEvent
from reminders.models import Reminder
from tests.care_episodes.factories import AssessmentFactory, NoteFactory
from tests.factories import EpisodeFactory, SiteFactory

pytestmark = pytest.mark.django_db
S = Episode.Status


@pytest.fixture
def audit_log_refuses_inserts(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION test_refuse_audit_insert() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit log unavailable (test)';
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_refuse_audit_insert BEFORE INSERT ON lbp_pathway_auditevent
                FOR EACH ROW EXECUTE FUNCTION test_refuse_audit_insert();
            """
        )


def _assessment_fields(episode: Episode) -> dict:
    built = AssessmentFactory.build(episode=episode).__dict__
    names = {f.name for f in Assessment._meta.concrete_fields} - {
        "id",
        "episode",
        "by",
        "created_at",
    }
    return {name: built[name] for name in names if name in built}


def test_the_trigger_really_refuses_audit_rows(audit_log_refuses_inserts, physio):
    with pytest.raises(DatabaseError, match="audit log unavailable"):
        AuditEvent.objects.create(username=physio.username, action="view", what="probe")


def test_signing_a_note_whose_audit_fails_leaves_the_note_unsigned(
    audit_log_refuses_inserts, physio
):
    note = NoteFactory(episode=EpisodeFactory(physiotherapist=physio, status=S.ASSESSED))
    events = EpisodeEvent.objects.count()
    with pytest.raises(DatabaseError, match="audit log unavailable"):
        services.sign_note(note, actor=as_actor(physio))
    note.refresh_from_db()
    assert note.signed_at is None and note.signed_by is None
    assert EpisodeEvent.objects.count() == events
    assert not AuditEvent.objects.exists()


def test_an_assessment_whose_audit_fails_is_not_saved_and_the_episode_stays_booked(
    audit_log_refuses_inserts, physio
):
    episode = EpisodeFactory(physiotherapist=physio, status=S.BOOKED)
    fields = _assessment_fields(episode)
    with pytest.raises(DatabaseError, match="audit log unavailable"):
        services.record_assessment(episode, actor=as_actor(physio), **fields)
    episode.refresh_from_db()
    assert episode.status == S.BOOKED and episode.first_assessed_on is None
    assert not Assessment.objects.exists()
    assert not EpisodeEvent.objects.filter(episode=episode).exists()
    assert not Reminder.objects.exists()  # the unsigned-note reminder went with it


def test_a_discharge_whose_audit_fails_leaves_the_episode_in_care(
    audit_log_refuses_inserts, physio
):
    episode = EpisodeFactory(physiotherapist=physio, site=SiteFactory(), status=S.IN_CARE)
    with pytest.raises(DatabaseError, match="audit log unavailable"):
        services.discharge(
            episode,
            actor=as_actor(physio),
            reason="goals_met",
            discharged_on=date(2025, 7, 1),
            final_outcomes={"nprs": 2},
        )
    episode = Episode.objects.get(pk=episode.pk)
    assert episode.status == S.IN_CARE and episode.discharged_on is None
    assert not Discharge.objects.exists()
    assert not OutcomeMeasurement.objects.exists()
    assert not EpisodeEvent.objects.filter(episode=episode).exists()


def test_taking_an_episode_whose_audit_fails_leaves_it_unassigned(
    audit_log_refuses_inserts, physio
):
    episode = EpisodeFactory(physiotherapist=None, site=None, status=S.REQUESTED)
    with pytest.raises(DatabaseError, match="audit log unavailable"):
        services.take_episode(episode, actor=as_actor(physio))
    assert Episode.objects.get(pk=episode.pk).physiotherapist_id is None
    assert not EpisodeEvent.objects.filter(episode=episode).exists()


def test_through_the_page_the_error_propagates_and_nothing_changes(
    audit_log_refuses_inserts, physio, client_for
):
    """The view records no write itself: the service's failed audit insert stops the discharge."""
    episode = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE)
    client = client_for(physio)
    client.raise_request_exception = True
    with pytest.raises(DatabaseError, match="audit log unavailable"):
        client.post(
            reverse("care_episodes:discharge", args=[episode.pk]),
            {"discharged_on": "2025-07-01", "reason": "goals_met"},
        )
    assert Episode.objects.get(pk=episode.pk).status == S.IN_CARE
    assert not Discharge.objects.exists()

"""Consultation notes: drafted from the assessment, immutable once signed (app and database), addenda."""

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import translation

from care_episodes import services
from care_episodes.models import ConsultationNote, Episode, SelfManagementPlan, SignedNoteImmutable
from lbp_pathway.audit import as_actor
from tests.care_episodes.factories import AssessmentFactory, NoteFactory, OutcomeFactory
from tests.factories import EpisodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessed_episode(physio):
    episode = EpisodeFactory(physiotherapist=physio, status=Episode.Status.ASSESSED, risk="high")
    AssessmentFactory(
        episode=episode,
        by=physio,
        presenting_complaint="Right leg pain below the knee since gardening",
        pattern="leg_dominant",
        symptom_weeks=8,
        working_diagnosis="L5 radiculopathy",
        opioid_use=True,
        medications="Hydromorphone 2 mg at night",
    )
    OutcomeFactory(episode=episode, nprs=7, rmdq=14)
    SelfManagementPlan.objects.create(
        episode=episode, education_topics=["stay_active"], goals="Walk the dog for 30 minutes"
    )
    return episode


def test_the_draft_note_is_written_from_the_assessment_outcomes_and_plan(assessed_episode, physio):
    note = services.draft_note(assessed_episode, actor=as_actor(physio))
    body = note.body
    assert "Right leg pain below the knee since gardening" in body
    assert "L5 radiculopathy" in body
    assert "Leg-dominant" in body
    assert "Red-flag screen\nNo saddle anaesthesia" in body
    assert "NPRS 7/10" in body and "RMDQ 14/24" in body
    assert "Risk of persistent disabling pain: High." in body
    assert "Staying active helps recovery" in body
    assert "Walk the dog for 30 minutes" in body
    # Referral recommendations with reasons (section 6).
    assert "Rapid Access Clinic" in body and "Leg-dominant pain for 8 weeks" in body
    assert "interdisciplinary pain program" in body and "uses opioids" in body
    assert "No imaging recommended" in body
    assert note.title.startswith(
        "Physiotherapy consultation: " + assessed_episode.patient.full_name
    )
    assert note.version == 1 and not note.is_signed


def test_drafting_again_rewrites_the_one_draft_instead_of_adding_another(assessed_episode, physio):
    first = services.draft_note(assessed_episode, actor=as_actor(physio))
    second = services.draft_note(assessed_episode, actor=as_actor(physio))
    assert first.pk == second.pk
    assert assessed_episode.notes.count() == 1


def test_a_note_cannot_be_drafted_before_the_assessment(physio):
    episode = EpisodeFactory(physiotherapist=physio)
    with pytest.raises(Exception, match="Complete the assessment"):
        services.draft_note(episode, actor=as_actor(physio))


def test_a_signed_note_refuses_changes_through_the_application(assessed_episode, physio):
    note = services.sign_note(
        services.draft_note(assessed_episode, actor=as_actor(physio)), actor=as_actor(physio)
    )
    note.body = "Something else"
    with pytest.raises(SignedNoteImmutable):
        note.save()
    with pytest.raises(SignedNoteImmutable):
        services.update_note(note, actor=as_actor(physio), title="x", body="y")
    assert ConsultationNote.objects.get(pk=note.pk).body != "Something else"


def test_the_database_refuses_update_of_a_signed_note(assessed_episode, physio):
    note = services.sign_note(
        services.draft_note(assessed_episode, actor=as_actor(physio)), actor=as_actor(physio)
    )
    with pytest.raises(InternalError, match="is signed"), transaction.atomic():
        ConsultationNote.objects.filter(pk=note.pk).update(body="tampered")
    with pytest.raises(InternalError, match="is signed"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE care_episodes_consultationnote SET title = 'x' WHERE id = %s", [note.pk]
            )
    with pytest.raises(InternalError, match="is signed"), transaction.atomic():
        ConsultationNote.objects.filter(pk=note.pk).delete()
    assert ConsultationNote.objects.get(pk=note.pk).body == note.body


def test_the_database_still_allows_editing_a_draft(assessed_episode, physio):
    note = services.draft_note(assessed_episode, actor=as_actor(physio))
    ConsultationNote.objects.filter(pk=note.pk).update(body="edited draft")
    assert ConsultationNote.objects.get(pk=note.pk).body == "edited draft"


def test_an_addendum_is_a_new_version_linked_to_the_signed_one(assessed_episode, physio):
    signed = services.sign_note(
        services.draft_note(assessed_episode, actor=as_actor(physio)), actor=as_actor(physio)
    )
    addendum = services.start_addendum(signed, actor=as_actor(physio))
    assert (addendum.version, addendum.previous, addendum.is_signed) == (2, signed, False)
    assert "Addendum to version 1" in addendum.body
    services.update_note(
        addendum, actor=as_actor(physio), title=addendum.title, body=addendum.body + "MRI booked."
    )
    services.sign_note(addendum, actor=as_actor(physio))
    signed.refresh_from_db()
    assert "MRI booked." not in signed.body
    assert list(assessed_episode.notes.order_by("version").values_list("version", flat=True)) == [
        1,
        2,
    ]


def test_only_one_draft_per_episode_is_allowed_by_the_database(physio):
    episode = EpisodeFactory(physiotherapist=physio)
    NoteFactory(episode=episode, version=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        NoteFactory(episode=episode, version=2)


def test_signing_puts_the_note_on_the_episode_timeline(assessed_episode, physio):
    services.sign_note(
        services.draft_note(assessed_episode, actor=as_actor(physio)), actor=as_actor(physio)
    )
    descriptions = list(assessed_episode.events.values_list("description", flat=True))
    assert "Consultation note version 1 signed and sent" in descriptions


def test_a_french_speaking_physio_drafts_the_note_in_french(assessed_episode, physio):
    """Issue 16: the draft is written in the language of the physio who edits and signs it."""
    with translation.override("fr"):
        note = services.draft_note(assessed_episode, actor=as_actor(physio))
    body = note.body.replace("\u00a0", " ")
    assert note.title.replace("\u00a0", " ").startswith("Consultation en physiothérapie : ")
    for french in [
        "Tableau clinique",
        "Motif de consultation : Right leg pain below the knee since gardening",  # as typed
        "Risque de douleur incapacitante persistante : Élevé.",
        "Recommandations",
        "Aucune imagerie recommandée à ce stade.",
        "Douleur surtout à la jambe depuis 8 semaines",
    ]:
        assert french in body, french
    for english in ["Presentation", "Recommendations", "No imaging recommended", "Reason:"]:
        assert english not in body, english

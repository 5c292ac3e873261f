"""The family physician's inbox: own panel only, unread first, full-text search, read and reply."""

import pytest
from django.urls import reverse
from django.utils import timezone

from care_episodes.models import NoteRead, NoteReply
from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent
from tests.care_episodes.factories import NoteFactory
from tests.factories import EpisodeFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_note(physician, physio, body="Presentation\nBack pain.", **kwargs):
    episode = EpisodeFactory(
        physiotherapist=physio, patient=PatientFactory(family_physician=physician)
    )
    return NoteFactory(
        episode=episode, body=body, signed_at=timezone.now(), signed_by=physio, **kwargs
    )


@pytest.fixture
def other_physician():
    return UserFactory(role=Role.FAMILY_PHYSICIAN, username="md2")


def test_the_inbox_shows_only_signed_notes_for_my_own_panel(
    physician, other_physician, physio, client_for, django_assert_max_num_queries
):
    mine = signed_note(physician, physio)
    theirs = signed_note(other_physician, physio)
    draft = NoteFactory(
        episode=EpisodeFactory(
            physiotherapist=physio, patient=PatientFactory(family_physician=physician)
        )
    )
    for _ in range(5):
        signed_note(physician, physio)
    client = client_for(physician)
    with django_assert_max_num_queries(11):
        html = client.get(reverse("care_episodes:physician_home")).content.decode()
    # The inbox lists signed notes only; the panel section below it may name the draft's patient
    # (their episode is open), never the draft itself.
    inbox = html.split('data-testid="panel-episodes"')[0]
    assert mine.episode.patient.full_name in inbox
    assert theirs.episode.patient.full_name not in html
    assert draft.episode.patient.full_name not in inbox
    assert reverse("care_episodes:physician_note", args=[draft.pk]) not in html


def test_unread_notes_come_first(physician, physio, client_for):
    read = signed_note(physician, physio)
    NoteRead.objects.create(note=read, reader=physician)
    unread = signed_note(physician, physio)
    notes = client_for(physician).get(reverse("care_episodes:physician_home")).context["notes"]
    assert [n.pk for n in notes] == [unread.pk, read.pk]
    assert [n.is_read for n in notes] == [False, True]


def test_another_physicians_note_is_refused_and_the_refusal_audited(
    physician, other_physician, physio, client_for
):
    theirs = signed_note(other_physician, physio)
    client = client_for(physician)
    assert client.get(reverse("care_episodes:physician_note", args=[theirs.pk])).status_code == 403
    assert client.get(reverse("care_episodes:note_pdf", args=[theirs.pk])).status_code == 403
    assert (
        client.get(reverse("care_episodes:physician_episode", args=[theirs.episode_id])).status_code
        == 403
    )
    assert AuditEvent.objects.filter(user=physician, action="denied").count() == 3


def test_full_text_search_finds_notes_by_a_word_from_the_plan(physician, physio, client_for):
    walking = signed_note(physician, physio, body="Self-management plan\nWalking programme daily.")
    other = signed_note(physician, physio, body="Self-management plan\nBridges and pacing.")
    client = client_for(physician)
    notes = client.get(reverse("care_episodes:physician_home"), {"q": "walk"}).context["notes"]
    assert [n.pk for n in notes] == [walking.pk]  # stemming: "walk" finds "Walking"
    assert other.pk not in [n.pk for n in notes]
    html = client.get(reverse("care_episodes:physician_home"), {"q": "hydrotherapy"}).content
    assert b"No notes match your search" in html


def test_opening_a_note_is_audited_and_marking_it_read_moves_it_down(physician, physio, client_for):
    note = signed_note(physician, physio)
    client = client_for(physician)
    page = client.get(reverse("care_episodes:physician_note", args=[note.pk]))
    assert page.status_code == 200 and b"Mark as read" in page.content
    assert AuditEvent.objects.filter(
        user=physician, action="view", patient_id=note.episode.patient_id
    ).exists()
    client.post(reverse("care_episodes:physician_note", args=[note.pk]), {"mark_read": "1"})
    assert NoteRead.objects.filter(note=note, reader=physician).exists()
    assert client.get(reverse("care_episodes:physician_home")).context["unread"] == 0


def test_the_physician_can_reply_with_a_question(physician, physio, client_for):
    note = signed_note(physician, physio)
    client_for(physician).post(
        reverse("care_episodes:physician_note", args=[note.pk]), {"text": "Any imaging needed?"}
    )
    assert NoteReply.objects.get(note=note).text == "Any imaging needed?"


def test_an_empty_reply_shows_an_error_and_saves_nothing(physician, physio, client_for):
    note = signed_note(physician, physio)
    response = client_for(physician).post(
        reverse("care_episodes:physician_note", args=[note.pk]), {"text": ""}
    )
    assert b"This field is required" in response.content
    assert not NoteReply.objects.exists()


def test_the_physician_prints_a_note_as_pdf(physician, physio, client_for):
    note = signed_note(physician, physio)
    response = client_for(physician).get(reverse("care_episodes:note_pdf", args=[note.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(user=physician, action="print").exists()


def test_the_physician_sees_the_episode_summary_of_a_panel_patient(physician, physio, client_for):
    note = signed_note(physician, physio)
    response = client_for(physician).get(
        reverse("care_episodes:physician_episode", args=[note.episode_id])
    )
    assert response.status_code == 200
    assert note.title.encode() in response.content


def test_physicians_cannot_open_physio_pages(physician, physio, client_for):
    note = signed_note(physician, physio)
    assert (
        client_for(physician).get(reverse("care_episodes:note_edit", args=[note.pk])).status_code
        == 403
    )

"""Searching consultation notes in the physician's inbox: English and French words, accents ignored,
answered from the GIN index on the notes' search vector."""

import pytest
from django.db import connection
from django.urls import reverse

from care_episodes.models import ConsultationNote, note_search_query
from care_episodes.selectors import physician_inbox
from tests.care_episodes.test_physician_inbox import signed_note

pytestmark = pytest.mark.django_db

ENGLISH = "Assessment\nPain radiating to the left leg since March; walking eases it."
FRENCH = "Évaluation\nDouleurs lombaires irradiées dans la jambe gauche. Étirements le matin."
NAMED = "Presentation\nSeen with Mme Lévesque, her daughter, who interpreted."
PLAIN = "Presentation\nLow back pain after gardening, no red flags."


@pytest.fixture
def notes(physician, physio):
    return {
        name: signed_note(physician, physio, body=body)
        for name, body in [
            ("english", ENGLISH),
            ("french", FRENCH),
            ("named", NAMED),
            ("plain", PLAIN),
        ]
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Accents and case ignored, both ways.
        ("levesque", {"named"}),
        ("LÉVESQUE", {"named"}),
        ("evaluation", {"french"}),
        ("irradiees", {"french"}),
        ("etirements", {"french"}),
        # French words found by other forms of the same word (singular, masculine, verb).
        ("douleur lombaire", {"french"}),
        ("douleurs lombaires irradiées", {"french"}),
        ("irradié", {"french"}),
        ("jambes", {"french"}),
        ("étirement", {"french"}),
        ("etirement", {"french"}),
        # English words found by their stems.
        ("radiate", {"english"}),
        ("radiates to leg", {"english"}),
        ("walk", {"english"}),
        ("eased", {"english"}),
        ("garden", {"plain"}),
        # Every word must match, in either language: no note has both.
        ("douleur garden", set()),
        ("back pain", {"plain"}),
        # Web-search syntax still works: "or" and a minus sign.
        ("lombaire or gardening", {"french", "plain"}),
        ("pain -radiating", {"plain"}),
        ("hydrotherapy", set()),
    ],
)
def test_notes_are_found_in_english_and_french_with_or_without_accents(
    physician, client_for, notes, query, expected
):
    found = client_for(physician).get(reverse("care_episodes:physician_home"), {"q": query})
    names = {name for name, note in notes.items() if note in found.context["notes"]}
    assert names == expected


def test_odd_search_text_finds_nothing_and_fails_nothing(physician, client_for, notes):
    for query in ['"', "&|!", "':*", "-", "(((", "\\"]:
        response = client_for(physician).get(reverse("care_episodes:physician_home"), {"q": query})
        assert response.status_code == 200
        assert list(response.context["notes"]) == []


def test_note_search_reads_the_gin_index(physician, notes):
    # The test table holds a few rows, so the planner would rightly read all of them; with sequential
    # scans made expensive (enable_seqscan = off only adds a huge cost, it forbids nothing) the plan
    # still names the index whenever the search condition is one the GIN index can answer, which is
    # what decides the plan for a table of a million notes.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = ConsultationNote.objects.filter(
        search_vector=note_search_query("douleur lombaire")
    ).explain()
    assert "note_search_gin" in plan, plan
    inbox = physician_inbox(physician, "douleur lombaire").explain()
    assert "Seq Scan on care_episodes_consultationnote" not in inbox, inbox


# Issue 16: a French note is found by the French forms of its words, accents or not, and an English
# note is not found by a French word that only looks like one of its words.
SINGULAR = "Évaluation initiale\nDouleur à la fesse droite, pire le soir. Sciatique probable."
ACCENTED = "Suivi\nAmélioration de la flexion; reprise progressive du hockey."


@pytest.fixture
def french_notes(physician, physio):
    return {
        name: signed_note(physician, physio, body=body)
        for name, body in [("plural", FRENCH), ("singular", SINGULAR), ("accented", ACCENTED)]
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("douleurs", {"plural", "singular"}),  # "douleurs" finds "Douleur" and "Douleurs"
        ("douleur", {"plural", "singular"}),
        ("lombaire", {"plural"}),  # the note says "lombaires"
        ("fesses", {"singular"}),
        ("sciatiques", {"singular"}),
        ("ameliorations", {"accented"}),  # no accents typed
        ("AMÉLIORATION", {"accented"}),
        ("évaluations initiales", {"singular"}),
        ("progressif", {"accented"}),  # masculine of "progressive"
        ("fesse -sciatique", set()),
    ],
)
def test_french_notes_are_found_by_french_stems_accents_ignored(
    physician, client_for, french_notes, query, expected
):
    found = client_for(physician).get(reverse("care_episodes:physician_home"), {"q": query})
    names = {name for name, note in french_notes.items() if note in found.context["notes"]}
    assert names == expected

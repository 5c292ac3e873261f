"""The physio's triage result flows into the assessment page and the consultation note."""

import pytest

from care_episodes import selectors
from care_episodes import services as care
from lbp_pathway import audit
from lbp_pathway.audit import as_actor
from tests.care_episodes.factories import AssessmentFactory
from tests.triage.factories import HIGH_RISK_ANSWERS, TriageEpisodeFactory, facts
from triage import services as triage

pytestmark = pytest.mark.django_db


def test_the_latest_triage_decision_is_what_the_note_reports(physio):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    triage.record_triage(episode, facts(), HIGH_RISK_ANSWERS, actor=audit.as_actor(physio))
    summary = selectors.latest_triage(episode)
    # Items 1, 3, 5, 6, 7 and 9 agree: total 6, psychosocial (items 5-9) 4 -> high.
    assert (summary["risk"], summary["total"], summary["psychosocial"]) == ("high", 6, 4)
    AssessmentFactory(episode=episode, by=physio)
    note = care.draft_note(episode, actor=as_actor(physio))
    assert "6/9, psychosocial subscale 4/5" in note.body

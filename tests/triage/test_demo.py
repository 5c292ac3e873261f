import io

import pytest

from demo import triage as demo
from tests.triage.factories import TriageEpisodeFactory
from triage.models import TriageDecision

pytestmark = pytest.mark.django_db


def test_demo_seeds_decisions_for_a_share_of_episodes_once(physio):
    episodes = TriageEpisodeFactory.create_batch(12)
    demo.seed(patients=12, stdout=io.StringIO())
    seeded = TriageDecision.objects.count()
    assert 0 < seeded < len(episodes)
    assert set(TriageDecision.objects.values_list("rule_version", flat=True)) != set()
    demo.seed(patients=12, stdout=io.StringIO())
    assert TriageDecision.objects.count() == seeded


def test_demo_skips_when_there_are_no_episodes():
    out = io.StringIO()
    demo.seed(patients=0, stdout=out)
    assert not TriageDecision.objects.exists()
    assert "no episodes" in out.getvalue()

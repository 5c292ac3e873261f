import io
from datetime import timedelta

import pytest
from django.utils import timezone

from care_episodes.models import Assessment, ConsultationNote, Episode, OutcomeMeasurement
from demo import care_episodes as demo
from tests.factories import EpisodeFactory

pytestmark = pytest.mark.django_db
S = Episode.Status


def test_demo_seeds_a_share_of_episodes_once(physio):
    long_ago = timezone.localdate() - timedelta(days=120)
    for status in [S.BOOKED, S.ASSESSED, S.IN_CARE, S.DISCHARGED] * 6:
        EpisodeFactory(
            physiotherapist=physio,
            status=status,
            requested_on=long_ago,
            booked_on=long_ago,
            risk="medium",
            discharged_on=long_ago + timedelta(days=60) if status == S.DISCHARGED else None,
        )
    untouched = EpisodeFactory(physiotherapist=physio, status=S.REQUESTED)
    demo.seed(patients=24, stdout=io.StringIO())
    counts = (
        Assessment.objects.count(),
        OutcomeMeasurement.objects.count(),
        ConsultationNote.objects.count(),
    )
    assert 10 <= counts[0] < 24  # a share, not all
    assert counts[1] > counts[0]  # outcomes over time, not only baselines
    assert ConsultationNote.objects.filter(signed_at__isnull=True).count() == 0
    assert not Episode.objects.filter(status=S.BOOKED, assessments__isnull=False).exists()
    assert not untouched.assessments.exists()
    demo.seed(patients=24, stdout=io.StringIO())
    assert (
        Assessment.objects.count(),
        OutcomeMeasurement.objects.count(),
        ConsultationNote.objects.count(),
    ) == counts


def test_demo_with_no_episodes_does_nothing():
    out = io.StringIO()
    demo.seed(patients=0, stdout=out)
    assert "nothing to seed" in out.getvalue()

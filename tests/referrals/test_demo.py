import io

import pytest

from demo import referrals as demo
from lbp_pathway.access import Role
from referrals.models import Destination, PostalCode, Referral
from tests.factories import EpisodeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_adds_destinations_codes_and_referrals_once():
    physio = UserFactory(role=Role.PHYSIOTHERAPIST)
    for _ in range(3):
        EpisodeFactory(physiotherapist=physio)
    demo.seed(patients=3, stdout=io.StringIO())
    counts = (PostalCode.objects.count(), Destination.objects.count(), Referral.objects.count())
    assert counts[0] > 100 and counts[1] == len(demo.DIRECTORY) and counts[2] >= 1
    assert not Destination.objects.filter(latitude__isnull=True).exists()
    demo.seed(patients=3, stdout=io.StringIO())
    assert (
        PostalCode.objects.count(),
        Destination.objects.count(),
        Referral.objects.count(),
    ) == counts

"""Factories for the referrals app. Generated data only."""

from datetime import timedelta

import factory
from django.utils import timezone

from referrals import rules
from referrals.models import Destination, PostalCode, Referral
from tests.factories import EpisodeFactory, UserFactory


class PostalCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostalCode
        django_get_or_create = ("code",)

    code = "K7L"
    latitude = 44.231
    longitude = -76.495


class DestinationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Destination

    name = factory.Sequence(lambda n: f"Destination {n:03d}")
    kind = rules.COMMUNITY_PHYSIO
    address = factory.Faker("street_address", locale="en_CA")
    postal_code = "K7L"
    latitude = 44.231
    longitude = -76.495
    accepting = True
    slots = 5
    typical_wait_days = 14
    next_available_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))
    languages = factory.LazyFunction(lambda: ["English"])
    provider_genders = factory.LazyFunction(lambda: ["female"])


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    episode = factory.SubFactory(EpisodeFactory)
    kind = rules.COMMUNITY_PHYSIO
    destination = factory.SubFactory(DestinationFactory)
    reason = "Persistent low back pain"
    question = "Please assess and advise."
    created_by = factory.SubFactory(UserFactory)

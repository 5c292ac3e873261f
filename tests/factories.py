"""factory-boy factories shared by every test package. Generated data only, never real patients."""

import factory
from django.contrib.auth.models import Group, User

from lbp_pathway.access import Role

TEST_PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: Role | None, **kwargs) -> None:
        if extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted.value)[0])
        if create:
            self.save()


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.Site"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Site {n}")
    address = factory.Faker("street_address", locale="en_CA")
    postal_code = factory.Faker("postcode", locale="en_CA")


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.Patient"

    first_name = factory.Faker("first_name", locale="en_CA")
    last_name = factory.Faker("last_name", locale="en_CA")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=19, maximum_age=85)
    sex = "F"
    phone = factory.Faker("numerify", text="613-555-####")
    email = factory.LazyAttribute(lambda p: f"{p.first_name}.{p.last_name}@example.org".lower())
    postal_code = factory.Faker("postcode", locale="en_CA")


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "care_episodes.Episode"

    patient = factory.SubFactory(PatientFactory)
    requested_on = factory.Faker("date_between", start_date="-60d", end_date="-1d")

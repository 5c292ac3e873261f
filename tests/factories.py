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

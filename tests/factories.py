import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Role, Team, User
from contacts.models import Affiliation, Organisation, OrganisationKind, Stakeholder
from interactions.models import Interaction, InteractionKind


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("liaison-test")
    team = factory.SubFactory(TeamFactory)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=extracted or Role.OFFICER))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.PARTNER


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stakeholder

    name = factory.Faker("name")
    owner = factory.SubFactory(UserFactory)
    contact_cadence_days = 30


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    stakeholder = factory.SubFactory(StakeholderFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "Director"
    is_primary = True


class InteractionFactory(factory.django.DjangoModelFactory):
    """Builds rows directly; tests of behaviour log through `interactions.services.interaction_log`."""

    class Meta:
        model = Interaction
        skip_postgeneration_save = True

    kind = InteractionKind.CALL
    summary = factory.Sequence(lambda n: f"Conversation {n}")
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    logged_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def stakeholders(self, create, extracted, **kwargs):
        if create:
            self.stakeholders.set(extracted or [StakeholderFactory(owner=self.logged_by)])

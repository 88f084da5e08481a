import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Role, Team, User
from contacts.models import Affiliation, Organisation, OrganisationKind, Stakeholder
from contacts.services import tags_from_names
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
            # get_or_create: transactional tests flush the groups the roles migration made.
            self.groups.add(Group.objects.get_or_create(name=extracted or Role.OFFICER)[0])


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
    follow_up_on = None
    # Whoever logged it chases its follow-up, as the services decide; nobody when there is none.
    follow_up_owner = factory.LazyAttribute(
        lambda interaction: interaction.logged_by if interaction.follow_up_on else None
    )

    @factory.post_generation
    def stakeholders(self, create, extracted, **kwargs):
        if create:
            self.stakeholders.set(extracted or [StakeholderFactory(owner=self.logged_by)])

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        """Topics by name, as the log form takes them; a missing tag is created."""
        if create and extracted:
            self.topics.set(tags_from_names(extracted))


class MeetingFactory(factory.django.DjangoModelFactory):
    """A bare meeting row; tests of scheduling go through `meetings.services.meeting_schedule`."""

    class Meta:
        model = "meetings.Meeting"

    title = factory.Sequence(lambda n: f"Meeting {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda meeting: meeting.starts_at + dt.timedelta(hours=1))
    organiser = factory.SubFactory(UserFactory)


class CommitmentFactory(factory.django.DjangoModelFactory):
    """A bare commitment row; tests of behaviour record through `commitments.services.commitment_record`."""

    class Meta:
        model = "commitments.Commitment"

    description = factory.Sequence(lambda n: f"Send the revised timetable, version {n}")
    direction = "we_promised"
    stakeholder = factory.SubFactory(StakeholderFactory)
    owner = factory.LazyAttribute(lambda commitment: commitment.stakeholder.owner)
    created_by = factory.LazyAttribute(lambda commitment: commitment.owner)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))


class ConcernFactory(factory.django.DjangoModelFactory):
    """A bare concern row; tests of behaviour raise it through `concerns.services.concern_raise`."""

    class Meta:
        model = "concerns.Concern"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Noise from the depot at night ({n})")
    stakeholder = factory.SubFactory(StakeholderFactory)
    owner = factory.LazyAttribute(lambda concern: concern.stakeholder.owner)
    created_by = factory.LazyAttribute(lambda concern: concern.owner)

    @factory.post_generation
    def interactions(self, create, extracted, **kwargs):
        if create and extracted:
            self.interactions.set(extracted)


class ObjectiveFactory(factory.django.DjangoModelFactory):
    """A bare objective row; `closed=True` makes it achieved yesterday."""

    class Meta:
        model = "contacts.Objective"

    class Params:
        closed = factory.Trait(
            status="achieved",
            closed_on=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=1)),
        )

    description = factory.Sequence(lambda n: f"Secure their support for the funding bid, part {n}")
    stakeholder = factory.SubFactory(StakeholderFactory)
    created_by = factory.LazyAttribute(lambda objective: objective.stakeholder.owner)
    target_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))

"""The written-out representations (api/representation.py) say exactly what the declared fields would say."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from contacts.api.serializers import AffiliationSerializer, StakeholderSerializer
from contacts.models import Stakeholder, Tag
from interactions.api.serializers import InteractionSerializer
from interactions.models import Interaction

from ..factories import AffiliationFactory, InteractionFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def field_by_field(serializer_class, instance) -> dict:
    """What DRF's ModelSerializer makes of the instance from the serializer's declared fields."""
    serializer = serializer_class(instance)
    return serializers.ModelSerializer.to_representation(serializer, instance)


@pytest.fixture
def stakeholder(officer):
    person = StakeholderFactory(
        owner=officer,
        name="Margaret Okafor",
        form_of_address="Dr Okafor",
        emails=["m.okafor@example.org", "mo@example.org"],
        phones=["+44 20 7946 0000"],
        languages=["en", "yo"],
        contact_cadence_days=None,
        is_archived=True,
        archived_at=timezone.now(),
        last_contacted_at=dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC),
    )
    person.tags.add(Tag.objects.create(name="Water"), Tag.objects.create(name="ports"))
    AffiliationFactory(stakeholder=person, organisation=OrganisationFactory(name="Harbour Authority"))
    AffiliationFactory(
        stakeholder=person,
        is_primary=False,
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2022, 6, 30),
        department="Planning",
    )
    return Stakeholder.objects.for_api().get(pk=person.pk)


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
def test_a_stakeholder_reads_as_its_declared_fields_say(stakeholder, zone):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        lean = StakeholderSerializer(stakeholder).data
        assert lean == field_by_field(StakeholderSerializer, stakeholder)
    assert list(lean) == StakeholderSerializer.Meta.fields
    assert len(lean["affiliations"]) == 2


def test_a_position_reads_as_its_declared_fields_say(stakeholder):
    for affiliation in stakeholder.affiliations.all():
        lean = AffiliationSerializer(affiliation).data
        assert lean == field_by_field(AffiliationSerializer, affiliation)
        assert list(lean) == AffiliationSerializer.Meta.fields


@pytest.mark.parametrize("follow_up", [False, True])
def test_an_interaction_reads_as_its_declared_fields_say(officer, colleague, stakeholder, follow_up):
    interaction = InteractionFactory(
        logged_by=officer,
        stakeholders=[stakeholder, StakeholderFactory()],
        organisation=OrganisationFactory() if follow_up else None,
        sentiment=-1 if follow_up else 0,
        follow_up_on=dt.date(2026, 4, 1) if follow_up else None,
        follow_up_done_at=timezone.now() if follow_up else None,
        is_confidential=follow_up,
    )
    interaction.staff_present.add(officer, colleague)
    interaction.topics.add(*Tag.objects.all())
    interaction = Interaction.objects.for_api().get(pk=interaction.pk)
    with timezone.override(dt.UTC):
        lean = InteractionSerializer(interaction).data
        assert lean == field_by_field(InteractionSerializer, interaction)
    assert list(lean) == InteractionSerializer.Meta.fields


def test_a_row_from_for_api_is_written_out_without_a_query(officer, stakeholder, django_assert_num_queries):
    # The representations read only the row's annotations, so nesting them can never add a query per row.
    interaction = Interaction.objects.for_api().get(
        pk=InteractionFactory(logged_by=officer, stakeholders=[stakeholder]).pk
    )
    with django_assert_num_queries(0):
        person = StakeholderSerializer(stakeholder).data
        entry = InteractionSerializer(interaction).data
    assert len(person["affiliations"]) == 2
    assert entry["stakeholders"] == [{"id": stakeholder.pk, "name": stakeholder.name}]

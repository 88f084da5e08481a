"""Many ids asked for at once are bound as one array, however many there are."""

import pytest
from django.db.models import F

from interactions.models import Interaction
from liaison_crm.array_lookups import AnyOf

from .factories import InteractionFactory

pytestmark = pytest.mark.django_db


def test_any_of_finds_the_rows_with_those_ids_and_no_other():
    wanted, other = InteractionFactory.create_batch(2), InteractionFactory()
    ids = [interaction.pk for interaction in wanted]

    found = Interaction.objects.filter(AnyOf(F("pk"), ids))

    assert sorted(found.values_list("pk", flat=True)) == sorted(ids)
    assert other.pk not in found.values_list("pk", flat=True)


def test_any_of_binds_the_ids_as_one_parameter():
    ids = list(range(1, 70_000))
    _sql, params = Interaction.objects.filter(AnyOf(F("pk"), ids)).query.sql_with_params()
    assert params == (ids,)
    assert Interaction.objects.filter(AnyOf(F("pk"), ids)).count() == 0


def test_any_of_no_ids_finds_nothing_without_asking_the_database(django_assert_num_queries):
    InteractionFactory()
    with django_assert_num_queries(0):
        assert not Interaction.objects.filter(AnyOf(F("pk"), [])).exists()
        assert Interaction.objects.filter(AnyOf(F("pk"), [])).update(summary="") == 0


def test_excluding_any_of_no_ids_keeps_every_row():
    interactions = InteractionFactory.create_batch(2)
    kept = Interaction.objects.exclude(AnyOf(F("pk"), [])).values_list("pk", flat=True)
    assert sorted(kept) == sorted(interaction.pk for interaction in interactions)

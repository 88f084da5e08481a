"""A stakeholder's timeline is read through their participation rows, which carry the interaction's time.

The time is copied by database triggers (interactions migration 0002), whatever writes the rows, and moves
when the interaction is moved; a stale copy would drop the interaction from the timeline.
"""

import datetime as dt

import pytest
from django.utils import timezone

from interactions import services
from interactions.models import Interaction, Participation

from ..factories import InteractionFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def participation_times(interaction):
    return set(
        Participation.objects.filter(interaction_key=interaction.pk).values_list("occurred_at", flat=True)
    )


def test_a_logged_interactions_time_is_copied_to_each_participant(officer):
    first, second = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    when = timezone.now() - dt.timedelta(days=3)

    interaction = services.interaction_log(
        author=officer, stakeholders=[first, second], kind="call", summary="Catch-up", occurred_at=when
    )

    assert participation_times(interaction) == {when}


def test_rows_written_without_the_time_get_it_from_the_interaction(officer):
    interaction = InteractionFactory(logged_by=officer)
    newcomer = StakeholderFactory(owner=officer)

    # Bulk writes (imports, the demo data) do not know about the copy.
    Interaction.stakeholders.through.objects.bulk_create(
        [Interaction.stakeholders.through(interaction_id=interaction.pk, stakeholder_id=newcomer.pk)]
    )

    assert participation_times(interaction) == {interaction.occurred_at}


def test_moving_an_interaction_moves_it_in_every_participants_timeline(officer):
    stakeholder = StakeholderFactory(owner=officer)
    older = InteractionFactory(logged_by=officer, stakeholders=[stakeholder])
    newer = InteractionFactory(
        logged_by=officer, stakeholders=[stakeholder], occurred_at=older.occurred_at + dt.timedelta(hours=1)
    )

    services.interaction_update(
        interaction=older, actor=officer, occurred_at=newer.occurred_at + dt.timedelta(hours=1)
    )

    older.refresh_from_db()
    assert participation_times(older) == {older.occurred_at}
    timeline = Interaction.objects.visible_to(officer).with_stakeholder(stakeholder)
    assert list(timeline) == [older, newer]


def test_a_timeline_lists_each_interaction_once_newest_first(officer):
    stakeholder, colleague = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    now = timezone.now()
    entries = [
        InteractionFactory(
            logged_by=officer,
            stakeholders=[stakeholder, colleague],
            occurred_at=now - dt.timedelta(days=days),
        )
        for days in (5, 1, 3)
    ]
    InteractionFactory(logged_by=officer, stakeholders=[colleague])

    timeline = Interaction.objects.visible_to(officer).with_stakeholder(stakeholder)

    assert list(timeline) == sorted(entries, key=lambda entry: entry.occurred_at, reverse=True)


def test_the_api_filters_interactions_by_stakeholder_through_the_same_rows(officer, client):
    from accounts.services import api_token_create

    stakeholder = StakeholderFactory(owner=officer)
    mine = InteractionFactory(logged_by=officer, stakeholders=[stakeholder])
    InteractionFactory(logged_by=officer)
    _token, key = api_token_create(user=officer, name="test", actor=officer)

    response = client.get(
        f"/api/v1/interactions/?stakeholder={stakeholder.pk}", headers={"Authorization": f"Bearer {key}"}
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]

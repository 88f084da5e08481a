"""Migration 0012 gives every existing follow-up an owner: whoever logged it, who chased it until then."""

import pytest
from django.utils import timezone

from ..factories import UserFactory
from ..migrations import migrate, migrate_to_latest

BEFORE = [("interactions", "0011_search_ignores_accents")]
AFTER = [("interactions", "0013_follow_up_owner_indexes")]


# Migrations change the schema and build indexes concurrently: outside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_existing_follow_ups_are_owned_by_whoever_logged_them_and_their_history_says_so():
    old = migrate(BEFORE)
    Interaction = old.get_model("interactions", "Interaction")
    author = UserFactory(username="logger")  # the users' table is as it is now
    today = timezone.localdate()
    rows = {
        "open": Interaction.objects.create(
            kind="call", summary="Open", logged_by_id=author.pk, follow_up_on=today
        ),
        "done": Interaction.objects.create(
            kind="call",
            summary="Done",
            logged_by_id=author.pk,
            follow_up_on=today,
            follow_up_done_at=timezone.now(),
        ),
        "none": Interaction.objects.create(kind="call", summary="None", logged_by_id=author.pk),
    }
    try:
        new = migrate(AFTER)
        migrated = new.get_model("interactions", "Interaction").objects
        owners = {name: migrated.get(pk=row.pk).follow_up_owner_id for name, row in rows.items()}
        assert owners == {"open": author.pk, "done": author.pk, "none": None}
        events = new.get_model("interactions", "InteractionEvent").objects
        # The backfill wrote no events; the ones there say who chased each follow-up.
        assert sorted(events.values_list("summary", "follow_up_owner_id")) == [
            ("Done", author.pk),
            ("None", None),
            ("Open", author.pk),
        ]
    finally:
        migrate_to_latest()

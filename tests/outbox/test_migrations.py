"""The outbox's topic migrations can be run again after a failure: the fields in one transaction, the
index, built concurrently, alone in a migration of its own that first drops what a failed build left."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddField

from ..migrations import migrate, migrate_to_latest


def test_the_topic_fields_are_added_in_one_transaction():
    fields = MigrationLoader(None, ignore_no_migrations=True).get_migration("outbox", "0002_message_topic")

    assert fields.atomic
    assert all(isinstance(operation, AddField) for operation in fields.operations)


# Migrations change the schema: outside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_the_topic_index_is_built_again_over_what_a_failed_build_left():
    """A concurrent build that fails leaves an invalid index of that name, and the migration unrecorded."""
    migrate([("outbox", "0002_message_topic")])
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX outbox_topic ON outbox_outboundmessage (id)")
    try:
        migrate([("outbox", "0003_message_topic_index")])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indexrelid = 'outbox_topic'::regclass"
            )
            valid, definition = cursor.fetchone()
    finally:
        migrate_to_latest()

    assert valid and "(topic)" in definition and "WHERE" in definition


@pytest.mark.django_db(transaction=True)
def test_the_reversed_topic_index_is_built_concurrently_again_over_what_a_failed_build_left():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    assert not loader.get_migration("outbox", "0004_message_topic_reversed_index").atomic
    migrate([("outbox", "0003_message_topic_index")])
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX outbox_topic_reversed ON outbox_outboundmessage (id)")
    try:
        migrate([("outbox", "0004_message_topic_reversed_index")])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indexrelid = 'outbox_topic_reversed'::regclass"
            )
            valid, definition = cursor.fetchone()
    finally:
        migrate_to_latest()

    assert valid and "reverse((topic)::text) text_pattern_ops" in definition and "WHERE" in definition

"""The outbox's topic migrations can be run again after a failure: the fields in one transaction, the
index, built concurrently, alone in a migration of its own."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddField


def _migration(name):
    return MigrationLoader(None, ignore_no_migrations=True).get_migration("outbox", name)


def test_the_topic_fields_are_added_in_one_transaction():
    fields = _migration("0002_message_topic")

    assert fields.atomic
    assert all(isinstance(operation, AddField) for operation in fields.operations)


def test_the_topic_index_is_built_concurrently_alone():
    """A concurrent build that fails leaves an invalid index and no record of the migration: with nothing
    else in it, running it again only builds the index again."""
    index = _migration("0003_message_topic_index")

    assert not index.atomic
    assert [type(operation) for operation in index.operations] == [AddIndexConcurrently]

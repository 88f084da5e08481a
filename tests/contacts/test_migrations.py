"""Migrations that must be safe to run again after failing halfway."""

import importlib

import pytest
from django.db import connection

tag_carrier_migration = importlib.import_module("contacts.migrations.0015_tag_uses_ordered_by_carrier")


def index_state(name: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [name])
        row = cursor.fetchone()
    return None if row is None else row[0]


@pytest.mark.django_db(transaction=True)
def test_a_second_run_drops_the_index_a_failed_concurrent_build_left_invalid():
    drop = tag_carrier_migration.drop_if_invalid("scratch_invalid").code
    keep = tag_carrier_migration.drop_if_invalid("scratch_valid").code
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE scratch_links (tag_id int, carrier_id int)")
        cursor.execute("CREATE INDEX scratch_invalid ON scratch_links (tag_id, carrier_id)")
        cursor.execute("CREATE INDEX scratch_valid ON scratch_links (carrier_id)")
        # What an interrupted CREATE INDEX CONCURRENTLY leaves behind.
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", ["scratch_invalid"]
        )
    try:
        with connection.schema_editor(atomic=False) as editor:
            drop(None, editor)
            keep(None, editor)
            tag_carrier_migration.drop_if_invalid("scratch_missing").code(None, editor)
        assert (index_state("scratch_invalid"), index_state("scratch_valid")) == (None, True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE scratch_links")

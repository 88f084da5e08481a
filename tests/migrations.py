"""Running the project's migrations to a point from a test, to check what a data migration does."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrates the test database to `targets` ([(app, migration), …]); the models as they stand there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    """Migrates the test database back to every app's last migration, as the tests after this one expect.
    Migrating one app back also unapplies the later migrations of other apps that depend on it: going
    forward to that app's migration alone left them unapplied, and the next test touching their tables
    failed."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

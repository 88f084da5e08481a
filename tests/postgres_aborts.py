"""PostgreSQL made to abort writes as it aborts the victim of a deadlock (or with another error), for tests of
what the app does then: a trigger on the model's table, on this test's connection."""

import contextlib

from django.db import connection

TRIGGER = "abort_for_the_test"


def postgres_aborts(
    model,
    *,
    on: str = "INSERT",
    condition: str = "deadlock_detected",
    when: str = "",
    first: int | None = None,
    at_commit: bool = False,
) -> None:
    """From now on, PostgreSQL aborts each transaction (or savepoint) that writes a row of `model` (`on`:
    INSERT or UPDATE) with the error `condition` (a PL/pgSQL condition name): only rows for which the SQL
    condition `when` on NEW holds; only the `first` such writes; or at commit, as a deferred constraint is
    checked."""
    table = model._meta.db_table
    trigger = (
        f"CONSTRAINT TRIGGER {TRIGGER} AFTER {on} ON {table} DEFERRABLE INITIALLY DEFERRED"
        if at_commit
        else f"TRIGGER {TRIGGER} AFTER {on} ON {table}"
    )
    # A sequence is not rolled back with the transaction the trigger aborts: it counts every write tried.
    counted = f"IF nextval('{TRIGGER}_writes') > {first} THEN RETURN NULL; END IF;" if first else ""
    with connection.cursor() as cursor:
        if first:
            cursor.execute(f"CREATE TEMPORARY SEQUENCE IF NOT EXISTS {TRIGGER}_writes")
        cursor.execute(
            f"""
            CREATE OR REPLACE FUNCTION pg_temp.{TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {counted}
                RAISE EXCEPTION 'aborted for the test' USING ERRCODE = '{condition}';
            END $$;
            CREATE {trigger} FOR EACH ROW {f"WHEN ({when})" if when else ""}
                EXECUTE FUNCTION pg_temp.{TRIGGER}();
            """
        )


def postgres_stops_aborting(model) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {TRIGGER} ON {model._meta.db_table}")


@contextlib.contextmanager
def postgres_aborting(model, **aborts):
    """`postgres_aborts` while open; dropped on leaving, for tests whose transactions commit."""
    postgres_aborts(model, **aborts)
    try:
        yield
    finally:
        postgres_stops_aborting(model)

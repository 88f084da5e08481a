"""One "baseline" event for each record that was made before its history was kept and not changed since.

Without it the first change to such a record has no event before it, and its history can only say that what
changed was not recorded. The baseline is the record as it is now, which is as it was when history began: a
record with no event has not been written since the triggers were in place. It is dated at the first event of
its kind (or now, when there is none), so it comes before every change made since.

One INSERT … SELECT per tracked model, whatever its size: a million interactions are a hash anti-join and a
bulk insert, not a loop. Records that already have an event (even one whose earlier state was lost) get none.
Link tables need none: their events are additions and removals, which read whole on their own.
"""

from django.db import migrations

# history.tracking.BASELINE; spelt out so that this migration means the same whatever that module becomes.
BASELINE = "baseline"


def _tracked_event_models(apps):
    """The event models of the registers (those with `pgh_obj`), as they are at this migration."""
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        if {"pgh_obj", "pgh_label", "pgh_created_at"} <= names:
            yield model, model._meta.get_field("pgh_obj").related_model


def baselines_write(apps, schema_editor):
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        for event_model, tracked_model in _tracked_event_models(apps):
            # The snapshot's own columns, copied as the triggers copy them: the same names in both tables.
            columns = [f.column for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")]
            events = quote(event_model._meta.db_table)
            tracked = quote(tracked_model._meta.db_table)
            pk = quote(tracked_model._meta.pk.column)
            copied = ", ".join(quote(column) for column in columns)
            cursor.execute(
                f"""
                INSERT INTO {events} ({copied}, pgh_obj_id, pgh_created_at, pgh_label, pgh_context_id)
                SELECT {", ".join(f"record.{quote(column)}" for column in columns)}, record.{pk},
                       COALESCE((SELECT min(pgh_created_at) FROM {events}), now()), %s, NULL
                FROM {tracked} AS record
                WHERE NOT EXISTS (SELECT FROM {events} AS event WHERE event.pgh_obj_id = record.{pk})
                """,
                [BASELINE],
            )
            # A million new rows the planner does not know of yet would have it walk the whole table for
            # a record's previous event until autovacuum came round.
            cursor.execute(f"ANALYZE {events}")


def baselines_remove(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for event_model, _tracked_model in _tracked_event_models(apps):
            table = schema_editor.quote_name(event_model._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE pgh_label = %s", [BASELINE])


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0003_history"),
        ("concerns", "0003_history_links"),
        ("contacts", "0005_history_links"),
        ("interactions", "0006_history_participations"),
        ("meetings", "0003_history"),
    ]

    operations = [migrations.RunPython(baselines_write, baselines_remove, elidable=True)]

"""One "baseline" event for each attendee invited before attendees' history was kept (0013).

As 0009 did for decisions: the attendee as they are now, which is as they were when history began, so that
the first correction of who attended is shown against what was recorded. Nobody made it.
"""

from django.db import migrations

# history.tracking.BASELINE; spelt out so that this migration means the same whatever that module becomes.
BASELINE = "baseline"


def attendee_baselines_write(apps, schema_editor):
    event_model = apps.get_model("meetings", "AttendeeEvent")
    quote = schema_editor.quote_name
    columns = [f.column for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")]
    copied = ", ".join(quote(column) for column in columns)
    events = quote(event_model._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {events} ({copied}, pgh_obj_id, pgh_created_at, pgh_label, pgh_context_id)
            SELECT {", ".join(f"attendee.{quote(column)}" for column in columns)}, attendee.id,
                   COALESCE((SELECT min(pgh_created_at) FROM {events}), now()), %s, NULL
            FROM meetings_attendee AS attendee
            WHERE NOT EXISTS (SELECT FROM {events} AS event WHERE event.pgh_obj_id = attendee.id)
            """,
            [BASELINE],
        )


def attendee_baselines_remove(apps, schema_editor):
    event_model = apps.get_model("meetings", "AttendeeEvent")
    with schema_editor.connection.cursor() as cursor:
        table = schema_editor.quote_name(event_model._meta.db_table)
        cursor.execute(f"DELETE FROM {table} WHERE pgh_label = %s", [BASELINE])


class Migration(migrations.Migration):
    dependencies = [("meetings", "0013_attendee_history")]

    operations = [
        migrations.RunPython(attendee_baselines_write, attendee_baselines_remove, elidable=True)
    ]

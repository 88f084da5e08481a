"""One "baseline" event for each captured email received before its history was kept (0004).

As history migration 0001 did for the registers: the email as it is now, which is as it was when history
began, so that setting it aside or bringing it back is compared with it rather than with nothing.
"""

from django.db import migrations

# history.tracking.BASELINE; spelt out so that this migration means the same whatever that module becomes.
BASELINE = "baseline"


def inbound_message_baselines_write(apps, schema_editor):
    event_model = apps.get_model("mailin", "InboundMessageEvent")
    quote = schema_editor.quote_name
    columns = [f.column for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")]
    copied = ", ".join(quote(column) for column in columns)
    events = quote(event_model._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {events} ({copied}, pgh_obj_id, pgh_created_at, pgh_label, pgh_context_id)
            SELECT {", ".join(f"message.{quote(column)}" for column in columns)}, message.id,
                   COALESCE((SELECT min(pgh_created_at) FROM {events}), now()), %s, NULL
            FROM mailin_inboundmessage AS message
            WHERE NOT EXISTS (SELECT FROM {events} AS event WHERE event.pgh_obj_id = message.id)
            """,
            [BASELINE],
        )


def inbound_message_baselines_remove(apps, schema_editor):
    event_model = apps.get_model("mailin", "InboundMessageEvent")
    with schema_editor.connection.cursor() as cursor:
        table = schema_editor.quote_name(event_model._meta.db_table)
        cursor.execute(f"DELETE FROM {table} WHERE pgh_label = %s", [BASELINE])


class Migration(migrations.Migration):
    dependencies = [("mailin", "0004_inboundmessage_history")]

    operations = [
        migrations.RunPython(
            inbound_message_baselines_write, inbound_message_baselines_remove, elidable=True
        )
    ]

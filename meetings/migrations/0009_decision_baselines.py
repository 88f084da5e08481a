"""One "baseline" event for each decision recorded before decisions' history was kept (0008).

As history migration 0001 did for the registers: the decision as it is now, which is as it was when history
began, so that its history starts from it rather than from nothing. Nobody made it.
"""

from django.db import migrations

# history.tracking.BASELINE; spelt out so that this migration means the same whatever that module becomes.
BASELINE = "baseline"


def decision_baselines_write(apps, schema_editor):
    event_model = apps.get_model("meetings", "DecisionEvent")
    quote = schema_editor.quote_name
    columns = [f.column for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")]
    copied = ", ".join(quote(column) for column in columns)
    events = quote(event_model._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {events} ({copied}, pgh_obj_id, pgh_created_at, pgh_label, pgh_context_id)
            SELECT {", ".join(f"decision.{quote(column)}" for column in columns)}, decision.id,
                   COALESCE((SELECT min(pgh_created_at) FROM {events}), now()), %s, NULL
            FROM meetings_decision AS decision
            WHERE NOT EXISTS (SELECT FROM {events} AS event WHERE event.pgh_obj_id = decision.id)
            """,
            [BASELINE],
        )


def decision_baselines_remove(apps, schema_editor):
    event_model = apps.get_model("meetings", "DecisionEvent")
    with schema_editor.connection.cursor() as cursor:
        table = schema_editor.quote_name(event_model._meta.db_table)
        cursor.execute(f"DELETE FROM {table} WHERE pgh_label = %s", [BASELINE])


class Migration(migrations.Migration):
    dependencies = [("meetings", "0008_decision_history")]

    operations = [
        migrations.RunPython(decision_baselines_write, decision_baselines_remove, elidable=True)
    ]

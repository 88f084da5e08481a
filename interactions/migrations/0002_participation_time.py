"""Each participation row carries its interaction's time, so a stakeholder's timeline is one index range scan.

Without it, the newest page of a timeline joins every interaction the stakeholder ever had and sorts them
(about 50 ms for someone with 5,000 interactions, more with the planner's other choices). Triggers keep the
copy right whatever writes the rows: the many-to-many field, bulk inserts, imports, raw SQL.
"""

from django.db import migrations, models

FORWARD = """
ALTER TABLE interactions_interaction_stakeholders ADD COLUMN occurred_at timestamp with time zone;
-- The index comes before the copy: built after it, over the rows the UPDATE left behind, PostgreSQL would
-- not use it until every transaction older than it had ended.
CREATE INDEX participation_timeline
    ON interactions_interaction_stakeholders (stakeholder_id, occurred_at DESC, interaction_id DESC);
UPDATE interactions_interaction_stakeholders AS participation SET occurred_at = interaction.occurred_at
    FROM interactions_interaction AS interaction WHERE interaction.id = participation.interaction_id;
ALTER TABLE interactions_interaction_stakeholders ALTER COLUMN occurred_at SET NOT NULL;

CREATE FUNCTION participation_take_time() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT occurred_at INTO NEW.occurred_at FROM interactions_interaction WHERE id = NEW.interaction_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER participation_take_time
    BEFORE INSERT OR UPDATE OF interaction_id, occurred_at ON interactions_interaction_stakeholders
    FOR EACH ROW EXECUTE FUNCTION participation_take_time();

CREATE FUNCTION interaction_share_time() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE interactions_interaction_stakeholders SET occurred_at = NEW.occurred_at
        WHERE interaction_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER interaction_share_time
    AFTER UPDATE OF occurred_at ON interactions_interaction
    FOR EACH ROW WHEN (OLD.occurred_at IS DISTINCT FROM NEW.occurred_at)
    EXECUTE FUNCTION interaction_share_time();
"""

BACKWARD = """
DROP TRIGGER interaction_share_time ON interactions_interaction;
DROP FUNCTION interaction_share_time();
DROP TRIGGER participation_take_time ON interactions_interaction_stakeholders;
DROP FUNCTION participation_take_time();
DROP INDEX participation_timeline;
ALTER TABLE interactions_interaction_stakeholders DROP COLUMN occurred_at;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.CreateModel(
            name="Participation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("interaction_key", models.BigIntegerField(db_column="interaction_id")),
                ("occurred_at", models.DateTimeField()),
            ],
            options={
                "db_table": "interactions_interaction_stakeholders",
                "managed": False,
            },
        ),
    ]

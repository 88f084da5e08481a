import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built and dropped concurrently: logging interactions goes on while the million-row table is indexed.
    atomic = False

    dependencies = [
        ("interactions", "0009_follow_up_done_message"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="interaction",
            index=models.Index(fields=["logged_by", "-occurred_at"], name="interaction_logged_by_time"),
        ),
        # Then the foreign key's own index goes, the new one leading with the same column; the constraint
        # stays as it is (Django's AlterField would drop and re-add it, checking every row again).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="interaction",
                    name="logged_by",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="logged_interactions",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="logged by",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX CONCURRENTLY IF EXISTS "interactions_interaction_logged_by_id_bf4e8701"',
                    'CREATE INDEX CONCURRENTLY "interactions_interaction_logged_by_id_bf4e8701" '
                    'ON "interactions_interaction" ("logged_by_id")',
                ),
            ],
        ),
    ]

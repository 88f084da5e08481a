from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built concurrently, so the outbox keeps taking messages while it grows; alone in its migration, so a
    # build that fails (the migration unrecorded) can be run again: the invalid index such a build leaves
    # behind is dropped first, rather than kept by an IF NOT EXISTS.
    atomic = False

    dependencies = [
        ("outbox", "0002_message_topic"),
    ]

    operations = [
        migrations.RunSQL("DROP INDEX CONCURRENTLY IF EXISTS outbox_topic", migrations.RunSQL.noop),
        AddIndexConcurrently(
            model_name="outboundmessage",
            index=models.Index(condition=~models.Q(topic=""), fields=["topic"], name="outbox_topic"),
        ),
    ]

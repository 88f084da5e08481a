import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built concurrently, as 0003: the outbox keeps taking messages while it is built; a failed build is
    # dropped and made again on the next run.
    atomic = False

    dependencies = [
        ("outbox", "0003_message_topic_index"),
    ]

    operations = [
        migrations.RunSQL("DROP INDEX CONCURRENTLY IF EXISTS outbox_topic_reversed", migrations.RunSQL.noop),
        AddIndexConcurrently(
            model_name="outboundmessage",
            index=models.Index(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Reverse("topic"), name="text_pattern_ops"
                ),
                condition=models.Q(("topic", ""), _negated=True),
                name="outbox_topic_reversed",
            ),
        ),
    ]

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built concurrently, so the outbox keeps taking messages while it grows; alone in its migration, so a
    # build that fails (leaving an invalid index, the migration unrecorded) can simply be run again.
    atomic = False

    dependencies = [
        ("outbox", "0002_message_topic"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="outboundmessage",
            index=models.Index(condition=~models.Q(topic=""), fields=["topic"], name="outbox_topic"),
        ),
    ]

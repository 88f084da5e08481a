from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built and dropped concurrently: logging interactions goes on while the million-row table is indexed.
    atomic = False

    dependencies = [
        ("interactions", "0012_follow_up_owner"),
    ]

    operations = [
        RemoveIndexConcurrently(model_name="interaction", name="interaction_open_follow_ups"),
        AddIndexConcurrently(
            model_name="interaction",
            index=models.Index(
                condition=models.Q(("follow_up_done_at__isnull", True), ("follow_up_on__isnull", False)),
                fields=["follow_up_owner", "follow_up_on"],
                name="interaction_open_follow_ups",
            ),
        ),
        AddIndexConcurrently(
            model_name="interaction",
            index=models.Index(
                condition=models.Q(("follow_up_owner__isnull", False)),
                fields=["follow_up_owner"],
                name="interaction_follow_up_owner",
            ),
        ),
    ]

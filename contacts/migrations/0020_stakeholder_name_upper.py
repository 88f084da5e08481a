from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.models.functions import Upper


class Migration(migrations.Migration):
    """A forward naming its sender without an address finds who has the name by an index: matched as
    `name__iexact` (UPPER(name) = UPPER(…)) when it is captured and on the review list, it read the whole
    register each time (0010 dropped the lower(name) index, which no query used)."""

    # Built concurrently: the register stays open to reading and editing while it is indexed.
    atomic = False

    dependencies = [
        ("contacts", "0019_phone_functions_without_replanning"),
    ]

    operations = [
        # What a failed concurrent build left (an invalid index of this name) would stop the migration run
        # again: dropped first, rather than kept by an IF NOT EXISTS.
        migrations.RunSQL("DROP INDEX CONCURRENTLY IF EXISTS stakeholder_name_upper", migrations.RunSQL.noop),
        AddIndexConcurrently(
            model_name="stakeholder",
            index=models.Index(Upper("name"), "id", name="stakeholder_name_upper"),
        ),
    ]

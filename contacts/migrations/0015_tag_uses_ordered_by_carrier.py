from django.db import migrations

# Which tags a reader may see is asked tag by tag for each tag's first use in carrier order
# (TagQuerySet.visible_to): an index on (tag, carrier) answers that from its first entry whatever PostgreSQL
# estimates a tag's uses to be, where the tag index alone let it prefer a scan of every link. The tag-only
# index it replaces served nothing the new one does not.
INDEXES = [
    ("contacts_stakeholder_tags", "stakeholder_id", "contacts_stakeholder_tags_tag_id_6dbc997c"),
    ("contacts_organisation_tags", "organisation_id", "contacts_organisation_tags_tag_id_4cd020fe"),
    ("interactions_interaction_topics", "interaction_id", "interactions_interaction_topics_tag_id_f67ff241"),
]


def drop_if_invalid(name):
    """A concurrent build that failed leaves its index behind, invalid: `IF NOT EXISTS` would keep it on a
    second run, and the old index would then be dropped with nothing valid in its place."""

    def drop(apps, schema_editor):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [f'"{name}"']
            )
            row = cursor.fetchone()
        if row and row[0]:
            schema_editor.execute(f'DROP INDEX CONCURRENTLY "{name}"')

    return migrations.RunPython(drop, migrations.RunPython.noop)


def replace(table, carrier, old_index):
    return [
        drop_if_invalid(f"{table}_tag_carrier"),
        migrations.RunSQL(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{table}_tag_carrier" ON "{table}" ("tag_id", "{carrier}")',
            f'DROP INDEX CONCURRENTLY IF EXISTS "{table}_tag_carrier"',
        ),
        migrations.RunSQL(
            f'DROP INDEX CONCURRENTLY IF EXISTS "{old_index}"',
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{old_index}" ON "{table}" ("tag_id")',
        ),
    ]


class Migration(migrations.Migration):
    # Built concurrently: tagging goes on while the link tables (1.3 million topics at scale) are indexed.
    atomic = False

    dependencies = [
        ("contacts", "0014_engagement_objectives"),
        ("interactions", "0013_follow_up_owner_indexes"),
    ]

    operations = [operation for index in INDEXES for operation in replace(*index)]

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


class Migration(migrations.Migration):
    """Meetings are found whatever accents the search or the text has."""

    dependencies = [
        ("contacts", "0012_unaccent"),
        ("meetings", "0006_ends_after_start_message"),
    ]

    operations = [
        # A generated column's expression cannot be altered (before PostgreSQL 17): it is dropped, with its
        # GIN index, and added again, which computes every row's tsvector; then the index is built again.
        migrations.RemoveIndex(model_name="meeting", name="meeting_search_gin"),
        migrations.RemoveField(model_name="meeting", name="search_vector"),
        migrations.AddField(
            model_name="meeting",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.SearchVector("title", "purpose", "minutes", config="simple_unaccent"),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="meeting",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="meeting_search_gin"),
        ),
    ]

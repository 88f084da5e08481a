import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


class Migration(migrations.Migration):
    """Interactions are found whatever accents the search or the text has."""

    dependencies = [
        ("contacts", "0012_unaccent"),
        ("interactions", "0010_logged_by_time_index"),
    ]

    operations = [
        # A generated column's expression cannot be altered (before PostgreSQL 17): it is dropped, with its
        # GIN index, and added again, which computes every row's tsvector; then the index is built again.
        migrations.RemoveIndex(model_name="interaction", name="interaction_search_gin"),
        migrations.RemoveField(model_name="interaction", name="search_vector"),
        migrations.AddField(
            model_name="interaction",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.SearchVector("summary", "notes", "outcome", config="simple_unaccent"),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="interaction",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="interaction_search_gin"),
        ),
    ]

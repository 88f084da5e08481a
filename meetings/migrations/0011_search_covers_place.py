import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


class Migration(migrations.Migration):
    """Meetings are found by their place too ("Town Hall")."""

    dependencies = [
        ("meetings", "0010_action_cancelled_at"),
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
                expression=django.contrib.postgres.search.SearchVector(
                    "title", "purpose", "minutes", "location", config="simple_unaccent"
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="meeting",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="meeting_search_gin"
            ),
        ),
    ]

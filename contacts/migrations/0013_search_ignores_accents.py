import django.contrib.postgres.indexes
import django.contrib.postgres.search
import contacts.search
from django.db import migrations, models


class Migration(migrations.Migration):
    """Stakeholders and organisations are found whatever accents the search or the name has."""

    dependencies = [
        ("contacts", "0012_unaccent"),
    ]

    operations = [
        # A generated column's expression cannot be altered (before PostgreSQL 17): it is dropped, with its
        # GIN index, and added again, which computes every row's tsvector; then the index is built again.
        migrations.RemoveIndex(model_name="organisation", name="organisation_search_gin"),
        migrations.RemoveField(model_name="organisation", name="search_vector"),
        migrations.AddField(
            model_name="organisation",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.SearchVector("name", "sector", "notes", config="simple_unaccent"),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="organisation_search_gin"),
        ),
        # A generated column's expression cannot be altered (before PostgreSQL 17): it is dropped, with its
        # GIN index, and added again, which computes every row's tsvector; then the index is built again.
        migrations.RemoveIndex(model_name="stakeholder", name="stakeholder_search_gin"),
        migrations.RemoveField(model_name="stakeholder", name="search_vector"),
        migrations.AddField(
            model_name="stakeholder",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.SearchVector("name", "form_of_address", "notes", config="simple_unaccent"),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="stakeholder",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="stakeholder_search_gin"),
        ),
        # Names resemble the typed words once both are unaccented: the trigram indexes hold unaccented names.
        migrations.RemoveIndex(model_name="organisation", name="organisation_name_trgm"),
        migrations.AddIndex(
            model_name="organisation",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(contacts.search.Unaccented("name"), name="gin_trgm_ops"),
                name="organisation_unaccent_trgm",
            ),
        ),
        migrations.RemoveIndex(model_name="stakeholder", name="stakeholder_name_trgm"),
        migrations.AddIndex(
            model_name="stakeholder",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(contacts.search.Unaccented("name"), name="gin_trgm_ops"),
                name="stakeholder_unaccent_trgm",
            ),
        ),
    ]

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import contacts.search
from django.db import migrations, models

# phone_keys: each number's last nine digits (all of them when fewer; numbers of fewer than six digits left
# out), the number being the first run of digits and the separators ( ) - . / and spaces in what was typed
# (contacts.search.PhoneKeys). Immutable, so that a generated column and an index may hold it; its body is
# SQL-standard (RETURN), bound to the built-in functions when created, so it works whatever the search_path.
PHONE_KEYS_SQL = """
CREATE FUNCTION phone_keys(phones text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ARRAY(
        SELECT DISTINCT right(digits, 9)
        FROM unnest(phones) AS phone,
            regexp_replace(substring(phone FROM '[0-9][0-9 ()./-]*'), '[^0-9]', '', 'g') AS digits
        WHERE length(digits) >= 6
    );
"""


class Migration(migrations.Migration):
    """A phone number typed in a search box finds who has it, however either side wrote it."""

    dependencies = [
        ("contacts", "0016_tag_names_without_separators"),
    ]

    operations = [
        migrations.RunSQL(PHONE_KEYS_SQL, "DROP FUNCTION phone_keys(text[]);"),
        # Adding the column computes every existing stakeholder's keys.
        migrations.AddField(
            model_name="stakeholder",
            name="phone_keys",
            field=models.GeneratedField(
                db_persist=True,
                expression=contacts.search.PhoneKeys("phones"),
                output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None),
            ),
        ),
        migrations.AddIndex(
            model_name="stakeholder",
            index=django.contrib.postgres.indexes.GinIndex(fields=["phone_keys"], name="stakeholder_phone_keys_gin"),
        ),
    ]

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

# Names and text compared without their accents: "ostergard" finds "Østergård" (contacts.search).
#
# immutable_unaccent: unaccent() is only STABLE (its rules file could change), so an index cannot be built
# on it; this wrapper promises the rules do not change (were they edited, the indexes on it and the stored
# tsvectors would need a REINDEX and a rewrite). Its body is SQL-standard (RETURN), bound to the unaccent
# function and dictionary when created: it works whatever the search_path, as during pg_restore.
#
# simple_unaccent: the 'simple' configuration (lower-cased, never stemmed) with accents removed from words
# first, for the stored tsvectors and the queries alike. The ascii token types have nothing to remove.
UNACCENT_SQL = """
CREATE FUNCTION immutable_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN unaccent('unaccent'::regdictionary, $1);
CREATE TEXT SEARCH CONFIGURATION simple_unaccent (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION simple_unaccent
    ALTER MAPPING FOR word, hword, hword_part, numword, numhword, hword_numpart WITH unaccent, simple;
"""

DROP_UNACCENT_SQL = """
DROP TEXT SEARCH CONFIGURATION simple_unaccent;
DROP FUNCTION immutable_unaccent(text);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0011_portfolio_handover"),
    ]

    operations = [
        # A trusted extension: the database's owner may create it.
        UnaccentExtension(),
        migrations.RunSQL(UNACCENT_SQL, DROP_UNACCENT_SQL),
    ]

import django.contrib.postgres.indexes
import django.contrib.postgres.operations
import contacts.search
from django.db import migrations

# A phone as typed may hold several numbers ("020 7946 0000 / 07700 900123", "Line 2: 020 7946 0004"): each
# is a run of digit groups (with the + and brackets of "(+44)" and "(0)20") joined by spaces or by one of
# . / - (contacts.search._PHONE_NUMBER reads one the same way), of at least six digits. Spaces that are not
# U+0020 are named, not left to a locale's [[:space:]]: no-break, figure and narrow no-break.
#
# phone_numbers: each number's digits from its country code when written with one (+ or 00, the "(0)" of
# "+44 (0)20" dropped), else from after its trunk 0: "+44 20 7946 0000" is 442079460000, "020 7946 0000"
# 2079460000. Two numbers are one when the shorter is the end of the longer.
# phone_keys: their last nine digits, which the GIN index holds to find the few candidates to compare.
# shares_phone_number: whether any number of the first phones is one of the second's.
#
# Immutable, so that an index may hold them; their bodies are SQL-standard (RETURN), bound to the functions
# they call when created, so they work whatever the search_path.
PHONE_FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION phone_numbers(phones text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ARRAY(
        SELECT DISTINCT CASE
            WHEN number ~ '^[(]?[+]' THEN digits
            WHEN left(digits, 2) = '00' THEN substr(digits, 3)
            WHEN left(digits, 1) = '0' THEN substr(digits, 2)
            ELSE digits
        END
        FROM unnest(phones) AS phone,
            regexp_matches(
                translate(phone, U&'\0009\00A0\2007\2009\202F\3000', '      '), '[0-9()+]+(?:(?: +|[./-])[0-9()+]+)*', 'g'
            ) AS found,
            replace(found[1], '(0)', '') AS number,
            regexp_replace(number, '[^0-9]', '', 'g') AS digits
        WHERE length(regexp_replace(found[1], '[^0-9]', '', 'g')) >= 6
        ORDER BY 1
    );

CREATE OR REPLACE FUNCTION phone_keys(phones text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ARRAY(SELECT DISTINCT right(number, 9) FROM unnest(phone_numbers(phones)) AS number ORDER BY 1);

CREATE OR REPLACE FUNCTION shares_phone_number(phones text[], other text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN EXISTS (
        SELECT FROM unnest(phone_numbers(phones)) AS one, unnest(phone_numbers(other)) AS another
        WHERE right(one, length(another)) = another OR right(another, length(one)) = one
    );
"""

DROP_PHONE_FUNCTIONS_SQL = """
DROP FUNCTION shares_phone_number(text[], text[]);
DROP FUNCTION phone_keys(text[]);
DROP FUNCTION phone_numbers(text[]);
"""


class Migration(migrations.Migration):
    """A phone number typed in a search box finds who has it, however either side wrote it."""

    # The index is built concurrently, with no column added: adding a stored one rewrote the register under
    # an exclusive lock (17 s at 300,000 people) while nobody could read or edit it.
    atomic = False

    dependencies = [
        ("contacts", "0016_tag_names_without_separators"),
    ]

    operations = [
        migrations.RunSQL(PHONE_FUNCTIONS_SQL, DROP_PHONE_FUNCTIONS_SQL),
        # What a failed concurrent build left (an invalid index of this name) would stop the migration run
        # again: dropped first, rather than kept by an IF NOT EXISTS.
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS stakeholder_phone_keys_gin", migrations.RunSQL.noop
        ),
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="stakeholder",
            index=django.contrib.postgres.indexes.GinIndex(
                contacts.search.PhoneKeys("phones"), name="stakeholder_phone_keys_gin"
            ),
        ),
    ]

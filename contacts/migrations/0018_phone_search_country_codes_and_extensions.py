import importlib

import django.contrib.postgres.indexes
import django.contrib.postgres.operations
import contacts.search
from django.db import migrations

# Three things migration 0017's functions got wrong:
# - "+65 6123 4567" and "6123 4567" (Singapore, Norway, Denmark, Hong Kong: eight digits; Iceland, Panama:
#   seven) are one number, but were keyed apart by their last nine digits.
# - "0212 555 0134" and "+1 212 555 0134" were one number by their last ten digits. A number written with a
#   trunk 0 is never a North American one: those are dialled with 1 at home and +1 from abroad.
# - "ext 123456" was a number of its own, found by whoever searched for 123456.
#
# phone_numbers now gives each number in the form it was written: "+" and its digits from the country code
# ("+44 (0)20 7946 0000" and "0044 20 7946 0000" are +442079460000), its digits with their trunk 0
# ("020 7946 0000", "(0)20 7946 0000": 02079460000), or its digits alone ("212 555 0100"). Extensions are
# left out: given with a word ("ext 12", "x12", "extension 12") wherever it is, the word not the end of
# another ("Fax 020 …"); given with # only after a number, as "Cell # 555-010-0004" labels one.
#
# Two numbers are one when, past their + or trunk 0, the shorter is the end of the longer and
# - the shorter has nine digits or more (the rule of 0017: "020 7946 0000" is "+44 20 7946 0000"), or
# - they are the same digits, or
# - the longer was written with its country code and the shorter is what follows it: "6123 4567" is
#   "+65 6123 4567", but "7946 0000" is not "+44 20 7946 0000" (a number without its area code is any area's)
#   and "+66 6123 4567" is another country's "6123 4567";
# and neither is written with a trunk 0 while the other is +1.
#
# A country code is read by its first digits: 1 and 7 are one digit long, the two-digit ones are listed
# (E.164), every other is three digits long. No code is the start of another, so the first digits tell.
#
# phone_keys: each number's last nine digits, and a number written with its country code whose national
# number has seven or eight digits also keys that national number: the shorter finds the longer by its key.
PHONE_FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION phone_numbers(phones text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ARRAY(
        SELECT DISTINCT CASE
            WHEN number ~ '^[(]?[+]' THEN '+' || digits
            WHEN left(digits, 2) = '00' THEN '+' || substr(digits, 3)
            WHEN found[1] ~ '^[(]0[)]' THEN '0' || digits
            ELSE digits
        END
        FROM unnest(phones) AS phone,
            regexp_replace(
                translate(phone, U&'\0009\00A0\2007\2009\202F\3000', '      '),
                '(^|[^[:alpha:]])(?:extension|extn|ext|x)\.? *[0-9]+', '\1 ', 'gi'
            ) AS without_extensions,
            regexp_matches(
                without_extensions,
                '([0-9()+]+(?:(?: +|[./-])[0-9()+]+)*)(?: *(?:extension|extn|ext|x|#)\.? *[0-9]+)?',
                'gi'
            ) AS found,
            replace(found[1], '(0)', '') AS number,
            regexp_replace(number, '[^0-9]', '', 'g') AS digits
        WHERE length(regexp_replace(found[1], '[^0-9]', '', 'g')) >= 6
        ORDER BY 1
    );

CREATE OR REPLACE FUNCTION phone_country_code_length(digits text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE
        WHEN digits ~ '^[17]' THEN 1
        WHEN digits ~ '^(2[07]|3[0-469]|4[013-9]|5[1-8]|6[0-6]|8[1246]|9[0-58])' THEN 2
        ELSE 3
    END;

CREATE OR REPLACE FUNCTION phone_keys(phones text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ARRAY(
        SELECT DISTINCT phone_key
        FROM unnest(phone_numbers(phones)) AS number,
            regexp_replace(number, '^[+0]', '') AS digits,
            substr(digits, phone_country_code_length(digits) + 1) AS national,
            unnest(ARRAY[
                right(digits, 9),
                CASE WHEN number ~ '^[+]' AND length(national) IN (7, 8) THEN national END
            ]) AS phone_key
        WHERE phone_key IS NOT NULL
        ORDER BY 1
    );

CREATE OR REPLACE FUNCTION phone_number_ends_with(number text, ending text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (
        SELECT right(digits, length(ending_digits)) = ending_digits
            AND (
                length(ending_digits) >= 9
                OR ending_digits = digits
                OR (
                    number ~ '^[+]' AND ending !~ '^[+]'
                    AND length(digits) - length(ending_digits) = phone_country_code_length(digits)
                )
            )
            AND NOT (number ~ '^[+]1' AND ending ~ '^0' OR number ~ '^0' AND ending ~ '^[+]1')
        FROM regexp_replace(number, '^[+0]', '') AS digits,
            regexp_replace(ending, '^[+0]', '') AS ending_digits
    );

CREATE OR REPLACE FUNCTION shares_phone_number(phones text[], other text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN EXISTS (
        SELECT FROM unnest(phone_numbers(phones)) AS one, unnest(phone_numbers(other)) AS another
        WHERE phone_number_ends_with(one, another) OR phone_number_ends_with(another, one)
    );
"""

# Back to 0017's functions; the helpers only go once nothing calls them.
PREVIOUS_PHONE_FUNCTIONS_SQL = importlib.import_module(
    "contacts.migrations.0017_phone_search"
).PHONE_FUNCTIONS_SQL
DROP_HELPERS_SQL = """
DROP FUNCTION phone_number_ends_with(text, text);
DROP FUNCTION phone_country_code_length(text);
"""

DROP_INDEX_SQL = "DROP INDEX CONCURRENTLY IF EXISTS stakeholder_phone_keys_gin"
CREATE_INDEX_SQL = (
    'CREATE INDEX CONCURRENTLY "stakeholder_phone_keys_gin" ON "contacts_stakeholder"'
    ' USING gin ((phone_keys("phones")))'
)


class Migration(migrations.Migration):
    """A number of seven or eight digits finds it written with its country code; a number written with a
    trunk 0 no longer finds a North American one; an extension is not a number of its own."""

    # The index holds the keys the functions compute: it is dropped before they change (searches read the
    # register meanwhile, slower, never from stale keys) and built again concurrently, as in 0017.
    atomic = False

    dependencies = [
        ("contacts", "0017_phone_search"),
    ]

    operations = [
        # IF EXISTS: a run that failed building the index below left none, or an invalid one, to drop.
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(DROP_INDEX_SQL, [DROP_INDEX_SQL, CREATE_INDEX_SQL])],
            state_operations=[
                migrations.RemoveIndex(model_name="stakeholder", name="stakeholder_phone_keys_gin")
            ],
        ),
        migrations.RunSQL(PHONE_FUNCTIONS_SQL, PREVIOUS_PHONE_FUNCTIONS_SQL + DROP_HELPERS_SQL),
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="stakeholder",
            index=django.contrib.postgres.indexes.GinIndex(
                contacts.search.PhoneKeys("phones"), name="stakeholder_phone_keys_gin"
            ),
        ),
    ]

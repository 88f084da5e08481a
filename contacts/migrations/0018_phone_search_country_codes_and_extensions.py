import importlib

import django.contrib.postgres.indexes
import django.contrib.postgres.operations
import contacts.search
from django.db import migrations

# What migration 0017's functions got wrong:
# - "+65 6123 4567" and "6123 4567" (Singapore, Norway, Denmark, Hong Kong: eight digits; Iceland, Panama:
#   seven; Andorra, the Faroes, Greenland: six) are one number, but were keyed apart by their last nine digits.
# - "0212 555 0134" and "+1 212 555 0134" or "1 212 555 0134" were one number by their last ten digits. A
#   number written with a trunk 0 is never a North American one: those are dialled with 1 at home and +1 from
#   abroad. Nor is it one of the other countries that have no trunk 0 ("06 12 34 56 78" is not
#   "+34 612 345 678").
# - "+81 90 1234 5678" and "+1 901 234 5678" were one number by their last eleven digits: one country code
#   ending another.
# - "ext 123456" was a number of its own, found by whoever searched for 123456.
#
# phone_numbers now gives each number in the form it was written: "+" and its digits from the country code
# ("+44 (0)20 7946 0000" and "0044 20 7946 0000" are +442079460000), its digits with their trunk 0
# ("020 7946 0000", "(0)20 7946 0000": 02079460000), or its digits alone ("212 555 0100"). Extensions are
# left out: given with a word ("ext 12", "x12", "extension 12", "ext: 12", "Ext-12", "ext #12") wherever it
# is, the word not the end of another ("Fax 020 …"); given with # only after a number ("… 0000 #12",
# "… 0000, #12"), as "Cell # 555-010-0004" labels one.
#
# Two numbers are one when, past their + or trunk 0, the shorter is the end of the longer and
# - the shorter has nine digits or more (the rule of 0017: "020 7946 0000" is "+44 20 7946 0000"), or
# - they are the same digits, or
# - the longer was written with its country code and the shorter, of six to eight digits, is what follows
#   it: "6123 4567" is "+65 6123 4567", but "7946 0000" is not "+44 20 7946 0000" (a number without its area
#   code is any area's) and "+66 6123 4567" is another country's "6123 4567";
# and not both are written with their country codes (then they are the same digits), a number written without +
# is at most the other's national number or all of it with the code ("022 123 45 67" is not "+32 2 123 45 67"),
# and neither is written with a trunk 0 while the other is a number never written so
# (phone_number_has_no_trunk_zero) unless the 0 begins 011 or 010, dialled abroad from North America or Japan.
# Italy and San Marino keep a fixed line's 0 after the code; it is compared and keyed as a trunk 0
# (phone_national_number). Australia's 0011 is read as + (no code starts 11); 011 is also Delhi's area code.
#
# A country code is read by its first digits: 1 and 7 are one digit long, the two-digit ones are listed
# (E.164), every other is three digits long. No code is the start of another, so the first digits tell.
#
# phone_keys: each number's last nine digits, and a number written with its country code whose national
# number has six to eight digits also keys that national number: the shorter finds the longer by its key.
# Whatever pair the rules above call one number shares a key, or the index would never bring it.
PHONE_FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION phone_numbers(phones text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ARRAY(
        SELECT DISTINCT CASE
            WHEN number ~ '^[(]?[+]' THEN '+' || digits
            WHEN left(digits, 4) = '0011' THEN '+' || substr(digits, 5)
            WHEN left(digits, 2) = '00' THEN '+' || substr(digits, 3)
            WHEN found[1] ~ '^[(]0[)]' THEN '0' || digits
            ELSE digits
        END
        FROM unnest(phones) AS phone,
            regexp_replace(
                translate(phone, U&'\0009\00A0\2007\2009\202F\3000', '      '),
                '(^|[^[:alpha:]])(?:extension|extn|ext|x)[.:#-]? *[.:#-]? *[0-9]+', '\1 ', 'gi'
            ) AS without_extensions,
            regexp_matches(
                without_extensions,
                '([0-9()+]+(?:(?: +|[./-])[0-9()+]+)*)(?:,? *(?:extension|extn|ext|x|#)[.:#-]? *[.:#-]? *[0-9]+)?',
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

-- What follows a country code, as a number written without it is compared to: Italy and San Marino keep a
-- fixed line's 0 after theirs ("+39 0471 12345" is "0471 12345"), which counts as the trunk 0 of others.
CREATE OR REPLACE FUNCTION phone_national_number(country_code text, after_code text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN country_code IN ('39', '378') THEN regexp_replace(after_code, '^0', '') ELSE after_code END;

CREATE OR REPLACE FUNCTION phone_keys(phones text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ARRAY(
        SELECT DISTINCT phone_key
        FROM unnest(phone_numbers(phones)) AS number,
            regexp_replace(number, '^[+0]', '') AS digits,
            left(digits, phone_country_code_length(digits)) AS country_code,
            phone_national_number(country_code, substr(digits, length(country_code) + 1)) AS national,
            unnest(ARRAY[
                right(digits, 9),
                CASE WHEN number ~ '^[+]' AND length(national) BETWEEN 6 AND 8 THEN national END
            ]) AS phone_key
        WHERE phone_key IS NOT NULL
        ORDER BY 1
    );

-- A number never written with a trunk 0 at home: one written with the country code of a country that has
-- none (Italy and San Marino keep a fixed line's 0 after theirs: "+39 06 …" is "06 …", "+39 312 …" is
-- not "0312 …"), or a North American one written with the 1 dialled at home ("1 212 555 0134").
CREATE OR REPLACE FUNCTION phone_number_has_no_trunk_zero(number text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (
        SELECT CASE
            WHEN number ~ '^1[2-9][0-9]{9}$' THEN true
            WHEN number !~ '^[+]' THEN false
            WHEN country_code IN ('39', '378') THEN national !~ '^0'
            ELSE country_code IN (
                '1',  -- North America
                '30', '34', '45', '47', '48', '65',  -- Greece, Spain, Denmark, Norway, Poland, Singapore
                '298', '299', '350', '351', '352',  -- the Faroes, Greenland, Gibraltar, Portugal, Luxembourg
                '354', '356', '357', '371', '372',  -- Iceland, Malta, Cyprus, Latvia, Estonia
                '376', '377', '420',  -- Andorra, Monaco, the Czech Republic
                '501', '502', '503', '504', '505', '506', '507',  -- Belize to Panama
                '852', '853', '965', '968', '973', '974'  -- Hong Kong, Macau, Kuwait, Oman, Bahrain, Qatar
            )
        END
        FROM substr(number, 2) AS digits,
            left(digits, phone_country_code_length(digits)) AS country_code,
            substr(digits, length(country_code) + 1) AS national
    );

CREATE OR REPLACE FUNCTION phone_number_ends_with(number text, ending text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (
        SELECT right(digits, length(ending_digits)) = ending_digits
            AND (
                length(ending_digits) >= 9
                OR ending_digits = digits
                OR (number ~ '^[+]' AND ending !~ '^[+]' AND length(ending_digits) BETWEEN 6 AND 8
                    AND ending_digits = national)
            )
            -- Both written with their country codes: the same digits.
            AND (ending_digits = digits OR number !~ '^[+]' OR ending !~ '^[+]')
            -- One written with its country code, the other without +: that one is at most the national number,
            -- or all of it with the code and no trunk 0 ("1 212 555 0134"); not the end of the code and then
            -- the national number ("022 123 45 67" is not "+32 2 123 45 67").
            AND (
                number !~ '^[+]' OR ending ~ '^[+]'
                OR length(ending_digits) <= length(national)
                OR (ending_digits = written_digits AND ending !~ '^0')
            )
            -- A number written with a trunk 0 is not one never written so, nor all of one written with its
            -- country code ("020 7946 0000" is not "+20 7946 0000"), unless the 0 begins the international
            -- prefix dialled from North America or Japan: "011 34 612 345 678", "010 34 612 345 678".
            AND NOT (ending ~ '^0' AND phone_number_has_no_trunk_zero(number))
            AND NOT (
                number ~ '^0'
                AND (
                    phone_number_has_no_trunk_zero(ending)
                    OR (ending ~ '^[+]' AND length(digits) = length(ending_digits))
                )
                AND NOT (length(digits) = length(ending_digits) + 2 AND left(digits, 2) IN ('10', '11'))
            )
        FROM regexp_replace(number, '^[+0]', '') AS written_digits,
            regexp_replace(ending, '^[+0]', '') AS ending_digits,
            left(written_digits, phone_country_code_length(written_digits)) AS country_code,
            substr(written_digits, length(country_code) + 1) AS after_code,
            -- Compared to a number written with a 0, an Italian fixed line's 0 is its trunk 0.
            LATERAL (
                SELECT CASE
                    WHEN number ~ '^[+]' AND ending ~ '^0' THEN phone_national_number(country_code, after_code)
                    ELSE after_code
                END
            ) AS national_number(national),
            LATERAL (
                SELECT CASE WHEN number ~ '^[+]' THEN country_code || national ELSE written_digits END
            ) AS compared(digits)
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
DROP FUNCTION phone_national_number(text, text);
DROP FUNCTION phone_number_has_no_trunk_zero(text);
DROP FUNCTION phone_country_code_length(text);
"""

DROP_INDEX_SQL = "DROP INDEX CONCURRENTLY IF EXISTS stakeholder_phone_keys_gin"
CREATE_INDEX_SQL = (
    'CREATE INDEX CONCURRENTLY "stakeholder_phone_keys_gin" ON "contacts_stakeholder"'
    ' USING gin ((phone_keys("phones")))'
)


class Migration(migrations.Migration):
    """A number of six to eight digits finds it written with its country code; a number written with a
    trunk 0 no longer finds one never written so (North American, Spanish, …); two numbers written with
    their country codes are one only as the same digits; an extension is not a number of its own."""

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
        # Its reverse drops the index IF EXISTS (Django's RemoveIndexConcurrently): a backward run stopped
        # after that drop (outside a transaction, it stays done) runs again.
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="stakeholder",
            index=django.contrib.postgres.indexes.GinIndex(
                contacts.search.PhoneKeys("phones"), name="stakeholder_phone_keys_gin"
            ),
        ),
    ]

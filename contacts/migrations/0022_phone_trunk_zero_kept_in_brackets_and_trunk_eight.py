import importlib

from django.db import migrations

# Two spellings of a number were read wrong:
#
# - Italy and San Marino keep a fixed line's 0 after their country codes ("+39 06 1234 5678" is dialled from
#   abroad with its 0), and the "(0)" of "+39 (0)6 1234 5678" is that 0, where the "(0)" of
#   "+44 (0)20 7946 0000" is a trunk 0 not dialled from abroad. It was dropped after every code, which made
#   "+39 (0)6 1234 5678" a mobile's "+39 6…", not "+39 06 1234 5678" or "06 1234 5678". Right after +39
#   or +378 (or 0039, 011 39…) it is now read as that 0; elsewhere ("+39 06 (0)…") it is dropped as before.
#   The Vatican's +379 is assigned but not used: its lines are Rome's, "+39 06 698…".
# - Russia and Kazakhstan (+7) dial a number at home with the trunk prefix 8 where others use 0:
#   "8 (495) 123-45-67" is "+7 495 123 45 67". Unlike a 0, a leading 8 cannot be read as a trunk prefix
#   without knowing the country: country codes begin with 8 (81 Japan, 84 Vietnam, 86 China…) and so do
#   national numbers everywhere ("812 345" is Andorra's, "8123 4567" Singapore's, "(84) 99512-3456" a mobile
#   in Natal, Brazil, "800 555 0134" North American), and the functions know no country of their own. So
#   phone_numbers keeps it as written, and the recheck (shares_phone_number) compares a number also as the
#   +7 number it may be (phone_readings) when it is written as Russians and Kazakhs write it: the 8 a group
#   of its own, then ten digits ("8 (495) 123-45-67", "8 495 123 45 67", "8-495-123-45-67"). Only the text
#   tells: by their digits "(84) 99512-3456" and "84 91 234 5678" (Vietnam without its +) are an 8 and ten
#   digits too. Its last nine digits are the +7 number's: they share a key, and no key changes for it.
#   "8 0…" is Belarus's trunk prefix (8 and 0), not Russia's: +7's national numbers never begin with 0.
#   And a number written with a trunk 0 is no longer one written with +7, which has none ("0495 123 4567"
#   is not "+7 495 123 45 67"; phone_number_has_no_trunk_zero), as for Spain or Greece.
#
# The stored numbers whose keys change are those written with "(0)" after +39 or +378 whose 0 falls in their
# last nine digits ("+39 (0)471 12345" was keyed 947112345, now 047112345 as "+39 0471 12345" is): the index
# is dropped before the functions change and built again concurrently after, as in 0018.
#
# The plain numbers that 0021 reads without regular expressions (digits, spaces and plus signs) hold no
# "(0)" and are read as before; of the others only a number of +39 or +378 with a "(0)" does more work.
PHONE_FUNCTIONS_SQL = r"""
-- The numbers the phones hold (phone_numbers), and with `with_trunk_eight` also the +7 number each may be
-- that is written with a Russian trunk 8: the 8 a group of its own, then ten digits.
CREATE OR REPLACE FUNCTION {schema}.phone_readings(phones text[], with_trunk_eight boolean) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    phone text COLLATE "default";
    without_extensions text COLLATE "default";
    found text COLLATE "default";
    number text COLLATE "default";
    digits text COLLATE "default";
    written text COLLATE "default";
    international text COLLATE "default";
    national text COLLATE "default";
    numbers text[] COLLATE "default" := '{{}}';
    -- A number, with the extension given after it with a word or #; subexpression 1 is the number.
    number_pattern constant text COLLATE "default" :=
    '([0-9()+]+(?:(?: +|[./-])[0-9()+]+)*)(?:,? *(?:extension|extn|ext|x|#)[.:#-]? *[.:#-]? *[0-9]+)?';
BEGIN
    FOREACH phone IN ARRAY phones LOOP
        CONTINUE WHEN phone IS NULL;
        IF translate(phone, '0123456789 +', '') = '' THEN
            -- Digits, spaces and plus signs: number_pattern would match it whole, less the spaces around.
            digits := translate(phone, ' +', '');
            CONTINUE WHEN length(digits) < 6;
            numbers := {schema}.phone_sorted_add(numbers, CASE
                WHEN ltrim(phone, ' ') LIKE '+%' THEN '+' || digits
                WHEN left(digits, 4) = '0011' THEN '+' || substr(digits, 5)
                WHEN left(digits, 2) = '00' THEN '+' || substr(digits, 3)
                ELSE digits
            END);
            IF with_trunk_eight AND digits ~ '^8[1-9][0-9]{{9}}$' AND ltrim(phone, ' ') LIKE '8 %' THEN
                numbers := {schema}.phone_sorted_add(numbers, '+7' || substr(digits, 2));
            END IF;
            CONTINUE;
        END IF;
        without_extensions := regexp_replace(
            translate(phone, U&'\0009\00A0\2007\2009\202F\3000', '      '),
            '(^|[^[:alpha:]])(?:extension|extn|ext|x)[.:#-]? *[.:#-]? *[0-9]+', '\1 ', 'gi'
        );
        FOR match IN 1 .. regexp_count(without_extensions, number_pattern, 1, 'i') LOOP
            found := regexp_substr(without_extensions, number_pattern, 1, match, 'i', 1);
            CONTINUE WHEN length(regexp_replace(found, '[^0-9]', '', 'g')) < 6;
            number := replace(found, '(0)', '');
            digits := regexp_replace(number, '[^0-9]', '', 'g');
            written := CASE
                WHEN number ~ '^[(]?[+]' THEN '+' || digits
                WHEN left(digits, 4) = '0011' THEN '+' || substr(digits, 5)
                WHEN left(digits, 2) = '00' THEN '+' || substr(digits, 3)
                WHEN found ~ '^[(]0[)]' THEN '0' || digits
                ELSE digits
            END;
            -- The "(0)" of "+39 (0)6 1234 5678" is the 0 Italy and San Marino keep after their codes: put
            -- back when the digits before it are the international prefix (+, 00 or 0011, or the 011 or 010
            -- dialled from North America or Japan, which stay digits) and the code.
            IF strpos(found, '(0)') > 0 AND written ~ '^([+]|01[01])(39|378)' THEN
                international := substring(written FROM '^(?:[+]|01[01])(?:39|378)');
                national := substr(written, length(international) + 1);
                IF length(regexp_replace(split_part(found, '(0)', 1), '[^0-9]', '', 'g'))
                    = length(digits) - length(national) THEN
                    written := international || '0' || national;
                END IF;
            END IF;
            numbers := {schema}.phone_sorted_add(numbers, written);
            IF with_trunk_eight AND written ~ '^8[1-9][0-9]{{9}}$' AND found ~ '^8(?: |[-.]|[(])' THEN
                numbers := {schema}.phone_sorted_add(numbers, '+7' || substr(written, 2));
            END IF;
        END LOOP;
    END LOOP;
    RETURN numbers;
END
$$;

CREATE OR REPLACE FUNCTION {schema}.phone_numbers(phones text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN {schema}.phone_readings(phones, false);

-- A number never written with a trunk 0 at home: one written with the country code of a country that has
-- none (Italy and San Marino keep a fixed line's 0 after theirs: "+39 06 …" is "06 …", "+39 312 …" is
-- not "0312 …"; Russia and Kazakhstan dial 8 instead), or a North American one written with the 1 dialled
-- at home ("1 212 555 0134").
CREATE OR REPLACE FUNCTION {schema}.phone_number_has_no_trunk_zero(number text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (
        SELECT CASE
            WHEN number ~ '^1[2-9][0-9]{{9}}$' THEN true
            WHEN number !~ '^[+]' THEN false
            WHEN country_code IN ('39', '378') THEN national !~ '^0'
            ELSE country_code IN (
                '1', '7',  -- North America; Russia and Kazakhstan
                '30', '34', '45', '47', '48', '65',  -- Greece, Spain, Denmark, Norway, Poland, Singapore
                '298', '299', '350', '351', '352',  -- the Faroes, Greenland, Gibraltar, Portugal, Luxembourg
                '354', '356', '357', '371', '372',  -- Iceland, Malta, Cyprus, Latvia, Estonia
                '376', '377', '420',  -- Andorra, Monaco, the Czech Republic
                '501', '502', '503', '504', '505', '506', '507',  -- Belize to Panama
                '852', '853', '965', '968', '973', '974'  -- Hong Kong, Macau, Kuwait, Oman, Bahrain, Qatar
            )
        END
        FROM substr(number, 2) AS digits,
            left(digits, {schema}.phone_country_code_length(digits)) AS country_code,
            substr(digits, length(country_code) + 1) AS national
    );

CREATE OR REPLACE FUNCTION {schema}.shares_phone_number(phones text[], other text[]) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    one text COLLATE "default";
    another text COLLATE "default";
    others text[] COLLATE "default" := {schema}.phone_readings(other, true);
BEGIN
    FOREACH one IN ARRAY {schema}.phone_readings(phones, true) LOOP
        FOREACH another IN ARRAY others LOOP
            IF {schema}.phone_number_ends_with(one, another)
                OR {schema}.phone_number_ends_with(another, one) THEN
                RETURN true;
            END IF;
        END LOOP;
    END LOOP;
    RETURN false;
END
$$;
"""


def previous_phone_functions_sql(schema: str) -> str:
    """The phone functions as 0021 left them, in the current schema (`schema`): 0018's, with 0019's and then
    0021's over them."""
    return "\n".join(
        [
            importlib.import_module(
                "contacts.migrations.0018_phone_search_country_codes_and_extensions"
            ).PHONE_FUNCTIONS_SQL,
            importlib.import_module(
                "contacts.migrations.0019_phone_functions_without_replanning"
            ).PHONE_FUNCTIONS_SQL,
            importlib.import_module(
                "contacts.migrations.0021_phone_keys_faster_for_plain_numbers"
            ).PHONE_FUNCTIONS_SQL.format(schema=schema),
        ]
    )


def run_in_current_schema(schema_editor, sql_for_schema):
    """Runs the SQL made for the schema the migrations run in (no parameters: the SQL holds % signs)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        cursor.execute(sql_for_schema(connection.ops.quote_name(cursor.fetchone()[0])))


def create_phone_functions(apps, schema_editor):
    run_in_current_schema(schema_editor, lambda schema: PHONE_FUNCTIONS_SQL.format(schema=schema))


def restore_previous_phone_functions(apps, schema_editor):
    # phone_readings only once nothing calls it; IF EXISTS, as a backward run stopped later (building the index
    # again, outside a transaction) has dropped it already and runs again.
    run_in_current_schema(
        schema_editor,
        lambda schema: (
            previous_phone_functions_sql(schema)
            + f"DROP FUNCTION IF EXISTS {schema}.phone_readings(text[], boolean);"
        ),
    )


DROP_INDEX_SQL = "DROP INDEX CONCURRENTLY IF EXISTS stakeholder_phone_keys_gin"
CREATE_INDEX_SQL = (
    'CREATE INDEX CONCURRENTLY "stakeholder_phone_keys_gin" ON "contacts_stakeholder"'
    ' USING gin ((phone_keys("phones")))'
)


class Migration(migrations.Migration):
    """An Italian number written "+39 (0)6 1234 5678" is "+39 06 1234 5678"; a Russian "8 (495) 123-45-67" is
    "+7 495 123 45 67", and a number written with a trunk 0 is not one written with +7."""

    # The index holds the keys the functions compute: dropped before they change (searches read the register
    # meanwhile, slower, never from stale keys) and built again concurrently, outside a transaction, as in
    # 0018. A run stopped halfway, either way, runs again: it begins by dropping the index IF EXISTS (an
    # invalid one a failed concurrent build left), and the functions are created OR REPLACE.
    atomic = False

    dependencies = [
        ("contacts", "0021_phone_keys_faster_for_plain_numbers"),
    ]

    operations = [
        migrations.RunSQL(DROP_INDEX_SQL, CREATE_INDEX_SQL),
        migrations.RunPython(create_phone_functions, restore_previous_phone_functions, elidable=False),
        migrations.RunSQL(CREATE_INDEX_SQL, DROP_INDEX_SQL),
    ]

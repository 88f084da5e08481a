import importlib

from django.db import migrations

# An import of 10,000 stakeholders spent about 0.6 s keying their phone numbers for the phone index, a third
# of writing them: phone_numbers ran five regular expressions over every number, and each call of the three
# functions switched the search_path (SET … FROM CURRENT) and back, which costs about as much again.
#
# - A number written with digits, spaces and plus signs alone ("+44 20 7946 0000", most of them) holds no
#   extension and is one number: the regular expressions would find it whole, so it is read with translate().
# - The functions call one another by the schema they are made in rather than by a search_path of their
#   own: found the same under pg_restore's empty path and by VACUUM, ANALYZE and REINDEX, without the switch.
#   phone_sorted_add calls nothing of ours and needs neither.
#
# They give exactly what 0019's gave (what the index holds) for every spelling the tests know, 200,000
# random numbers of digits, spaces and plus signs, and the benchmark's 100,000 stakeholders: the index is
# not rebuilt. Measured on the benchmark's data set: phone_keys over 10,000 numbers 560 → 180-260 ms.
PHONE_FUNCTIONS_SQL = r"""
-- `sorted` with `value` in its place, once: what ARRAY(SELECT DISTINCT … ORDER BY 1) gave.
CREATE OR REPLACE FUNCTION {schema}.phone_sorted_add(sorted text[], value text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    position integer := 1;
BEGIN
    WHILE position <= cardinality(sorted) AND sorted[position] < value COLLATE "default" LOOP
        position := position + 1;
    END LOOP;
    IF position <= cardinality(sorted) AND sorted[position] = value THEN
        RETURN sorted;
    END IF;
    RETURN sorted[1:position - 1] || value || sorted[position:];
END
$$;

CREATE OR REPLACE FUNCTION {schema}.phone_numbers(phones text[]) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    phone text COLLATE "default";
    without_extensions text COLLATE "default";
    found text COLLATE "default";
    number text COLLATE "default";
    digits text COLLATE "default";
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
            numbers := {schema}.phone_sorted_add(numbers, CASE
                WHEN number ~ '^[(]?[+]' THEN '+' || digits
                WHEN left(digits, 4) = '0011' THEN '+' || substr(digits, 5)
                WHEN left(digits, 2) = '00' THEN '+' || substr(digits, 3)
                WHEN found ~ '^[(]0[)]' THEN '0' || digits
                ELSE digits
            END);
        END LOOP;
    END LOOP;
    RETURN numbers;
END
$$;

CREATE OR REPLACE FUNCTION {schema}.phone_keys(phones text[]) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    number text COLLATE "default";
    digits text COLLATE "default";
    country_code text COLLATE "default";
    national text COLLATE "default";
    keys text[] COLLATE "default" := '{{}}';
BEGIN
    FOREACH number IN ARRAY {schema}.phone_numbers(phones) LOOP
        -- A number is '+' and digits, or digits (phone_numbers).
        digits := CASE WHEN left(number, 1) IN ('+', '0') THEN substr(number, 2) ELSE number END;
        country_code := left(digits, {schema}.phone_country_code_length(digits));
        national := {schema}.phone_national_number(country_code, substr(digits, length(country_code) + 1));
        keys := {schema}.phone_sorted_add(keys, right(digits, 9));
        IF left(number, 1) = '+' AND length(national) BETWEEN 6 AND 8 THEN
            keys := {schema}.phone_sorted_add(keys, national);
        END IF;
    END LOOP;
    RETURN keys;
END
$$;
"""

# 0019's functions again, each with its own search_path (shares_phone_number, which this leaves, too).
PREVIOUS_PHONE_FUNCTIONS_SQL = importlib.import_module(
    "contacts.migrations.0019_phone_functions_without_replanning"
).PHONE_FUNCTIONS_SQL


def create_phone_functions(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = connection.ops.quote_name(cursor.fetchone()[0])
        cursor.execute(PHONE_FUNCTIONS_SQL.format(schema=schema))


def restore_previous_phone_functions(apps, schema_editor):
    schema_editor.execute(PREVIOUS_PHONE_FUNCTIONS_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0020_stakeholder_name_upper"),
    ]

    operations = [
        migrations.RunPython(create_phone_functions, restore_previous_phone_functions, elidable=False),
    ]

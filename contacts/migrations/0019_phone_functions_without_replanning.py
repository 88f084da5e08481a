import importlib

from django.db import migrations

# phone_keys (which a stakeholder's phone index is built on) and phone_numbers were SQL functions whose bodies
# are subqueries, which PostgreSQL cannot inline: each call of phone_keys planned phone_numbers afresh, about
# 0.6 ms a stakeholder written, so a 10,000-row import spent six of its seven seconds keying phone numbers.
# PL/pgSQL keeps its plans for the session and reads the numbers with scalar regular expressions (no query at
# all): the same results, about five times faster. They give exactly what 0018's gave, for every spelling the
# tests know and every stakeholder of the benchmark's data set (100,000), so the index stays as it is.
# shares_phone_number, the search's recheck, planned phone_number_ends_with at each call in the same way
# (1.75 ms a row: a switchboard number a thousand people share took seconds to search).
#
# PL/pgSQL finds the functions it calls by the search_path when it runs, where a SQL body found them when it
# was made: SET search_path FROM CURRENT keeps them found under pg_restore's empty path, and by VACUUM,
# ANALYZE and REINDEX. Their text is read with the database's collation whatever the caller's, as before.
PHONE_FUNCTIONS_SQL = r"""
-- `sorted` with `value` in its place, once: what ARRAY(SELECT DISTINCT … ORDER BY 1) gave.
CREATE OR REPLACE FUNCTION phone_sorted_add(sorted text[], value text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
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

CREATE OR REPLACE FUNCTION phone_numbers(phones text[]) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    phone text COLLATE "default";
    without_extensions text COLLATE "default";
    found text COLLATE "default";
    number text COLLATE "default";
    digits text COLLATE "default";
    numbers text[] COLLATE "default" := '{}';
    -- A number, with the extension given after it with a word or #; subexpression 1 is the number.
    number_pattern constant text COLLATE "default" :=
    '([0-9()+]+(?:(?: +|[./-])[0-9()+]+)*)(?:,? *(?:extension|extn|ext|x|#)[.:#-]? *[.:#-]? *[0-9]+)?';
BEGIN
    FOREACH phone IN ARRAY phones LOOP
        CONTINUE WHEN phone IS NULL;
        without_extensions := regexp_replace(
            translate(phone, U&'\0009\00A0\2007\2009\202F\3000', '      '),
            '(^|[^[:alpha:]])(?:extension|extn|ext|x)[.:#-]? *[.:#-]? *[0-9]+', '\1 ', 'gi'
        );
        FOR match IN 1 .. regexp_count(without_extensions, number_pattern, 1, 'i') LOOP
            found := regexp_substr(without_extensions, number_pattern, 1, match, 'i', 1);
            CONTINUE WHEN length(regexp_replace(found, '[^0-9]', '', 'g')) < 6;
            number := replace(found, '(0)', '');
            digits := regexp_replace(number, '[^0-9]', '', 'g');
            numbers := phone_sorted_add(numbers, CASE
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

CREATE OR REPLACE FUNCTION phone_keys(phones text[]) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    number text COLLATE "default";
    digits text COLLATE "default";
    country_code text COLLATE "default";
    national text COLLATE "default";
    keys text[] COLLATE "default" := '{}';
BEGIN
    FOREACH number IN ARRAY phone_numbers(phones) LOOP
        digits := regexp_replace(number, '^[+0]', '');
        country_code := left(digits, phone_country_code_length(digits));
        national := phone_national_number(country_code, substr(digits, length(country_code) + 1));
        keys := phone_sorted_add(keys, right(digits, 9));
        IF number ~ '^[+]' AND length(national) BETWEEN 6 AND 8 THEN
            keys := phone_sorted_add(keys, national);
        END IF;
    END LOOP;
    RETURN keys;
END
$$;

CREATE OR REPLACE FUNCTION shares_phone_number(phones text[], other text[]) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    one text COLLATE "default";
    another text COLLATE "default";
    others text[] COLLATE "default" := phone_numbers(other);
BEGIN
    FOREACH one IN ARRAY phone_numbers(phones) LOOP
        FOREACH another IN ARRAY others LOOP
            IF phone_number_ends_with(one, another) OR phone_number_ends_with(another, one) THEN
                RETURN true;
            END IF;
        END LOOP;
    END LOOP;
    RETURN false;
END
$$;
"""

# 0018's SQL functions again; the helper goes once nothing calls it.
PREVIOUS_PHONE_FUNCTIONS_SQL = (
    importlib.import_module(
        "contacts.migrations.0018_phone_search_country_codes_and_extensions"
    ).PHONE_FUNCTIONS_SQL
    + "DROP FUNCTION phone_sorted_add(text[], text);"
)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0018_phone_search_country_codes_and_extensions"),
    ]

    operations = [
        migrations.RunSQL(PHONE_FUNCTIONS_SQL, PREVIOUS_PHONE_FUNCTIONS_SQL),
    ]

"""Migrations that must be safe to run again, after failing halfway or not."""

import datetime as dt
import importlib
import random
import re

import pytest
from django.db import connection
from django.utils import timezone

from api.models import Deletion
from contacts.models import Stakeholder, Tag

from ..factories import InteractionFactory, OrganisationFactory, StakeholderFactory, UserFactory
from ..migrations import migrate, migrate_to_latest
from .test_search import WRITTEN_NUMBERS

tag_carrier_migration = importlib.import_module("contacts.migrations.0015_tag_uses_ordered_by_carrier")


def index_state(name: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [name])
        row = cursor.fetchone()
    return None if row is None else row[0]


@pytest.mark.django_db(transaction=True)
def test_a_second_run_drops_the_index_a_failed_concurrent_build_left_invalid():
    drop = tag_carrier_migration.drop_if_invalid("scratch_invalid").code
    keep = tag_carrier_migration.drop_if_invalid("scratch_valid").code
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE scratch_links (tag_id int, carrier_id int)")
        cursor.execute("CREATE INDEX scratch_invalid ON scratch_links (tag_id, carrier_id)")
        cursor.execute("CREATE INDEX scratch_valid ON scratch_links (carrier_id)")
        # What an interrupted CREATE INDEX CONCURRENTLY leaves behind.
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", ["scratch_invalid"]
        )
    try:
        with connection.schema_editor(atomic=False) as editor:
            drop(None, editor)
            keep(None, editor)
            tag_carrier_migration.drop_if_invalid("scratch_missing").code(None, editor)
        assert (index_state("scratch_invalid"), index_state("scratch_valid")) == (None, True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE scratch_links")


# Migration 0016 renames the tags named before commas and semicolons were refused. ------------------------

BEFORE_SEPARATORS = [("contacts", "0015_tag_uses_ordered_by_carrier")]
AFTER_SEPARATORS = [("contacts", "0016_tag_names_without_separators")]


# Migrations change the schema and build indexes concurrently: outside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_tags_holding_separators_are_renamed_or_merged_into_their_namesake_and_a_rerun_changes_nothing():
    migrate(BEFORE_SEPARATORS)
    water = Tag.objects.create(name="Water, sanitation")
    roads = Tag.objects.create(name="Roads;  bridges;")
    bare = Tag.objects.create(name=";")
    namesake = Tag.objects.create(name="Energy / Grid")
    merged = Tag.objects.create(name="energy, grid")
    minister, adviser = StakeholderFactory(), StakeholderFactory()
    minister.tags.add(water, merged, namesake)
    adviser.tags.add(merged)
    ministry = OrganisationFactory()
    ministry.tags.add(merged)
    call = InteractionFactory()
    call.topics.add(merged, roads)
    stale = timezone.now() - dt.timedelta(days=30)
    Stakeholder.objects.filter(pk__in=[minister.pk, adviser.pk]).update(updated_at=stale)
    try:
        migrate(AFTER_SEPARATORS)

        assert sorted(Tag.objects.values_list("pk", "name")) == [
            (water.pk, "Water / sanitation"),
            (roads.pk, "Roads / bridges"),
            (bare.pk, f"Tag {bare.pk}"),
            (namesake.pk, "Energy / Grid"),
        ]
        assert set(minister.tags.all()) == {water, namesake}
        assert set(adviser.tags.all()) == {namesake}
        assert set(ministry.tags.all()) == {namesake}
        assert set(call.topics.all()) == {namesake, roads}
        # What they carry reads differently: a sync by `updated_since` sees them.
        assert not Stakeholder.objects.filter(pk__in=[minister.pk, adviser.pk], updated_at=stale).exists()
        # And a sync through the API hears which tag went, and into which.
        assert list(Deletion.objects.values_list("record_type", "record_id", "merged_into")) == [
            ("tag", merged.pk, namesake.pk)
        ]

        migrate(BEFORE_SEPARATORS)
        migrate(AFTER_SEPARATORS)
        assert Tag.objects.count() == 4
        assert set(minister.tags.all()) == {water, namesake}
    finally:
        migrate_to_latest()


# Migration 0017 indexes every stakeholder's phone numbers without locking the register. ---------------------

BEFORE_PHONE_KEYS = [("contacts", "0016_tag_names_without_separators")]
AFTER_PHONE_KEYS = [("contacts", "0017_phone_search")]


@pytest.mark.django_db(transaction=True)
def test_stakeholders_already_on_file_are_found_by_their_phone_numbers():
    apps = migrate(BEFORE_PHONE_KEYS)
    owner = UserFactory()
    apps.get_model("contacts", "Stakeholder").objects.create(
        name="Ana Costa", phones=["(0)20-7946-0000 ext 12", "x12", "2024"], owner_id=owner.pk
    )
    try:
        migrate(AFTER_PHONE_KEYS)
        migrate_to_latest()

        assert [person.name for person in Stakeholder.objects.search("+44 20 7946 0000")] == ["Ana Costa"]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index"
                " WHERE indexrelid = 'stakeholder_phone_keys_gin'::regclass"
            )
            valid, definition = cursor.fetchone()
        # An index on the keys computed from the numbers: no stored column, whose adding rewrote the table.
        assert valid
        assert "USING gin (phone_keys(" in definition
        assert "phone_keys" not in {field.column for field in Stakeholder._meta.concrete_fields}
    finally:
        migrate_to_latest()


# Migration 0018 reads country codes and extensions, and builds the index again from what it keys. ----------

AFTER_COUNTRY_CODES = [("contacts", "0018_phone_search_country_codes_and_extensions")]


def searched_by_index(text):
    """Who the search finds when the index must answer: keys left from the functions before would show."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            return [person.name for person in Stakeholder.objects.search(text)]
        finally:
            cursor.execute("RESET enable_seqscan")


@pytest.mark.django_db(transaction=True)
def test_numbers_on_file_are_keyed_again_for_the_new_rules_and_back():
    apps = migrate(AFTER_PHONE_KEYS)
    owner = UserFactory()
    apps.get_model("contacts", "Stakeholder").objects.create(
        name="Ana Costa", phones=["+65 6123 4567", "020 7946 0000 ext 123456"], owner_id=owner.pk
    )
    try:
        migrate(AFTER_COUNTRY_CODES)
        assert searched_by_index("6123 4567") == ["Ana Costa"]
        assert searched_by_index("123456") == []
        assert index_state("stakeholder_phone_keys_gin") is True

        # Back to 0017's rules, indexed as they key.
        migrate(AFTER_PHONE_KEYS)
        assert searched_by_index("+65 6123 4567") == ["Ana Costa"]
        assert searched_by_index("123456") == ["Ana Costa"]
        assert index_state("stakeholder_phone_keys_gin") is True

        migrate_to_latest()
        assert searched_by_index("6123 4567") == ["Ana Costa"]
    finally:
        migrate_to_latest()


@pytest.mark.django_db(transaction=True)
def test_going_back_to_0017_runs_again_after_a_run_stopped_once_it_had_dropped_the_index():
    migrate(AFTER_COUNTRY_CODES)
    try:
        # What a backward run stopped after its first step leaves (outside a transaction, the drop stays).
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX stakeholder_phone_keys_gin")
        migrate(AFTER_PHONE_KEYS)
        assert index_state("stakeholder_phone_keys_gin") is True
    finally:
        migrate_to_latest()


# Migrations 0019 and 0021 wrote the phone functions anew (PL/pgSQL; plain numbers read without regular
# expressions) without changing a key; 0022 reads "(0)" after +39 and +378 as the 0 those countries keep, and
# a Russian trunk 8: only those spellings may read differently. --------------------------------------------

phone_functions_migration = importlib.import_module(
    "contacts.migrations.0022_phone_trunk_zero_kept_in_brackets_and_trunk_eight"
)
SPELLINGS = [
    *WRITTEN_NUMBERS,
    "(0)20-7946-0000 ext 12",
    "0044 (0)20-7946-0000 ext 12",
    "(+44) 20 7946 0000",
    "020\u00a07946\u202f0000 x 12",
    "020\t7946\t0000",
    "Tel 020 7946 0000 / Fax 020 7946 0001",
    "Cell # 555-010-0004",
    "020 7946 0000, #123456",
    "020 7946 0000 Extn. 123456",
    "+44 20 7946 0000; +33 1 23 45 67 89; 06 12 34 56 78",
    "2024",
    "12345",
    "ext: 123456",
    "",
    # Digits, spaces and plus signs alone, which 0021 reads without regular expressions.
    "  +44 20 7946 0000  ",
    "0044 20 7946 0000",
    "0011 61 2 9876 5432",
    "020 7946 0000 +33 1 23 45 67 89",
    "+ 44",
    "44+20+7946+0000",
    "++44 20 7946 0000",
    "   ",
    "1234567",
    # A "(0)" after +39 that is not the one after the code, and one after the 011 dialled from North America.
    "+39 06 (0)1234 5678",
    "011 39 (0)6 1234 5678",
]
# The spellings of SPELLINGS that 0022 reads anew, each as the previous functions read it written with a 0.
ZERO_KEPT_IN_BRACKETS = {
    "+39 (0)6 1234 5678": "+39 06 1234 5678",
    "0039 (0)471 12345": "0039 0471 12345",
    "+378 (0)549 12345": "+378 0549 12345",
    "011 39 (0)6 1234 5678": "011 39 06 1234 5678",
}


def create_previous_phone_functions(cursor):
    """The phone functions as they were before 0022 (0018's, 0019's and 0021's over them) in a schema of their
    own: `previous.phone_keys` keyed the index before. Gone with the test's transaction."""
    cursor.execute("CREATE SCHEMA previous")
    cursor.execute("SET LOCAL search_path = previous")
    cursor.execute(phone_functions_migration.previous_phone_functions_sql("previous"))
    cursor.execute("RESET search_path")


def read_anew(cursor, spellings, as_before):
    """The spellings whose numbers or keys differ from what the previous functions gave for `as_before`."""
    cursor.execute(
        "SELECT spelling FROM unnest(%s::text[], %s::text[]) AS pairs(spelling, before)"
        " WHERE phone_numbers(ARRAY[spelling]) IS DISTINCT FROM previous.phone_numbers(ARRAY[before])"
        " OR phone_keys(ARRAY[spelling]) IS DISTINCT FROM previous.phone_keys(ARRAY[before])",
        [spellings, as_before],
    )
    return {spelling for (spelling,) in cursor.fetchall()}


@pytest.mark.django_db
def test_the_phone_functions_read_anew_only_a_zero_in_brackets_after_39_or_378():
    with connection.cursor() as cursor:
        create_previous_phone_functions(cursor)
        assert read_anew(cursor, SPELLINGS, SPELLINGS) == set(ZERO_KEPT_IN_BRACKETS)
        # Each is read as it was written with a plain 0.
        spelled_as_before = [ZERO_KEPT_IN_BRACKETS.get(spelling, spelling) for spelling in SPELLINGS]
        assert read_anew(cursor, SPELLINGS, spelled_as_before) == set()
        cursor.execute(
            "SELECT phone_keys(%s::text[]) = previous.phone_keys(%s::text[]),"
            " phone_keys('{}') = previous.phone_keys('{}'),"
            " phone_keys(ARRAY['020 7946 0000', NULL]) = previous.phone_keys(ARRAY['020 7946 0000', NULL])",
            [SPELLINGS, spelled_as_before],
        )
        assert cursor.fetchone() == (True, True, True)


# The pairs of SPELLINGS the recheck tells otherwise since 0022, and whether it now calls them one number.
RECHECKED_ANEW = {
    # "(0)" after +39 or +378 is the 0 a fixed line keeps.
    ("+39 (0)6 1234 5678", "+39 06 1234 5678"): True,
    ("+39 (0)6 1234 5678", "06 1234 5678"): True,
    ("+39 (0)6 1234 5678", "06 12 34 56 78"): True,
    ("+39 (0)6 1234 5678", "+44 20 7946 0000; +33 1 23 45 67 89; 06 12 34 56 78"): True,
    ("+39 (0)6 1234 5678", "+39 06 (0)1234 5678"): True,
    ("+39 (0)6 1234 5678", "+39 6 1234 5678"): False,
    ("011 39 (0)6 1234 5678", "+39 06 1234 5678"): True,
    ("011 39 (0)6 1234 5678", "+39 06 (0)1234 5678"): True,
    ("011 39 (0)6 1234 5678", "+39 6 1234 5678"): False,
    ("0039 (0)471 12345", "+39 0471 12345"): True,
    ("0039 (0)471 12345", "0471 12345"): True,
    ("0039 (0)471 12345", "011 39 0471 12345"): True,
    ("0039 (0)471 12345", "47112345"): False,
    ("+378 (0)549 12345", "+378 0549 12345"): True,
    ("+378 (0)549 12345", "0549 12345"): True,
    # 8 and ten digits are also the +7 number.
    ("8 495 123 4567", "+7 495 123 4567"): True,
    ("8 495 123 4567", "007 495 123 4567"): True,
    ("8 (495) 123-45-67", "+7 495 123 4567"): True,
    ("8 (495) 123-45-67", "007 495 123 4567"): True,
    ("8 727 123 4567", "+7 727 123 4567"): True,
    ("8-495-123-45-67", "+7 495 123 4567"): True,
    ("8-495-123-45-67", "007 495 123 4567"): True,
    ("8(495)123-45-67", "+7 495 123 4567"): True,
    ("8(495)123-45-67", "007 495 123 4567"): True,
    # +7 has no trunk 0.
    ("0495 123 4567", "+7 495 123 4567"): False,
    ("0495 123 4567", "007 495 123 4567"): False,
}


@pytest.mark.django_db
def test_the_recheck_tells_otherwise_only_the_pairs_the_new_readings_make():
    with connection.cursor() as cursor:
        create_previous_phone_functions(cursor)
        cursor.execute(
            "SELECT one, another, shares_phone_number(ARRAY[one], ARRAY[another])"
            " FROM unnest(%s::text[]) AS one, unnest(%s::text[]) AS another"
            " WHERE shares_phone_number(ARRAY[one], ARRAY[another])"
            " IS DISTINCT FROM previous.shares_phone_number(ARRAY[one], ARRAY[another])",
            [SPELLINGS, SPELLINGS],
        )
        rechecked = cursor.fetchall()
    # Either way round.
    assert {frozenset((one, another)): one_number for one, another, one_number in rechecked} == {
        frozenset(pair): one_number for pair, one_number in RECHECKED_ANEW.items()
    }


BEFORE_ZERO_IN_BRACKETS = [("contacts", "0021_phone_keys_faster_for_plain_numbers")]
AFTER_ZERO_IN_BRACKETS = [("contacts", "0022_phone_trunk_zero_kept_in_brackets_and_trunk_eight")]


@pytest.mark.django_db(transaction=True)
def test_numbers_written_with_a_zero_in_brackets_are_keyed_again_and_back():
    apps = migrate(BEFORE_ZERO_IN_BRACKETS)
    owner = UserFactory()
    apps.get_model("contacts", "Stakeholder").objects.create(
        name="Ana Costa", phones=["+39 (0)471 12345"], owner_id=owner.pk
    )
    try:
        # Keyed 047112345 now, as "39 0471 12345" is; no longer 947112345, as "39 471 12345" is.
        migrate(AFTER_ZERO_IN_BRACKETS)
        assert searched_by_index("39 0471 12345") == ["Ana Costa"]
        assert searched_by_index("39 471 12345") == []
        assert index_state("stakeholder_phone_keys_gin") is True

        migrate(BEFORE_ZERO_IN_BRACKETS)
        assert searched_by_index("39 471 12345") == ["Ana Costa"]
        assert searched_by_index("39 0471 12345") == []
        assert index_state("stakeholder_phone_keys_gin") is True
    finally:
        migrate_to_latest()


@pytest.mark.django_db(transaction=True)
def test_going_back_to_0021_runs_again_after_a_run_stopped_while_it_built_the_index_again():
    try:
        # What a backward run stopped at its last step leaves (outside a transaction, the steps before stay
        # done and 0022 stays applied): the index dropped, 0021's functions back and phone_readings gone.
        with connection.cursor() as cursor:
            cursor.execute(phone_functions_migration.DROP_INDEX_SQL)
        with connection.schema_editor(atomic=False) as editor:
            phone_functions_migration.restore_previous_phone_functions(None, editor)
        migrate(BEFORE_ZERO_IN_BRACKETS)
        assert index_state("stakeholder_phone_keys_gin") is True
    finally:
        migrate_to_latest()


def written_number(rng) -> tuple[str, bool]:
    """A number as people write it, and whether it holds a "(0)" after +39 or +378: a country code after +,
    00, 0011, "(+" or 011, or none; a trunk 0, "(0)" or 8, or none; groups of digits, the first maybe in
    brackets, joined by spaces, dots, dashes, slashes or nothing; an extension or none."""
    code = rng.choice(["39", "378", "44", "7", "33", "1", "65", "376", ""])
    prefix = rng.choice(["+", "00", "0011 ", "(+", "011 "]) if code else ""
    trunk = rng.choice(["(0)", "0", "8", ""])
    groups = [
        "".join(rng.choice("0123456789") for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(3, 4))
    ]
    if rng.random() < 0.3:
        groups[0] = f"({groups[0]})"
    head = f"{prefix}{code}{')' if prefix == '(+' else ''} " if code else ""
    ending = rng.choice(["", " ext 12", " x 9", ", #3"])
    number = head + trunk + rng.choice([" ", "-", ".", "/", ""]).join(groups) + ending
    return number, code in ("39", "378") and trunk == "(0)"


def scrawled_zero_in_brackets(rng) -> str:
    """Random characters around a "(0)" after a country code, most often 39 or 378, written with or without
    an international prefix: what random characters alone hardly ever give."""
    scrawl = "".join(rng.choice("0123456789 +()-./x#\t") for _ in range(rng.randint(0, 8)))
    code = rng.choice(["+39", "+378", "0039", "0011 39", "011 39", "(+39)", "39", "378", "+3", "+44", "+379"])
    after = "".join(rng.choice("0123456789 +()-./x#\t") for _ in range(rng.randint(0, 14)))
    return scrawl + code + rng.choice(["", " ", "-", "(", " ("]) + "(0)" + after


# A number the previous functions read with the country code 39 or 378 (after +, 011 or 010).
ITALY_OR_SAN_MARINO = re.compile(r"(?:[+]|01[01])(?:39|378)")


@pytest.mark.django_db
def test_the_phone_functions_read_anew_only_a_zero_in_brackets_after_39_or_378_in_random_spellings():
    rng = random.Random(22)
    written = [written_number(rng) for _ in range(4000)]
    spellings = [number for number, _ in written]
    zero_kept = {number for number, reads_zero in written if reads_zero}
    noise = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        for alphabet in ("0123456789 +", "0123456789 +()-./x#\t")
        for _ in range(3000)
    ] + [scrawled_zero_in_brackets(rng) for _ in range(3000)]
    with connection.cursor() as cursor:
        create_previous_phone_functions(cursor)
        assert read_anew(cursor, spellings, spellings) == zero_kept
        as_before = [number.replace("(0)", "0", 1) if number in zero_kept else number for number in spellings]
        assert read_anew(cursor, spellings, as_before) == set()
        cursor.execute(
            "SELECT spelling, previous.phone_numbers(ARRAY[spelling]) FROM unnest(%s::text[]) AS spelling",
            [list(read_anew(cursor, noise, noise))],
        )
        noise_read_anew = cursor.fetchall()
    # Enough for a "(0)" read anew where it should not be to show.
    assert len(noise_read_anew) > 200
    for spelling, numbers in noise_read_anew:
        assert "(0)" in spelling and any(ITALY_OR_SAN_MARINO.match(number) for number in numbers), spelling


@pytest.mark.django_db
def test_the_phone_functions_work_whatever_the_search_path_as_when_a_dump_is_restored():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        cursor.execute("SET LOCAL search_path = pg_catalog")
        cursor.execute(
            f"SELECT {schema}.phone_keys(ARRAY['+44 20 7946 0000']),"
            f" {schema}.shares_phone_number(ARRAY['+44 20 7946 0000'], ARRAY['020 7946 0000']),"
            f" {schema}.shares_phone_number(ARRAY['+39 (0)6 1234 5678'], ARRAY['06 1234 5678']),"
            f" {schema}.shares_phone_number(ARRAY['8 (495) 123-45-67'], ARRAY['+7 495 123 4567']),"
            f" {schema}.shares_phone_number(ARRAY['8 495 123 4567'], ARRAY['+7 495 123 4567'])"
        )
        assert cursor.fetchone() == (["079460000"], True, True, True, True)


@pytest.mark.django_db
def test_the_phone_functions_read_text_with_the_databases_collation_whatever_the_callers():
    written = [
        "80nextensionXext.\tİ#.\uff25\uff38\uff34EXT8 (00103/3",
        "+39 (0)6 1234 5678 x 1",
        "8 (495) 123-45-67",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT phone_numbers(%s::text[]), phone_numbers(%s::text[] COLLATE "C"),'
            ' phone_readings(%s::text[], true), phone_readings(%s::text[] COLLATE "C", true)',
            [written] * 4,
        )
        numbers, collated_numbers, readings, collated_readings = cursor.fetchone()
    assert (collated_numbers, collated_readings) == (numbers, readings)


# Migration 0020 indexes stakeholders by name as a forward naming its sender alone is matched. -------------

AFTER_PHONE_FUNCTIONS_IN_PLPGSQL = [("contacts", "0019_phone_functions_without_replanning")]


@pytest.mark.django_db(transaction=True)
def test_the_name_index_is_built_again_over_one_a_failed_concurrent_build_left_invalid():
    migrate(AFTER_PHONE_FUNCTIONS_IN_PLPGSQL)
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE INDEX stakeholder_name_upper ON contacts_stakeholder (id)")
            cursor.execute(
                "UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass",
                ["stakeholder_name_upper"],
            )
        migrate_to_latest()
        assert index_state("stakeholder_name_upper") is True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_indexdef(%s::regclass)", ["stakeholder_name_upper"])
            assert "upper((name)::text), id" in cursor.fetchone()[0]
    finally:
        migrate_to_latest()

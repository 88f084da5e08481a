"""Migrations that must be safe to run again, after failing halfway or not."""

import datetime as dt
import importlib
import random

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


# Migrations 0019 and 0021 write the phone functions anew (PL/pgSQL; plain numbers read without regular
# expressions): the keys the index holds must not change. ----------------------------------------------------

country_codes_migration = importlib.import_module(
    "contacts.migrations.0018_phone_search_country_codes_and_extensions"
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
]


def previous_phone_function(name: str) -> str:
    """0018's definition of `name`, created under another name: what the index was keyed by before."""
    sql = country_codes_migration.PHONE_FUNCTIONS_SQL
    start = sql.index(f"CREATE OR REPLACE FUNCTION {name}(")
    end = sql.index(";\n", start) + 1
    return sql[start:end].replace(f"FUNCTION {name}(", f"FUNCTION previous_{name}(", 1)


@pytest.mark.django_db
def test_the_phone_functions_give_what_0018s_gave_for_every_spelling():
    phones = [[spelling] for spelling in SPELLINGS] + [SPELLINGS, [], ["020 7946 0000", None]]
    with connection.cursor() as cursor:
        cursor.execute(previous_phone_function("phone_numbers"))
        previous_keys = previous_phone_function("phone_keys")
        cursor.execute(previous_keys.replace("phone_numbers(phones)", "previous_phone_numbers(phones)"))
        previous_shares = previous_phone_function("shares_phone_number")
        cursor.execute(previous_shares.replace("phone_numbers(", "previous_phone_numbers("))
        for written in phones:
            cursor.execute(
                "SELECT phone_numbers(%s::text[]), previous_phone_numbers(%s::text[]),"
                " phone_keys(%s::text[]), previous_phone_keys(%s::text[])",
                [written] * 4,
            )
            numbers, previous_numbers, keys, previous_keys = cursor.fetchone()
            assert (numbers, keys) == (previous_numbers, previous_keys), written
        cursor.execute(
            "SELECT one, another FROM unnest(%s::text[]) AS one, unnest(%s::text[]) AS another"
            " WHERE shares_phone_number(ARRAY[one], ARRAY[another])"
            " IS DISTINCT FROM previous_shares_phone_number(ARRAY[one], ARRAY[another])",
            [SPELLINGS, SPELLINGS],
        )
        assert cursor.fetchall() == []


@pytest.mark.django_db
def test_the_phone_functions_give_what_0018s_gave_for_random_spellings():
    rng = random.Random(21)
    spellings = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        for alphabet in ("0123456789 +", "0123456789 +()-./x#\t")
        for _ in range(3000)
    ]
    with connection.cursor() as cursor:
        cursor.execute(previous_phone_function("phone_numbers"))
        previous_keys = previous_phone_function("phone_keys")
        cursor.execute(previous_keys.replace("phone_numbers(phones)", "previous_phone_numbers(phones)"))
        cursor.execute(
            "SELECT spelling FROM unnest(%s::text[]) AS spelling"
            " WHERE phone_keys(ARRAY[spelling]) IS DISTINCT FROM previous_phone_keys(ARRAY[spelling])"
            " OR phone_numbers(ARRAY[spelling]) IS DISTINCT FROM previous_phone_numbers(ARRAY[spelling])",
            [spellings],
        )
        assert cursor.fetchall() == []


@pytest.mark.django_db
def test_the_phone_functions_work_whatever_the_search_path_as_when_a_dump_is_restored():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        cursor.execute("SET LOCAL search_path = pg_catalog")
        cursor.execute(
            f"SELECT {schema}.phone_keys(ARRAY['+44 20 7946 0000']),"
            f" {schema}.shares_phone_number(ARRAY['+44 20 7946 0000'], ARRAY['020 7946 0000'])"
        )
        assert cursor.fetchone() == (["079460000"], True)


@pytest.mark.django_db
def test_the_phone_functions_read_text_with_the_databases_collation_whatever_the_callers():
    written = ["80nextensionXext.\tİ#.\uff25\uff38\uff34EXT8 (00103/3"]
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT phone_numbers(%s::text[]), phone_numbers(%s::text[] COLLATE "C")', [written, written]
        )
        default, collated = cursor.fetchone()
    assert collated == default


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

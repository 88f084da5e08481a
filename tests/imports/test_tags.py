"""Tags in an imported file are told apart as the database tells them apart, at the check and at the import.

PostgreSQL's lower() keys the unique index on tag names. Python's lower() differs: it gives a Greek word's
last sigma its final form ("ΣΥΝΕΔΡΙΟΣ" → "συνεδριος", where PostgreSQL writes "συνεδριοσ") and a dotted
capital I a combining dot ("İ" → "i̇", where PostgreSQL writes "i").
"""

import threading

import pytest
from django.db import connection, transaction

from contacts.models import Organisation, Stakeholder, Tag
from contacts.services import stakeholder_update, tags_from_names
from imports.columns import COLUMNS
from imports.models import ImportKind, ImportStatus
from interactions.models import Interaction

from ..concurrency import wait_until_waiting_for_a_lock
from ..factories import StakeholderFactory
from .test_services import check, commit, csv_bytes, upload

pytestmark = pytest.mark.django_db


def _tag_names(tags) -> set[str]:
    return {tag.name for tag in tags.all()}


def test_tags_the_database_holds_as_one_are_linked_once_and_created_once(officer):
    content = csv_bytes(
        [
            ["Eleni Papadaki", "", "", "", "ΣΥΝΕΔΡΙΟΣ; συνεδριοσ; İstanbul; istanbul", ""],
            ["Emre Demir", "", "", "", "ISTANBUL; Water; WATER; water", ""],
        ]
    )

    job = check(officer, upload(officer, content))

    assert job.status == ImportStatus.CHECKED and job.error_count == 0
    assert job.new_tags == ["İstanbul", "Water", "ΣΥΝΕΔΡΙΟΣ"]
    job = commit(officer, job)
    assert job.status == ImportStatus.IMPORTED and job.created_count == 2
    assert _tag_names(Tag.objects) == {"İstanbul", "Water", "ΣΥΝΕΔΡΙΟΣ"}
    assert _tag_names(Stakeholder.objects.get(name="Eleni Papadaki").tags) == {"İstanbul", "ΣΥΝΕΔΡΙΟΣ"}
    assert _tag_names(Stakeholder.objects.get(name="Emre Demir").tags) == {"İstanbul", "Water"}


def test_tags_the_database_tells_apart_stay_apart_though_python_lower_cases_them_alike(officer):
    """The form and the API keep "ΣΥΝΕΔΡΙΟΣ" and "συνεδριος" apart (lower() keeps a written final sigma):
    so does the import."""
    content = csv_bytes([["Eleni Papadaki", "", "", "", "ΣΥΝΕΔΡΙΟΣ; συνεδριος", ""]])

    job = check(officer, upload(officer, content))

    assert sorted(job.new_tags) == ["ΣΥΝΕΔΡΙΟΣ", "συνεδριος"]
    commit(officer, job)
    assert _tag_names(Stakeholder.objects.get().tags) == {"συνεδριος", "ΣΥΝΕΔΡΙΟΣ"}


def test_an_existing_tag_written_in_another_case_is_reused_not_added(officer):
    conference = Tag.objects.create(name="Συνεδριοσ")
    istanbul = Tag.objects.create(name="istanbul")
    content = csv_bytes([["Eleni Papadaki", "", "", "", "ΣΥΝΕΔΡΙΟΣ; İSTANBUL; Ankara", ""]])

    job = check(officer, upload(officer, content))

    assert job.new_tags == ["Ankara"]
    commit(officer, job)
    assert set(Stakeholder.objects.get().tags.all()) == {conference, istanbul, Tag.objects.get(name="Ankara")}
    assert Tag.objects.count() == 3


def test_a_tag_in_decomposed_accents_is_the_tag_typed_with_composed_ones(officer):
    cafe = Tag.objects.create(name="Caf\u00e9")
    content = csv_bytes([["Eleni Papadaki", "", "", "", "Cafe\u0301", ""]])

    job = check(officer, upload(officer, content))

    assert job.new_tags == []
    commit(officer, job)
    assert list(Stakeholder.objects.get().tags.all()) == [cafe]


def test_a_tag_with_invisible_characters_is_an_error_of_its_row(officer):
    content = csv_bytes([["Eleni Papadaki", "", "", "", "Wa\u200bter", ""]])

    job = check(officer, upload(officer, content))

    assert job.error_count == 1 and "invisible characters" in job.errors[0]["message"]


def test_tags_only_likely_duplicates_name_are_shown_apart_and_spelled_as_the_imported_rows_write_them(
    officer,
):
    StakeholderFactory(name="Ana Costa", emails=["ana@example.org"])
    content = csv_bytes(
        [
            ["Ana Costa", "ana@example.org", "", "", "İZMIR; Harbour", ""],
            ["Jean Dubois", "", "", "", "izmir", ""],
        ]
    )

    job = check(officer, upload(officer, content))

    assert job.duplicate_count == 1
    assert (job.new_tags, job.new_tags_of_duplicates) == (["izmir"], ["Harbour"])
    commit(officer, job)
    assert _tag_names(Tag.objects) == {"Harbour", "izmir"}


def test_the_check_page_lists_the_tags_the_file_adds(officer_client, officer):
    content = csv_bytes([["Eleni Papadaki", "", "", "", "ΣΥΝΕΔΡΙΟΣ; συνεδριοσ", ""]])
    job = check(officer, upload(officer, content))

    page = officer_client.get(f"/imports/{job.pk}/")

    assert "These tags are not in the register yet and will be added: ΣΥΝΕΔΡΙΟΣ" in page.content.decode()


def test_organisation_tags_and_interaction_topics_are_told_apart_alike(officer):
    content = csv_bytes([["Limani Trust", "ΣΥΝΕΔΡΙΟΣ; συνεδριοσ; İzmir; izmir"]], headings=["Name", "Tags"])
    commit(officer, check(officer, upload(officer, content, kind="organisations")))
    assert _tag_names(Organisation.objects.get(name="Limani Trust").tags) == {"İzmir", "ΣΥΝΕΔΡΙΟΣ"}

    StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)
    content = csv_bytes(
        [["2024-03-05 14:30", "Call", "Talked ports", "ana@example.org", "Συνεδριοσ; ΣΥΝΕΔΡΙΟΣ; İZMIR"]],
        headings=["Date", "Kind", "Subject", "With", "Topics"],
    )
    job = check(officer, upload(officer, content, kind="interactions"))
    assert job.error_count == 0, job.errors
    assert job.new_tags == []
    commit(officer, job)
    assert _tag_names(Interaction.objects.get().topics) == {"İzmir", "ΣΥΝΕΔΡΙΟΣ"}


def in_a_thread(work, errors: list) -> threading.Thread:
    def run():
        try:
            work()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_form_and_an_import_adding_the_same_new_tags_at_once_both_go_through(officer):
    """Each adds its new tags in one order: the later waits for the earlier's first tag, not deadlocks."""
    content = csv_bytes([["Eleni Papadaki", "", "", "", "Apple; Mango; Zebra", ""]])
    job = check(officer, upload(officer, content))
    mango_added, release = threading.Event(), threading.Event()
    saved, errors = {}, []

    def a_save_adding_mango():
        # Holds the import up once it has added its first new tag (Apple) and waits for Mango.
        with transaction.atomic():
            tags_from_names(["Mango"])
            mango_added.set()
            release.wait(30)

    def a_form_typed_zebra_then_apple():
        with transaction.atomic():
            saved["form"] = [tag.name for tag in tags_from_names(["Zebra", "Apple"])]

    holding = in_a_thread(a_save_adding_mango, errors)
    assert mango_added.wait(30)
    importing = in_a_thread(lambda: saved.update(job=commit(officer, job)), errors)
    wait_until_waiting_for_a_lock(1)
    saving = in_a_thread(a_form_typed_zebra_then_apple, errors)
    wait_until_waiting_for_a_lock(2)
    release.set()
    for thread in (holding, importing, saving):
        thread.join(30)

    assert errors == []
    assert saved["form"] == ["Zebra", "Apple"]
    assert saved["job"].status == ImportStatus.IMPORTED, saved["job"].errors
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Apple", "Mango", "Zebra"]
    assert _tag_names(Stakeholder.objects.get().tags) == {"Apple", "Mango", "Zebra"}


@pytest.mark.django_db(transaction=True)
def test_a_stakeholder_saved_while_an_interactions_import_adds_the_same_new_tag_both_go_through(officer):
    """The import adds its topics and then restarts its people's cadence clocks: a save tagging one of them
    adds its tags before it locks the person, or each would wait for the other."""
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)
    content = csv_bytes(
        [["2024-03-05 14:30", "Call", "Talked ports", "ana@example.org", "Climate; Zebra"]],
        headings=["Date", "Kind", "Subject", "With", "Topics"],
    )
    job = check(officer, upload(officer, content, kind="interactions"))
    assert job.error_count == 0, job.errors
    zebra_added, release = threading.Event(), threading.Event()
    saved, errors = {}, []

    def a_save_adding_zebra():
        # Holds the import up once it has added Climate and waits for Zebra.
        with transaction.atomic():
            tags_from_names(["Zebra"])
            zebra_added.set()
            release.wait(30)

    def a_form_tagging_ana_climate():
        stakeholder_update(stakeholder=Stakeholder.objects.get(pk=ana.pk), actor=officer, tags=["Climate"])

    holding = in_a_thread(a_save_adding_zebra, errors)
    assert zebra_added.wait(30)
    importing = in_a_thread(lambda: saved.update(job=commit(officer, job)), errors)
    wait_until_waiting_for_a_lock(1)
    saving = in_a_thread(a_form_tagging_ana_climate, errors)
    wait_until_waiting_for_a_lock(2)
    release.set()
    for thread in (holding, importing, saving):
        thread.join(30)

    assert errors == []
    assert saved["job"].status == ImportStatus.IMPORTED, saved["job"].errors
    ana.refresh_from_db()
    assert _tag_names(ana.tags) == {"Climate"}
    assert ana.last_contacted_at is not None


def test_a_tags_cell_is_split_at_commas_and_semicolons_as_its_help_on_the_mapping_page_says(officer):
    """The help said "separated by semicolons" while the stakeholder form asks for commas: both are taken."""
    content = csv_bytes([["Eleni Papadaki", "", "", "", "Housing, Water; Transport", ""]])

    commit(officer, check(officer, upload(officer, content)))

    assert _tag_names(Stakeholder.objects.get().tags) == {"Housing", "Water", "Transport"}
    tags = next(column for column in COLUMNS[ImportKind.STAKEHOLDERS] if column.name == "tags")
    assert str(tags.help) == "Several separated by commas or semicolons, or in several columns."

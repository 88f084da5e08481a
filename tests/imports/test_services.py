"""Importing files: reading them however they were saved, checking every row, and all-or-nothing commits."""

import csv
import datetime as dt
import hashlib
import io
import logging
import os
import time
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import trans_real

from contacts.duplicates import SHARED_MAILBOX, likely_duplicates
from contacts.models import Affiliation, Organisation, Stakeholder
from imports import services
from imports.columns import StakeholderCleaner
from imports.models import ImportJob, ImportMapping, ImportRow, ImportStatus
from interactions.models import Interaction

from ..factories import AffiliationFactory, OrganisationFactory, StakeholderFactory, UserFactory
from ..organisation_loops import LOOP_ABOVE, fails_instead_of_hanging, loop_of_two
from ..typed_dates import latest_year, refusal

pytestmark = pytest.mark.django_db

HEADINGS = ["Name", "Email", "Organisation", "Job title", "Tags", "Owner"]


def csv_bytes(rows, headings=HEADINGS, *, delimiter=",", encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headings)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(actor, content: bytes, kind="stakeholders", name="people.csv"):
    return services.import_job_create(actor=actor, kind=kind, upload=ContentFile(content, name=name))


def check(actor, job, mapping=None):
    job = services.import_job_map(job=job, actor=actor, mapping=mapping or job.mapping)
    return services.import_check(job_id=job.pk)


def commit(actor, job, skip_duplicates=False):
    return services.import_commit_start(job=job, actor=actor, skip_duplicates=skip_duplicates)


def test_stakeholders_are_imported_with_positions_tags_and_owners(officer, colleague):
    OrganisationFactory(name="Northern Water Authority")
    content = csv_bytes(
        [
            [
                "Margaret Okafor",
                "M.Okafor@nwa.example",
                "northern water authority",
                "Director",
                "water; board",
                "",
            ],
            [
                "Jean Dubois",
                "jean@example.org; jd@example.org",
                "Riverside Residents",
                "Chair",
                "",
                "colleague",
            ],
        ]
    )
    job = check(officer, upload(officer, content))
    assert job.status == ImportStatus.CHECKED and job.error_count == 0
    assert job.new_organisations == ["Riverside Residents"]

    job = commit(officer, job)

    assert job.status == ImportStatus.IMPORTED and job.created_count == 2
    margaret = Stakeholder.objects.get(name="Margaret Okafor")
    assert margaret.emails == ["m.okafor@nwa.example"]
    assert margaret.owner == officer
    assert sorted(tag.name for tag in margaret.tags.all()) == ["board", "water"]
    position = margaret.affiliations.get()
    assert (position.organisation.name, position.role, position.is_primary) == (
        "Northern Water Authority",
        "Director",
        True,
    )
    jean = Stakeholder.objects.get(name="Jean Dubois")
    assert jean.owner == colleague and jean.emails == ["jean@example.org", "jd@example.org"]
    assert jean.current_primary_organisation().name == "Riverside Residents"
    assert not job.rows.exists()  # the staging rows are gone


def test_the_new_records_ids_follow_the_lines_of_the_file_less_those_left_out(officer):
    StakeholderFactory(name="Ana Costa", emails=["ana@example.org"])
    names = [f"Person {number}" for number in range(30)]
    rows = [[name, f"p{number}@example.org", "", "", "", ""] for number, name in enumerate(names)]
    rows.insert(12, ["Ana Costa", "ana@example.org", "", "", "", ""])
    job = check(officer, upload(officer, csv_bytes(rows)))
    assert job.duplicate_count == 1

    job = commit(officer, job, skip_duplicates=True)

    assert job.created_count == 30
    imported = Stakeholder.objects.filter(name__startswith="Person ").order_by("pk")
    assert list(imported.values_list("name", flat=True)) == names
    assert Stakeholder.objects.filter(name="Ana Costa").count() == 1


def test_a_file_without_tags_is_imported_without_reading_for_tags(officer):
    content = csv_bytes([["Ana Costa", "ana@example.org", "", "", "", ""]])
    job = check(officer, upload(officer, content))

    with CaptureQueriesContext(connection) as queries:
        job = commit(officer, job)

    assert job.status == ImportStatus.IMPORTED and job.created_count == 1
    assert not [query["sql"] for query in queries if "contacts_tag" in query["sql"]]
    assert not Stakeholder.objects.get(name="Ana Costa").tags.exists()


def test_a_file_with_one_bad_row_imports_nothing(officer):
    content = csv_bytes(
        [["Ana Costa", "ana@example.org", "", "", "", ""], ["", "not-an-email", "", "", "", ""]]
    )
    job = check(officer, upload(officer, content))
    assert job.error_count == 2
    assert {(error["line"], error["column"]) for error in job.errors} == {(3, "Name"), (3, "Emails")}
    with pytest.raises(ValidationError):
        commit(officer, job)
    assert not Stakeholder.objects.filter(name="Ana Costa").exists()


def test_a_row_with_line_breaks_in_a_cell_is_reported_at_the_line_it_starts_on(officer):
    content = b'Name,Email,Notes\n\nAna Costa,ana@example.org,"At the fair.\nTea."\nJo Bloggs,nope,"1\n2"\n'
    job = check(officer, upload(officer, content))
    assert [(error["line"], error["column"]) for error in job.errors] == [(5, "Emails")]
    assert [row["line"] for row in job.preview] == [3, 5]


def test_a_failure_during_the_commit_changes_nothing(officer):
    organisation = OrganisationFactory(name="Short-lived Trust")
    content = csv_bytes([["Ana Costa", "", "Short-lived Trust", "", "new-tag", ""]] * 3)
    job = check(officer, upload(officer, content))
    organisation.delete()  # gone between the check and the commit

    job = commit(officer, job)

    assert job.status == ImportStatus.FAILED and "nothing was changed" in job.failure
    assert not Stakeholder.objects.filter(name="Ana Costa").exists()


def test_a_failed_import_keeps_none_of_its_staged_rows(officer):
    """It can never be checked or imported again: the people's cleaned details are not kept for nothing."""
    organisation = OrganisationFactory(name="Short-lived Trust")
    job = check(officer, upload(officer, csv_bytes([["Ana Costa", "", "Short-lived Trust", "", "", ""]])))
    assert ImportRow.objects.filter(job=job).count() == 1
    organisation.delete()

    job = commit(officer, job)

    assert job.status == ImportStatus.FAILED
    assert not ImportRow.objects.filter(job=job).exists()


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("latin-1", b""), ("windows-1252", b""), ("utf-16", b"")],
)
def test_files_in_any_common_encoding_are_read(officer, encoding, prefix):
    content = prefix + csv_bytes([["Siobhán Ní Bhriain", "", "", "", "", ""]], encoding=encoding)
    job = upload(officer, content)
    assert job.headers == HEADINGS
    assert job.mapping["name"] == "Name"
    job = commit(officer, check(officer, job))
    assert Stakeholder.objects.filter(name="Siobhán Ní Bhriain").exists()


def test_semicolon_separated_files_are_recognised(officer):
    job = upload(officer, csv_bytes([["Li Wei", "li@example.org", "", "", "", ""]], delimiter=";"))
    assert job.delimiter == ";" and job.headers == HEADINGS


def test_a_file_naming_its_separator_on_its_first_line_is_read_with_it(officer):
    """Spreadsheets open a CSV whose first line is `sep=;` with that separator, so such files are passed
    around; the line was read as the headings ("sep=", "(column 2)"), and the real headings as a person."""
    content = "sep=;\r\nName;Email\r\nLi Wei;li@example.org\r\nAna Costa;not an address\r\n".encode(
        "utf-8-sig"
    )
    job = upload(officer, content)
    assert job.delimiter == ";" and job.headers == ["Name", "Email"]

    job = check(officer, job)

    # Lines are still numbered as the file's: the person looking for line 4 finds Ana Costa there.
    assert [row["line"] for row in job.preview] == [3, 4]
    assert [(error["line"], error["column"]) for error in job.errors] == [(4, "Emails")]


def test_a_separator_line_is_not_counted_as_a_row(officer):
    """The count the mapping page shows (and that decides whether a worker checks the file) is of rows."""
    job = upload(officer, b"sep=;\r\nName;Email\r\nLi Wei;li@example.org\r\nAna Costa;ana@example.org\r\n")
    assert job.total_rows == 2


@pytest.mark.parametrize(
    ("newline", "encoding"),
    [("\r\n", "utf-8"), ("\n", "utf-8"), ("\r", "utf-8"), ("\r\n", "utf-16"), ("\r", "utf-16")],
)
def test_rows_are_counted_however_the_lines_end(officer, settings, newline, encoding):
    """Excel for Mac's "Macintosh CSV" ends its lines with a CR alone: counted as none, a file of any size
    was checked during the upload's request rather than by a worker, with no progress shown."""
    settings.IMPORT_BACKGROUND_ROWS = 1
    lines = ["Name\tEmail", "Tomáš Dvořák\ttomas@example.cz", "Ċiro Borg\tciro@example.mt"]
    job = upload(officer, (newline.join(lines) + newline).encode(encoding))
    assert job.total_rows == 2

    job = services.import_job_map(job=job, actor=officer, mapping=job.mapping)
    job = services.import_check_start(job=job)

    assert job.status == ImportStatus.VALIDATING  # left to a worker


def test_a_line_break_inside_a_quoted_cell_does_not_count_as_a_row(officer):
    """A postal address on three lines in one cell: the mapping page said "5 rows" for a file of 3."""
    content = (
        b'Name,Address\r\n"Ana Costa","1 High Street\nLeeds\nLS1 1AA"\r\nLi Wei,"2 Low Road\nYork"\r\n'
        b"Bo Chen,\r\n\r\n"
    )
    job = upload(officer, content)
    assert job.total_rows == 3

    job = check(officer, job)
    assert job.total_rows == 3  # as the check counts them


def test_a_tab_named_as_the_separator_is_read_as_one(officer):
    job = upload(officer, b"sep=\t\nName\tEmail\nLi Wei\tli@example.org\n")
    assert job.delimiter == "\t" and job.headers == ["Name", "Email"]


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf\r\n", b"   \n"])
def test_an_empty_file_is_refused(officer, content):
    with pytest.raises(ValidationError, match="empty"):
        upload(officer, content)


def test_a_workbook_is_refused_with_advice(officer):
    with pytest.raises(ValidationError, match="save it as CSV"):
        upload(officer, b"PK\x03\x04" + b"\x00" * 100, name="people.xlsx")


def test_a_file_with_headings_only_has_nothing_to_import(officer):
    job = check(officer, upload(officer, csv_bytes([])))
    assert job.error_count == 1 and "no rows" in job.errors[0]["message"]


def test_a_required_field_must_be_given_a_column(officer):
    job = upload(officer, csv_bytes([["x"]], headings=["Something"]))
    with pytest.raises(ValidationError) as error:
        services.import_job_map(job=job, actor=officer, mapping={})
    assert "name" in error.value.message_dict


def test_extra_columns_are_ignored_and_missing_cells_are_blank(officer):
    content = b"Name,Favourite colour,Email\nAna Costa,blue\n"
    job = commit(officer, check(officer, upload(officer, content)))
    assert job.status == ImportStatus.IMPORTED
    assert Stakeholder.objects.get(name="Ana Costa").emails == []


def test_a_row_with_more_cells_than_headings_is_an_error(officer):
    job = check(officer, upload(officer, b"Name,Email\nCosta, Ana,ana@example.org\n"))
    assert job.error_count == 1 and "3 cells" in job.errors[0]["message"]


def test_a_huge_cell_is_reported_not_crashed_on(officer):
    content = b'Name,Notes\nAna Costa,"' + b"x" * 200_000 + b'"\n'
    job = check(officer, upload(officer, content))
    assert job.error_count == 1 and "longer than" in job.errors[0]["message"]


def test_a_cell_longer_than_its_field_is_an_error(officer):
    job = check(officer, upload(officer, csv_bytes([["x" * 201, "", "", "", "", ""]])))
    assert job.errors[0]["column"] == "Name" and "At most 200" in job.errors[0]["message"]


def test_the_mapping_is_remembered_for_the_next_file(officer):
    job = upload(officer, b"Full legal name,Work mail\nAna Costa,ana@example.org\n")
    check(officer, job, mapping={"name": "Full legal name", "emails": "Work mail"})
    assert ImportMapping.objects.get(user=officer, kind="stakeholders").mapping["emails"] == "Work mail"

    second = upload(officer, b"Work mail,Full legal name\nli@example.org,Li Wei\n")

    assert second.mapping == {"name": "Full legal name", "emails": "Work mail"}


def test_a_column_left_out_stays_left_out_in_the_next_files(officer):
    """Setting a field to "not in this file" was forgotten: the next file with the same headings had its
    Notes column chosen again by its name, and its notes imported unless the officer caught it each time."""
    headings = b"Name,Email,Notes,Phone\n"
    job = upload(officer, headings + b"Ana Costa,ana@example.org,internal remark,\n")
    assert job.mapping["notes"] == "Notes"
    check(officer, job, mapping={"name": "Name", "emails": "Email", "phones": "Phone"})

    second = upload(officer, headings + b"Li Wei,li@example.org,internal remark,\n")
    assert second.mapping == {"name": "Name", "emails": "Email", "phones": "Phone"}
    check(officer, second)  # the notes were not offered this time: still left out
    third = upload(officer, headings + b"Li Wei,li@example.org,internal remark,\n")
    assert "notes" not in third.mapping

    # Choosing the column again is remembered too.
    check(officer, third, mapping={**third.mapping, "notes": "Notes"})
    assert upload(officer, headings + b"Li Wei,li@example.org,remark,\n").mapping["notes"] == "Notes"


def test_likely_duplicates_are_shown_and_can_be_left_out(officer):
    water = OrganisationFactory(name="Northern Water Authority")
    AffiliationFactory(
        stakeholder=StakeholderFactory(name="Margaret Okafor", owner=officer), organisation=water
    )
    StakeholderFactory(name="Someone", emails=["ana@example.org"], owner=officer)
    content = csv_bytes(
        [
            ["Margret Okafor", "", "Northern Water Authority", "", "", ""],
            ["Ana Costa", "ANA@example.org", "", "", "", ""],
            ["Li Wei", "li@example.org", "", "", "", ""],
            ["Li Wei (again)", "li@example.org", "", "", "", ""],
        ]
    )
    job = check(officer, upload(officer, content))
    assert job.duplicate_count == 3
    reasons = {duplicate["line"]: duplicate["reason"] for duplicate in job.duplicates}
    assert "Similar name" in reasons[2] and "Same email" in reasons[3] and "line 4" in reasons[5]

    job = commit(officer, job, skip_duplicates=True)

    assert job.created_count == 1
    assert Stakeholder.objects.filter(name__startswith="Li Wei").count() == 1


# Twelve people of one ministry, each name's words distinct from every other's.
MINISTRY_STAFF = [
    "Margaret Okafor",
    "Li Wei",
    "Ana Costa",
    "Alan Reid",
    "Bilal Sheikh",
    "Mette Lund",
    "Zoë Äkerlund",
    "Adébáyọ̀ Ọláwálé",
    "Mohammed Ali",
    "Nguyen Van An",
    "Grace Mensah",
    "Tomas Novak",
]


def same_email_reasons(job) -> dict[int, str]:
    return {duplicate["line"]: duplicate["reason"] for duplicate in job.duplicates}


def staff_at(address: str, names: list[str]) -> list[list[str]]:
    return [[name, address, "", "", "", ""] for name in names]


@pytest.mark.parametrize(
    "people,flagged", [(SHARED_MAILBOX, SHARED_MAILBOX - 1), (SHARED_MAILBOX + 1, 0), (12, 0)]
)
def test_a_mailbox_the_files_people_give_flags_their_repeats_up_to_shared_mailbox_people_and_none_past(
    officer, people, flagged
):
    """As the duplicate check and the stakeholder form count: up to SHARED_MAILBOX people an address is
    someone's and all but its first row are flagged; past it, a ministry's info@, it tells nobody apart."""
    content = csv_bytes(staff_at("info@ministry.example", MINISTRY_STAFF[:people]))

    job = check(officer, upload(officer, content))

    repeats = "Same email as line 2: info@ministry.example"
    assert same_email_reasons(job) == dict.fromkeys(range(3, 3 + flagged), repeats)


def test_at_a_mailbox_the_files_people_share_a_person_listed_again_and_an_own_address_given_again_are_flagged(
    officer,
):
    content = csv_bytes(
        [
            *staff_at("info@ministry.example", MINISTRY_STAFF),
            ["Li Wei", "li@example.org", "", "", "", ""],
            ["Costa, ANA", "info@ministry.example", "", "", "", ""],
            ["Li Wei Jr", "info@ministry.example; li@example.org", "", "", "", ""],
            ["Zed Quist", "info@ministry.example; li@example.org", "", "", "", ""],
        ]
    )

    job = check(officer, upload(officer, content))

    assert same_email_reasons(job) == {
        15: "Same email as line 4: info@ministry.example",
        16: "Same email as line 3: info@ministry.example",
        17: "Same email as line 14: li@example.org",
    }


@pytest.mark.parametrize("holders", [SHARED_MAILBOX - 1, SHARED_MAILBOX])
def test_a_mailbox_the_registers_people_share_flags_a_new_person_as_the_stakeholder_form_does(
    officer, holders
):
    """Up to SHARED_MAILBOX people, the newcomer among them, an address is personal and flags them; past it
    it is a shared mailbox that tells nobody apart, for the import as for `likely_duplicates`."""
    for name in MINISTRY_STAFF[:holders]:
        StakeholderFactory(name=name, emails=["info@ministry.example"], owner=officer)

    job = check(officer, upload(officer, csv_bytes(staff_at("INFO@ministry.example", ["Zed Quist"]))))

    personal = holders < SHARED_MAILBOX
    assert bool(likely_duplicates(name="Zed Quist", emails=["info@ministry.example"])) == personal
    first_by_name = min(MINISTRY_STAFF[:holders])
    assert same_email_reasons(job) == (
        {2: f"Same email as {first_by_name}: info@ministry.example"} if personal else {}
    )


@pytest.mark.parametrize(
    "holders,newcomers",
    [(1, SHARED_MAILBOX - 1), (1, SHARED_MAILBOX), (SHARED_MAILBOX - 1, 2), (1, len(MINISTRY_STAFF) - 1)],
)
def test_a_mailbox_is_shared_once_its_holders_and_the_files_new_people_are_more_than_shared_mailbox(
    officer, holders, newcomers
):
    """The register's holders and the file's people who are none of them count together: a ministry's info@
    that the register holds for its front desk alone is shared once the file brings the ministry's staff, and
    leaving out likely duplicates keeps them all."""
    for name in MINISTRY_STAFF[:holders]:
        StakeholderFactory(name=name, emails=["info@ministry.example"], owner=officer)
    names = MINISTRY_STAFF[holders : holders + newcomers]

    job = check(officer, upload(officer, csv_bytes(staff_at("info@ministry.example", names))))

    personal = holders + newcomers <= SHARED_MAILBOX
    repeats = f"Same email as {min(MINISTRY_STAFF[:holders])}: info@ministry.example"
    assert same_email_reasons(job) == (dict.fromkeys(range(2, 2 + newcomers), repeats) if personal else {})
    job = commit(officer, job, skip_duplicates=True)
    assert job.created_count == (0 if personal else newcomers)


# One person's name as files write it, each of them Ana Costa to a reader but not word for word.
ANA_COSTA_WRITTEN = {
    "title": "Dr Ana Costa",
    "initial": "A. Costa",
    "middle name": "Ana Maria Costa",
    "bracketed department": "Ana Costa (MOH)",
}


def test_a_persons_name_written_differently_is_flagged_at_their_own_address_and_left_out(officer):
    """One holder, so a personal address, however many spellings of their name the file gives: each is
    flagged, as the stakeholder form warns for each, and none is created when likely duplicates are left
    out (created, they would make the address look shared and never be paired by the duplicate check)."""
    StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)
    written = [*ANA_COSTA_WRITTEN.values(), "Ms Ana Costa"]
    assert all(likely_duplicates(name=name, emails=["ana@example.org"]) for name in written)

    job = check(officer, upload(officer, csv_bytes(staff_at("ana@example.org", written))))

    repeats = "Same email as Ana Costa: ana@example.org"
    assert same_email_reasons(job) == dict.fromkeys(range(2, 2 + len(written)), repeats)
    job = commit(officer, job, skip_duplicates=True)
    assert job.created_count == 0
    assert Stakeholder.objects.filter(emails__contains=["ana@example.org"]).count() == 1


def test_a_holders_name_written_differently_is_not_counted_as_another_person_at_their_address(officer):
    """Ana Costa's spellings in the file are Ana Costa: with three other holders and one newcomer the address
    has five people, so it is personal and every row is flagged."""
    for name in ["Ana Costa", "Alan Reid", "Bilal Sheikh", "Mette Lund"]:
        StakeholderFactory(name=name, emails=["team@moh.example"], owner=officer)
    names = [*ANA_COSTA_WRITTEN.values(), "Zed Quist"]

    job = check(officer, upload(officer, csv_bytes(staff_at("team@moh.example", names))))

    assert same_email_reasons(job) == {
        **dict.fromkeys(range(2, 2 + len(ANA_COSTA_WRITTEN)), "Same email as Ana Costa: team@moh.example"),
        2 + len(ANA_COSTA_WRITTEN): "Same email as Alan Reid: team@moh.example",
    }


@pytest.mark.parametrize("written", ANA_COSTA_WRITTEN.values(), ids=ANA_COSTA_WRITTEN.keys())
def test_a_persons_name_written_differently_in_the_file_alone_is_one_person_at_their_address(
    officer, written
):
    """Five people at an address the register does not hold, one of them given again with their name
    written differently: still five people, so the address is personal and every row but its first is
    flagged."""
    others = [name for name in MINISTRY_STAFF if name != "Ana Costa"][: SHARED_MAILBOX - 1]
    names = [*others, "Ana Costa", written]
    content = csv_bytes(staff_at("team@ministry.example", names))

    job = check(officer, upload(officer, content))

    repeats = "Same email as line 2: team@ministry.example"
    assert same_email_reasons(job) == dict.fromkeys(range(3, 2 + len(names)), repeats)


def test_at_a_shared_mailbox_a_name_written_differently_is_flagged_as_the_person_it_names(officer):
    """Past SHARED_MAILBOX people the address tells nobody apart, but a row nearly of a holder's name or of
    an earlier row's is that person given again."""
    holders = {
        name: StakeholderFactory(name=name, emails=["info@ministry.example"], owner=officer)
        for name in MINISTRY_STAFF[:SHARED_MAILBOX]
    }
    content = csv_bytes(
        staff_at(
            "info@ministry.example",
            [*ANA_COSTA_WRITTEN.values(), "Margaret O. Okafor", "Tomas Novak", "Prof T. Novak", "Zed Quist"],
        )
    )

    job = check(officer, upload(officer, content))

    found = {
        duplicate["line"]: (duplicate["existing_id"], duplicate["reason"]) for duplicate in job.duplicates
    }
    ana = (holders["Ana Costa"].pk, "Same email as Ana Costa: info@ministry.example")
    assert found == {
        **dict.fromkeys(range(2, 2 + len(ANA_COSTA_WRITTEN)), ana),
        6: (holders["Margaret Okafor"].pk, "Same email as Margaret Okafor: info@ministry.example"),
        8: (None, "Same email as line 7: info@ministry.example"),
    }


def test_a_small_team_imported_again_with_titles_is_flagged_row_by_row_as_its_people(officer):
    holders = {
        name: StakeholderFactory(name=name, emails=["team@moh.example"], owner=officer)
        for name in ["Alan Reid", "Bilal Sheikh", "Mette Lund"]
    }

    job = check(
        officer, upload(officer, csv_bytes(staff_at("team@moh.example", [f"Dr {name}" for name in holders])))
    )

    assert {duplicate["line"]: duplicate["existing_id"] for duplicate in job.duplicates} == {
        line: holder.pk for line, holder in enumerate(holders.values(), start=2)
    }


def test_the_same_words_in_another_order_are_another_person_but_a_surname_written_first_before_a_comma(
    officer,
):
    """ "Li Wei" and "Wei Li" are two people in the order Chinese names are written; "Reid, Alan" is Alan Reid
    as an email program writes him."""
    names = ["Li Wei", "Wei Li", *[name for name in MINISTRY_STAFF if name != "Li Wei"][: SHARED_MAILBOX - 1]]
    content = csv_bytes(staff_at("info@ministry.example", [*names, "Reid, Alan"]))

    job = check(officer, upload(officer, content))

    alan_reid = 2 + names.index("Alan Reid")
    assert same_email_reasons(job) == {
        2 + len(names): f"Same email as line {alan_reid}: info@ministry.example"
    }


def test_a_name_in_another_order_than_a_holders_at_a_shared_mailbox_is_not_that_holder(officer):
    for name in MINISTRY_STAFF[:SHARED_MAILBOX]:
        StakeholderFactory(name=name, emails=["info@ministry.example"], owner=officer)

    job = check(officer, upload(officer, csv_bytes(staff_at("info@ministry.example", ["Wei Li", "Wei, Li"]))))

    assert same_email_reasons(job) == {3: "Same email as Li Wei: info@ministry.example"}


def shared_mailbox_of(officer, *names: str, address: str = "info@ministry.example") -> None:
    """The register holds the address for these people and others, SHARED_MAILBOX in all at least."""
    others = [name for name in MINISTRY_STAFF if name not in names][: max(SHARED_MAILBOX - len(names), 0)]
    for name in [*names, *others]:
        StakeholderFactory(name=name, emails=[address], owner=officer)


def test_at_a_shared_mailbox_a_name_a_letter_or_a_first_name_away_from_a_holders_is_another_person(officer):
    """Mary Smith is not Mark Smith (their letters are 0.54 alike), nor is Mrs Reid Alan Reid: at a shared
    mailbox only a near-identical name is the holder's, as anywhere in the register."""
    shared_mailbox_of(officer, "Mark Smith", "Alan Reid")
    assert not likely_duplicates(name="Mary Smith", emails=["info@ministry.example"])

    job = check(
        officer, upload(officer, csv_bytes(staff_at("info@ministry.example", ["Mary Smith", "Mrs Reid"])))
    )

    assert same_email_reasons(job) == {}


def test_at_a_shared_mailbox_mrs_smith_is_not_mr_smith_but_ms_smith_may_be_her(officer):
    shared_mailbox_of(officer, "Mr Smith", "Mrs Jones")

    job = check(
        officer, upload(officer, csv_bytes(staff_at("info@ministry.example", ["Mrs Smith", "Ms Jones"])))
    )

    assert same_email_reasons(job) == {3: "Same email as Mrs Jones: info@ministry.example"}


@pytest.mark.parametrize(
    "written", ["COSTA Ana", "Ana COSTA", "COSTA Ana Maria", "Costa, Ana", "Dr COSTA Ana"]
)
def test_a_surname_marked_by_capitals_or_a_comma_at_a_shared_mailbox_is_the_holders_either_way_round(
    officer, written
):
    shared_mailbox_of(officer, "Ana Costa")

    job = check(officer, upload(officer, csv_bytes(staff_at("info@ministry.example", [written]))))

    assert same_email_reasons(job) == {2: "Same email as Ana Costa: info@ministry.example"}


def test_a_holder_written_family_name_first_is_found_by_surname_comma_given_names(officer):
    """seed_demo stores Vietnamese and Chinese names family first; an email program writes them "Family,
    Given": the comma marks the surname, and the register may hold it first or last."""
    team = ["Nguyễn Văn Minh", "Trần Thu Hà", "Lê Quang Huy", "Wang Xiulan", "Li Wei"]
    for name in team:
        StakeholderFactory(name=name, emails=["info@mofa.example.vn"], owner=officer)
    rows = staff_at("info@mofa.example.vn", ["Nguyễn, Văn Minh", "Wang, Xiulan", "Wei Li", "Quang Huy Lê"])

    job = check(officer, upload(officer, csv_bytes(rows)))

    assert same_email_reasons(job) == {
        2: "Same email as Nguyễn Văn Minh: info@mofa.example.vn",
        3: "Same email as Wang Xiulan: info@mofa.example.vn",
    }


def test_a_team_of_similar_names_at_a_new_mailbox_flags_only_the_near_identical(officer):
    """Twelve people of a Vietnamese ministry, their names sharing family and middle names, are a shared
    mailbox; only a name the stakeholder form too would call nearly the same is flagged (accents aside,
    Hưng is Hung; "Nguyen Thi Lanh" is 0.82 alike "Nguyen Thi Lan", past NAME_SIMILARITY_ANYWHERE)."""
    team = [
        "Nguyen Van An", "Nguyen Van Anh", "Nguyen Van Binh", "Nguyen Van Minh", "Nguyen Thi Lan",
        "Nguyen Thi Lanh", "Tran Van Hung", "Tran Van Hưng", "Nguyen Van Nam", "Nguyen Van Hung",
        "Tran Thi Mai", "Tran Thi Hai",
    ]  # fmt: skip

    job = check(officer, upload(officer, csv_bytes(staff_at("info@mofa.example.vn", team))))

    assert same_email_reasons(job) == {
        7: "Same email as line 6: info@mofa.example.vn",
        9: "Same email as line 8: info@mofa.example.vn",
    }
    for name in ["Nguyen Thi Lan", "Tran Van Hung"]:
        StakeholderFactory(name=name, owner=officer)
    assert all(likely_duplicates(name=name) for name in ["Nguyen Thi Lanh", "Tran Van Hưng"])


def test_a_holder_listing_an_address_twice_is_one_of_its_holders(officer):
    StakeholderFactory(
        name="Zed Quist", emails=["team@ministry.example", "team@ministry.example"], owner=officer
    )
    for name in MINISTRY_STAFF[: SHARED_MAILBOX - 2]:
        StakeholderFactory(name=name, emails=["team@ministry.example"], owner=officer)

    job = check(officer, upload(officer, csv_bytes(staff_at("team@ministry.example", ["Tomas Novak"]))))

    assert job.duplicate_count == 1


@pytest.mark.parametrize("people", [SHARED_MAILBOX - 1, 12])
def test_a_group_at_one_mailbox_imported_again_is_flagged_row_by_row_as_the_people_it_was(officer, people):
    """Each row names the holder of its name however the name is written; the file's rows are those holders,
    not as many people again, so a group of four sharing an address is not taken for a shared mailbox and a
    newcomer at it is still flagged."""
    holders = {
        name: StakeholderFactory(name=name, emails=["info@ministry.example"], owner=officer)
        for name in MINISTRY_STAFF[:people]
    }
    written_again = {
        "Margaret Okafor": "OKAFOR, Margaret",
        "Zoë Äkerlund": "Zoe Akerlund",
        "Adébáyọ̀ Ọláwálé": "adebayo olawale",
    }
    rows = staff_at(
        "info@ministry.example", [written_again.get(name, name) for name in holders] + ["Zed Quist"]
    )
    content = csv_bytes(rows)

    job = check(officer, upload(officer, content))

    found = {
        duplicate["line"]: (duplicate["existing_id"], duplicate["reason"]) for duplicate in job.duplicates
    }
    assert {line: found[line] for line in range(2, 2 + people)} == {
        line: (holder.pk, f"Same email as {name}: info@ministry.example")
        for line, (name, holder) in enumerate(holders.items(), start=2)
    }
    newcomer_line = 2 + people
    assert (newcomer_line in found) == (people < SHARED_MAILBOX)
    job = commit(officer, job, skip_duplicates=True)
    assert job.created_count == (0 if people < SHARED_MAILBOX else 1)


def test_the_addresses_holders_are_asked_for_in_one_query_however_many_addresses_and_holders(officer):
    def check_queries(rows):
        job = upload(officer, csv_bytes(rows))
        with CaptureQueriesContext(connection) as queries:
            check(officer, job)
        return len(queries)

    StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)
    one_address = staff_at("ana@example.org", ["Ana Costa"])
    check_queries(one_address)  # the first file's mapping is remembered
    one_holder_queries = check_queries(one_address)
    addresses = {
        name: ["info@ministry.example", f"staff{index}@ministry.example"]
        for index, name in enumerate(MINISTRY_STAFF)
    }
    for name, emails in addresses.items():
        StakeholderFactory(name=name, emails=emails, owner=officer)
    many = [[name, "; ".join(emails), "", "", "", ""] for name, emails in addresses.items()]

    assert check_queries(many) == one_holder_queries


def test_a_person_listed_twice_at_one_organisation_without_an_address_is_a_likely_duplicate(officer):
    """The file's own repeat, as a repeated address is: one at an organisation the file adds too."""
    OrganisationFactory(name="Northern Water Authority")
    content = csv_bytes(
        [
            ["Margaret Okafor", "", "Northern Water Authority", "Director", "", ""],
            ["Li Wei", "", "Harbour Trust", "", "", ""],
            ["margaret  OKAFOR", "", "northern water authority", "", "", ""],
            ["Li Wéi", "", "HARBOUR TRUST", "", "", ""],
            ["Margaret Okafor", "", "Harbour Trust", "", "", ""],
            ["Li Wei", "", "", "", "", ""],
        ]
    )

    job = check(officer, upload(officer, content))

    assert [(duplicate["line"], duplicate["reason"]) for duplicate in job.duplicates] == [
        (4, "Same name at the same organisation as line 2"),
        (5, "Same name at the same organisation as line 3"),
    ]
    job = commit(officer, job, skip_duplicates=True)
    assert job.created_count == 4
    assert Stakeholder.objects.filter(name__iexact="Margaret Okafor").count() == 2


def test_two_people_sharing_a_name_at_one_organisation_each_with_their_own_address_are_not_duplicates(
    officer,
):
    """A name repeated is a likely duplicate only where a row has no address to tell the two apart."""
    OrganisationFactory(name="Ministry of Health")
    content = csv_bytes(
        [
            ["Mohammed Ali", "m.ali@health.example", "Ministry of Health", "Director", "", ""],
            ["Mohammed Ali", "mohammed.ali2@health.example", "Ministry of Health", "Analyst", "", ""],
            ["Mohammed Ali", "", "Ministry of Health", "", "", ""],
            ["Mohammed Ali", "m.ali3@health.example", "Ministry of Health", "", "", ""],
        ]
    )

    job = check(officer, upload(officer, content))

    assert [(duplicate["line"], duplicate["reason"]) for duplicate in job.duplicates] == [
        (4, "Same name at the same organisation as line 2"),
    ]
    job = commit(officer, job, skip_duplicates=True)
    assert job.created_count == 3


@pytest.mark.parametrize("order", [(0, 1, 2), (1, 0, 2), (1, 2, 0)])
def test_leaving_out_likely_duplicates_keeps_every_namesake_with_an_address_whatever_the_order(
    officer, order
):
    """A row without an address beside two namesakes with their own is the one that may repeat either; two
    rows that each give an address are never flagged for their name."""
    OrganisationFactory(name="Ministry of Health")
    rows = [
        ["Mohammed Ali", "", "Ministry of Health", "", "", ""],
        ["Mohammed Ali", "m.ali@health.example", "Ministry of Health", "Director", "", ""],
        ["Mohammed Ali", "mohammed.ali2@health.example", "Ministry of Health", "Analyst", "", ""],
    ]
    content = csv_bytes([rows[index] for index in order])

    job = check(officer, upload(officer, content))

    unaddressed, first_addressed = order.index(0) + 2, min(order.index(1), order.index(2)) + 2
    assert [(duplicate["line"], duplicate["reason"]) for duplicate in job.duplicates] == [
        (unaddressed, f"Same name at the same organisation as line {first_addressed}")
    ]
    commit(officer, job, skip_duplicates=True)
    assert sorted(
        email for emails in Stakeholder.objects.values_list("emails", flat=True) for email in emails
    ) == [
        "m.ali@health.example",
        "mohammed.ali2@health.example",
    ]


@pytest.mark.parametrize(
    "first,second",
    [
        ("Αθήνα Port", "Αθηνα Port"),
        ("Ёлки Trust", "Елки Trust"),
        ("ΟΔΟΣ Trust", "Οδοσ Trust"),
        ("İzmir Port", "Izmir Port"),
        ("STRAẞE AG", "strasse ag"),
    ],
)
def test_an_organisation_the_file_adds_in_any_script_is_added_once_whatever_its_accents(
    officer, first, second
):
    content = csv_bytes(
        [
            ["Margaret Okafor", "m.okafor@port.example", first, "Director", "", ""],
            ["Li Wei", "li@port.example", second, "Analyst", "", ""],
        ]
    )

    job = check(officer, upload(officer, content))
    assert job.new_organisations == [first]
    commit(officer, job)

    assert list(Organisation.objects.values_list("name", flat=True)) == [first]


@pytest.mark.parametrize("skip_duplicates", [True, False])
def test_an_organisation_only_likely_duplicates_name_is_added_only_with_them(officer, skip_duplicates):
    StakeholderFactory(name="Ana Costa", emails=["ana@example.org"])
    content = csv_bytes(
        [
            ["Ana Costa", "ana@example.org", "Costa Consulting", "Director", "", ""],
            ["Li Wei", "li@port.example", "Harbour Trust", "Analyst", "", ""],
            ["Bo Chen", "li@port.example", "Harbour Trust", "Analyst", "", ""],
        ]
    )

    job = check(officer, upload(officer, content))
    assert job.duplicate_count == 2
    assert job.new_organisations == ["Harbour Trust"]
    assert job.new_organisations_of_duplicates == ["Costa Consulting"]
    job = commit(officer, job, skip_duplicates=skip_duplicates)

    added = ["Harbour Trust"] if skip_duplicates else ["Costa Consulting", "Harbour Trust"]
    assert sorted(Organisation.objects.values_list("name", flat=True)) == added
    assert Affiliation.objects.count() == job.created_count == (1 if skip_duplicates else 3)


def test_a_greek_organisation_typed_without_its_accents_is_the_one_in_the_register(officer):
    athens = OrganisationFactory(name="Δήμος Αθηναίων")
    job = check(officer, upload(officer, csv_bytes([["Li Wei", "", "ΔΗΜΟΣ ΑΘΗΝΑΙΩΝ", "Analyst", "", ""]])))
    assert job.error_count == 0 and job.new_organisations == []
    commit(officer, job)
    assert Affiliation.objects.get(stakeholder__name="Li Wei").organisation == athens


def test_one_organisation_the_file_adds_is_added_once_whatever_its_accents(officer):
    """As a name differing from the register's only in its accents is the register's organisation."""
    content = csv_bytes(
        [
            ["Margaret Okafor", "m.okafor@port.example", "Malmö Port", "Director", "", ""],
            ["Li Wei", "li@port.example", "malmo port", "Analyst", "", ""],
        ]
    )

    job = check(officer, upload(officer, content))
    assert job.new_organisations == ["Malmö Port"]
    job = commit(officer, job)

    assert job.created_count == 2
    port = Organisation.objects.get()
    assert port.name == "Malmö Port"
    assert set(Affiliation.objects.values_list("stakeholder__name", "organisation")) == {
        ("Margaret Okafor", port.pk),
        ("Li Wei", port.pk),
    }


def test_a_name_typed_without_its_accents_is_flagged_as_a_likely_duplicate(officer):
    harbour = OrganisationFactory(name="Malmö Harbour Trust")
    AffiliationFactory(
        stakeholder=StakeholderFactory(name="Zoë Äkerlund-Ñúñez", owner=officer), organisation=harbour
    )
    AffiliationFactory(
        stakeholder=StakeholderFactory(name="Mette Ostergard", owner=officer), organisation=harbour
    )
    content = csv_bytes(
        [
            ["Zoe Akerlund Nunez", "", "Malmö Harbour Trust", "", "", ""],
            ["Mette Østergård", "", "Malmö Harbour Trust", "", "", ""],
            ["Adébáyọ̀ Ọláwálé", "", "Malmö Harbour Trust", "", "", ""],
        ]
    )

    job = check(officer, upload(officer, content))

    reasons = {duplicate["line"]: duplicate["reason"] for duplicate in job.duplicates}
    assert job.duplicate_count == 2 and sorted(reasons) == [2, 3]
    assert "Zoë Äkerlund-Ñúñez (100% alike)" in reasons[2] and "Mette Ostergard (100% alike)" in reasons[3]


def test_an_organisation_typed_without_its_accents_is_the_one_in_the_register(officer):
    malmo = OrganisationFactory(name="Malmö Hamnförvaltning")
    OrganisationFactory(name="Østergård Fonden")
    people = csv_bytes([["Mette Lund", "", "MALMO HAMNFORVALTNING", "Director", "", ""]])
    job = check(officer, upload(officer, people))
    assert job.error_count == 0 and job.new_organisations == []
    commit(officer, job)
    assert Affiliation.objects.get(stakeholder__name="Mette Lund").organisation == malmo

    organisations = csv_bytes([["ostergard fonden"], ["Oster Fonden"]], headings=["Name"])
    job = check(officer, upload(officer, organisations, kind="organisations"))
    assert [(duplicate["line"], duplicate["reason"]) for duplicate in job.duplicates] == [
        (2, "Already in the register")
    ]


def test_organisations_are_imported_with_parents_from_the_same_file(officer):
    OrganisationFactory(name="City Council")
    content = csv_bytes(
        [
            ["Planning", "Government agency", "City Council", "planning"],
            ["Housing Unit", "", "Housing Department", ""],
            ["Housing Department", "", "City Council", ""],
        ],
        headings=["Name", "Type", "Part of", "Tags"],
    )
    job = commit(officer, check(officer, upload(officer, content, kind="organisations")))
    assert job.created_count == 3
    assert Organisation.objects.get(name="Housing Unit").parent.name == "Housing Department"
    assert Organisation.objects.get(name="Planning").kind == "government_agency"


def test_a_kind_not_on_the_list_is_answered_with_the_labels_officers_see_and_may_type(officer):
    content = csv_bytes(
        [["Planning", "GOVERNMENT AGENCY"], ["Harbour Trust", "community GROUP"], ["Rotary", "Charity"]],
        headings=["Name", "Type"],
    )
    job = check(officer, upload(officer, content, kind="organisations"))
    assert [(error["line"], error["column"]) for error in job.errors] == [(4, "Kind")]
    message = job.errors[0]["message"]
    assert "Government agency, Community group, Partner," in message and "Internal department" in message
    assert "government_agency" not in message


def test_a_sentiment_not_on_the_list_is_answered_with_its_labels_in_their_order(officer):
    StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)
    content = csv_bytes(
        [["2024-03-05", "Call", "Agreed the timetable", "ana@example.org", "delighted"]],
        headings=["Date", "Kind", "Subject", "With", "Sentiment"],
    )
    job = check(officer, upload(officer, content, kind="interactions"))
    assert job.errors[0]["message"] == (
        "“delighted” is not one of: Very negative, Negative, Neutral, Positive, Very positive."
    )


def test_organisations_cannot_be_each_others_parents(officer):
    content = csv_bytes([["A", "B"], ["B", "A"]], headings=["Name", "Part of"])
    job = check(officer, upload(officer, content, kind="organisations"))
    assert job.error_count == 2


def test_a_parent_in_the_register_written_in_capitals_is_found_and_given(officer):
    port = OrganisationFactory(name="Οργανισμός Λιμένος")
    content = csv_bytes([["Λιμενική Αστυνομία", "ΟΡΓΑΝΙΣΜΟΣ ΛΙΜΕΝΟΣ"]], headings=["Name", "Part of"])

    job = check(officer, upload(officer, content, kind="organisations"))
    assert job.error_count == 0, job.errors
    commit(officer, job)

    assert Organisation.objects.get(name="Λιμενική Αστυνομία").parent == port


@pytest.mark.parametrize(
    "parent,written",
    [
        ("Οργανισμός Λιμένος", "ΟΡΓΑΝΙΣΜΟΣ ΛΙΜΕΝΟΣ"),
        # Python's lower() and PostgreSQL's gave the final sigma each its own form: found, then not given.
        ("ΟΔΟΣ Trust", "Οδος Trust"),
        ("Hafen Straße", "HAFEN STRASSE"),
        ("İzmir Port", "Izmir Port"),
    ],
)
def test_a_parent_only_an_earlier_row_adds_is_found_by_the_check_and_given_by_the_import(
    officer, parent, written
):
    content = csv_bytes([[parent, ""], ["Harbour Police", written]], headings=["Name", "Part of"])

    job = check(officer, upload(officer, content, kind="organisations"))
    assert job.error_count == 0, job.errors
    job = commit(officer, job)

    assert job.created_count == 2
    assert Organisation.objects.get(name="Harbour Police").parent == Organisation.objects.get(name=parent)


def test_organisations_written_in_other_capitals_cannot_be_each_others_parents(officer):
    content = csv_bytes([["ΟΔΟΣ", "Λιμάνι"], ["ΛΙΜΑΝΙ", "Οδός"]], headings=["Name", "Part of"])
    job = check(officer, upload(officer, content, kind="organisations"))
    assert [error["message"] for error in job.errors] == ["These organisations are each other's parents."] * 2


def test_only_the_organisations_on_a_circle_of_parents_are_errors(officer):
    content = csv_bytes(
        [
            ["Port Authority", "Harbour Board"],
            ["Harbour Board", "Maritime Office"],
            ["Maritime Office", "Port Authority"],
            ["Harbour Police", "Port Authority"],  # its parent is in the file, on the circle or not
            ["Coast Guard", ""],
        ],
        headings=["Name", "Part of"],
    )
    job = check(officer, upload(officer, content, kind="organisations"))
    assert [(error["line"], error["message"]) for error in job.errors] == [
        (line, "These organisations are each other's parents.") for line in (2, 3, 4)
    ]


def test_a_row_placed_under_a_register_organisation_whose_parents_loop_is_refused_as_the_form_refuses_it(
    officer,
):
    """Parents looped by a raw write (A in B, B in A): the form refuses a new department under either, for
    it would never reach a top organisation, where the import's check let the row through."""
    loop_of_two()
    OrganisationFactory(name="Harbour Board")
    content = csv_bytes(
        [["Port Police", "A"], ["Coast Guard", "Harbour Board"], ["Pilots", "b"]],
        headings=["Name", "Part of"],
    )

    with fails_instead_of_hanging():
        job = check(officer, upload(officer, content, kind="organisations"))

    assert [(error["line"], error["column"]) for error in job.errors] == [(2, "Part of"), (4, "Part of")]
    assert all(error["message"].startswith(LOOP_ABOVE) for error in job.errors)
    assert not ImportRow.objects.filter(job=job).exists()
    assert Organisation.objects.count() == 3


@pytest.mark.parametrize("closed", [False, True])
def test_a_deep_line_of_parents_in_the_file_is_checked_at_once(closed):
    """20,000 organisations each the part of the next took a minute, walking every row's line of parents."""
    depth = 20_000
    check = services._Check(ImportJob(kind="organisations"))
    parent_lines = {line: line + 1 for line in range(2, depth + 1)}
    if closed:
        parent_lines[depth + 1] = 2  # the last one's parent the first: a circle of them all

    started = time.monotonic()
    services._check_parent_cycles(check, parent_lines)

    assert time.monotonic() - started < 5
    assert check.error_count == (depth if closed else 0)


def test_interactions_are_imported_and_restart_the_contact_clock(officer, other_officer):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)
    li = StakeholderFactory(name="Li Wei", owner=other_officer)
    content = csv_bytes(
        [
            ["2024-03-05 14:30", "Call", "Agreed the timetable", "ana@example.org", "roads; budget", "yes"],
            ["05/04/2024", "email", "Sent the minutes", f"#{li.pk}; Ana Costa", "", ""],
        ],
        headings=["Date", "Kind", "Subject", "With", "Topics", "Confidential"],
    )
    job = commit(officer, check(officer, upload(officer, content, kind="interactions")))

    assert job.created_count == 2
    call = Interaction.objects.get(summary="Agreed the timetable")
    assert call.is_confidential and call.logged_by == officer
    assert sorted(t.name for t in call.topics.all()) == ["budget", "roads"]
    minutes = Interaction.objects.get(summary="Sent the minutes")
    assert set(minutes.stakeholders.all()) == {ana, li}
    ana.refresh_from_db()
    assert ana.last_contacted_at == minutes.occurred_at


def test_a_person_whose_name_holds_a_comma_is_one_of_an_interactions_people(officer):
    """As the interactions export names them; commas still separate people nobody is called after."""
    reid = StakeholderFactory(name="Sir Alan Reid, KCMG", owner=officer)
    okafor = StakeholderFactory(name="Okafor, Margaret", owner=officer)
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)
    li = StakeholderFactory(name="Li Wei", emails=["li@example.org"], owner=officer)
    content = csv_bytes(
        [
            ["2024-03-05", "call", "Briefing", "Sir Alan Reid, KCMG; Okafor, Margaret"],
            ["2024-03-06", "call", "Follow-up", "ana@example.org, li@example.org"],
        ],
        headings=["Date", "Kind", "Summary", "Stakeholders"],
    )

    job = commit(officer, check(officer, upload(officer, content, kind="interactions")))

    assert job.created_count == 2
    assert set(Interaction.objects.get(summary="Briefing").stakeholders.all()) == {reid, okafor}
    assert set(Interaction.objects.get(summary="Follow-up").stakeholders.all()) == {ana, li}


def test_a_name_saved_or_typed_with_two_spaces_finds_the_person(officer):
    pasted = StakeholderFactory(name="Emma  Morgan", owner=officer)
    plain = StakeholderFactory(name="Li Wei", owner=officer)
    content = csv_bytes(
        [["2024-03-05", "call", "Briefing", "emma morgan; Li   Wei"]],
        headings=["Date", "Kind", "Summary", "Stakeholders"],
    )

    job = commit(officer, check(officer, upload(officer, content, kind="interactions")))

    assert job.created_count == 1
    assert set(Interaction.objects.get(summary="Briefing").stakeholders.all()) == {pasted, plain}


INTERACTION_HEADINGS = ["Date", "Kind", "Summary", "Stakeholders"]


@pytest.mark.parametrize(
    "cell",
    [
        "Ana Costa <ana@example.org>, Li Wei <li@example.org>",
        "<ana@example.org>, <li@example.org>",
        "ana@example.org, Li Wei <li@example.org>",
    ],
)
def test_people_named_with_their_addresses_and_separated_by_commas_are_all_linked(officer, cell):
    """As an email program lists recipients: the cell is not taken for one address, the last one."""
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)
    li = StakeholderFactory(name="Li Wei", emails=["li@example.org"], owner=officer)
    content = csv_bytes([["2024-03-05", "call", "Briefing", cell]], headings=INTERACTION_HEADINGS)

    job = commit(officer, check(officer, upload(officer, content, kind="interactions")))

    assert job.created_count == 1
    assert set(Interaction.objects.get(summary="Briefing").stakeholders.all()) == {ana, li}


def test_a_cell_holding_more_than_one_address_is_refused_rather_than_read_as_the_last(officer):
    StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)
    StakeholderFactory(name="Li Wei", emails=["li@example.org"], owner=officer)
    content = csv_bytes(
        [["2024-03-05", "call", "Briefing", "ana@example.org Li Wei <li@example.org>"]],
        headings=INTERACTION_HEADINGS,
    )

    job = check(officer, upload(officer, content, kind="interactions"))

    assert [error["message"] for error in job.errors] == [
        "No stakeholder (or more than one) matches “ana@example.org Li Wei <li@example.org>”; use their "
        "email or #id."
    ]


@pytest.mark.parametrize(
    "cell",
    [
        "Reid, Alan <alan@example.org>; Costa, Ana <ana@example.org>",
        "Reid, Alan <alan@example.org>, Costa, Ana <ana@example.org>",
        '"Reid, Alan" <alan@example.org>, "Costa, Ana" <ana@example.org>',
        '"Reid, Alan" <alan@example.org>; ana@example.org',
        "Alan <alan@example.org>, COSTA Ana <ana@example.org>",
        'alan@example.org <alan@example.org>, "ANA@example.org" <ana@example.org>',
    ],
)
def test_recipients_as_email_programs_list_them_are_all_linked(officer, cell):
    """Outlook's "Last, First <address>", quoted or not: the comma is the name's, not the list's."""
    alan = StakeholderFactory(name="Alan Reid", emails=["alan@example.org"], owner=officer)
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)
    StakeholderFactory(name="Reid", owner=officer)
    content = csv_bytes([["2024-03-05", "call", "Briefing", cell]], headings=INTERACTION_HEADINGS)

    job = check(officer, upload(officer, content, kind="interactions"))
    assert job.errors == []
    commit(officer, job)

    assert set(Interaction.objects.get(summary="Briefing").stakeholders.all()) == {alan, ana}


def test_an_address_people_share_links_the_one_its_name_says_and_is_refused_without_one(officer):
    """A shared mailbox (info@ held by two of a ministry's staff) is not anyone's in particular."""
    StakeholderFactory(name="Ana Costa", emails=["info@ministry.example"], owner=officer)
    li = StakeholderFactory(
        name="Li Wei", emails=["info@ministry.example", "li@ministry.example"], owner=officer
    )
    named = csv_bytes(
        [["2024-03-05", "call", "Briefing", "Wei, Li <info@ministry.example>"]], headings=INTERACTION_HEADINGS
    )
    commit(officer, check(officer, upload(officer, named, kind="interactions")))
    assert list(Interaction.objects.get(summary="Briefing").stakeholders.all()) == [li]

    unnamed = csv_bytes(
        [
            ["2024-03-06", "call", "Follow-up", "info@ministry.example"],
            ["2024-03-07", "call", "Visit", "<INFO@ministry.example>"],
        ],
        headings=INTERACTION_HEADINGS,
    )
    job = check(officer, upload(officer, unnamed, kind="interactions"))

    assert [(error["line"], error["message"]) for error in job.errors] == [
        (
            line,
            f"More than one stakeholder matches “{reference}”: info@ministry.example is the address of "
            "Ana Costa, Li Wei. Write whose it is, as “Name <info@ministry.example>”, or use their #id.",
        )
        for line, reference in ((2, "info@ministry.example"), (3, "<INFO@ministry.example>"))
    ]


def test_a_name_that_is_not_the_addresss_holders_is_refused_naming_both(officer):
    StakeholderFactory(name="Ana Costa", emails=["ana@example.org"], owner=officer)
    StakeholderFactory(name="Li Wei", emails=["li@example.org"], owner=officer)
    StakeholderFactory(name="Emma Morgan", emails=["info@ministry.example"], owner=officer)
    StakeholderFactory(name="Amina Yusuf", emails=["info@ministry.example"], owner=officer)
    content = csv_bytes(
        [
            ["2024-03-05", "call", "Briefing", "Ana Costa <li@example.org>"],
            ["2024-03-06", "call", "Follow-up", "Li Wei <info@ministry.example>"],
        ],
        headings=INTERACTION_HEADINGS,
    )

    job = check(officer, upload(officer, content, kind="interactions"))

    assert [(error["line"], error["message"]) for error in job.errors] == [
        (
            2,
            "“Ana Costa <li@example.org>” names Ana Costa, but li@example.org is the address of Li Wei; "
            "correct the name or the address.",
        ),
        (
            3,
            "“Li Wei <info@ministry.example>” names Li Wei, but info@ministry.example is the address of "
            "Emma Morgan, Amina Yusuf; correct the name or the address.",
        ),
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        # "Reid" is someone of their own, not the start of Alan Reid's name: the file lists two people.
        ("Reid, Alan Reid <alan@example.org>", {"Reid", "Alan Reid"}),
        ("Maria Costa, Ana Maria Costa <ana@example.org>", {"Maria Costa", "Ana Maria Costa"}),
        ("Ana Costa, Alan Reid <alan@example.org>", {"Ana Costa", "Alan Reid"}),
        ("#{ana}, Alan Reid <alan@example.org>", {"Ana Costa", "Alan Reid"}),
        ("Ana Costa, Reid, Alan <alan@example.org>", {"Ana Costa", "Alan Reid"}),
    ],
)
def test_a_name_or_id_listed_before_a_recipient_is_linked_as_well_not_read_into_their_name(
    officer, cell, expected
):
    """Only Outlook's "Last, First" joins two pieces into one name, and only when together they are the
    holder's name; anything before a recipient is someone of its own."""
    StakeholderFactory(name="Reid", owner=officer)
    StakeholderFactory(name="Alan Reid", emails=["alan@example.org"], owner=officer)
    ana = StakeholderFactory(name="Ana Costa", emails=["ana.costa@example.org"], owner=officer)
    StakeholderFactory(name="Maria Costa", emails=["maria@example.org"], owner=officer)
    StakeholderFactory(name="Ana Maria Costa", emails=["ana@example.org"], owner=officer)
    content = csv_bytes(
        [["2024-03-05", "call", "Briefing", cell.format(ana=ana.pk)]], headings=INTERACTION_HEADINGS
    )

    job = check(officer, upload(officer, content, kind="interactions"))
    assert job.errors == []
    commit(officer, job)

    linked = Interaction.objects.get(summary="Briefing").stakeholders.values_list("name", flat=True)
    assert set(linked) == expected


def test_a_name_repeating_a_word_of_the_addresss_holders_is_not_theirs(officer):
    StakeholderFactory(name="Alan Reid", emails=["alan@example.org"], owner=officer)
    content = csv_bytes(
        [["2024-03-05", "call", "Briefing", '"Reid, Alan Reid" <alan@example.org>']],
        headings=INTERACTION_HEADINGS,
    )

    job = check(officer, upload(officer, content, kind="interactions"))

    assert [error["message"] for error in job.errors] == [
        "“Reid, Alan Reid <alan@example.org>” names Reid, Alan Reid, but alan@example.org is the address of "
        "Alan Reid; correct the name or the address."
    ]


@pytest.mark.parametrize(
    "cell",
    [
        "'alan@example.org' <alan@example.org>",
        "Dr Alan Reid <alan@example.org>",
        "Prof. Sir Alan Reid <alan@example.org>",
        "Reid, Alan (MOH) <alan@example.org>",
        "Mr. Reid (Ministry of Health) <alan@example.org>",
    ],
)
def test_the_one_holder_of_an_address_is_linked_by_the_name_an_email_program_gives_them(officer, cell):
    """Outlook's own address as a name, single-quoted; a title or a department in brackets."""
    alan = StakeholderFactory(name="Alan Reid", emails=["alan@example.org"], owner=officer)
    content = csv_bytes([["2024-03-05", "call", "Briefing", cell]], headings=INTERACTION_HEADINGS)

    job = check(officer, upload(officer, content, kind="interactions"))
    assert job.errors == []
    commit(officer, job)

    assert list(Interaction.objects.get(summary="Briefing").stakeholders.all()) == [alan]


def test_a_title_does_not_choose_among_the_people_who_share_an_address(officer):
    """Among several holders the name is taken as written: a title is not set aside to make it fit."""
    StakeholderFactory(name="Ana Costa", emails=["info@ministry.example"], owner=officer)
    StakeholderFactory(name="Li Wei", emails=["info@ministry.example"], owner=officer)
    content = csv_bytes(
        [["2024-03-05", "call", "Briefing", "Dr Li Wei <info@ministry.example>"]],
        headings=INTERACTION_HEADINGS,
    )

    job = check(officer, upload(officer, content, kind="interactions"))

    assert [error["message"] for error in job.errors] == [
        "“Dr Li Wei <info@ministry.example>” names Dr Li Wei, but info@ministry.example is the address of "
        "Ana Costa, Li Wei; correct the name or the address."
    ]


def test_a_name_with_a_comma_two_people_share_is_refused_whole_not_split_into_others(officer):
    """Two people called "Okafor, Margaret" are not found as someone called "Okafor" and someone called
    "Margaret"; the officer is asked to tell the two apart."""
    StakeholderFactory.create_batch(2, name="Okafor, Margaret", owner=officer)
    StakeholderFactory(name="Okafor", owner=officer)
    StakeholderFactory(name="Margaret", owner=officer)
    StakeholderFactory.create_batch(2, name="Reid, Alan", owner=officer)
    content = csv_bytes(
        [
            ["2024-03-05", "call", "Briefing", "Okafor, Margaret"],
            ["2024-03-06", "call", "Follow-up", "Reid, Alan"],
        ],
        headings=INTERACTION_HEADINGS,
    )

    job = check(officer, upload(officer, content, kind="interactions"))

    assert [(error["line"], error["message"]) for error in job.errors] == [
        (2, "No stakeholder (or more than one) matches “Okafor, Margaret”; use their email or #id."),
        (3, "No stakeholder (or more than one) matches “Reid, Alan”; use their email or #id."),
    ]


def test_only_administrators_import_interactions_logged_by_someone_else(officer, colleague, admin_user):
    StakeholderFactory(emails=["ana@example.org"], owner=officer)
    content = csv_bytes(
        [["2024-03-05", "call", "Hello", "ana@example.org", "colleague"]],
        headings=["Date", "Kind", "Summary", "Stakeholders", "Logged by"],
    )
    assert check(officer, upload(officer, content, kind="interactions")).error_count == 1
    job = commit(admin_user, check(admin_user, upload(admin_user, content, kind="interactions")))
    assert Interaction.objects.get(summary="Hello").logged_by == colleague and job.created_count == 1


def test_imported_follow_ups_are_chased_by_whoever_is_named_or_the_author(officer, colleague):
    StakeholderFactory(emails=["ana@example.org"], owner=officer)
    content = csv_bytes(
        [
            ["2024-03-05", "call", "Mine", "ana@example.org", "2030-01-01", ""],
            ["2024-03-05", "call", "Theirs", "ana@example.org", "2030-01-01", "colleague"],
            ["2024-03-05", "call", "None agreed", "ana@example.org", "", ""],
        ],
        headings=["Date", "Kind", "Summary", "Stakeholders", "Follow up by", "Follow-up owner"],
    )
    job = commit(officer, check(officer, upload(officer, content, kind="interactions")))
    assert job.created_count == 3
    owners = dict(Interaction.objects.values_list("summary", "follow_up_owner"))
    assert owners == {"Mine": officer.pk, "Theirs": colleague.pk, "None agreed": None}


def test_a_follow_up_owner_without_a_date_or_who_cannot_chase_it_is_an_error(officer, team):
    StakeholderFactory(emails=["ana@example.org"], owner=officer)
    UserFactory(username="calendar-sync", team=team, is_service_account=True)
    content = csv_bytes(
        [
            ["2024-03-05", "call", "Undated", "ana@example.org", "", "officer"],
            ["2024-03-05", "call", "A tool", "ana@example.org", "2030-01-01", "calendar-sync"],
        ],
        headings=["Date", "Kind", "Summary", "Stakeholders", "Follow up by", "Follow-up owner"],
    )
    job = check(officer, upload(officer, content, kind="interactions"))
    assert [(error["line"], error["column"]) for error in job.errors] == [
        (2, "Follow-up owner"),
        (3, "Follow-up owner"),
    ]


def test_a_follow_up_done_in_the_file_is_imported_done_and_a_wrong_one_is_an_error(officer):
    StakeholderFactory(emails=["ana@example.org"], owner=officer)
    headings = ["Date", "Kind", "Summary", "Stakeholders", "Follow up by", "Follow-up done"]
    wrong = csv_bytes(
        [
            ["2024-03-05", "call", "Undated", "ana@example.org", "", "2024-03-06 10:00"],
            ["2024-03-05", "call", "Not yet", "ana@example.org", "2024-03-08", "2099-01-01 10:00"],
            ["2024-03-05", "call", "Garbled", "ana@example.org", "2024-03-08", "soon"],
        ],
        headings=headings,
    )
    job = check(officer, upload(officer, wrong, kind="interactions"))
    assert [(error["line"], error["column"]) for error in job.errors] == [
        (2, "Follow-up done"),
        (3, "Follow-up done"),
        (4, "Follow-up done"),
    ]

    right = csv_bytes(
        [
            ["2024-03-05", "call", "Done", "ana@example.org", "2024-03-08", "2024-03-07 09:30"],
            ["2024-03-05", "call", "Open", "ana@example.org", "2024-03-08", ""],
        ],
        headings=headings,
    )
    commit(officer, check(officer, upload(officer, right, kind="interactions")))
    done = dict(Interaction.objects.values_list("summary", "follow_up_done_at"))
    assert done["Open"] is None
    in_their_zone = done["Done"].astimezone(zoneinfo.ZoneInfo(officer.time_zone))
    assert in_their_zone.replace(tzinfo=None) == dt.datetime(2024, 3, 7, 9, 30)


def test_a_follow_up_due_before_its_interaction_is_an_error_as_on_the_pages(officer):
    StakeholderFactory(emails=["ana@example.org"], owner=officer)
    content = csv_bytes(
        [
            ["2024-03-05 14:00", "call", "Slip", "ana@example.org", "2023-03-05"],
            ["2024-03-05 14:00", "call", "Same day", "ana@example.org", "2024-03-05"],
        ],
        headings=["Date", "Kind", "Summary", "Stakeholders", "Follow up by"],
    )
    job = check(officer, upload(officer, content, kind="interactions"))
    assert [(error["line"], error["column"]) for error in job.errors] == [(2, "Follow up by")]
    assert "comes after the interaction" in job.errors[0]["message"]


def test_interactions_with_unknown_or_archived_people_are_errors(officer):
    StakeholderFactory(
        emails=["gone@example.org"], owner=officer, is_archived=True, archived_at="2024-01-01T00:00Z"
    )
    content = csv_bytes(
        [
            ["2024-03-05", "call", "Hello", "nobody@example.org"],
            ["2024-03-05", "call", "Hi", "gone@example.org"],
        ],
        headings=["Date", "Kind", "Summary", "Stakeholders"],
    )
    job = check(officer, upload(officer, content, kind="interactions"))
    assert job.error_count == 2


def test_a_time_that_falls_off_the_calendar_in_utc_is_an_error_not_a_broken_timeline(officer):
    # Midnight on 1 January of year 1 in Auckland is still year 0 in UTC: PostgreSQL would store it and every
    # page listing it would then fail to read it back.
    officer.time_zone = "Pacific/Auckland"
    officer.save()
    StakeholderFactory(emails=["ana@example.org"], owner=officer)
    content = csv_bytes(
        [
            ["0001-01-01 00:30", "call", "Ancient", "ana@example.org"],
            ["9999-12-31T23:30-05:00", "call", "Far", "ana@example.org"],
        ],
        headings=["Date", "Kind", "Summary", "Stakeholders"],
    )
    job = check(officer, upload(officer, content, kind="interactions"))
    assert job.error_count == 2
    assert not Interaction.objects.exists()


def test_dates_outside_the_years_a_record_can_hold_are_row_errors(officer):
    """0226 typed for 2026, 3020 for 2030: each row says which years are taken, and nothing is imported."""
    StakeholderFactory(emails=["ana@example.org"], owner=officer)
    content = csv_bytes(
        [
            ["0226-01-01", "call", "Typo in the year", "ana@example.org", ""],
            ["2024-03-05", "call", "Follow-up far off", "ana@example.org", "3020-01-01"],
            ["2024-03-05", "call", "Fine", "ana@example.org", f"{latest_year()}-12-31"],
        ],
        headings=["Date", "Kind", "Summary", "Stakeholders", "Follow up by"],
    )
    job = check(officer, upload(officer, content, kind="interactions"))
    assert [(error["line"], error["column"], error["message"]) for error in job.errors] == [
        (2, "When", refusal()),
        (3, "Follow up by", refusal()),
    ]
    assert not Interaction.objects.exists()


def test_an_address_book_is_imported(officer):
    card = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Amina Yusuf\r\nN:Yusuf;Amina;;Dr;\r\n"
        b"EMAIL;TYPE=INTERNET,PREF:amina@example.org\r\nORG:Lagos State Ministry;Planning\r\n"
        b"TITLE:Director\r\nCATEGORIES:health,lagos\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Li Wei\r\nEMAIL;PREF=1:li@example.org\r\nLANG:zh\r\n"
        b"TZ:Asia/Shanghai\r\nEND:VCARD\r\n"
    )
    job = upload(officer, card, name="contacts.vcf")
    assert job.format == "vcard"
    job = services.import_job_map(job=job, actor=officer, mapping=job.mapping)
    job = commit(officer, services.import_check(job_id=job.pk))
    assert job.created_count == 2
    amina = Stakeholder.objects.get(name="Amina Yusuf")
    assert amina.form_of_address == "Dr Yusuf" and amina.emails == ["amina@example.org"]
    assert Affiliation.objects.get(stakeholder=amina).department == "Planning"
    li = Stakeholder.objects.get(name="Li Wei")
    assert (li.languages, li.time_zone) == (["zh"], "Asia/Shanghai")


def test_an_address_book_giving_addresses_and_numbers_as_uris_is_imported(officer):
    """`EMAIL:mailto:…` was refused as no email address, and the whole file with it."""
    card = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana Costa\r\nEMAIL:mailto:ana@example.org\r\n"
        b"TEL:tel:+44 20 7946 0000\r\nEND:VCARD\r\n"
    )
    job = upload(officer, card, name="contacts.vcf")
    job = services.import_job_map(job=job, actor=officer, mapping=job.mapping)
    job = commit(officer, services.import_check(job_id=job.pk))

    ana = Stakeholder.objects.get(name="Ana Costa")
    assert (ana.emails, ana.phones) == (["ana@example.org"], ["+44 20 7946 0000"])


def test_an_address_book_folded_inside_its_letters_is_read_as_utf_8(officer):
    """A writer folding lines every 75 octets cut "é" in two: the file was read in Windows-1252, as
    "AmÃ©lie", and every other accent in it garbled too."""
    card = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Am\xc3\r\n \xa9lie Poulain\r\n"
        b"NOTE:Vu \xc3\xa0 Gen\xc3\xa8ve\r\nEND:VCARD\r\n"
    )
    job = upload(officer, card, name="contacts.vcf")
    assert job.encoding == "utf-8"
    job = services.import_job_map(job=job, actor=officer, mapping=job.mapping)
    job = commit(officer, services.import_check(job_id=job.pk))
    assert Stakeholder.objects.get().notes == "Vu à Genève"
    assert Stakeholder.objects.get().name == "Amélie Poulain"
    assert job.content_hash == hashlib.sha256(card).hexdigest()  # still known as the file uploaded


def test_an_apple_address_books_groups_are_left_out_and_its_cards_keep_their_numbers(officer):
    """Apple's Contacts exports each group as a card listing its members: not a person to add."""
    card = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Board\r\nFN:Board\r\nX-ADDRESSBOOKSERVER-KIND:group\r\n"
        b"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:1b2c\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Amina Yusuf\r\nUID:1b2c\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nORG:Lagos State Ministry\r\nEND:VCARD\r\n"
    )
    job = upload(officer, card, name="contacts.vcf")
    job = services.import_check(
        job_id=services.import_job_map(job=job, actor=officer, mapping=job.mapping).pk
    )
    assert [error["message"][:6] for error in job.errors] == ["Card 3"]

    job = upload(officer, card.rsplit(b"BEGIN:VCARD", 1)[0], name="contacts.vcf")
    job = commit(officer, check(officer, job))

    assert job.created_count == 1
    assert list(Stakeholder.objects.values_list("name", flat=True)) == ["Amina Yusuf"]


def test_an_address_book_of_groups_organisations_and_places_only_has_no_one_to_import(officer):
    card = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Board\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Lagos State Ministry\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:location\r\nFN:Conference room\r\nEND:VCARD\r\n"
    )

    job = check(officer, upload(officer, card, name="contacts.vcf"))

    assert [error["message"] for error in job.errors] == [
        "The file holds no person's card to import: contact groups, organisations and places are left out."
    ]
    assert not job.can_commit


def test_an_address_books_organisation_and_place_cards_are_left_out_and_its_cards_keep_their_numbers(officer):
    card = (
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Lagos State Ministry\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Amina Yusuf\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:location\r\nFN:Conference room\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nORG:Lagos State Ministry\r\nEND:VCARD\r\n"
    )
    job = check(officer, upload(officer, card, name="contacts.vcf"))
    assert [error["message"][:6] for error in job.errors] == ["Card 4"]

    job = commit(
        officer, check(officer, upload(officer, card.rsplit(b"BEGIN:VCARD", 1)[0], name="contacts.vcf"))
    )

    assert job.created_count == 1
    assert list(Stakeholder.objects.values_list("name", flat=True)) == ["Amina Yusuf"]
    assert not Organisation.objects.exists()


def test_a_card_without_a_name_or_an_email_is_named_by_its_number_and_nothing_is_imported(officer):
    """A card known only by its address is named by it; one with neither name nor address is an error, and
    the preview says which card it is, so the officer can find it in an address book that numbers no lines."""
    card = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Amina Yusuf\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:nameless@example.org\r\nORG:Lagos State Ministry\r\n"
        b"END:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nTEL:+234 1 234 5678\r\nEND:VCARD\r\n"
    )
    job = upload(officer, card, name="contacts.vcf")
    job = services.import_check(
        job_id=services.import_job_map(job=job, actor=officer, mapping=job.mapping).pk
    )

    assert [(error["line"], error["message"]) for error in job.errors] == [
        (
            10,
            "Card 3 has no name and no email address: "
            "it has no full name (FN), structured name (N) or EMAIL.",
        )
    ]
    assert [row["errors"] for row in job.preview] == [[], [], [job.errors[0]["message"]]]
    # Name, emails, phones, organisation…
    assert job.preview[1]["cells"][:4] == [
        "nameless@example.org", "nameless@example.org", "", "Lagos State Ministry"
    ]  # fmt: skip
    assert not job.can_commit and not Stakeholder.objects.exists()


def test_a_large_file_is_checked_and_imported_in_the_background(
    officer, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    job = upload(officer, csv_bytes([["Ana Costa", "", "", "", "", ""], ["Li Wei", "", "", "", "", ""]]))
    job = services.import_job_map(job=job, actor=officer, mapping=job.mapping)
    with django_capture_on_commit_callbacks() as callbacks:
        job = services.import_check_start(job=job)
    assert job.status == ImportStatus.VALIDATING and len(callbacks) == 1
    services.import_check(job_id=job.pk)  # what the task does
    job.refresh_from_db()
    with django_capture_on_commit_callbacks() as callbacks:
        job = commit(officer, job)
    assert job.status == ImportStatus.QUEUED and len(callbacks) == 1
    assert services.import_progress(job)["total"] == 2
    assert services.import_commit(job_id=job.pk).created_count == 2
    assert services.import_commit(job_id=job.pk).created_count == 2  # a redelivered task does nothing more
    assert Stakeholder.objects.filter(name__in=["Ana Costa", "Li Wei"]).count() == 2


def test_a_hundred_thousand_rows_are_imported(officer, tmp_path):
    OrganisationFactory(name="Northern Water Authority")
    path = tmp_path / "big.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "emails", "organisation", "role"])
        for number in range(100_000):
            writer.writerow(
                [f"Person {number}", f"p{number}@example.org", "Northern Water Authority", "Officer"]
            )

    job = services.import_run(path=path, kind="stakeholders", actor=officer)

    assert job.status == ImportStatus.IMPORTED and job.created_count == 100_000
    assert Stakeholder.objects.count() == 100_000
    assert Affiliation.objects.filter(organisation__name="Northern Water Authority").count() == 100_000


def pending_gin_entries(*tables: str) -> dict[str, int]:
    """The entries waiting in the pending list of each of these tables' GIN indexes."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        cursor.execute(
            """
            SELECT c.relname, (pgstatginindex(c.oid)).pending_tuples
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
            WHERE i.indrelid = ANY(%s::regclass[]) AND a.amname = 'gin'
            """,
            [list(tables)],
        )
        return dict(cursor.fetchall())


def a_stakeholders_file_naming_new_organisations(officer):
    rows = [[f"Person {n}", f"p{n}@example.org", f"+44 20 7946 {n:04d}", f"Board {n}"] for n in range(200)]
    return check(officer, upload(officer, csv_bytes(rows, ["Name", "Email", "Phone", "Organisation"])))


def an_interactions_file_naming_stakeholders(officer):
    for n in range(200):
        StakeholderFactory(owner=officer, emails=[f"p{n}@example.org"])
    services.search_indexes_tidy(kind="stakeholders")
    rows = [["2024-03-05 14:30", "Call", f"Talk {n}", f"p{n}@example.org"] for n in range(200)]
    content = csv_bytes(rows, ["Date", "Kind", "Subject", "With"])
    return check(officer, upload(officer, content, kind="interactions"))


@pytest.mark.parametrize(
    "a_file, written, filled",
    [
        (
            a_stakeholders_file_naming_new_organisations,
            ["contacts_stakeholder", "contacts_organisation"],
            {
                "stakeholder_emails_gin",
                "stakeholder_phone_keys_gin",
                "stakeholder_search_gin",
                "organisation_search_gin",
                "organisation_unaccent_trgm",
            },
        ),
        (
            # Each person's last contact and updated_at change: every index of theirs has new entries.
            an_interactions_file_naming_stakeholders,
            ["interactions_interaction", "contacts_stakeholder"],
            {
                "interaction_search_gin",
                "stakeholder_emails_gin",
                "stakeholder_phone_keys_gin",
                "stakeholder_search_gin",
                "stakeholder_unaccent_trgm",
            },
        ),
    ],
)
def test_what_an_import_adds_to_the_search_indexes_is_merged_into_them_once_it_is_in(
    officer, django_capture_on_commit_callbacks, monkeypatch, a_file, written, filled
):
    tidied = []
    monkeypatch.setattr("imports.tasks.tidy_search_indexes.delay", tidied.append)
    job = a_file(officer)
    with django_capture_on_commit_callbacks(execute=True):
        job = commit(officer, job)
    assert job.created_count == 200 and tidied == [job.kind]
    assert filled <= {name for name, entries in pending_gin_entries(*written).items() if entries}

    services.search_indexes_tidy(kind=tidied[0])

    assert set(pending_gin_entries(*written).values()) == {0}


def test_a_worker_that_may_not_tidy_the_search_indexes_says_what_to_do_and_the_import_stands(
    officer, django_capture_on_commit_callbacks, caplog
):
    job = check(officer, upload(officer, csv_bytes([["Ana Costa", "ana@example.org"]], ["Name", "Email"])))
    with django_capture_on_commit_callbacks(execute=True):
        job = commit(officer, job)
    with connection.cursor() as cursor:
        # Rolled back with the test: a role owning none of the tables, as a worker connecting as another.
        cursor.execute(f"CREATE ROLE not_the_owner_{os.getpid()}")
        cursor.execute(f"GRANT pg_read_all_data TO not_the_owner_{os.getpid()}")
        cursor.execute(f"SET LOCAL ROLE not_the_owner_{os.getpid()}")

    with caplog.at_level(logging.WARNING, logger="imports.services"):
        services.search_indexes_tidy(kind=job.kind)

    (warning,) = [record.getMessage() for record in caplog.records if record.name == "imports.services"]
    assert "must be owner of index" in warning and "as the role that owns the tables" in warning
    assert Stakeholder.objects.filter(emails__contains=["ana@example.org"]).exists()


def test_someone_else_cannot_touch_my_import(officer, colleague):
    job = upload(officer, csv_bytes([["Ana Costa", "", "", "", "", ""]]))
    assert not ImportJob.objects.visible_to(colleague).filter(pk=job.pk).exists()
    with pytest.raises(Exception, match="permission"):
        services.import_job_map(job=job, actor=colleague, mapping=job.mapping)


def test_the_uploaded_file_is_not_kept_once_imported(officer, django_capture_on_commit_callbacks):
    job = check(officer, upload(officer, csv_bytes([["Ana Costa", "", "", "", "", ""]])))
    path = job.file.path
    with django_capture_on_commit_callbacks(execute=True):
        commit(officer, job)
    job.refresh_from_db()
    assert not job.file and not os.path.exists(path)


def stored_files(settings) -> list:
    return [path for path in (settings.MEDIA_ROOT / "imports").rglob("*") if path.is_file()]


def test_a_file_refused_once_stored_is_not_kept(officer, settings):
    unreadable = b'"Name\n' + b"x" * 200_000  # a quotation mark left open: no headings to read
    with pytest.raises(ValidationError):
        upload(officer, unreadable)
    assert not ImportJob.objects.exists()
    assert stored_files(settings) == []


def test_an_address_book_whose_check_finds_errors_is_not_kept(
    officer, settings, django_capture_on_commit_callbacks
):
    cards = b"BEGIN:VCARD\r\nVERSION:3.0\r\nTEL:+44 20 7946 0000\r\nEND:VCARD\r\n"
    job = upload(officer, cards, name="contacts.vcf")
    with django_capture_on_commit_callbacks(execute=True):
        job = check(officer, job)
    assert job.error_count == 1

    job.refresh_from_db()
    assert not job.file and stored_files(settings) == []
    with pytest.raises(ValidationError, match="upload it again"):
        services.import_job_map(job=job, actor=officer, mapping=job.mapping)


def test_a_spreadsheet_whose_check_finds_errors_is_kept_to_be_checked_again(
    officer, colleague, django_capture_on_commit_callbacks
):
    """Choosing another column, or the owner joining the staff, makes it importable."""
    job = upload(officer, csv_bytes([["Ana Costa", "", "", "", "", "nobody"]]))
    with django_capture_on_commit_callbacks(execute=True):
        job = check(officer, job)
    assert job.error_count == 1 and job.file

    mapping = {name: heading for name, heading in job.mapping.items() if name != "owner"}
    with django_capture_on_commit_callbacks(execute=True):
        job = check(officer, job, mapping)
    assert job.error_count == 0 and job.can_commit


def test_a_check_that_failed_keeps_no_file(officer, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_MAX_ATTEMPTS = 1
    job = upload(officer, csv_bytes([["Ana Costa", "", "", "", "", ""]]))
    job = services.import_job_map(job=job, actor=officer, mapping=job.mapping)  # checking, no worker yet
    ImportJob.objects.filter(pk=job.pk).update(queued_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.imports_recover_stalled()

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert not job.file and stored_files(settings) == []


def test_a_file_set_aside_is_deleted_once_setting_it_aside_commits(
    officer, settings, django_capture_on_commit_callbacks
):
    job = check(officer, upload(officer, csv_bytes([["Ana Costa", "", "", "", "", ""]])))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.import_discard(job=job, actor=officer)
    assert len(stored_files(settings)) == 1, "nothing is deleted before the discard commits"

    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert not job.file and stored_files(settings) == []


def test_a_stakeholder_list_export_imports_back_as_it_was_written(officer_client, officer, colleague):
    """The export writes `'+44…` so a spreadsheet reads a phone as text, and names the owner in full: the
    import reads both back as what they stand for, not as an apostrophe and an unknown member of staff."""
    StakeholderFactory(
        name="=Margaret Okafor", emails=["m.okafor@nwa.example"], phones=["+44 20 7946 0000"], owner=colleague
    )
    exported = b"".join(officer_client.get("/exports/stakeholders.csv?q=okafor").streaming_content)
    assert b"'+44 20 7946 0000" in exported
    Stakeholder.objects.all().delete()

    job = check(officer, upload(officer, exported))
    assert job.error_count == 0, job.errors
    commit(officer, job)

    person = Stakeholder.objects.get()
    assert (person.name, person.phones, person.owner) == ("=Margaret Okafor", ["+44 20 7946 0000"], colleague)


def test_an_imported_person_is_found_by_their_phone_number_written_another_way(officer):
    rows = [["Ana Costa", "ana@example.org", "+44 20 7946 0000; 07700 900123"]]
    job = check(officer, upload(officer, csv_bytes(rows, headings=["Name", "Email", "Phone"])))
    assert job.error_count == 0, job.errors
    commit(officer, job)

    assert [person.name for person in Stakeholder.objects.search("020 7946 0000")] == ["Ana Costa"]
    assert [person.name for person in Stakeholder.objects.search("+44 7700 900123")] == ["Ana Costa"]


def test_an_owner_named_in_full_that_two_members_of_staff_share_is_an_error_not_a_guess(officer):
    UserFactory(first_name="Sam", last_name="Jones")
    UserFactory(first_name="Sam", last_name="Jones")
    job = check(officer, upload(officer, csv_bytes([["Jean Dubois", "", "", "", "", "sam  jones"]])))
    assert [error["column"] for error in job.errors] == ["Owner"]


def test_choice_cells_are_read_by_the_labels_of_the_language_the_file_is_checked_in(officer, monkeypatch):
    # We have no translations yet: a French catalogue, loaded for this test only, gets one of our labels.
    monkeypatch.setattr(trans_real, "_translations", {})
    trans_real.translation("fr")._catalog["Phone"] = "Téléphone"
    with translation.override("fr"):
        cleaner = StakeholderCleaner(actor=officer)
        values, errors = cleaner.clean({"name": "Ana Costa", "preferred_channel": "téléphone"})
        assert errors == [] and values["preferred_channel"] == "phone"
        _values, errors = cleaner.clean({"name": "Ana Costa", "preferred_channel": "fax"})
        assert "Téléphone" in errors[0].message


@pytest.mark.parametrize("name", ['"', '".csv', "..", "?"])
def test_a_file_name_that_leaves_nothing_a_file_system_can_use_is_kept_as_given(officer, name):
    job = upload(officer, b"Name\nAna Costa\n", name=name)
    assert (job.original_name, job.total_rows) == (name, 1)
    assert job.file.open("rb").read() == b"Name\nAna Costa\n"


def test_a_file_checked_before_archived_could_be_imported_still_imports(officer):
    """Rows staged by an earlier release hold no "is_archived": they come in as not archived."""
    job = check(officer, upload(officer, b"Name\nAna Costa\n"))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE imports_importrow SET values = values - 'is_archived' WHERE job_id = %s", [job.pk]
        )

    commit(officer, job)

    assert list(Stakeholder.objects.values_list("name", "is_archived", "archived_at")) == [
        ("Ana Costa", False, None)
    ]

"""Uploaded files, whatever their bytes and names: checked for type and size, never a 500, and an import goes
in whole or not at all."""

import csv
import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from contacts.models import Affiliation, Organisation, Stakeholder, Tag
from imports import services as imports
from imports.models import ImportJob
from meetings.services import meeting_schedule

from ..factories import StakeholderFactory
from ..meetings.test_views import in_days
from .strategies import examples, form_text, rolled_back

pytestmark = pytest.mark.django_db

REGISTERS = (Stakeholder, Organisation, Tag, Affiliation)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def register_counts() -> dict:
    return {model.__name__: model.objects.count() for model in REGISTERS}


def csv_file(rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding, "replace")


headings = st.lists(
    st.one_of(st.sampled_from(["Name", "Email", "Organisation", "Job title", "Tags", "Phone"]), form_text),
    min_size=1,
    max_size=6,
)
cells = st.lists(st.lists(form_text, max_size=7), max_size=8)
csv_bytes = st.one_of(
    st.builds(
        lambda head, body, delimiter, encoding: csv_file([head, *body], delimiter, encoding),
        headings,
        cells,
        st.sampled_from([",", ";", "\t", "|"]),
        st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"]),
    ),
    st.binary(max_size=3000),
    st.sampled_from([b"", b"\xef\xbb\xbf", b"PK\x03\x04rest", b"BEGIN:VCARD\r\nFN:\x00\r\nEND:VCARD\r\n"]),
)


def test_importing_any_file_imports_every_row_or_nothing(officer):
    @given(content=csv_bytes, kind=st.sampled_from(["stakeholders", "organisations", "interactions"]))
    @examples
    def check(content, kind):
        with rolled_back():
            before = register_counts()
            try:
                job = imports.import_file(
                    file=io.BytesIO(content), name="people.csv", kind=kind, actor=officer
                )
            except ValidationError:
                assert register_counts() == before, "a file with errors writes nothing to the registers"
            else:
                added = register_counts()
                new_records = added["Stakeholder"] - before["Stakeholder"]
                if kind == "organisations":
                    new_records = added["Organisation"] - before["Organisation"]
                if kind != "interactions":
                    assert new_records == job.created_count > 0

    check()


def test_the_upload_page_takes_any_bytes_under_any_name_without_a_server_error(officer_client):
    @given(
        content=csv_bytes,
        name=st.one_of(st.just("people.csv"), form_text.map(lambda text: text[:80] + ".csv")),
    )
    @examples
    def check(content, name):
        with rolled_back():
            jobs = ImportJob.objects.count()
            response = officer_client.post(
                reverse("imports:upload"),
                {"kind": "stakeholders", "file": SimpleUploadedFile(name or "x.csv", content)},
            )
            assert response.status_code in (200, 302)
            if response.status_code == 302:
                job = ImportJob.objects.latest("pk")
                # The next step, the page that maps the columns, shows whatever the file held.
                assert officer_client.get(job.get_absolute_url()).status_code == 200
            else:
                assert ImportJob.objects.count() == jobs

    check()


@pytest.mark.parametrize(
    "content",
    [
        "Name,Email\n\x00,ama@example.org\n".encode("utf-16"),  # NUL bytes are expected in UTF-16
        "Na\x00me,Email\nAma,ama@example.org\n".encode("utf-16"),
        b"Name,Email\n" + b"Ama Owusu,ama@example.org\n" * 400 + b"Kofi\x00,kofi@example.org\n",
    ],
)
def test_an_import_with_a_nul_character_past_the_first_check_is_an_error_not_a_server_error(
    officer_client, officer, content
):
    response = officer_client.post(
        reverse("imports:upload"), {"kind": "stakeholders", "file": SimpleUploadedFile("people.csv", content)}
    )
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        job = ImportJob.objects.get()
        job = imports.import_check(
            job_id=imports.import_job_map(job=job, actor=officer, mapping=job.mapping).pk
        )
        assert job.error_count == 1 and "not text" in job.errors[0]["message"]
    assert not Stakeholder.objects.exists()


def test_an_import_larger_than_the_limit_is_refused_before_it_is_read(officer_client, settings):
    settings.IMPORT_MAX_BYTES = 1024
    response = officer_client.post(
        reverse("imports:upload"),
        {"kind": "stakeholders", "file": SimpleUploadedFile("people.csv", b"Name\n" + b"Ama Owusu\n" * 200)},
    )
    assert response.status_code == 200
    assert "larger than" in str(response.context["form"].errors)
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.xlsx", b"PK\x03\x04" + b"\x00" * 100, "spreadsheet workbook"),
        ("people.csv", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100, "not look like a text file"),
    ],
)
def test_an_import_that_is_not_text_is_refused(officer_client, name, content, message):
    response = officer_client.post(
        reverse("imports:upload"), {"kind": "stakeholders", "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert message in str(response.context["form"].errors)
    assert not ImportJob.objects.exists()


def _sendable(name: str) -> str:
    """A name a browser could send for a file: the part after the last slash, never "", "." or "..".

    Django's test client refuses to build an upload from a name like "/" or "a/.." (SuspiciousFileOperation
    before any request is made), and a browser sends the file's own name, which has none of these.
    """
    base = os.path.basename(name)
    return "unnamed" if base in {"", ".", ".."} else base


def test_a_meeting_document_of_any_bytes_and_name_is_kept_only_when_its_type_and_size_are_right(
    officer_client, officer, settings
):
    settings.MEETING_DOCUMENT_MAX_BYTES = 2048
    meeting = meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=in_days(3, 10),
        ends_at=in_days(3, 11),
        stakeholders=[StakeholderFactory(owner=officer)],
    )
    url = reverse("meetings:document_upload", args=[meeting.pk])

    @given(
        content=st.one_of(st.binary(max_size=3000), st.just(b"%PDF-1.7\n" + b"x" * 100)),
        name=st.one_of(
            st.sampled_from(["minutes.pdf", "agenda.txt", "photo.png", "run.exe", "notes", "a.PDF"]),
            form_text.map(lambda text: text[:100]),
        ),
    )
    @examples
    def check(content, name):
        with rolled_back():
            response = officer_client.post(url, {"file": SimpleUploadedFile(_sendable(name), content)})
            assert response.status_code in (200, 302)
            for document in meeting.documents.all():
                assert document.size <= settings.MEETING_DOCUMENT_MAX_BYTES
                assert "." in document.name

    check()

"""The import pages: upload, choose columns, see the check, import; a worker's progress polled by htmx."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contacts.models import Stakeholder
from imports.models import ImportJob, ImportStatus

from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db


def test_upload_map_check_and_import_a_file(officer_client):
    content = "Full name;E-mail\nAna Costa;ana@example.org\nLi Wei;li@example.org\n".encode("latin-1")
    response = officer_client.post(
        reverse("imports:upload"),
        {"kind": "stakeholders", "file": SimpleUploadedFile("people.csv", content, content_type="text/csv")},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    page = officer_client.get(job.get_absolute_url())
    assert b"Full name" in page.content and page.context["mapping"]["emails"].initial == ["E-mail"]

    response = officer_client.post(
        job.get_absolute_url(),
        {"encoding": job.encoding, "delimiter": ";", "name": "Full name", "emails": "E-mail"},
    )
    page = officer_client.get(response["Location"])
    assert b"checked without errors" in page.content

    response = officer_client.post(reverse("imports:commit", args=[job.pk]))
    assert Stakeholder.objects.filter(name__in=["Ana Costa", "Li Wei"]).count() == 2
    assert b"2 rows imported" in officer_client.get(response["Location"]).content


def test_a_missing_required_column_is_said_on_the_form(officer_client):
    officer_client.post(
        reverse("imports:upload"),
        {"kind": "stakeholders", "file": SimpleUploadedFile("p.csv", b"Email\nana@example.org\n")},
    )
    job = ImportJob.objects.get()
    page = officer_client.post(
        job.get_absolute_url(), {"encoding": job.encoding, "delimiter": ",", "emails": "Email"}
    )
    assert page.status_code == 200 and "name" in page.context["mapping"].errors


def test_an_empty_upload_is_refused_on_the_form(officer_client):
    page = officer_client.post(
        reverse("imports:upload"), {"kind": "stakeholders", "file": SimpleUploadedFile("p.csv", b"x")}
    )
    assert (
        ImportJob.objects.count() == 1
    )  # a one-cell file has a heading and no rows: it is checked, not refused
    page = officer_client.post(
        reverse("imports:upload"), {"kind": "stakeholders", "file": SimpleUploadedFile("p.csv", b"\n\n")}
    )
    assert page.status_code == 200 and b"empty" in page.content


def test_progress_is_polled_while_a_worker_works(officer_client, officer, settings):
    settings.IMPORT_BACKGROUND_ROWS = 0
    officer_client.post(
        reverse("imports:upload"),
        {"kind": "stakeholders", "file": SimpleUploadedFile("p.csv", b"Name\nAna Costa\n")},
    )
    job = ImportJob.objects.get()
    officer_client.post(job.get_absolute_url(), {"encoding": job.encoding, "delimiter": ",", "name": "Name"})
    progress = officer_client.get(reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b"every 1s" in progress.content and b"<progress" in progress.content
    ImportJob.objects.filter(pk=job.pk).update(status="checked")
    done = officer_client.get(reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_a_colleague_cannot_open_my_import(officer_client, client, colleague):
    officer_client.post(
        reverse("imports:upload"), {"kind": "stakeholders", "file": SimpleUploadedFile("p.csv", b"Name\nA\n")}
    )
    client.force_login(colleague)
    assert client.get(ImportJob.objects.get().get_absolute_url()).status_code == 404


def test_the_imports_list_runs_a_fixed_number_of_queries(
    officer_client, officer, django_assert_max_num_queries
):
    for _ in range(5):
        officer_client.post(
            reverse("imports:upload"),
            {"kind": "stakeholders", "file": SimpleUploadedFile("p.csv", b"Name\nA\n")},
        )
    # session, user; the user's groups (visibility); the jobs with who uploaded them.
    with django_assert_max_num_queries(4):
        assert officer_client.get(reverse("imports:list")).status_code == 200


def test_several_columns_are_chosen_for_a_list_on_the_form(officer_client):
    content = b"Name,E-mail Address,E-mail 2 Address,Notes\nAna Costa,ana@example.org,ana@home.example,\n"
    officer_client.post(
        reverse("imports:upload"),
        {"kind": "stakeholders", "file": SimpleUploadedFile("outlook.csv", content)},
    )
    job = ImportJob.objects.get()
    page = officer_client.get(job.get_absolute_url())
    assert page.context["mapping"]["emails"].initial == ["E-mail Address", "E-mail 2 Address"]
    assert b'<select name="emails"' in page.content and b"multiple" in page.content

    officer_client.post(
        job.get_absolute_url(),
        {
            "encoding": job.encoding,
            "delimiter": ",",
            "name": "Name",
            "emails": ["E-mail 2 Address", "E-mail Address"],
        },
    )
    officer_client.post(reverse("imports:commit", args=[job.pk]))

    assert Stakeholder.objects.get(name="Ana Costa").emails == ["ana@example.org", "ana@home.example"]


def upload_and_import(client, content: bytes, kind="stakeholders", name="people.csv") -> ImportJob:
    client.post(reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile(name, content)})
    job = ImportJob.objects.latest("pk")
    client.post(job.get_absolute_url(), {"encoding": job.encoding, "delimiter": ",", "name": "Name"})
    client.post(reverse("imports:commit", args=[job.pk]))
    return job


def test_a_file_imported_before_is_not_refused_but_its_page_says_when_by_whom_and_links_it(
    officer_client, officer
):
    content = b"Name\nAna Costa\nLi Wei\n"
    first = upload_and_import(officer_client, content)
    first.refresh_from_db()

    officer_client.post(
        reverse("imports:upload"),
        {"kind": "stakeholders", "file": SimpleUploadedFile("people (copy).csv", content)},
    )
    again = ImportJob.objects.latest("pk")
    page = officer_client.get(again.get_absolute_url()).content.decode()

    when = timezone.localtime(first.finished_at).strftime("%-d %B %Y, %H:%M")
    assert f"This file was already imported on {when} by {officer.get_full_name()} (2 rows)." in page
    assert f'href="{first.get_absolute_url()}"' in page
    assert again.status == "mapping"  # the officer may still import it


def test_a_colleagues_earlier_import_of_the_file_is_named_but_not_linked(officer_client, client, colleague):
    content = b"Name\nAna Costa\n"
    first = upload_and_import(officer_client, content)
    client.force_login(colleague)
    client.post(
        reverse("imports:upload"), {"kind": "stakeholders", "file": SimpleUploadedFile("p.csv", content)}
    )
    page = client.get(ImportJob.objects.latest("pk").get_absolute_url()).content.decode()
    assert "This file was already imported on" in page and "(1 row)" in page
    assert first.get_absolute_url() not in page


@pytest.mark.parametrize(
    ("second_kind", "second_content"),
    [("organisations", b"Name\nAna Costa\n"), ("stakeholders", b"Name\nAna Costa\r\n")],
)
def test_another_file_or_another_kind_of_record_is_not_warned_about(
    officer_client, second_kind, second_content
):
    upload_and_import(officer_client, b"Name\nAna Costa\n")
    officer_client.post(
        reverse("imports:upload"), {"kind": second_kind, "file": SimpleUploadedFile("p.csv", second_content)}
    )
    page = officer_client.get(ImportJob.objects.latest("pk").get_absolute_url()).content.decode()
    assert "already imported" not in page


def test_a_file_set_aside_before_is_not_warned_about(officer_client):
    content = b"Name\nAna Costa\n"
    officer_client.post(
        reverse("imports:upload"), {"kind": "stakeholders", "file": SimpleUploadedFile("p.csv", content)}
    )
    officer_client.post(reverse("imports:discard", args=[ImportJob.objects.get().pk]))
    officer_client.post(
        reverse("imports:upload"), {"kind": "stakeholders", "file": SimpleUploadedFile("p.csv", content)}
    )
    page = officer_client.get(ImportJob.objects.latest("pk").get_absolute_url()).content.decode()
    assert "already imported" not in page


def test_the_check_of_an_address_book_names_a_card_without_a_name(officer_client):
    cards = b"BEGIN:VCARD\r\nVERSION:3.0\r\nTEL:+44 20 7946 0000\r\nEND:VCARD\r\n"
    officer_client.post(
        reverse("imports:upload"),
        {"kind": "stakeholders", "file": SimpleUploadedFile("contacts.vcf", cards)},
    )
    page = officer_client.get(ImportJob.objects.get().get_absolute_url()).content.decode()
    assert "Card 1 has no name and no email address" in page
    assert "Import 1 row" not in page


@pytest.fixture
def storage_refusing_deletes(monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def refused(storage, name):
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(FileSystemStorage, "delete", refused)


# transaction=True: the service commits, and its on-commit callbacks run, within the request as in production.
@pytest.mark.django_db(transaction=True)
def test_a_file_the_storage_will_not_delete_once_imported_does_not_fail_the_import_page(
    officer_client, storage_refusing_deletes
):
    job = upload_and_import(officer_client, b"Name\nAna Costa\n")

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED and job.file, "the file is left where it is"
    assert Stakeholder.objects.get().name == "Ana Costa"


@pytest.mark.django_db(transaction=True)
def test_an_address_book_with_errors_the_storage_will_not_delete_is_checked_not_failed(
    officer_client, storage_refusing_deletes, caplog
):
    cards = b"BEGIN:VCARD\r\nVERSION:3.0\r\nTEL:+44 20 7946 0000\r\nEND:VCARD\r\n"
    response = officer_client.post(
        reverse("imports:upload"),
        {"kind": "stakeholders", "file": SimpleUploadedFile("contacts.vcf", cards)},
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.status, job.error_count) == (ImportStatus.CHECKED, 1) and job.file
    assert "Checking import" not in caplog.text, "the file left behind is not the check failing"


def test_an_address_book_says_how_many_cards_it_left_out_and_why(officer_client):
    cards = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Board\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nFN:Port Authority\r\nORG:Port Authority;\r\n"
        b"X-ABShowAs:COMPANY\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Yusuf;Amina;;;\r\nFN:Lagos State Ministry\r\n"
        b"ORG:Lagos State Ministry;\r\nX-ABShowAs:COMPANY\r\nEND:VCARD\r\n"
    )
    officer_client.post(
        reverse("imports:upload"),
        {"kind": "stakeholders", "file": SimpleUploadedFile("contacts.vcf", cards)},
    )
    job = ImportJob.objects.get()
    said = "2 cards were left out: contact groups, organisations or places, not people."
    assert (job.total_rows, job.cards_left_out, job.error_count) == (1, 2, 0)
    assert said in officer_client.get(job.get_absolute_url()).content.decode()

    response = officer_client.post(reverse("imports:commit", args=[job.pk]))

    assert said in officer_client.get(response["Location"]).content.decode()
    amina = Stakeholder.objects.get()
    assert (amina.name, amina.current_primary_organisation().name) == ("Amina Yusuf", "Lagos State Ministry")


def test_an_import_page_runs_a_fixed_number_of_queries(officer_client, django_assert_max_num_queries):
    content = b"Name\nAna Costa\n"
    upload_and_import(officer_client, content)
    officer_client.post(
        reverse("imports:upload"), {"kind": "stakeholders", "file": SimpleUploadedFile("p.csv", content)}
    )
    url = ImportJob.objects.latest("pk").get_absolute_url()
    # session, user, the user's groups; the job with who uploaded it; the earlier import of the same file
    # with who made it.
    with django_assert_max_num_queries(5):
        assert b"already imported" in officer_client.get(url).content


def test_the_check_does_not_count_an_organisation_only_likely_duplicates_name_among_those_added(
    officer_client, officer
):
    StakeholderFactory(name="Someone", emails=["ana@example.org"], owner=officer)
    content = b"Name,Email,Organisation\nAna Costa,ana@example.org,Costa Consulting\nLi Wei,,Harbour Trust\n"
    officer_client.post(
        reverse("imports:upload"), {"kind": "stakeholders", "file": SimpleUploadedFile("p.csv", content)}
    )
    job = ImportJob.objects.get()
    officer_client.post(
        job.get_absolute_url(),
        {
            "encoding": job.encoding,
            "delimiter": ",",
            "name": "Name",
            "emails": "Email",
            "organisation": "Organisation",
        },
    )

    page = officer_client.get(job.get_absolute_url()).content.decode()

    assert "not in the register yet and will be added: Harbour Trust</p>" in page
    assert "added only if the likely duplicates are imported: Costa Consulting</p>" in page


def test_the_import_button_says_how_many_rows_go_in_with_and_without_the_likely_duplicates(
    officer_client, officer
):
    """It said "Import 3 rows" with the duplicates to be left out, and then imported 2. Without script it
    names both counts; app.js makes it say the one the checkbox chooses (tests/browser/test_imports.py)."""
    StakeholderFactory(name="Someone", emails=["ana@example.org"], owner=officer)
    content = b"Name,Email\nAna Costa,ana@example.org\nLi Wei,li@example.org\nBo Chen,bo@example.org\n"
    officer_client.post(
        reverse("imports:upload"), {"kind": "stakeholders", "file": SimpleUploadedFile("p.csv", content)}
    )
    job = ImportJob.objects.get()
    officer_client.post(
        job.get_absolute_url(),
        {"encoding": job.encoding, "delimiter": ",", "name": "Name", "emails": "Email"},
    )

    page = officer_client.get(job.get_absolute_url()).content.decode()

    assert (
        '<button class="button primary" type="submit" data-follows="id_skip_duplicates"'
        ' data-checked-text="Import 2 rows" data-unchecked-text="Import 3 rows">'
        "Import 3 rows (or 2 without the likely duplicate)</button>"
    ) in page

"""A meeting's papers through the API: listed and downloaded by all staff, added and removed by the
organiser's side, checked by the same service as the meeting page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings import services
from meetings.models import MeetingDocument

from ..factories import MeetingFactory
from .conftest import CAST

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 the agenda pack"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def meeting(officer):
    return MeetingFactory(organiser=officer)


@pytest.fixture
def paper(meeting, officer):
    return services.document_attach(
        meeting=meeting,
        actor=officer,
        upload=SimpleUploadedFile("pack.pdf", PDF, content_type="application/pdf"),
    )


def papers(meeting):
    return f"/api/v1/meetings/{meeting.pk}/documents/"


def upload(client, meeting, name="minutes.pdf", content=PDF):
    return client.post(papers(meeting), {"file": SimpleUploadedFile(name, content)}, format="multipart")


@pytest.mark.parametrize("declared", ["application/pdf\x00", "x" * 500, "text/html"])
def test_a_papers_type_comes_from_its_checked_name_not_from_what_the_client_declares(
    officer_api, meeting, declared
):
    response = officer_api.post(
        papers(meeting),
        {"file": SimpleUploadedFile("minutes.pdf", PDF, content_type=declared)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "application/pdf"
    assert officer_api.get(response.json()["download_url"])["Content-Type"] == "application/pdf"


def test_the_organiser_uploads_a_paper_and_everyone_finds_and_downloads_it(api_as, meeting):
    response = upload(api_as("officer"), meeting)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "minutes.pdf" and created["size"] == len(PDF)
    for who in CAST:
        client = api_as(who)
        assert [row["id"] for row in client.get(papers(meeting)).json()] == [created["id"]], who
        download = client.get(created["download_url"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
        assert 'filename="minutes.pdf"' in download["Content-Disposition"]
    meeting_json = api_as("colleague").get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert [doc["download_url"] for doc in meeting_json["documents"]] == [created["download_url"]]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("officer", 201),
        ("colleague", 403),
        ("other_officer", 403),
        ("manager", 201),
        ("other_manager", 403),
        ("admin_user", 201),
    ],
)
def test_who_may_add_a_paper(api_as, meeting, who, status):
    assert upload(api_as(who), meeting).status_code == status
    assert MeetingDocument.objects.filter(meeting=meeting).count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("colleague", 403),
        ("other_officer", 403),
        ("other_manager", 403),
        ("manager", 204),
        ("officer", 204),
        ("admin_user", 204),
    ],
)
def test_who_may_remove_a_paper(api_as, meeting, paper, who, status):
    response = api_as(who).delete(f"{papers(meeting)}{paper.pk}/")
    assert response.status_code == status
    assert MeetingDocument.objects.filter(pk=paper.pk).exists() is (status != 204)


def test_a_download_asked_for_in_its_own_type_is_served(officer_api, meeting, paper):
    response = officer_api.get(f"{papers(meeting)}{paper.pk}/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    missing = officer_api.get(f"{papers(meeting)}{paper.pk + 1}/", HTTP_ACCEPT="application/pdf")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_a_paper_of_another_meeting_is_not_found_here(officer_api, officer, paper):
    elsewhere = MeetingFactory(organiser=officer)
    assert officer_api.get(f"{papers(elsewhere)}{paper.pk}/").status_code == 404
    assert officer_api.delete(f"{papers(elsewhere)}{paper.pk}/").status_code == 404
    assert officer_api.get("/api/v1/meetings/999999/documents/").status_code == 404


def test_a_file_whose_content_is_not_what_its_name_says_is_refused(officer_api, meeting):
    response = upload(officer_api, meeting, name="minutes.pdf", content=b"MZ\x90\x00 a program")
    assert response.status_code == 400
    assert response.json() == {"file": ["The file's content does not match its .pdf name."]}
    assert not MeetingDocument.objects.exists()


def test_a_kind_of_file_not_taken_is_refused(officer_api, meeting):
    response = upload(officer_api, meeting, name="setup.exe", content=b"MZ\x90\x00")
    assert response.status_code == 400
    assert list(response.json()) == ["file"] and ".exe" in response.json()["file"][0]


def test_too_big_a_file_is_refused(officer_api, meeting, settings):
    settings.MEETING_DOCUMENT_MAX_BYTES = 2**20
    response = upload(officer_api, meeting, content=PDF + b"0" * 2**20)
    assert response.status_code == 400
    assert response.json() == {"file": ["The file is larger than 1 MB."]}
    assert not MeetingDocument.objects.exists()


def test_an_upload_without_a_file_says_so(officer_api, meeting):
    response = officer_api.post(papers(meeting), {}, format="multipart")
    assert response.status_code == 400 and list(response.json()) == ["file"]


def test_the_papers_are_in_the_schema(officer_api):
    schema = officer_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    listed = schema["paths"]["/api/v1/meetings/{meeting_pk}/documents/"]
    assert set(listed) == {"get", "post"}
    assert "multipart/form-data" in listed["post"]["requestBody"]["content"]
    assert set(schema["paths"]["/api/v1/meetings/{meeting_pk}/documents/{id}/"]) == {"get", "delete"}


def test_an_upload_retried_with_the_same_idempotency_key_adds_the_paper_once(officer_api, meeting):
    first = officer_api.post(
        papers(meeting),
        {"file": SimpleUploadedFile("minutes.pdf", PDF)},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="upload-1",
    )
    again = officer_api.post(
        papers(meeting),
        {"file": SimpleUploadedFile("minutes.pdf", PDF)},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="upload-1",
    )
    assert first.status_code == again.status_code == 201, again.content
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert meeting.documents.count() == 1


def test_another_paper_under_a_used_idempotency_key_is_refused(officer_api, meeting):
    for content in (PDF, b"%PDF-1.4 the revised pack"):
        response = officer_api.post(
            papers(meeting),
            {"file": SimpleUploadedFile("minutes.pdf", content)},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )
    assert response.status_code == 422, response.content
    assert meeting.documents.count() == 1


def test_adding_and_removing_papers_locks_rows_as_the_services_do(officer_api, meeting, paper):
    """FOR NO KEY UPDATE: a paper added or removed does not hold up rows that point at the meeting (an
    attendee's reply, an action); only deleting the meeting itself would need the stronger lock."""
    with CaptureQueriesContext(connection) as queries:
        assert upload(officer_api, meeting).status_code == 201
        assert officer_api.delete(f"{papers(meeting)}{paper.pk}/").status_code == 204

    locks = [query["sql"] for query in queries if " FOR " in query["sql"]]
    assert locks
    assert all(" FOR NO KEY UPDATE" in sql for sql in locks), locks

"""A database outage is a 503 with Retry-After — a page, or JSON under /api/ — and a bug is still a 500.

Under /api/ whatever Django answers itself (an outage, a request refused before any view) is JSON."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpResponse
from django.urls import path

from liaison_crm.urls import urlpatterns as project_urlpatterns

User = get_user_model()


def lose_the_database(request):
    raise OperationalError("server closed the connection unexpectedly")


def break_a_constraint(request):
    raise IntegrityError("duplicate key value violates unique constraint")


def save_then_lose_the_database(request):
    """Saves, then loses the server in a callback run once that was committed."""
    with transaction.atomic():
        User.objects.filter(pk=request.user.pk).update(first_name="Saved")

        def lose_the_database():
            raise OperationalError("server closed the connection unexpectedly")

        transaction.on_commit(lose_the_database)
    return HttpResponse("saved")


def fine(request):
    return HttpResponse("fine")


urlpatterns = [
    path("outage/", lose_the_database),
    path("api/v1/outage/", lose_the_database),
    path("api/v1/outage-after-saving/", save_then_lose_the_database),
    path("bug/", break_a_constraint),
    path("fine/", fine),
    *project_urlpatterns,
]
handler400 = "api.errors.bad_request"
handler500 = "liaison_crm.outages.server_error"


@pytest.fixture
def outage_client(settings, client, officer):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    client.force_login(officer)
    return client


@pytest.mark.django_db
def test_a_page_that_lost_the_database_says_503_with_retry_after(outage_client):
    response = outage_client.get("/outage/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"briefly unavailable" in response.content
    assert b"OperationalError" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "host", "status", "answer"),
    [
        (
            "/api/v1/outage/",
            "testserver",
            503,
            {
                "detail": "The service is briefly unavailable. Please try again in a moment.",
                "code": "service_unavailable",
            },
        ),
        # Refused before any view (api.errors.bad_request): a Host header the site does not serve, or none.
        (
            "/api/v1/interactions/",
            "evil.example",
            400,
            {"detail": "The request could not be read.", "code": "bad_request"},
        ),
        (
            "/api/v1/interactions/",
            "",
            400,
            {"detail": "The request could not be read.", "code": "bad_request"},
        ),
    ],
)
def test_what_django_answers_itself_under_api_is_json(outage_client, path, host, status, answer):
    response = outage_client.post(path, {}, content_type="application/json", HTTP_HOST=host)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json() == answer


@pytest.mark.django_db
def test_a_bug_is_still_a_500(outage_client):
    response = outage_client.get("/bug/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


@pytest.mark.django_db(transaction=True)
def test_an_outage_after_the_request_was_saved_is_a_logged_500_not_send_again(outage_client, officer, caplog):
    """Told "briefly unavailable, try again", an API client would send the request again and save it twice."""
    response = outage_client.post("/api/v1/outage-after-saving/", {}, content_type="application/json")

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert b"service_unavailable" not in response.content
    officer.refresh_from_db()
    assert officer.first_name == "Saved"
    [error] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert error.name == "django.request"
    assert error.exc_info is not None


@pytest.mark.django_db
def test_the_handler_answers_503_for_an_outage_outside_the_views(rf):
    from liaison_crm.outages import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(rf.get("/contacts/"))
    assert response.status_code == 503

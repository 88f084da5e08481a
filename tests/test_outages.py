"""A database outage is a 503 with Retry-After — a page, or JSON under /api/ — and a bug is still a 500."""

import pytest
from django.db import IntegrityError, OperationalError
from django.http import HttpResponse
from django.urls import path

from liaison_crm.urls import urlpatterns as project_urlpatterns


def lose_the_database(request):
    raise OperationalError("server closed the connection unexpectedly")


def break_a_constraint(request):
    raise IntegrityError("duplicate key value violates unique constraint")


def fine(request):
    return HttpResponse("fine")


urlpatterns = [
    path("outage/", lose_the_database),
    path("api/v1/outage/", lose_the_database),
    path("bug/", break_a_constraint),
    path("fine/", fine),
    *project_urlpatterns,
]
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
def test_the_api_that_lost_the_database_answers_json(outage_client):
    response = outage_client.get("/api/v1/outage/")
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The service is briefly unavailable. Please try again in a moment.",
        "code": "service_unavailable",
    }


@pytest.mark.django_db
def test_a_bug_is_still_a_500(outage_client):
    response = outage_client.get("/bug/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


@pytest.mark.django_db
def test_the_handler_answers_503_for_an_outage_outside_the_views(rf):
    from liaison_crm.outages import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(rf.get("/contacts/"))
    assert response.status_code == 503

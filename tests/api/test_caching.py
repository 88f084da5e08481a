"""API answers belong to the token that asked: no shared cache keeps them, and a client's own cache
revalidates them with the ETag it holds."""

import pytest
from django.utils.cache import get_max_age

from ..factories import StakeholderFactory
from .conftest import client_with_token


def cache_control(response) -> set[str]:
    return {directive.strip() for directive in response["Cache-Control"].split(",")}


def vary(response) -> set[str]:
    return {header.strip().lower() for header in response["Vary"].split(",")}


@pytest.mark.django_db
def test_a_read_with_a_token_is_private_and_revalidated(officer_api, officer):
    stakeholder = StakeholderFactory(owner=officer)
    for address in ["/api/v1/stakeholders/", f"/api/v1/stakeholders/{stakeholder.pk}/"]:
        response = officer_api.get(address)
        assert response.status_code == 200
        assert {"private", "no-cache"} <= cache_control(response), address
        assert "public" not in cache_control(response) and get_max_age(response) is None
        assert "authorization" in vary(response), address


@pytest.mark.django_db
def test_an_unchanged_record_answers_304_with_its_etag_and_the_same_caching_headers(officer_api, officer):
    address = f"/api/v1/stakeholders/{StakeholderFactory(owner=officer).pk}/"
    etag = officer_api.get(address)["ETag"]
    response = officer_api.get(address, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert {"private", "no-cache"} <= cache_control(response)
    assert "authorization" in vary(response)


@pytest.mark.django_db
def test_writes_and_refusals_carry_the_caching_headers_too(officer_api, officer):
    created = officer_api.post("/api/v1/tags/", {"name": "Harbour"})
    refused = client_with_token(None).get("/api/v1/stakeholders/")
    assert (created.status_code, refused.status_code) == (201, 401)
    for response in (created, refused):
        assert {"private", "no-cache"} <= cache_control(response)
        assert "authorization" in vary(response)


@pytest.mark.django_db
def test_the_schema_varies_on_accept_as_it_is_served_as_yaml_or_json(officer_api):
    yaml = officer_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    json = officer_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert yaml["Content-Type"] != json["Content-Type"]
    for response in (yaml, json):
        assert {"private", "no-cache"} <= cache_control(response)
        assert {"authorization", "accept"} <= vary(response)


@pytest.mark.django_db
@pytest.mark.parametrize("api", ["officer_api", None])
def test_the_answer_to_an_address_with_no_endpoint_carries_the_caching_headers_too(request, api):
    client = request.getfixturevalue(api) if api else client_with_token(None)
    for address in ["/api/no-such-thing/", "/api/v1/no-such-thing/"]:
        response = client.get(address)
        assert response.status_code == 404
        assert {"private", "no-cache"} <= cache_control(response), address
        assert "authorization" in vary(response), address


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/api/docs/", "/api/docs/?script=", "/api/docs/redoc/"])
def test_the_docs_pages_are_kept_by_their_reader_only_as_they_are_for_signed_in_staff(officer_client, page):
    response = officer_client.get(page)
    assert response.status_code == 200
    assert {"private", "no-cache"} <= cache_control(response)
    assert "cookie" in vary(response)


@pytest.mark.django_db
def test_the_redoc_script_is_the_same_for_everyone_so_any_cache_keeps_it_and_revalidates(client):
    response = client.get("/api/docs/redoc/redoc.standalone.js")
    assert {"public", "no-cache"} <= cache_control(response)

"""Clear JSON errors, and never a 500 for bad input."""

import pytest
from rest_framework.settings import api_settings

from contacts.models import Organisation, Tag

pytestmark = pytest.mark.django_db


def test_unknown_api_address_is_a_json_404(officer_api):
    for url in ["/api/v1/nothing-here/", "/api/v1/stakeholders/abc/", "/api/v2/"]:
        response = officer_api.get(url)
        assert response.status_code == 404
        assert response.json()["detail"]


def test_missing_record_is_a_json_404(officer_api):
    response = officer_api.get("/api/v1/stakeholders/999999/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_malformed_json_is_a_400(officer_api):
    response = officer_api.post("/api/v1/tags/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_json_nested_too_deeply_to_read_is_a_400(officer_api):
    response = officer_api.post("/api/v1/tags/", data="[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


@pytest.mark.parametrize("number", ["1e999", "-1e999"])
def test_a_number_too_large_for_a_float_is_a_400_not_a_500(officer_api, number):
    # Python reads it as infinity, which no id, count or amount can take.
    response = officer_api.post(
        "/api/v1/organisations/",
        data=f'{{"name": "Riverside", "kind": "community_group", "parent": {number}}}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    assert not Organisation.objects.exists()


def test_a_lone_surrogate_echoed_in_an_error_message_is_sent_escaped(officer_api):
    # DRF repeats an unknown choice back in its message; a lone surrogate cannot be encoded as UTF-8.
    response = officer_api.post(
        "/api/v1/organisations/",
        data='{"name": "Riverside", "kind": "\\ud800"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.content.isascii()
    assert "\ud800" in response.json()["kind"][0]
    assert not Organisation.objects.exists()


def test_a_body_over_the_size_limit_is_a_json_413(officer_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = officer_api.post("/api/v1/tags/", {"name": "x" * 2000}, format="json")
    assert response.status_code == 413
    assert "at most 1000\xa0bytes" in response.json()["detail"]
    assert not Tag.objects.exists()


def test_wrong_content_type_is_a_415(officer_api):
    response = officer_api.post(
        "/api/v1/tags/", data="name=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415


def test_asking_for_anything_but_json_is_a_json_406_the_schema_lists(officer_api):
    response = officer_api.get("/api/v1/tags/", HTTP_ACCEPT="text/csv")
    schema = officer_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    assert response.status_code == 406
    assert response.json() == {"detail": "Could not satisfy the request Accept header."}
    assert "406" in schema["paths"]["/api/v1/tags/"]["get"]["responses"]


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "a string",
        {"stakeholders": "not a list", "kind": "call", "summary": "x"},
        {"stakeholders": [None], "kind": "call", "summary": "x"},
        {"stakeholders": [10**20], "kind": "call", "summary": "x"},
        {"stakeholders": [], "kind": "call", "summary": "x", "occurred_at": "never"},
        {"stakeholders": [], "kind": "call", "summary": "x" * 1000, "sentiment": 99},
    ],
)
def test_nonsense_bodies_get_400_not_500(officer_api, payload):
    assert officer_api.post("/api/v1/interactions/", payload, format="json").status_code == 400


def test_rate_limit_answers_429_with_retry_after(officer_api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**api_settings.DEFAULT_THROTTLE_RATES, "api": "3/minute"},
    }
    statuses = [officer_api.get("/api/v1/tags/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = officer_api.get("/api/v1/tags/")
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


def test_rate_limits_count_per_token(officer, settings):
    from .conftest import client_with_token, token_for

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**api_settings.DEFAULT_THROTTLE_RATES, "api": "1/minute"},
    }
    first, second = client_with_token(token_for(officer)), client_with_token(token_for(officer))
    assert first.get("/api/v1/tags/").status_code == 200
    assert second.get("/api/v1/tags/").status_code == 200
    assert first.get("/api/v1/tags/").status_code == 429


def test_the_cache_behind_rate_limits_is_redis_outside_tests():
    from liaison_crm import settings as project_settings

    # Django's RedisCache, made to treat Redis being away as a miss (liaison_crm/cache.py).
    assert project_settings.CACHES["default"]["BACKEND"] == "liaison_crm.cache.OptionalRedisCache"
    assert project_settings.CACHES["default"]["LOCATION"] == project_settings.REDIS_URL


# Under /api/ the same refusal is JSON: tests/test_outages.py, with the other answers Django gives itself.
def test_pages_keep_django_s_page_for_a_host_the_site_does_not_serve(client):
    response = client.get("/stakeholders/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "payload", [[], [{"notes": "x"}], None, 3, "a string", {"stakeholders": [10**20, "1x"]}]
)
@pytest.mark.parametrize("endpoint", ["interactions", "commitments", "stakeholders"])
def test_nonsense_update_bodies_are_answered_not_a_500(officer_api, officer, endpoint, payload):
    """An update first looks at what the input names to lock it before the record: a body that is not an
    object is left for the serializer, which refuses it (400) or, for an empty body, changes nothing (200)."""
    from ..factories import CommitmentFactory, InteractionFactory, StakeholderFactory

    person = StakeholderFactory(owner=officer)
    record = {
        "interactions": lambda: InteractionFactory(logged_by=officer, stakeholders=[person]),
        "commitments": lambda: CommitmentFactory(stakeholder=person),
        "stakeholders": lambda: person,
    }[endpoint]()
    answer = officer_api.patch(f"/api/v1/{endpoint}/{record.pk}/", payload, format="json")
    assert answer.status_code in (200, 400), answer.content

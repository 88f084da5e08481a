"""The OpenAPI schema and its documentation, and the API checked against its own schema by schemathesis."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.settings import api_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from liaison_crm.wsgi import application

from ..factories import (
    AffiliationFactory,
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    StakeholderFactory,
)
from .conftest import client_with_token, token_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.mark.django_db
def test_schema_is_served_to_a_token_as_openapi_3(officer_api):
    response = officer_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/interactions/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"


@pytest.mark.django_db
def test_meetings_actions_commitments_and_concerns_are_documented(officer_api):
    schema = officer_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/meetings/": {"get", "post"},
        "/api/v1/meetings/{id}/": {"get", "put", "patch"},
        "/api/v1/meetings/{id}/cancel/": {"post"},
        "/api/v1/meetings/{id}/mark-held/": {"post"},
        "/api/v1/meetings/{id}/rsvp/": {"post"},
        "/api/v1/action-items/": {"get", "post"},
        "/api/v1/action-items/{id}/": {"get", "patch"},
        "/api/v1/commitments/": {"get", "post"},
        "/api/v1/commitments/{id}/break/": {"post"},
        "/api/v1/concerns/{id}/resolve/": {"post"},
        "/api/v1/concerns/{id}/link-interaction/": {"post"},
    }.items():
        assert set(paths[path]) == methods, path
    created = paths["/api/v1/meetings/"]["post"]
    assert "Idempotency-Key" in {parameter["name"] for parameter in created["parameters"]}
    # A write answers with the record as a read shows it, not with what it was sent.
    assert created["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/Meeting")
    webhook_events = schema["components"]["schemas"]["WebhookEventEnum"]["enum"]
    assert {"meeting.held", "commitment.overdue", "concern.escalated"} <= set(webhook_events)


@pytest.mark.django_db
def test_only_records_with_etags_document_if_match_and_if_none_match(officer_api):
    paths = officer_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]

    def conditional(path, method):
        operation = paths[path][method]
        headers = {parameter["name"] for parameter in operation["parameters"] if parameter["in"] == "header"}
        return headers & {"If-Match", "If-None-Match"}, set(operation["responses"]) & {"304", "412"}

    assert conditional("/api/v1/meetings/{id}/", "get") == ({"If-None-Match"}, {"304"})
    assert conditional("/api/v1/meetings/{id}/", "patch") == ({"If-Match"}, {"412"})
    # A meeting's papers are files added and removed whole: no ETag to send back.
    for path, method in [
        ("/api/v1/meetings/{meeting_pk}/documents/", "get"),
        ("/api/v1/meetings/{meeting_pk}/documents/", "post"),
        ("/api/v1/meetings/{meeting_pk}/documents/{id}/", "get"),
        ("/api/v1/meetings/{meeting_pk}/documents/{id}/", "delete"),
    ]:
        assert conditional(path, method) == (set(), set()), (path, method)


@pytest.mark.django_db
def test_every_answer_counted_against_the_rate_limit_documents_its_headers(officer_api):
    schema = officer_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    rate_limit = {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}

    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            for code in set(responses) - {"401", "406", "503"}:
                assert rate_limit <= set(responses[code].get("headers", {})), (path, method, code)
            assert "Retry-After" in responses["429"]["headers"], (path, method)
            # Refused before anything is counted: nothing to say about the allowance.
            assert "headers" not in responses["401"], (path, method)
            # A save collision or an outage, answered for the whole site: send again later.
            assert set(responses["503"]["headers"]) == {"Retry-After"}, (path, method)
    remaining = schema["components"]["headers"]["RateLimit-Remaining"]
    assert remaining["schema"] == {"type": "integer", "minimum": 0}
    # A refusal never says "retry now".
    retry_after = schema["components"]["headers"]["Retry-After"]
    assert retry_after["schema"] == {"type": "integer", "minimum": 1}
    assert "RateLimit-Reset" in schema["info"]["description"]


@pytest.mark.django_db
def test_schema_needs_credentials():
    assert client_with_token(None).get("/api/schema/").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page, script",
    [
        ("/api/docs/", "/static/drf_spectacular_sidecar/"),
        ("/api/docs/redoc/", "/api/docs/redoc/redoc.standalone.js"),
    ],
)
def test_docs_work_offline_for_a_signed_in_person(officer_client, page, script):
    response = officer_client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert script in html
    assert "cdn." not in html and "unpkg" not in html


@pytest.mark.django_db
def test_redoc_is_served_without_the_logo_it_would_fetch_from_its_cdn(client):
    response = client.get("/api/docs/redoc/redoc.standalone.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    script = response.content
    assert b"Redoc" in script and b"API docs by Redocly" in script
    assert b"cdn.redoc.ly" not in script
    assert (
        client.get("/api/docs/redoc/redoc.standalone.js", HTTP_IF_NONE_MATCH=response["ETag"]).status_code
        == 304
    )


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/api/docs/", "/api/docs/redoc/"])
def test_docs_run_no_inline_script(officer_client, page):
    response = officer_client.get(page)
    script_src = next(
        directive
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip().startswith("script-src")
    )
    assert "'unsafe-inline'" not in script_src
    assert "<script>" not in response.content.decode()


@pytest.mark.django_db
def test_docs_send_anonymous_visitors_to_sign_in(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.fixture
def api_key(officer, colleague, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**api_settings.DEFAULT_THROTTLE_RATES, "api": "100000/minute"},
    }
    # Something to find, including a confidential interaction the officer must not see.
    stakeholder = StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=stakeholder)
    call = InteractionFactory(logged_by=officer, stakeholders=[stakeholder])
    secret = InteractionFactory(logged_by=colleague, is_confidential=True)
    # Meetings, actions, commitments and concerns, some pointing at the confidential interaction.
    meeting = MeetingFactory(organiser=officer, interaction=call)
    meeting.attendees.create(stakeholder=stakeholder)
    meeting.action_items.create(description="Send the minutes", owner_user=officer, created_by=officer)
    CommitmentFactory(stakeholder=stakeholder, source_interaction=call)
    CommitmentFactory(stakeholder=secret.stakeholders.get(), source_interaction=secret)
    ConcernFactory(stakeholder=stakeholder, interactions=[call, secret])
    return token_for(officer)


@pytest.fixture
def in_process_wsgi():
    """Calls the WSGI app inside the test's transaction, as Django's test client does: a request ending
    must not close the database connection the test holds."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db, api_key, in_process_wsgi):
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", in_process_wsgi, headers={"Authorization": f"Bearer {api_key}"}
    )


# Each operation gets this many generated requests per mode; enough to find a 500 on bad input in CI time.
EXAMPLES_PER_OPERATION = 15


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_answers_as_its_schema_says(api_schema, api_key, mode):
    """Generated requests, valid and invalid, never get a 5xx, and every answer matches the schema.

    Runs in-process against the WSGI app and the schema it serves, authenticated with an API token.
    """
    auth = {"Authorization": f"Bearer {api_key}"}
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=auth, checks=CHECKS)

        try:
            check()
        except Exception as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)

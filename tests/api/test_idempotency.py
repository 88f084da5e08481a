"""A POST retried with the same Idempotency-Key returns the first answer instead of a duplicate."""

import pytest

from interactions.models import Interaction

from ..concurrency import all_at_once
from ..factories import StakeholderFactory, UserFactory
from .conftest import client_with_token, token_for

LIST = "/api/v1/interactions/"


def body(stakeholder, summary="Call about the harbour plan"):
    return {"kind": "call", "summary": summary, "stakeholders": [stakeholder.pk]}


@pytest.mark.django_db
def test_retry_with_the_same_key_returns_the_first_result(officer_api, officer):
    stakeholder = StakeholderFactory(owner=officer)
    first = officer_api.post(LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="key-1")
    again = officer_api.post(LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    assert again["Location"] == first["Location"] == f"http://testserver{LIST}{first.json()['id']}/"
    assert again["Idempotent-Replayed"] == "true"
    assert Interaction.objects.count() == 1


@pytest.mark.django_db
def test_same_key_with_a_different_body_is_refused(officer_api, officer):
    stakeholder = StakeholderFactory(owner=officer)
    officer_api.post(LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="key-1")
    response = officer_api.post(LIST, body(stakeholder, "Another call"), HTTP_IDEMPOTENCY_KEY="key-1")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert Interaction.objects.count() == 1


@pytest.mark.django_db
def test_same_key_at_another_endpoint_is_refused(officer_api, officer):
    officer_api.post("/api/v1/tags/", {"name": "Harbour"}, HTTP_IDEMPOTENCY_KEY="key-1")
    response = officer_api.post("/api/v1/organisations/", {"name": "X"}, HTTP_IDEMPOTENCY_KEY="key-1")
    assert response.status_code == 422


@pytest.mark.django_db
def test_keys_belong_to_one_user(officer_api, officer, colleague):
    stakeholder = StakeholderFactory(owner=officer)
    officer_api.post(LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="key-1")
    response = client_with_token(token_for(colleague)).post(
        LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="key-1"
    )
    assert response.status_code == 201
    assert Interaction.objects.count() == 2


@pytest.mark.django_db
def test_a_failed_request_is_not_remembered(officer_api, officer):
    stakeholder = StakeholderFactory(owner=officer)
    bad = officer_api.post(LIST, {**body(stakeholder), "kind": "pigeon"}, HTTP_IDEMPOTENCY_KEY="key-1")
    assert bad.status_code == 400
    fixed = officer_api.post(LIST, {**body(stakeholder), "kind": "pigeon"}, HTTP_IDEMPOTENCY_KEY="key-1")
    assert fixed.status_code == 400  # still executed, not replayed
    assert "Idempotent-Replayed" not in fixed


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "clé"])
def test_malformed_keys_are_a_400(officer_api, officer, key):
    response = officer_api.post(LIST, body(StakeholderFactory(owner=officer)), HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_the_same_key_create_once():
    officer = UserFactory()
    stakeholder = StakeholderFactory(owner=officer)
    key = token_for(officer)
    answers = []

    def post():
        response = client_with_token(key).post(LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="same")
        answers.append((response.status_code, response.json()["id"]))

    all_at_once(*[post] * 4)
    assert Interaction.objects.count() == 1
    assert set(answers) == {(201, Interaction.objects.get().pk)}

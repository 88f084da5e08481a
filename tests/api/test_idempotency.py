"""A POST retried with the same Idempotency-Key returns the first answer instead of a duplicate."""

import pytest

from interactions.models import Interaction

from ..concurrency import all_at_once
from ..factories import CommitmentFactory, MeetingFactory, StakeholderFactory, UserFactory
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
def test_a_replay_is_the_first_answer_byte_for_byte(officer_api, officer):
    """Its keys in the same order too, which a client comparing bodies or hashing them relies on."""
    stakeholder = StakeholderFactory(owner=officer)
    first = officer_api.post(LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="key-1")
    again = officer_api.post(LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="key-1")
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content


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


@pytest.mark.django_db
def test_a_retried_action_returns_the_first_answer_instead_of_refusing_the_second_run(officer_api, officer):
    meeting = MeetingFactory(organiser=officer)
    cancel = f"/api/v1/meetings/{meeting.pk}/cancel/"
    first = officer_api.post(cancel, {}, format="json", HTTP_IDEMPOTENCY_KEY="cancel-1")
    again = officer_api.post(cancel, {}, format="json", HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    assert again["Idempotent-Replayed"] == "true"
    # Without the key the second run is refused, as before: the meeting is no longer planned.
    assert officer_api.post(cancel, {}, format="json").status_code == 400


@pytest.mark.django_db
def test_an_action_retried_with_the_same_key_and_another_body_is_refused(officer_api, officer):
    meeting = MeetingFactory(organiser=officer)
    cancel = f"/api/v1/meetings/{meeting.pk}/cancel/"
    officer_api.post(cancel, {}, format="json", HTTP_IDEMPOTENCY_KEY="cancel-1")
    response = officer_api.post(
        cancel, {"and_following": True}, format="json", HTTP_IDEMPOTENCY_KEY="cancel-1"
    )
    assert response.status_code == 422


@pytest.mark.django_db
def test_actions_without_a_body_and_actions_on_no_record_are_replayed_too(
    officer_api, officer, colleague, manager
):
    commitment = CommitmentFactory(stakeholder=StakeholderFactory(owner=officer))
    fulfil = f"/api/v1/commitments/{commitment.pk}/fulfil/"
    officer_api.post(fulfil, HTTP_IDEMPOTENCY_KEY="fulfil-1")
    assert officer_api.post(fulfil, HTTP_IDEMPOTENCY_KEY="fulfil-1")["Idempotent-Replayed"] == "true"

    handover = {"from_officer": officer.pk, "to_officer": colleague.pk}
    manager_api = client_with_token(token_for(manager))
    first = manager_api.post("/api/v1/stakeholders/handover/", handover, HTTP_IDEMPOTENCY_KEY="handover-1")
    again = manager_api.post("/api/v1/stakeholders/handover/", handover, HTTP_IDEMPOTENCY_KEY="handover-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_every_post_documents_the_idempotency_key_and_its_422(officer_api):
    paths = officer_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    posts = {path: methods["post"] for path, methods in paths.items() if "post" in methods}
    assert "/api/v1/meetings/{id}/cancel/" in posts and "/api/v1/stakeholders/handover/" in posts
    for path, operation in posts.items():
        assert "Idempotency-Key" in {parameter["name"] for parameter in operation["parameters"]}, path
        assert "422" in operation["responses"], path

"""Other tools register their endpoints through the API; each owner sees and changes only their own."""

import pytest

from webhooks.models import WebhookDelivery, WebhookEndpoint

from ..api.conftest import client_with_token, token_for

pytestmark = pytest.mark.django_db

LIST = "/api/v1/webhooks/"


@pytest.fixture(autouse=True)
def local_rate_limits(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def api(user):
    return client_with_token(token_for(user))


def test_a_tool_registers_an_endpoint_and_owns_it(service_account_user):
    client = api(service_account_user)
    response = client.post(LIST, {"url": "https://tool.example.org/hooks", "events": ["interaction.created"]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"] == service_account_user.pk
    assert len(body["secret"]) >= 32  # generated; the receiver verifies signatures with it


@pytest.mark.parametrize(
    "payload",
    [
        {"url": "ftp://tool.example.org/hooks", "events": ["interaction.created"]},
        {"url": "https://tool.example.org/hooks", "events": []},
        {"url": "https://tool.example.org/hooks", "events": ["meeting.exploded"]},
        {"url": "https://tool.example.org/hooks", "events": ["interaction.created"], "secret": "short"},
    ],
)
def test_bad_endpoints_are_refused_with_field_messages(officer, payload):
    response = api(officer).post(LIST, payload)
    assert response.status_code == 400
    assert set(response.json()) & {"url", "events", "secret"}


def test_owners_see_their_own_endpoints_and_admins_see_all(officer, colleague, admin_user):
    mine = (
        api(officer).post(LIST, {"url": "https://a.example.org/", "events": ["interaction.created"]}).json()
    )
    api(colleague).post(LIST, {"url": "https://b.example.org/", "events": ["interaction.created"]})
    assert [row["id"] for row in api(officer).get(LIST).json()["results"]] == [mine["id"]]
    assert len(api(admin_user).get(LIST).json()["results"]) == 2
    assert api(colleague).get(f"{LIST}{mine['id']}/").status_code == 404
    assert api(colleague).delete(f"{LIST}{mine['id']}/").status_code == 404
    assert api(admin_user).patch(f"{LIST}{mine['id']}/", {"active": False}).status_code == 200
    assert api(officer).delete(f"{LIST}{mine['id']}/").status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=mine["id"]).exists()


def test_the_delivery_log_is_the_owners(officer, colleague):
    from webhooks.services import event_publish

    api(officer).post(LIST, {"url": "https://a.example.org/", "events": ["interaction.created"]})
    event_publish(event="interaction.created", payload={"id": 1})
    delivery = WebhookDelivery.objects.get()
    rows = api(officer).get("/api/v1/webhook-deliveries/").json()["results"]
    assert [row["id"] for row in rows] == [str(delivery.pk)]
    assert rows[0]["status"] == "pending"
    assert api(colleague).get("/api/v1/webhook-deliveries/").json()["results"] == []
    assert api(colleague).get(f"/api/v1/webhook-deliveries/{delivery.pk}/").status_code == 404


def test_filtering_the_log_by_another_owners_endpoint_is_as_by_one_that_does_not_exist(officer, colleague):
    theirs = api(colleague).post(LIST, {"url": "https://b.example.org/", "events": ["interaction.created"]})
    unknown = api(officer).get("/api/v1/webhook-deliveries/", {"endpoint": theirs.json()["id"] + 1})
    response = api(officer).get("/api/v1/webhook-deliveries/", {"endpoint": theirs.json()["id"]})
    assert response.status_code == unknown.status_code == 400
    assert response.json() == unknown.json()


@pytest.fixture
def service_account_user(team):
    from accounts.services import service_account_create

    return service_account_create(username="calendar-tool", actor=None, team=team)

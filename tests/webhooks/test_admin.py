"""Webhook endpoints added or changed in the Django admin are made as the API makes them (the services)."""

import pytest
from django.urls import reverse

from accounts.models import Role
from webhooks.models import WebhookEndpoint
from webhooks.services import webhook_endpoint_create

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    root = UserFactory(username="root", team=None, role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(root)
    return client


def add(admin_client, owner, **fields):
    data = {"url": "https://tools.example.org/hook", "description": "", "events": "interaction.created",
            "secret": "", "owner": owner.pk, "active": "on", **fields}  # fmt: skip
    return admin_client.post(reverse("admin:webhooks_webhookendpoint_add"), data)


def test_an_endpoint_added_without_a_secret_gets_one_generated_and_each_event_once(admin_client, officer):
    """The admin asked for a secret to be typed, which the API generates, and kept events named twice."""
    response = add(admin_client, officer, events="meeting.held,interaction.created,meeting.held")

    assert response.status_code == 302, response.context["adminform"].form.errors
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["interaction.created", "meeting.held"]
    assert len(endpoint.secret) == 64


def test_a_secret_too_short_to_sign_with_is_refused_as_the_api_refuses_it(admin_client, officer):
    response = add(admin_client, officer, secret="s")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["secret"]
    assert not WebhookEndpoint.objects.exists()


def test_changing_an_endpoint_without_typing_its_secret_keeps_it(admin_client, officer):
    endpoint = webhook_endpoint_create(
        owner=officer, url="https://tools.example.org/hook", events=["meeting.held"]
    )
    secret = endpoint.secret
    data = {"url": "https://tools.example.org/other", "description": "", "events": "meeting.held",
            "secret": "", "owner": officer.pk, "active": "on"}  # fmt: skip

    response = admin_client.post(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.secret) == ("https://tools.example.org/other", secret)


def test_an_endpoint_saved_with_a_short_secret_before_can_still_be_switched_off(admin_client, officer):
    """Saved before secrets had to be 16 characters long: a model rule made its every change a server error
    in the admin (and a 400 in the API), switching it off included."""
    endpoint = webhook_endpoint_create(
        owner=officer, url="https://tools.example.org/hook", events=["meeting.held"]
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret="old-secret")
    data = {
        "url": endpoint.url,
        "description": "",
        "events": "meeting.held",
        "secret": "",
        "owner": officer.pk,
    }

    response = admin_client.post(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.secret) == (False, "old-secret")


def test_saving_an_endpoint_does_not_record_its_secret_as_changed(admin_client, officer):
    from django.contrib.admin.models import LogEntry

    endpoint = webhook_endpoint_create(
        owner=officer, url="https://tools.example.org/hook", events=["meeting.held"]
    )
    data = {"url": endpoint.url, "description": "Sync", "events": "meeting.held", "secret": "",
            "owner": officer.pk, "active": "on"}  # fmt: skip

    admin_client.post(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]), data)

    assert "Secret" not in LogEntry.objects.get().get_change_message()

"""Publishing an event writes outbox rows in the event's own transaction, for those allowed to see it."""

import threading
import zoneinfo

import pytest
from django.db import connection, transaction
from django.utils import timezone

from interactions.api.serializers import interaction_payload
from interactions.services import interaction_log
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import event_publish, webhook_endpoint_delete

from ..concurrency import finished_or_waiting_for_a_lock
from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db


def log(author, **fields):
    return interaction_log(
        author=author, stakeholders=[StakeholderFactory(owner=author)], summary="Call", kind="call", **fields
    )


def test_logging_an_interaction_queues_one_delivery_per_subscribed_endpoint(
    officer, other_officer, endpoint_for, django_capture_on_commit_callbacks
):
    first, second = endpoint_for(officer), endpoint_for(other_officer)
    endpoint_for(officer, active=False)
    with django_capture_on_commit_callbacks() as callbacks:
        interaction = log(officer)
    deliveries = WebhookDelivery.objects.all()
    assert {delivery.endpoint for delivery in deliveries} == {first, second}
    assert {delivery.status for delivery in deliveries} == {DeliveryStatus.PENDING}
    assert len({delivery.event_id for delivery in deliveries}) == 1
    assert deliveries[0].event == WebhookEvent.INTERACTION_CREATED
    assert deliveries[0].payload == interaction_payload(interaction)
    assert len(callbacks) == 1  # the sending is queued only when the transaction commits


def test_payload_is_the_api_representation_in_utc(officer, endpoint_for, officer_client):
    endpoint_for(officer)
    with timezone.override(zoneinfo.ZoneInfo("Pacific/Auckland")):  # the officer's own, during a page
        interaction = log(officer, topics=["Harbour"])
    api = officer_client.get(f"/api/v1/interactions/{interaction.pk}/").json()
    assert WebhookDelivery.objects.get().payload == api


def test_confidential_interaction_goes_only_to_endpoints_whose_owner_may_see_it(
    officer, colleague, manager, other_manager, admin_user, endpoint_for
):
    endpoints = {
        user.username: endpoint_for(user) for user in [officer, colleague, manager, other_manager, admin_user]
    }
    log(officer, is_confidential=True)
    told = set(WebhookDelivery.objects.values_list("endpoint__owner__username", flat=True))
    assert told == {"officer", "manager", "admin"}
    assert endpoints["colleague"].deliveries.count() == 0


def test_nothing_is_queued_when_the_event_rolls_back(officer, endpoint_for):
    endpoint_for(officer)
    with pytest.raises(RuntimeError), transaction.atomic():
        log(officer)
        raise RuntimeError("the request failed after logging")
    assert not WebhookDelivery.objects.exists()


def test_the_payload_is_built_only_when_some_endpoint_is_told(officer, endpoint_for):
    built = []

    def payload():
        built.append(True)
        return {}

    assert event_publish(event=WebhookEvent.INTERACTION_CREATED, payload=payload) == []
    assert built == []
    endpoint_for(officer)
    assert len(event_publish(event=WebhookEvent.INTERACTION_CREATED, payload=payload)) == 1
    assert built == [True]


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_deleted_while_an_event_is_published_does_not_fail_the_event(officer, endpoint_for):
    endpoint = endpoint_for(officer)

    def delete_the_endpoint():
        try:
            webhook_endpoint_delete(endpoint=WebhookEndpoint.objects.get(pk=endpoint.pk), actor=officer)
        finally:
            connection.close()

    deleting = threading.Thread(target=delete_the_endpoint)
    with pytest.raises(Rollback), transaction.atomic():
        log(officer)
        deleting.start()
        finished_or_waiting_for_a_lock(deleting)
        # What COMMIT would check: every delivery's endpoint is still there. Rolled back afterwards, so that
        # nothing is handed to a broker.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        raise Rollback
    deleting.join()
    assert not WebhookEndpoint.objects.exists()


class Rollback(Exception):
    pass

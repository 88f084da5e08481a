"""Sending a delivery: signed, retried with backoff, given up after the last attempt, never sent twice."""

import datetime
import hashlib
import hmac
import json

import pytest

from webhooks import services
from webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(officer, receiver, endpoint_for):
    endpoint = endpoint_for(officer, url=receiver.url, secret="s3cret-shared-with-the-receiver")
    services.event_publish(event="interaction.created", payload={"id": 7, "summary": "Call"})
    return WebhookDelivery.objects.get(endpoint=endpoint)


def attempt(delivery):
    return services.delivery_attempt(delivery_id=delivery.pk)


def test_delivery_is_signed_so_the_receiver_can_verify_it(delivery, receiver):
    assert attempt(delivery) is None
    (request,) = receiver.received
    expected = hmac.new(b"s3cret-shared-with-the-receiver", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Liaison-Signature"] == f"sha256={expected}"
    assert request.headers["X-Liaison-Event"] == "interaction.created"
    assert request.headers["X-Liaison-Delivery"] == str(delivery.pk)
    body = json.loads(request.body)
    assert body["event"] == "interaction.created"
    assert body["id"] == str(delivery.event_id)
    assert body["data"] == {"id": 7, "summary": "Call"}
    delivery.refresh_from_db()
    # In UTC with a "Z", as the API writes times, whatever the worker's time zone.
    assert body["created_at"] == delivery.created_at.astimezone(datetime.UTC).isoformat()[:-6] + "Z"
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.SENT, 1, 200)


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(delivery, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    receiver.statuses = [500]
    delays = []
    for _ in range(4):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
        delays.append(attempt(delivery))
    assert delays == [10, 20, 40, None]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.FAILED, 4, 500)
    assert "500" in delivery.last_error
    assert len(receiver.received) == 4
    assert attempt(delivery) is None
    assert len(receiver.received) == 4  # given up: not sent again


def test_a_receiver_that_recovers_gets_it_once(delivery, receiver):
    receiver.statuses = [503, 200]
    assert attempt(delivery) is not None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    assert attempt(delivery) is None
    assert attempt(delivery) is None
    assert len(receiver.received) == 2
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_a_duplicate_message_during_backoff_does_not_send_early(delivery, receiver):
    receiver.statuses = [500]
    attempt(delivery)
    assert attempt(delivery) is None  # a second queue message for the same row, before its retry time
    assert len(receiver.received) == 1


def test_unreachable_receiver_is_recorded(officer, endpoint_for):
    endpoint_for(officer, url="http://127.0.0.1:9/nothing-listens-here")
    services.event_publish(event="interaction.created", payload={})
    delivery = WebhookDelivery.objects.get()
    assert attempt(delivery) is not None
    delivery.refresh_from_db()
    assert delivery.response_code is None
    assert "Connection refused" in delivery.last_error or "URLError" in delivery.last_error


def test_redirects_are_not_followed(delivery, receiver):
    receiver.statuses = [302, 200]
    attempt(delivery)
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert delivery.response_code == 302
    assert delivery.status == DeliveryStatus.PENDING


def test_deactivated_endpoint_gives_up_without_sending(delivery, receiver):
    delivery.endpoint.active = False
    delivery.endpoint.save()
    assert attempt(delivery) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert receiver.received == []


def test_a_delivery_queued_before_its_owner_left_is_not_sent_after(delivery, receiver, officer):
    """Deactivating an account stops what it queued: a retry would otherwise carry the CRM's records to the
    leaver's tool for hours after they lost access."""
    officer.is_active = False
    officer.save()
    assert attempt(delivery) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "no longer" in delivery.last_error
    assert receiver.received == []


def test_the_sweeper_picks_only_pending_rows_long_past_due(delivery, officer, endpoint_for):
    assert services.stale_delivery_ids() == []
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at="2020-01-01T00:00Z")
    assert services.stale_delivery_ids() == [delivery.pk]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT)
    assert services.stale_delivery_ids() == []


def test_failed_delivery_can_be_sent_again(delivery, receiver, officer, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.statuses = [500, 200]
    attempt(delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    services.delivery_retry(delivery=delivery, actor=officer)
    assert attempt(delivery) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT

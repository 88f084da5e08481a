"""Whether anyone listens for an event is cached; no change to an endpoint is missed for it."""

import pytest
from django.core.cache import cache
from django.db import transaction

from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import webhook_endpoint_update
from webhooks.subscriptions import EVENTS_KEY, GENERATION_KEY, subscribed_events

from .test_publish import log

# Each change below commits, as it does for a real request, so that the cache is written and trusted.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.delete_many([GENERATION_KEY, EVENTS_KEY])


def test_an_endpoint_added_after_an_event_nobody_heard_hears_the_next(officer, endpoint_for):
    log(officer)
    assert (
        WebhookEvent.INTERACTION_CREATED not in cache.get(EVENTS_KEY)[1]
    )  # nobody listened, and it is known
    endpoint = endpoint_for(officer)
    log(officer)
    assert WebhookDelivery.objects.get().endpoint == endpoint


def test_an_endpoint_subscribed_to_another_event_later_hears_it(officer, endpoint_for):
    endpoint = endpoint_for(officer, events=[WebhookEvent.MEETING_HELD])
    log(officer)
    webhook_endpoint_update(endpoint=endpoint, actor=officer, events=[WebhookEvent.INTERACTION_CREATED])
    log(officer)
    assert WebhookDelivery.objects.get().endpoint == endpoint


def test_an_answer_read_before_a_change_and_cached_after_it_is_not_used(officer, endpoint_for):
    log(officer)
    generation_before = cache.get(GENERATION_KEY)
    endpoint = endpoint_for(officer)
    # A request that asked PostgreSQL before the endpoint was saved writes its answer only now.
    cache.set(EVENTS_KEY, (generation_before, frozenset()))
    log(officer)
    assert WebhookDelivery.objects.get().endpoint == endpoint


def test_a_change_rolled_back_leaves_the_endpoint_heard(officer, endpoint_for):
    endpoint = endpoint_for(officer)
    with pytest.raises(RuntimeError), transaction.atomic():
        webhook_endpoint_update(endpoint=endpoint, actor=officer, active=False)
        assert WebhookEvent.INTERACTION_CREATED not in subscribed_events()
        raise RuntimeError("the request failed after the change")
    log(officer)
    assert WebhookDelivery.objects.get().endpoint == endpoint


def test_a_deleted_endpoint_is_no_longer_asked_about(colleague, endpoint_for):
    endpoint_for(colleague)
    assert WebhookEvent.INTERACTION_CREATED in subscribed_events()
    WebhookEndpoint.objects.filter(owner=colleague).delete()
    assert WebhookEvent.INTERACTION_CREATED not in subscribed_events()

"""The real path: a committed interaction, a Celery worker, a receiver that fails, retries, and the end."""

import time

import pytest

from interactions.services import interaction_log
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.tasks import requeue_stale_deliveries as requeue_stale_deliveries_task

from ..factories import StakeholderFactory
from ..workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker(celery_worker, settings):
    """The shared worker (tests/workers.py: its own Redis corner, so runs side by side never clear each
    other's tasks), with retries short enough to watch."""
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.2
    return celery_worker


def log_interaction(author):
    return interaction_log(
        author=author, stakeholders=[StakeholderFactory(owner=author)], summary="Harbour call", kind="call"
    )


def test_worker_delivers_a_logged_interaction_once(celery_worker, receiver, endpoint_for):
    from ..factories import UserFactory

    officer = UserFactory()
    endpoint_for(officer, url=receiver.url)
    interaction = log_interaction(officer)
    wait_for(
        lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.SENT).exists(), timeout=20, what="send"
    )
    assert len(receiver.received) == 1
    assert receiver.received[0].headers["X-Liaison-Event"] == "interaction.created"
    # A sweep finds nothing stale, and nothing is sent again.
    requeue_stale_deliveries_task.delay()
    time.sleep(0.5)
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get().payload["id"] == interaction.pk


def test_worker_retries_a_failing_receiver_then_gives_up(celery_worker, receiver, endpoint_for):
    from ..factories import UserFactory

    officer = UserFactory()
    endpoint_for(officer, url=receiver.url)
    receiver.statuses = [500]
    log_interaction(officer)
    wait_for(
        lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).exists(),
        # Three attempts with backoff; generous, because a loaded CI machine schedules the worker late.
        timeout=90,
        what="give up",
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 3
    time.sleep(0.5)
    assert len(receiver.received) == 3
    assert len({request.headers["X-Liaison-Delivery"] for request in receiver.received}) == 1

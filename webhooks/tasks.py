"""Adapters between the queue and webhooks.services; the delivery row, not the message, is the truth."""

from celery import shared_task

from . import services


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_webhook(self, delivery_id: str) -> None:
    retry_in = services.delivery_attempt(delivery_id=delivery_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in)


@shared_task
def requeue_stale_deliveries() -> int:
    """Beat runs this every minute: pending deliveries whose message was lost are queued again."""
    return services.deliveries_queue(services.stale_delivery_ids())

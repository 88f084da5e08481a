"""Celery adapters for the outbox: they take ids, call a service and own the retry policy.

The services import these tasks to queue them, so the tasks import the services when they run.
"""

from celery import shared_task
from django.utils import timezone

# A retry must not arrive before its row can be claimed again, or it would find nothing to do and leave the
# message to the next dispatcher tick.
RETRY_MARGIN_SECONDS = 1


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def send_message(self, message_id: int) -> None:
    # The row counts attempts and decides when to give up, so the task retries for as long as it is told to.
    from .services import DeliveryDeferred, message_send

    try:
        message_send(message_id=message_id)
    except DeliveryDeferred as deferred:
        countdown = max((deferred.retry_at - timezone.now()).total_seconds(), 0) + RETRY_MARGIN_SECONDS
        raise self.retry(countdown=countdown, exc=deferred) from deferred


@shared_task(ignore_result=True)
def dispatch_due() -> None:
    """Beat runs this every minute: settle abandoned sends, then queue what is due."""
    from .services import messages_dispatch_due, messages_recover_interrupted

    messages_recover_interrupted()
    messages_dispatch_due()

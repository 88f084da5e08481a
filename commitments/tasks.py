from celery import shared_task

from . import services


@shared_task
def publish_overdue_commitments() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): tells other tools of commitments that have newly become overdue."""
    return len(services.commitments_publish_overdue())

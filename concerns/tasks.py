from celery import shared_task

from . import services


@shared_task
def escalate_overdue_concerns() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): escalates the concerns that have been open too long."""
    return len(services.concerns_escalate_overdue())

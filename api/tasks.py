from celery import shared_task

from . import deletions
from .idempotency import purge_expired_records


@shared_task
def purge_idempotency_records() -> int:
    return purge_expired_records()


@shared_task
def purge_expired_deletions() -> int:
    return deletions.purge_expired_deletions()

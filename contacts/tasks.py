"""Celery adapters for the registers; the services do the work.

The services import these tasks to queue them, so the tasks import the services when they run.
"""

from celery import shared_task


@shared_task(ignore_result=True)
def check_duplicates() -> None:
    """Hourly (CELERY_BEAT_SCHEDULE), after a stakeholder import, and when someone asks on the review page."""
    from .services import duplicates_check

    duplicates_check()

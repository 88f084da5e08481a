"""Celery adapters for the dashboards' summary tables; the services do the work.

The services import these tasks to queue them, so the tasks import the services when they run.
"""

from celery import shared_task


@shared_task(ignore_result=True)
def refresh_figures() -> None:
    """Every quarter of an hour (CELERY_BEAT_SCHEDULE), and when a manager presses "Refresh"."""
    from .services import figures_refresh

    figures_refresh()


@shared_task(ignore_result=True)
def refresh_figures_nightly() -> None:
    """Nightly: every week's rollups recomputed, today's health taken, old daily snapshots thinned out."""
    from .services import figures_refresh

    figures_refresh(full=True)

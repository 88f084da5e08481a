from celery import shared_task

from . import services


@shared_task
def send_daily_digests() -> int:
    return services.daily_digests_send()


@shared_task
def send_weekly_digests() -> int:
    return services.weekly_digests_send()

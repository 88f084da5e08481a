"""A worker killed mid-task (SIGKILL: no warm shutdown): nothing lost, nothing half-written, nothing doubled.

Workers run as `celery worker` processes against the test's own corner of the local Redis (tests/workers.py).
The mail outbox has its own such test (tests/outbox/test_worker.py); these cover webhooks and imports.
"""

import os
from collections import Counter

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction

from contacts.models import Stakeholder
from imports import services as imports
from imports.models import ImportJob, ImportRow, ImportStatus
from imports.tasks import recover_stalled_imports as recover_stalled_imports_task
from interactions.services import interaction_log
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from webhooks.services import webhook_endpoint_create
from webhooks.tasks import requeue_stale_deliveries as requeue_stale_deliveries_task

from ..factories import StakeholderFactory, UserFactory
from ..outbox.test_worker import WorkerProcess, _database_url
from ..workers import wait_for
from .servers import WebhookReceiver

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_environment(test_broker, tmp_path, settings):
    """The project's settings for `celery worker` processes, on the test broker and the test database."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "fault_worker_settings.py").write_text(
        "from liaison_crm.settings import *  # noqa: F403\n"
        f"CELERY_BROKER_TRANSPORT_OPTIONS = {test_broker.transport_options!r}\n"
    )
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(settings.BASE_DIR)]),
        "DJANGO_SETTINGS_MODULE": "fault_worker_settings",
        "DEBUG": "1",
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",
        "REDIS_URL": test_broker.url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def workers(worker_environment, tmp_path):
    """Starts `celery worker` processes (`workers("first", SOME_SETTING="1")`) and stops them after."""
    started: list[WorkerProcess] = []

    def start(name: str, **environment) -> WorkerProcess:
        process = WorkerProcess(
            name,
            {**worker_environment, "PGAPPNAME": f"fault-worker-{name}", **environment},
            tmp_path / f"{name}-worker.log",
        )
        started.append(process)
        return process

    start.logs = lambda: [process.log for process in started]
    yield start
    for process in started:
        process.stop()


@pytest.fixture
def receiver():
    server = WebhookReceiver(delay=3.0)
    yield server
    server.stop()


def test_a_webhook_whose_worker_was_killed_mid_post_is_delivered_again_under_the_same_delivery_id(
    workers, receiver
):
    officer = UserFactory()
    webhook_endpoint_create(owner=officer, url=receiver.url, events=[WebhookEvent.INTERACTION_CREATED])
    interaction_log(
        author=officer, stakeholders=[StakeholderFactory(owner=officer)], summary="Harbour call", kind="call"
    )

    first = workers("first")
    # The receiver has the POST and takes three seconds to answer: the worker dies waiting for it.
    wait_for(lambda: len(receiver.received) == 1, timeout=30, what="the first POST", logs=workers.logs())
    first.kill()
    first.stop()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0), (
        "the attempt was never recorded"
    )

    receiver.delay = 0
    workers("second", WEBHOOK_STALE_AFTER_SECONDS="0")
    requeue_stale_deliveries_task.delay()  # the next beat tick
    wait_for(
        lambda: WebhookDelivery.objects.get().status == DeliveryStatus.SENT,
        timeout=30,
        what="the delivery to be sent again",
        logs=workers.logs(),
    )
    requeue_stale_deliveries_task.delay()  # and one more tick, which finds nothing to send

    delivery.refresh_from_db()
    assert delivery.attempts == 1
    # At least once, never two different deliveries: the copy carries the same delivery id and event id, so
    # a receiver that remembers the ids it has handled acts once (webhooks/services.py).
    assert receiver.deliveries() == [(str(delivery.pk), str(delivery.event_id))] * 2


def backends_waiting_for_a_lock(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
            [application_name],
        )
        return cursor.fetchone()[0]


def backends_of(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        return cursor.fetchone()[0]


def test_an_import_whose_worker_was_killed_mid_write_leaves_nothing_and_is_imported_once_by_the_next(
    workers, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 10
    officer = UserFactory()
    rows = "".join(f"Person {number},p{number}@example.org,Board\n" for number in range(500))
    upload = ContentFile(f"Name,Email,Tags\n{rows}".encode(), name="people.csv")
    job = imports.import_job_create(actor=officer, kind="stakeholders", upload=upload)
    job = imports.import_job_map(job=job, actor=officer, mapping=job.mapping)
    job = imports.import_check(job_id=job.pk)
    assert job.status == ImportStatus.CHECKED and job.error_count == 0

    # Another session holds the table of stakeholders' tags: the import writes its 500 stakeholders, then
    # waits there to link them to their tag, in the middle of its transaction, for the worker to be killed.
    database = connection.settings_dict
    blocker = psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        dbname=database["NAME"],
    )
    try:
        blocker.execute("LOCK TABLE contacts_stakeholder_tags IN ACCESS EXCLUSIVE MODE")
        with transaction.atomic():
            imports.import_commit_start(job=job, actor=officer)
        first = workers("first")
        wait_for(
            lambda: backends_waiting_for_a_lock("fault-worker-first") == 1,
            timeout=30,
            what="the import to be mid-transaction",
            logs=workers.logs(),
        )
        first.kill()
        first.stop()
    finally:
        blocker.rollback()
        blocker.close()
    # PostgreSQL rolls the dead worker's transaction back once its statement has the lock and finds no client.
    wait_for(lambda: backends_of("fault-worker-first") == 0, timeout=30, what="the dead worker's session")

    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED and job.attempts == 1
    assert not Stakeholder.objects.exists(), "nothing half-written"
    assert ImportRow.objects.filter(job=job).count() == 500, "the checked rows wait for the next attempt"

    workers("second", IMPORT_STALLED_AFTER_SECONDS="0")
    recover_stalled_imports_task.delay()  # the next beat tick hands the job over again
    wait_for(
        lambda: ImportJob.objects.get(pk=job.pk).status == ImportStatus.IMPORTED,
        timeout=60,
        what="the import",
        logs=workers.logs(),
    )
    job.refresh_from_db()
    assert job.attempts == 2 and job.created_count == 500
    names = Counter(Stakeholder.objects.values_list("name", flat=True))
    assert len(names) == 500 and set(names.values()) == {1}, "every row imported once"
    assert Stakeholder.tags.through.objects.filter(tag__name="Board").count() == 500
    assert not ImportRow.objects.filter(job=job).exists()

"""The real path: Celery workers, the local Redis and an SMTP server, and each due message out exactly once.

These tests commit (transactional_db), so workers in other threads and processes see the rows. Their broker
is a Redis database `make run` does not use, and within it keys of their own (a prefix per test), so test
runs side by side — colleagues', xdist's — neither see nor clear each other's tasks.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from outbox import services
from outbox.models import OutboundMessage
from outbox.tasks import dispatch_due as dispatch_due_task
from outbox.tasks import send_message as send_message_task

from ..workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

Status = OutboundMessage.Status


def enqueue(number: int, **overrides) -> OutboundMessage:
    fields = {
        "key": f"daily-digest:{number}:2026-03-02",
        "kind": "daily_digest",
        "to": f"officer{number}@example.org",
        "subject": f"Your day, officer {number}",
        "body": "Three follow-ups are due today.",
    }
    fields.update(overrides)
    return services.message_enqueue(**fields)


def statuses(messages) -> Counter:
    return Counter(
        OutboundMessage.objects.filter(pk__in=[m.pk for m in messages]).values_list("status", flat=True)
    )


def test_due_messages_go_out_once_when_the_same_beat_tick_runs_twice(
    celery_worker, smtp_server, send_through
):
    server = smtp_server()
    send_through(server)
    due_at = timezone.now() + dt.timedelta(seconds=1)
    messages = [enqueue(number, scheduled_for=due_at) for number in range(10)]
    time.sleep(max((due_at - timezone.now()).total_seconds(), 0) + 0.05)

    # The same beat tick, twice, through the broker.
    dispatch_due_task.delay()
    dispatch_due_task.delay()
    wait_for(lambda: statuses(messages)[Status.SENT] == 10, timeout=30, what="ten messages sent")

    # What a broker redelivering every send task would do; then one more message, queued behind them all,
    # so that once it is sent every duplicate before it has run.
    for message in messages:
        send_message_task.delay(message.pk)
        send_message_task.delay(message.pk)
    last = enqueue(99)
    wait_for(lambda: statuses([last])[Status.SENT] == 1, timeout=30, what="the last message sent")

    received = Counter(server.recipients())
    assert received == Counter({message.to: 1 for message in [*messages, last]})
    assert set(OutboundMessage.objects.values_list("attempts", flat=True)) == {1}


def test_a_refused_message_is_retried_by_the_worker_then_fails(
    celery_worker, smtp_server, send_through, settings
):
    settings.OUTBOX_RETRY_BACKOFF_SECONDS = 0.05
    settings.OUTBOX_MAX_ATTEMPTS = 3
    server = smtp_server(refuse="rcpt")
    send_through(server)

    message = enqueue(1)

    # Retries wait 0.05 s and 0.1 s, plus the task's one-second margin each.
    wait_for(lambda: statuses([message])[Status.FAILED] == 1, timeout=20, what="the message to fail")
    message.refresh_from_db()
    assert message.attempts == 3 and server.refusals == 3
    assert "554" in message.last_error


def _database_url() -> str:
    database = connection.settings_dict
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{database['NAME']}"


class WorkerProcess:
    """`celery -A liaison_crm worker --pool=solo` in its own process, as in production."""

    def __init__(self, name: str, environment: dict, log: Path):
        self.log = log
        self._log_file = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "liaison_crm", "worker", "--pool=solo", "--loglevel=info",
             "--without-gossip", "--without-mingle", "--without-heartbeat", f"--hostname={name}@%h"],
            cwd=django_settings.BASE_DIR,
            env=environment,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no chance to record anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log_file.close()


def test_a_worker_killed_mid_batch_sends_nothing_twice_and_loses_nothing(test_broker, smtp_server, tmp_path):
    # Half a second per message, so the batch is still going when the worker dies.
    server = smtp_server(delay=0.5)
    lease_seconds = 3
    # The project's settings, plus this test's key prefix on the broker.
    (tmp_path / "outbox_worker_settings.py").write_text(
        "from liaison_crm.settings import *  # noqa: F403\n"
        f"CELERY_BROKER_TRANSPORT_OPTIONS = {test_broker.transport_options!r}\n"
    )
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(django_settings.BASE_DIR)]),
        "DJANGO_SETTINGS_MODULE": "outbox_worker_settings",
        "DEBUG": "1",
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",
        "REDIS_URL": test_broker.url,
        "EMAIL_URL": f"smtp://127.0.0.1:{server.port}",
        "EMAIL_TIMEOUT": "2",
        "OUTBOX_SENDING_LEASE_SECONDS": str(lease_seconds),
        "PYTHONUNBUFFERED": "1",
    }
    messages = [enqueue(number) for number in range(10)]  # ten send tasks on the queue
    logs = [tmp_path / "first-worker.log", tmp_path / "second-worker.log"]

    first = WorkerProcess("first", environment, logs[0])
    try:
        wait_for(lambda: len(server.received) >= 2, timeout=30, what="two deliveries", logs=logs)
        first.kill()
    finally:
        first.stop()
    delivered_before_the_kill = len(server.received)
    assert delivered_before_the_kill < len(messages), "the worker was killed in the middle of the batch"

    second = WorkerProcess("second", environment, logs[1])
    try:
        # The new worker takes the rest of the queue; what the dead one held stays claimed.
        wait_for(
            lambda: (
                not OutboundMessage.objects.filter(status=Status.PENDING).exists()
                and statuses(messages)[Status.SENT] + statuses(messages)[Status.SENDING] == len(messages)
            ),
            timeout=30,
            what="the rest of the batch",
            logs=logs,
        )
        time.sleep(lease_seconds + 0.5)
        dispatch_due_task.delay()  # the next beat tick: recovery, then dispatch
        wait_for(
            lambda: statuses(messages)[Status.SENDING] == 0, timeout=30, what="the recovery step", logs=logs
        )
    finally:
        second.stop()

    received = Counter(server.recipients())
    rows = list(OutboundMessage.objects.filter(pk__in=[m.pk for m in messages]))
    outcome = Counter(row.status for row in rows)
    assert all(count == 1 for count in received.values()), f"someone received a message twice: {received}"
    assert set(outcome) <= {Status.SENT, Status.INTERRUPTED}, "every message is either sent or visible"
    assert outcome[Status.INTERRUPTED] <= 1, "only the message in the dead worker's hands is in doubt"
    assert {row.to for row in rows if row.status == Status.SENT} <= set(received), "sent means delivered"
    assert set(received) <= {row.to for row in rows}
    assert all("may or may not" in row.last_error for row in rows if row.status == Status.INTERRUPTED)
    assert len(received) >= len(messages) - 1, "nothing was lost"

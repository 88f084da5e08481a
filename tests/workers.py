"""Real Celery workers, a test corner of the local Redis, and local SMTP servers, for tests across apps.

Worker tests commit (transactional_db), so workers in other threads and processes see the rows. Their broker
is a Redis database `make run` does not use, and within it keys of their own (a prefix per test), so test
runs side by side — colleagues', xdist's — neither see nor clear each other's tasks.
"""

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import before_task_publish
from django.conf import settings as django_settings

from liaison_crm.celery import app as celery_app

from .smtp import SMTPServer

REDIS_TEST_DATABASE = 15


def wait_for(condition, *, timeout: float, what: str, logs: list[Path] = ()) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            details = "\n".join(f"--- {log.name}\n{log.read_text()[-4000:]}" for log in logs if log.exists())
            raise AssertionError(f"Timed out after {timeout} s waiting for {what}\n{details}")
        time.sleep(0.1)


@dataclass(frozen=True)
class Broker:
    url: str
    key_prefix: str

    @property
    def transport_options(self) -> dict:
        return {"global_keyprefix": self.key_prefix}


def _point_producer_at(url: str, transport_options: dict) -> None:
    # The app keeps its broker pools once made; forget them (kombu keeps one per broker URL and options, open
    # for reuse) so that tasks go where the test says.
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = transport_options
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def test_broker():
    """The test's own corner of the local Redis: a database `make run` leaves alone, and a key prefix."""
    broker = Broker(
        url=f"{django_settings.REDIS_URL.rsplit('/', 1)[0]}/{REDIS_TEST_DATABASE}",
        key_prefix=f"outbox-test-{uuid.uuid4().hex[:12]}:",
    )
    previous = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    _point_producer_at(broker.url, broker.transport_options)
    yield broker
    _point_producer_at(*previous)
    with redis.Redis.from_url(broker.url) as store:
        leftovers = list(store.scan_iter(match=f"{broker.key_prefix}*"))
        if leftovers:
            store.delete(*leftovers)


@pytest.fixture
def publishes():
    """Each task handed to the broker, as (task name, args), whether the broker took it or not.

    Celery sends before_task_publish once per hand-over, before kombu tries the connection, so a broker
    that refuses still shows each try here.
    """
    handed_over = []

    def record(sender=None, body=None, **kwargs):
        handed_over.append((sender, tuple(body[0])))

    before_task_publish.connect(record, weak=False)
    yield handed_over
    before_task_publish.disconnect(record)


@pytest.fixture
def celery_worker(test_broker):
    """A real worker in a thread of this process, consuming from the test broker."""
    hijack = celery_app.conf.worker_hijack_root_logger
    celery_app.conf.worker_hijack_root_logger = False  # leave pytest's log capture alone
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=15) as worker:
            yield worker
    finally:
        celery_app.conf.worker_hijack_root_logger = hijack


@pytest.fixture
def smtp_server():
    """Starts SMTP servers for the test (`smtp_server(refuse="rcpt", delay=0.5)`) and stops them after."""
    servers = []

    def start(**options) -> SMTPServer:
        server = SMTPServer(**options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def send_through(settings):
    """Points Django's SMTP backend at a test server."""

    def use(server: SMTPServer) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5

    return use

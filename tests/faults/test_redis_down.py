"""Redis down: pages still work, mail and webhooks wait in their outboxes, and go out once Redis is back.

Redis is both the cache and the Celery broker. The test runs a redis-server of its own and stops it, so the
machine's Redis — other test runs' broker — is never touched.
"""

import datetime as dt
import logging
import time
from collections import Counter

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from liaison_crm.celery import app as celery_app
from meetings.models import Meeting
from outbox.models import OutboundMessage
from outbox.services import message_enqueue, messages_dispatch_due
from outbox.tasks import dispatch_due as dispatch_due_task
from outbox.tasks import send_message as send_message_task
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from webhooks.services import webhook_endpoint_create
from webhooks.tasks import requeue_stale_deliveries as requeue_stale_deliveries_task

from ..conftest import login
from ..factories import StakeholderFactory, UserFactory
from ..interactions.test_views import log_data
from ..meetings.test_views import form_data
from ..workers import _point_producer_at, wait_for
from .servers import PrivateRedis, WebhookReceiver, timed

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

Status = OutboundMessage.Status


@pytest.fixture
def redis_server(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_on_private_redis(redis_server, settings):
    """The cache and the broker both on the private Redis, as production has them on one."""
    settings.CACHES = {
        "default": {
            "BACKEND": "liaison_crm.cache.OptionalRedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "faults",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.DASHBOARD_CACHE_SECONDS = 300
    previous = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    _point_producer_at(redis_server.url, {})
    yield redis_server
    _point_producer_at(*previous)


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.stop()


@pytest.fixture
def worker():
    """A real worker in a thread of this process, started only when the test says so."""

    def start():
        return start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=15)

    hijack = celery_app.conf.worker_hijack_root_logger
    celery_app.conf.worker_hijack_root_logger = False  # leave pytest's log capture alone
    yield start
    celery_app.conf.worker_hijack_root_logger = hijack


def answered_quickly(call, *, status: int):
    response, seconds = timed(call)
    assert response.status_code == status, getattr(response, "content", b"")[:2000]
    assert seconds < 10, f"{seconds:.1f} s: the outage must not hold the request"
    return response


def test_with_redis_down_pages_work_and_mail_waits_in_the_outbox_then_goes_out_once(
    app_on_private_redis, client, smtp_server, send_through, receiver, worker, settings
):
    mail_server = smtp_server()
    send_through(mail_server)
    officer = UserFactory(username="officer", email="officer@example.org")
    manager = UserFactory(username="manager", team=officer.team, role=Role.MANAGER)
    guest = StakeholderFactory(owner=officer, name="Ama Owusu", emails=["ama@example.org"])
    webhook_endpoint_create(owner=officer, url=receiver.url, events=[WebhookEvent.INTERACTION_CREATED])
    login(client, manager)
    answered_quickly(lambda: client.get(reverse("dashboards:dashboard")), status=200)  # fills the cache

    app_on_private_redis.stop()

    # The cache misses: every page is computed, the dashboard too; the API's rate limit lets requests by.
    answered_quickly(lambda: client.get(reverse("dashboards:dashboard")), status=200)
    login(client, officer)
    for url in [
        reverse("dashboards:my_day"),
        reverse("contacts:stakeholder_list"),
        reverse("contacts:stakeholder_detail", args=[guest.pk]),
        reverse("search:results") + "?q=Owusu",
        "/api/v1/stakeholders/",
    ]:
        answered_quickly(lambda url=url: client.get(url), status=200)

    # Work that sends mail and tells other tools is saved; what it sends waits for the broker.
    answered_quickly(lambda: client.post(reverse("meetings:create"), form_data([guest])), status=302)
    answered_quickly(lambda: client.post(reverse("interactions:log"), log_data(guest)), status=302)
    meeting = Meeting.objects.get()
    invitations = OutboundMessage.objects.filter(kind="meeting_invitation")
    assert [(m.to, m.status) for m in invitations] == [("ama@example.org", Status.PENDING)]
    assert invitations.get().queued_at is None, "no task was queued: the dispatcher's next tick sends it"
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    assert mail_server.received == [] and receiver.received == []

    app_on_private_redis.start()
    settings.WEBHOOK_STALE_AFTER_SECONDS = 0
    with worker():
        # The next beat ticks, twice each, as a restarted beat might send them.
        for _ in range(2):
            dispatch_due_task.delay()
            requeue_stale_deliveries_task.delay()
        wait_for(
            lambda: (
                invitations.get().status == Status.SENT
                and WebhookDelivery.objects.get().status == DeliveryStatus.SENT
            ),
            timeout=30,
            what="the invitation and the webhook to go out",
        )
        # One more message, queued behind every task above: once it is sent, all of them have run.
        last = message_enqueue(
            key="faults:last", kind="test", to="last@example.org", subject="Last", body="."
        )
        wait_for(
            lambda: OutboundMessage.objects.get(pk=last.pk).status == Status.SENT,
            timeout=30,
            what="the last message",
        )
        time.sleep(0.2)

    invited = Counter(
        received.message["To"]
        for received in mail_server.received
        if meeting.title in received.message["Subject"]
    )
    assert invited == Counter({"ama@example.org": 1})
    assert len(receiver.deliveries()) == 1


def test_with_redis_down_a_dispatcher_run_tries_the_broker_once_and_the_messages_go_out_once_it_is_back(
    app_on_private_redis, smtp_server, send_through, worker, publishes, caplog
):
    mail_server = smtp_server()
    send_through(mail_server)
    due_at = timezone.now() + dt.timedelta(seconds=1)
    digests = [
        message_enqueue(
            key=f"faults:digest:{number}",
            kind="daily_digest",
            to=f"officer{number}@example.org",
            subject=f"Your day, officer {number}",
            body="Three follow-ups are due today.",
            scheduled_for=due_at,
        )
        for number in range(20)
    ]
    time.sleep(max((due_at - timezone.now()).total_seconds(), 0) + 0.05)

    # The worker has taken beat's tick when Redis goes away: the dispatcher runs with no broker to hand to.
    app_on_private_redis.stop()
    with caplog.at_level(logging.WARNING, logger="liaison_crm.broker"):
        assert messages_dispatch_due() == 20

    sends = [args for task, args in publishes if task == send_message_task.name]
    assert len(sends) == 1, "one try at the broker, not one per message"
    assert [record.getMessage() for record in caplog.records if record.name == "liaison_crm.broker"] == [
        "Broker unreachable: 20 of 20 outbox.tasks.send_message task(s) not queued; "
        "their rows wait for the next sweep"
    ]
    rows = OutboundMessage.objects.filter(pk__in=[digest.pk for digest in digests])
    assert Counter(rows.values_list("status", "queued_at", "attempts")) == Counter(
        {(Status.PENDING, None, 0): 20}
    ), "each left due, with no task, and no attempt spent"

    app_on_private_redis.start()
    with worker():
        dispatch_due_task.delay()  # the first beat tick after Redis is back
        wait_for(
            lambda: rows.filter(status=Status.SENT).count() == 20,
            timeout=30,
            what="the digests to go out",
        )
    assert Counter(received.message["To"] for received in mail_server.received) == Counter(
        {f"officer{number}@example.org": 1 for number in range(20)}
    )

"""Meeting reminders through a real Celery worker and the local Redis: each goes out once, and only once."""

import datetime as dt
import time
from collections import Counter

import pytest
from django.utils import timezone

from meetings import services
from outbox.models import OutboundMessage
from outbox.tasks import dispatch_due as dispatch_due_task

from ..factories import StakeholderFactory
from ..workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_due_reminders_go_out_once_even_when_the_beat_tick_runs_twice(
    celery_worker,
    officer,
    smtp_server,
    send_through,
):
    server = smtp_server()
    send_through(server)
    guests = [
        StakeholderFactory(owner=officer, emails=[f"guest{n}@example.org"], time_zone="Asia/Manila")
        for n in range(3)
    ]
    starts = timezone.now() + dt.timedelta(hours=2)
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Flood-defence partners",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        stakeholders=guests,
        reminder_minutes=[60],
    )
    wait_for(
        lambda: OutboundMessage.objects.filter(kind="meeting_invitation", status="sent").count() == 3,
        timeout=30,
        what="the invitations sent",
    )
    reminders = OutboundMessage.objects.filter(
        kind="meeting_reminder", group=f"meeting:{meeting.pk}:reminders"
    )
    assert reminders.count() == 3 and not reminders.exclude(status="pending").exists()

    # An hour passes: the reminders fall due, and beat's tick reaches the broker twice.
    reminders.update(scheduled_for=timezone.now(), next_attempt_at=timezone.now())
    dispatch_due_task.delay()
    dispatch_due_task.delay()
    wait_for(lambda: reminders.filter(status="sent").count() == 3, timeout=30, what="three reminders sent")
    time.sleep(0.5)  # let any duplicate task run before counting

    received = Counter(server.recipients())
    assert received == Counter({f"guest{n}@example.org": 2 for n in range(3)})  # an invitation and a reminder
    assert set(reminders.values_list("attempts", flat=True)) == {1}

import datetime as dt
import itertools
import smtplib
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends import locmem
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from outbox import services
from outbox.models import OutboundMessage
from outbox.services import Attachment
from outbox.tasks import send_message as send_message_task

from ..concurrency import finished_or_waiting_for_a_lock, wait_until_waiting_for_a_lock
from ..factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status
STALE = "Withdrawn before it was sent: a later message on its topic replaced it."
_keys = itertools.count(1)

INVITE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:42@liaison\r\n"
    "SUMMARY:Quarterly review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def enqueue(**overrides) -> OutboundMessage:
    fields = {
        "key": f"test-message:{next(_keys)}",
        "kind": "meeting_reminder",
        "to": "ama.owusu@example.org",
        "subject": "Quarterly review tomorrow at 10:00",
        "body": "A reminder of tomorrow's quarterly review.",
    }
    fields.update(overrides)
    return services.message_enqueue(**fields)


def status_of(message) -> str:
    message.refresh_from_db()
    return message.status


class WorkerLost(BaseException):
    """What a worker killed mid-task looks like from inside: nothing after this line runs."""


class CrashAfterSendingBackend(locmem.EmailBackend):
    """The mail server accepts the message, then the worker dies before it can record that."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise WorkerLost


class SlowServerBackend(locmem.EmailBackend):
    """While the mail server takes its time, the rest of the world moves on: `meanwhile` runs mid-send."""

    meanwhile = None

    def send_messages(self, messages):
        SlowServerBackend.meanwhile()
        return super().send_messages(messages)


class RefusingAfterAWhileBackend(locmem.EmailBackend):
    """While the mail server takes its time, `meanwhile` runs; then the server hangs up."""

    meanwhile = None

    def send_messages(self, messages):
        RefusingAfterAWhileBackend.meanwhile()
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def refusing_server(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingAfterAWhileBackend"

    def meanwhile(action):
        RefusingAfterAWhileBackend.meanwhile = action

    yield meanwhile
    RefusingAfterAWhileBackend.meanwhile = None


@pytest.fixture
def slow_server(settings):
    settings.EMAIL_BACKEND = f"{__name__}.SlowServerBackend"

    def meanwhile(action):
        SlowServerBackend.meanwhile = action

    yield meanwhile
    SlowServerBackend.meanwhile = None


# Enqueueing


def test_enqueueing_the_same_key_twice_keeps_the_first_message_unchanged():
    first = enqueue(key="digest:officer:2026-03-02", subject="Your digest")
    again = enqueue(key="digest:officer:2026-03-02", subject="A different subject", to="someone@example.org")
    assert again.pk == first.pk
    assert OutboundMessage.objects.get().subject == "Your digest"
    assert again.to == "ama.owusu@example.org"


def test_a_message_due_now_is_queued_when_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        enqueue(key="due-now")
        enqueue(key="due-now")
        enqueue(key="later", scheduled_for=timezone.now() + dt.timedelta(hours=1))
    assert len(queued) == 1, "one task for the due message; none for the repeat or the later one"
    assert OutboundMessage.objects.get(key="due-now").queued_at is not None
    assert OutboundMessage.objects.get(key="later").queued_at is None


@pytest.mark.django_db(transaction=True)
def test_two_transactions_enqueueing_the_same_key_at_once_make_one_message():
    # Scheduled later, so neither commit queues a task on the broker.
    later = timezone.now() + dt.timedelta(days=1)
    first_inserted = threading.Event()
    results, errors = {}, []

    def first():
        try:
            with transaction.atomic():
                results["first"] = enqueue(key="weekly:manager:12", scheduled_for=later, subject="First")
                first_inserted.set()
                # Hold the uncommitted row while the second transaction tries the same key.
                threading.Event().wait(0.5)
        except Exception as error:
            errors.append(error)
        finally:
            first_inserted.set()
            connection.close()

    def second():
        try:
            first_inserted.wait()
            with transaction.atomic():
                results["second"] = enqueue(key="weekly:manager:12", scheduled_for=later, subject="Second")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert results["first"].pk == results["second"].pk
    assert list(OutboundMessage.objects.values_list("subject", flat=True)) == ["First"]


def test_a_message_needs_a_valid_address_and_a_one_line_subject():
    with pytest.raises(ValidationError):
        enqueue(to="not an address")
    with pytest.raises(ValidationError):
        enqueue(subject="Line one\nBcc: everyone@example.org")
    assert not OutboundMessage.objects.exists()


def test_a_message_key_names_kind_object_recipient_and_time(officer):
    at = timezone.now().replace(microsecond=0)
    key = services.message_key(
        kind="meeting_reminder", about=officer, to="Ama@Example.org ", scheduled_for=at
    )
    assert key == services.message_key(
        kind="meeting_reminder", about=officer, to="ama@example.org", scheduled_for=at
    )
    assert key != services.message_key(
        kind="meeting_reminder", about=officer, to="ama@example.org", scheduled_for=at + dt.timedelta(hours=1)
    )
    assert f"accounts.user:{officer.pk}" in key
    assert len(services.message_key(kind="digest", about="x" * 600, to="a@example.org")) <= 500


# Cancelling


def test_cancelling_a_group_cancels_only_its_pending_messages():
    later = timezone.now() + dt.timedelta(days=1)
    reminders = [enqueue(group="meeting:42:reminders", scheduled_for=later) for _ in range(2)]
    already_sent = enqueue(group="meeting:42:reminders")
    OutboundMessage.objects.filter(pk=already_sent.pk).update(status=Status.SENT, sent_at=timezone.now())
    other_meeting = enqueue(group="meeting:43:reminders", scheduled_for=later)

    assert services.messages_cancel(group="meeting:42:reminders") == 2

    assert [status_of(m) for m in reminders] == [Status.CANCELLED, Status.CANCELLED]
    assert status_of(already_sent) == Status.SENT
    assert status_of(other_meeting) == Status.PENDING


def test_cancelling_a_group_keeps_the_messages_asked_for_again():
    later = timezone.now() + dt.timedelta(days=1)
    kept = enqueue(key="reminder:ama", group="meeting:42:reminders", scheduled_for=later)
    dropped = enqueue(key="reminder:kenji", group="meeting:42:reminders", scheduled_for=later)

    assert services.messages_cancel(group="meeting:42:reminders", keep=["reminder:ama"]) == 1

    assert (status_of(kept), status_of(dropped)) == (Status.PENDING, Status.CANCELLED)


def test_a_cancelled_message_asked_for_again_is_reinstated_with_its_new_content():
    later = timezone.now() + dt.timedelta(days=1)
    first = enqueue(key="reminder:ama", group="meeting:42:reminders", scheduled_for=later)
    services.messages_cancel(group="meeting:42:reminders")

    again = enqueue(
        key="reminder:ama", group="meeting:42:reminders", scheduled_for=later, subject="New", reinstate=True
    )

    assert again.pk == first.pk
    assert (again.status, again.subject) == (Status.PENDING, "New")


def test_a_cancelled_message_is_not_reinstated_unless_asked():
    first = enqueue(key="digest:ama", group="digests")
    services.messages_cancel(group="digests")
    assert enqueue(key="digest:ama", group="digests").status == Status.CANCELLED
    assert status_of(first) == Status.CANCELLED


def test_cancelling_without_a_group_is_refused():
    enqueue()
    with pytest.raises(ValueError):
        services.messages_cancel(group="")
    assert OutboundMessage.objects.get().status == Status.PENDING


def test_a_cancelled_message_is_never_sent(mailoutbox):
    message = enqueue(group="meeting:7")
    services.messages_cancel(group="meeting:7")
    services.message_send(message_id=message.pk)
    assert mailoutbox == []


# Withdrawing what a later message replaces


def test_withdrawing_a_topic_cancels_its_pending_messages_of_those_kinds_saying_why():
    topic = "meeting:42@liaison:ama@example.org"
    waiting = enqueue(kind="meeting_invitation", topic=topic)
    retrying = enqueue(kind="meeting_invitation", topic=topic)
    retry_at = timezone.now() + dt.timedelta(minutes=2)
    OutboundMessage.objects.filter(pk=retrying.pk).update(
        attempts=1, last_error="SMTPServerDisconnected", next_attempt_at=retry_at
    )
    sent = enqueue(kind="meeting_invitation", topic=topic)
    OutboundMessage.objects.filter(pk=sent.pk).update(status=Status.SENT, sent_at=timezone.now())
    on_its_way = enqueue(kind="meeting_invitation", topic=topic)
    OutboundMessage.objects.filter(pk=on_its_way.pk).update(status=Status.SENDING, claimed_at=timezone.now())
    kept = enqueue(kind="meeting_invitation", topic=topic)
    reminder = enqueue(kind="meeting_reminder", topic=topic)
    someone_else = enqueue(kind="meeting_invitation", topic="meeting:42@liaison:kenji@example.jp")

    with transaction.atomic():
        withdrawal = services.messages_withdraw(topics=[topic], kinds=["meeting_invitation"], keep=[kept.key])

    assert withdrawal.withdrawn == {topic}
    # The one on its way is reported too: what replaces it must be written, should the server refuse it.
    assert withdrawal.superseded == {topic}
    for message in (waiting, retrying):
        message.refresh_from_db()
        assert message.status == Status.CANCELLED
        assert message.cancelled_because == STALE
    assert [status_of(m) for m in (sent, on_its_way, kept, reminder, someone_else)] == [
        Status.SENT,
        Status.SENDING,
        Status.PENDING,
        Status.PENDING,
        Status.PENDING,
    ]


@pytest.mark.django_db(transaction=True)
def test_withdrawing_locks_what_it_withdraws_so_it_runs_in_the_callers_transaction():
    """A withdrawal committed apart from what replaces it would leave the recipient with neither."""
    with pytest.raises(transaction.TransactionManagementError):
        services.messages_withdraw(topics=["meeting:42@liaison:ama@example.org"], kinds=["x"])


def test_a_topic_is_told_once_a_message_on_it_went_out_may_have_or_is_still_to_go():
    for status in Status:
        message = enqueue(kind="meeting_invitation", topic=f"topic:{status}")
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=status, sent_at=timezone.now(), claimed_at=timezone.now()
        )
    enqueue(kind="meeting_reminder", topic="topic:other-kind")

    told = services.topics_told(
        topics=[f"topic:{status}" for status in Status] + ["topic:other-kind", "topic:none"],
        kinds=["meeting_invitation"],
    )

    assert told == {
        f"topic:{status}": ("meeting_invitation", status)
        for status in (Status.PENDING, Status.SENDING, Status.SENT, Status.INTERRUPTED)
    }


def test_a_topic_is_told_the_kind_of_its_latest_message():
    enqueue(kind="meeting_invitation", topic="meeting:7:ama@example.org")
    enqueue(kind="meeting_removal", topic="meeting:7:ama@example.org")

    told = services.topics_told(
        topics=["meeting:7:ama@example.org"], kinds=["meeting_invitation", "meeting_removal"]
    )

    assert told == {"meeting:7:ama@example.org": ("meeting_removal", Status.PENDING)}


def test_messages_written_before_topics_are_found_by_their_key_unless_cancelled():
    enqueue(key="meeting-invitation:uid-1@liaison-crm::0:ama@example.org")
    cancelled = enqueue(
        key="meeting-invitation:uid-2@liaison-crm::0:ama@example.org", kind="meeting_invitation"
    )
    OutboundMessage.objects.filter(pk=cancelled.pk).update(status=Status.CANCELLED)
    enqueue(key="meeting-invitation:uid-3@liaison-crm::0:ama@example.org", topic="meeting:uid-3:user:7")
    enqueue(
        key="meeting-invitation:uid-4@liaison-crm::0:ama@example.org", topic="meeting:uid-4:ama@example.org"
    )
    topics_now = r":user:[0-9]+$"

    def before_topics(uid):
        return services.messages_before_topics(
            key_prefix=f"meeting-invitation:{uid}@liaison-crm:", topics_now=topics_now
        )

    assert before_topics("uid-1")
    assert not before_topics("uid-2")
    assert not before_topics("uid-3")
    # On a topic of the format written before.
    assert before_topics("uid-4")


def test_a_withdrawn_message_is_never_sent_and_asked_for_again_stays_withdrawn(mailoutbox):
    message = enqueue(kind="meeting_invitation", topic="meeting:7:ama@example.org")
    with transaction.atomic():
        services.messages_withdraw(topics=[message.topic], kinds=[message.kind])
    services.message_send(message_id=message.pk)

    assert enqueue(key=message.key, kind=message.kind, topic=message.topic).status == Status.CANCELLED
    assert mailoutbox == []


def test_the_reason_a_message_was_withdrawn_is_kept_in_the_sites_language():
    """Read on the outbox page by administrators, whatever language the edit that withdrew it was made in."""
    message = enqueue(kind="meeting_invitation", topic="meeting:7:stakeholder:1")

    with translation.override("fr"), transaction.atomic():
        services.messages_withdraw(topics=[message.topic], kinds=[message.kind])

    message.refresh_from_db()
    assert message.cancelled_because == STALE


def test_a_failed_message_made_stale_is_withdrawn_so_it_is_not_sent_again(mailoutbox):
    """It never reached its recipient; sent again, it would say what the later message replaced."""
    message = enqueue(kind="meeting_invitation", topic="meeting:7:stakeholder:1")
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.FAILED)

    with transaction.atomic():
        withdrawal = services.messages_withdraw(topics=[message.topic], kinds=[message.kind])

    assert withdrawal == services.Withdrawal(withdrawn=frozenset({message.topic}), superseded=frozenset())
    assert status_of(message) == Status.CANCELLED


def test_an_interrupted_message_made_stale_is_left_for_a_person_and_its_topic_reported():
    """It may have reached its recipient: not withdrawn, but its writer learns of it and writes what the
    recipient is to have after it, which "Send again" then refuses it for."""
    message = enqueue(kind="meeting_invitation", topic="meeting:7:stakeholder:1")
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.INTERRUPTED, claimed_at=timezone.now())

    with transaction.atomic():
        withdrawal = services.messages_withdraw(topics=[message.topic], kinds=[message.kind])

    assert withdrawal == services.Withdrawal(
        withdrawn=frozenset(), superseded=frozenset(), interrupted=frozenset({message.topic})
    )
    assert status_of(message) == Status.INTERRUPTED


@pytest.mark.django_db(transaction=True)
def test_a_worker_claiming_a_message_while_it_is_withdrawn_waits_and_finds_it_cancelled(mailoutbox):
    """The withdrawal and the worker's claim cannot both win: the claim waits for the withdrawal's lock,
    then finds the message no longer pending, and sends nothing."""
    message = enqueue(kind="meeting_invitation", topic="meeting:7:ama@example.org")
    claim = threading.Thread(target=lambda: _in_own_connection(services.message_send, message_id=message.pk))

    with transaction.atomic():
        services.messages_withdraw(topics=[message.topic], kinds=[message.kind])
        claim.start()
        finished_or_waiting_for_a_lock(claim)
        assert claim.is_alive(), "the claim waits for the withdrawal to commit"
    claim.join(10)

    message.refresh_from_db()
    assert (message.status, message.attempts, message.claimed_at) == (Status.CANCELLED, 0, None)
    assert mailoutbox == []


def test_a_message_replaced_while_it_was_being_sent_is_withdrawn_not_retried_when_the_server_refuses(
    refusing_server, mailoutbox
):
    """It was left alone as it might have been on the wire; tried again, it would arrive after what
    replaced it."""
    topic = "meeting:7:ama@example.org"
    first = enqueue(kind="meeting_invitation", topic=topic)

    def replaced():
        with transaction.atomic():
            services.messages_withdraw(topics=[topic], kinds=["meeting_invitation"])
            enqueue(kind="meeting_invitation", topic=topic)

    refusing_server(replaced)
    services.message_send(message_id=first.pk)

    first.refresh_from_db()
    assert (first.status, first.attempts) == (Status.CANCELLED, 1)
    assert "SMTPServerDisconnected" in first.last_error
    assert "replaced it while it was being sent" in first.cancelled_because


@pytest.mark.django_db(transaction=True)
def test_a_message_replaced_by_a_transaction_not_yet_committed_when_the_server_refuses_is_withdrawn(
    refusing_server, mailoutbox
):
    """What replaced it was still being saved when the server hung up: the refusal waits for it to be
    saved, and then withdraws the message instead of trying it again after its replacement."""
    topic = "meeting:7:stakeholder:1"
    first = enqueue(kind="meeting_invitation", topic=topic)
    withdrawn = threading.Event()

    def replacing():
        try:
            with transaction.atomic():
                services.messages_withdraw(topics=[topic], kinds=["meeting_invitation"])
                enqueue(kind="meeting_invitation", topic=topic)
                withdrawn.set()
                wait_until_waiting_for_a_lock(1)
        finally:
            withdrawn.set()
            connection.close()

    replacement = threading.Thread(target=replacing)
    refusing_server(lambda: (replacement.start(), withdrawn.wait(10)))
    services.message_send(message_id=first.pk)
    replacement.join(30)

    first.refresh_from_db()
    assert (first.status, first.attempts) == (Status.CANCELLED, 1)
    assert "SMTPServerDisconnected" in first.last_error


def test_a_refused_message_nothing_replaced_is_tried_again(refusing_server):
    first = enqueue(kind="meeting_invitation", topic="meeting:7:ama@example.org")
    refusing_server(lambda: enqueue(kind="meeting_invitation", topic="meeting:7:kenji@example.jp"))

    with pytest.raises(services.DeliveryDeferred):
        services.message_send(message_id=first.pk)

    assert status_of(first) == Status.PENDING


def _in_own_connection(work, **kwargs):
    try:
        work(**kwargs)
    finally:
        connection.close()


# Sending


def test_sending_a_message_twice_delivers_it_once(mailoutbox):
    message = enqueue()
    services.message_send(message_id=message.pk)
    services.message_send(message_id=message.pk)
    assert len(mailoutbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)
    assert message.sent_at is not None


def test_a_message_scheduled_for_later_is_not_sent_early(mailoutbox):
    message = enqueue(scheduled_for=timezone.now() + dt.timedelta(hours=1))
    services.message_send(message_id=message.pk)
    assert mailoutbox == []
    assert status_of(message) == Status.PENDING


def test_a_sent_message_carries_a_message_id_derived_from_its_key(mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "Liaison CRM <crm@liaison.example.org>"
    message = enqueue(key="meeting-invitation:42:1:ama@example.org")
    services.message_send(message_id=message.pk)
    sent = mailoutbox[0].message()
    assert sent["Message-ID"] == message.message_id_header
    assert sent["Message-ID"].endswith("@liaison.example.org>")
    assert sent["From"] == "Liaison CRM <crm@liaison.example.org>"
    assert enqueue(key="meeting-invitation:42:1:ama@example.org").message_id_header == sent["Message-ID"]


def test_attachments_and_the_html_version_arrive_with_the_message(mailoutbox):
    message = enqueue(
        html_body="<p>A reminder of tomorrow's <b>quarterly review</b>.</p>",
        attachments=[
            Attachment("invite.ics", INVITE, "text/calendar; method=REQUEST; charset=utf-8"),
            Attachment("agenda.pdf", b"%PDF-1.7\x00\xff binary", "application/pdf"),
        ],
    )
    services.message_send(message_id=message.pk)

    sent = mailoutbox[0].message()
    parts = {part.get_filename(): part for part in sent.walk() if part.get_filename()}
    invite = parts["invite.ics"]
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_param("method") == "REQUEST"
    assert invite.get_payload(decode=True).decode() == INVITE
    assert parts["agenda.pdf"].get_payload(decode=True) == b"%PDF-1.7\x00\xff binary"
    html = next(part for part in sent.walk() if part.get_content_type() == "text/html")
    assert b"<b>quarterly review</b>" in html.get_payload(decode=True)


def test_a_message_that_cannot_be_built_fails_at_once_without_reaching_the_server(mailoutbox):
    message = enqueue(attachments=[Attachment("notes.txt", "Notes", "text/plain; charset=no-such-charset")])
    services.message_send(message_id=message.pk)
    message.refresh_from_db()
    assert mailoutbox == []
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    assert "no-such-charset" in message.last_error


# Dispatching what is due


def sends_queued(publishes) -> list[int]:
    return [args[0] for task, args in publishes if task == send_message_task.name]


def test_the_dispatcher_queues_only_due_pending_messages(
    time_machine, django_capture_on_commit_callbacks, test_broker, publishes
):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    soon = start + dt.timedelta(minutes=1)
    due = enqueue(scheduled_for=soon)
    enqueue(scheduled_for=start + dt.timedelta(hours=1))
    for status in (Status.SENT, Status.FAILED, Status.CANCELLED, Status.INTERRUPTED, Status.SENDING):
        settled = enqueue(scheduled_for=soon)
        OutboundMessage.objects.filter(pk=settled.pk).update(status=status, sent_at=soon, claimed_at=soon)
    time_machine.move_to(soon, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.messages_dispatch_due() == 1
    assert sends_queued(publishes) == [due.pk]
    assert list(OutboundMessage.objects.filter(queued_at__isnull=False).values_list("pk", flat=True)) == [
        due.pk
    ]


def test_the_same_beat_tick_twice_queues_each_due_message_once(
    time_machine, django_capture_on_commit_callbacks, test_broker, publishes
):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    due = [enqueue(scheduled_for=start + dt.timedelta(minutes=1)) for _ in range(3)]
    time_machine.move_to(start + dt.timedelta(minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.messages_dispatch_due() == 3
        assert services.messages_dispatch_due() == 0
    assert sorted(sends_queued(publishes)) == sorted(message.pk for message in due)


def test_the_dispatcher_queues_again_a_message_whose_task_the_broker_lost(time_machine, settings):
    settings.OUTBOX_REQUEUE_AFTER_SECONDS = 600
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    message = enqueue()  # queued at once; then Redis restarts and the task is gone
    time_machine.move_to(start + dt.timedelta(minutes=9), tick=False)
    assert services.messages_dispatch_due() == 0
    time_machine.move_to(start + dt.timedelta(minutes=11), tick=False)
    assert services.messages_dispatch_due() == 1
    message.refresh_from_db()
    assert message.queued_at == start + dt.timedelta(minutes=11)


def test_the_dispatcher_respects_the_back_off_after_a_failed_attempt(time_machine, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # the discard port: nothing listens
    settings.OUTBOX_RETRY_BACKOFF_SECONDS = 60
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    message = enqueue()
    with pytest.raises(services.DeliveryDeferred):
        services.message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.next_attempt_at == start + dt.timedelta(seconds=60)

    # The retry's own task is on the queue; the dispatcher leaves it be until it is due, and long overdue.
    time_machine.move_to(start + dt.timedelta(seconds=59), tick=False)
    assert services.messages_dispatch_due() == 0
    services.message_send(message_id=message.pk)
    assert status_of(message) == Status.PENDING
    assert message.attempts == 1, "a task that arrives early does not spend an attempt"
    time_machine.move_to(
        start + dt.timedelta(seconds=60 + settings.OUTBOX_REQUEUE_AFTER_SECONDS + 1), tick=False
    )
    assert services.messages_dispatch_due() == 1


# Crashes


def test_a_crash_after_the_server_accepted_the_message_does_not_send_it_again(settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.CrashAfterSendingBackend"
    message = enqueue()
    with pytest.raises(WorkerLost):
        services.message_send(message_id=message.pk)
    assert status_of(message) == Status.SENDING

    # The next run: the task is delivered again (acks_late) and the dispatcher ticks.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.message_send(message_id=message.pk)
    services.messages_dispatch_due()
    assert len(mailoutbox) == 1
    assert status_of(message) == Status.SENDING


def test_a_claim_older_than_the_lease_becomes_interrupted_not_pending(time_machine, settings, mailoutbox):
    settings.OUTBOX_SENDING_LEASE_SECONDS = 600
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    abandoned, in_flight = enqueue(), enqueue()
    OutboundMessage.objects.filter(pk=abandoned.pk).update(status=Status.SENDING, claimed_at=start)
    OutboundMessage.objects.filter(pk=in_flight.pk).update(
        status=Status.SENDING, claimed_at=start + dt.timedelta(minutes=9)
    )
    time_machine.move_to(start + dt.timedelta(minutes=11), tick=False)

    assert services.messages_recover_interrupted() == 1

    abandoned.refresh_from_db()
    assert abandoned.status == Status.INTERRUPTED
    assert "may or may not have been delivered" in abandoned.last_error
    assert status_of(in_flight) == Status.SENDING
    services.message_send(message_id=abandoned.pk)
    assert services.messages_dispatch_due() == 0
    assert mailoutbox == []


def test_a_worker_that_outlived_its_lease_still_records_that_it_sent(slow_server, mailoutbox):
    message = enqueue()
    slow_server(lambda: services.messages_recover_interrupted(lease=dt.timedelta(0)))
    services.message_send(message_id=message.pk)
    assert status_of(message) == Status.SENT
    assert len(mailoutbox) == 1


def test_a_late_worker_cannot_overwrite_an_attempt_an_administrator_started(
    slow_server, admin_user, mailoutbox
):
    message = enqueue()

    def administrator_gives_up_on_it():
        services.messages_recover_interrupted(lease=dt.timedelta(0))
        services.message_retry(message=OutboundMessage.objects.get(pk=message.pk), actor=admin_user)

    slow_server(administrator_gives_up_on_it)
    services.message_send(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.claimed_at) == (Status.PENDING, None), "the new attempt is left alone"


# What an administrator does


def test_administrator_sends_a_failed_message_again_with_fresh_attempts(admin_user, mailoutbox):
    message = enqueue()
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.FAILED, attempts=5, last_error="SMTPRecipientsRefused"
    )
    services.message_retry(message=message, actor=admin_user)
    assert (message.status, message.attempts) == (Status.PENDING, 0)

    services.message_send(message_id=message.pk)
    assert len(mailoutbox) == 1
    assert status_of(message) == Status.SENT


def test_administrator_sends_an_interrupted_message_again(admin_user, django_capture_on_commit_callbacks):
    message = enqueue(scheduled_for=timezone.now() + dt.timedelta(hours=1))
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.INTERRUPTED, claimed_at=timezone.now())
    with django_capture_on_commit_callbacks() as queued:
        services.message_retry(message=message, actor=admin_user)
    assert len(queued) == 1
    assert message.status == Status.PENDING and message.claimed_at is None
    assert message.next_attempt_at <= timezone.now()


@pytest.mark.parametrize("status", [Status.FAILED, Status.INTERRUPTED])
def test_a_message_a_later_one_replaced_is_not_sent_again_and_the_refusal_names_the_later_one(
    admin_user, status
):
    """Sent again, the stale invitation would arrive after the update that replaced it."""
    stale = enqueue(kind="meeting_invitation", topic="meeting:7:stakeholder:1")
    OutboundMessage.objects.filter(pk=stale.pk).update(status=status, claimed_at=timezone.now())
    newer = enqueue(kind="meeting_invitation", topic=stale.topic, subject="Updated invitation: review")

    with pytest.raises(ValidationError) as refusal:
        services.message_retry(message=stale, actor=admin_user)

    assert "Updated invitation: review" in refusal.value.messages[0]
    assert f"#{newer.pk}" in refusal.value.messages[0]
    assert status_of(stale) == status


@pytest.mark.django_db(transaction=True)
def test_sending_again_waits_for_a_replacement_being_saved_and_then_refuses(admin_user):
    """The update that replaces the interrupted invitation is being saved when the administrator asks:
    sent again, the invitation would arrive after it."""
    topic = "meeting:7:stakeholder:1"
    interrupted = enqueue(kind="meeting_invitation", topic=topic)
    OutboundMessage.objects.filter(pk=interrupted.pk).update(
        status=Status.INTERRUPTED, claimed_at=timezone.now()
    )
    withdrawing = threading.Event()

    def replacing():
        try:
            with transaction.atomic():
                services.messages_withdraw(topics=[topic], kinds=["meeting_invitation"])
                enqueue(kind="meeting_invitation", topic=topic)
                withdrawing.set()
                wait_until_waiting_for_a_lock(1)
        finally:
            withdrawing.set()
            connection.close()

    replacement = threading.Thread(target=replacing)
    replacement.start()
    withdrawing.wait(10)
    try:
        with pytest.raises(ValidationError):
            services.message_retry(message=interrupted, actor=admin_user)
    finally:
        replacement.join(30)

    assert status_of(interrupted) == Status.INTERRUPTED


def test_a_message_whose_replacement_was_cancelled_can_be_sent_again(admin_user):
    # Of a kind no app writes again (`outbox.rewriting`): the meetings app would ask this topic's meeting.
    stale = enqueue(topic="meeting:7:stakeholder:1")
    OutboundMessage.objects.filter(pk=stale.pk).update(status=Status.FAILED)
    newer = enqueue(topic=stale.topic)
    OutboundMessage.objects.filter(pk=newer.pk).update(status=Status.CANCELLED)

    services.message_retry(message=stale, actor=admin_user)

    assert status_of(stale) == Status.PENDING


def test_a_meeting_invitation_whose_topic_names_its_guest_as_topics_no_longer_do_is_sent_again_as_it_was(
    admin_user,
):
    """Written before topics named guests by their record (the address instead), and never rewritten: the
    meetings app cannot tell whom it was for, and refused plain "Send again" for that, leaving none. Its
    meeting is still to take place, and nothing later was written to the address."""
    meeting = MeetingFactory()
    stale = enqueue(kind="meeting_invitation", topic=f"meeting:{meeting.ical_uid}::ama@example.org")
    OutboundMessage.objects.filter(pk=stale.pk).update(status=Status.FAILED)
    stale = OutboundMessage.objects.get(pk=stale.pk)

    assert (stale.can_send_again, stale.send_again_refusal) == (True, "")
    assert (stale.can_send_with_current_details, stale.current_details_refusal) == (False, "")
    services.message_retry(message=stale, actor=admin_user)

    assert status_of(stale) == Status.PENDING


@pytest.mark.parametrize("status", [Status.PENDING, Status.SENDING, Status.SENT, Status.CANCELLED])
def test_only_failed_or_interrupted_messages_can_be_sent_again(admin_user, status):
    message = enqueue()
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=status, sent_at=timezone.now(), claimed_at=timezone.now()
    )
    with pytest.raises(ValidationError):
        services.message_retry(message=message, actor=admin_user)
    assert status_of(message) == status


@pytest.mark.parametrize("role", ["officer", "manager"])
def test_only_administrators_send_again_or_cancel(request, role):
    actor = request.getfixturevalue(role)
    failed, pending = enqueue(), enqueue()
    OutboundMessage.objects.filter(pk=failed.pk).update(status=Status.FAILED)
    with pytest.raises(PermissionDenied):
        services.message_retry(message=failed, actor=actor)
    with pytest.raises(PermissionDenied):
        services.message_cancel(message=pending, actor=actor)
    assert (status_of(failed), status_of(pending)) == (Status.FAILED, Status.PENDING)


def test_administrator_cancels_a_pending_message_but_not_a_sent_one(admin_user, mailoutbox):
    pending, sent = enqueue(), enqueue()
    services.message_send(message_id=sent.pk)
    services.message_cancel(message=pending, actor=admin_user)
    assert pending.status == Status.CANCELLED
    with pytest.raises(ValidationError):
        services.message_cancel(message=sent, actor=admin_user)
    services.message_send(message_id=pending.pk)
    assert len(mailoutbox) == 1


def test_a_deactivated_administrator_cannot_send_again():
    former_admin = UserFactory(role="Admin", is_active=False)
    message = enqueue()
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.FAILED)
    with pytest.raises(PermissionDenied):
        services.message_retry(message=message, actor=former_admin)


def test_readdressing_renames_the_recipient_ending_a_topic_and_nothing_else():
    theirs = enqueue(kind="meeting_invitation", topic="meeting:7@liaison-crm::stakeholder:1")
    series = enqueue(kind="meeting_invitation", topic="meeting:8@liaison-crm:series:stakeholder:1")
    longer = enqueue(kind="meeting_invitation", topic="meeting:7@liaison-crm::stakeholder:12")
    untopical = enqueue(kind="daily_digest")

    assert services.messages_readdress(was="stakeholder:1", now="stakeholder:5") == 2

    assert [
        OutboundMessage.objects.get(pk=message.pk).topic for message in (theirs, series, longer, untopical)
    ] == [
        "meeting:7@liaison-crm::stakeholder:5",
        "meeting:8@liaison-crm:series:stakeholder:5",
        "meeting:7@liaison-crm::stakeholder:12",
        "",
    ]


def test_readdressing_finds_the_messages_through_the_reversed_topic_index():
    """A merge scanned every message the outbox ever kept, inside its transaction."""
    enqueue(kind="meeting_invitation", topic="meeting:7@liaison-crm::stakeholder:1")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        services.messages_readdress(was="stakeholder:1", now="stakeholder:5")
    (scan,) = [query["sql"] for query in queries if "FOR UPDATE" in query["sql"]]

    with transaction.atomic(), connection.cursor() as cursor:
        # A test table is small enough that a sequential scan would win: what matters is that it can.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {scan}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "outbox_topic_reversed" in plan

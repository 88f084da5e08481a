"""Real SMTP conversations with a server on 127.0.0.1: one that accepts, one that refuses, none at all."""

import datetime as dt
import socket

import pytest
from django.utils import timezone

from outbox import services
from outbox.models import OutboundMessage
from outbox.services import Attachment

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status


def enqueue(**overrides) -> OutboundMessage:
    fields = {
        "key": "meeting-invitation:42:1:ama@example.org",
        "kind": "meeting_invitation",
        "to": "ama@example.org",
        "subject": "Invitation: quarterly review",
        "body": "You are invited to the quarterly review.",
    }
    fields.update(overrides)
    return services.message_enqueue(**fields)


def test_a_message_goes_out_over_smtp_with_its_attachment(smtp_server, send_through):
    server = smtp_server()
    send_through(server)
    message = enqueue(
        attachments=[Attachment("invite.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")]
    )

    services.message_send(message_id=message.pk)

    [received] = server.received
    assert received.recipients == ["ama@example.org"]
    assert received.message["Subject"] == "Invitation: quarterly review"
    assert received.message_id == message.message_id_header
    assert [part.get_filename() for part in received.message.iter_attachments()] == ["invite.ics"]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")


@pytest.mark.parametrize("refuse", ["rcpt", "data"])
def test_a_refusing_server_is_retried_with_growing_waits_then_the_message_fails(
    smtp_server, send_through, settings, time_machine, refuse
):
    settings.OUTBOX_MAX_ATTEMPTS = 5
    settings.OUTBOX_RETRY_BACKOFF_SECONDS = 60
    server = smtp_server(refuse=refuse)
    send_through(server)
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    message = enqueue()

    waits = []
    for _attempt in range(4):
        with pytest.raises(services.DeliveryDeferred) as deferred:
            services.message_send(message_id=message.pk)
        message.refresh_from_db()
        assert message.status == Status.PENDING
        assert "554" in message.last_error
        waits.append((deferred.value.retry_at - now).total_seconds())
        now = message.next_attempt_at
        time_machine.move_to(now, tick=False)
    services.message_send(message_id=message.pk)

    assert waits == [60, 120, 240, 480]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 5)
    assert "554" in message.last_error and "refused by the test server" in message.last_error
    assert server.refusals == 5
    assert server.received == []


def test_an_unreachable_server_is_retried_later(settings):
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        closed_port = placeholder.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port
    message = enqueue()

    with pytest.raises(services.DeliveryDeferred):
        services.message_send(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at > timezone.now() + dt.timedelta(seconds=30)

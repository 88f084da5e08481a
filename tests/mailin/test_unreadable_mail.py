"""An email the CRM does not read (forwards nested past what is read, or one Python's parser fails on) is
stored as it came and waits for review, through the endpoint and `manage.py ingest_mail` alike: never a 500
the relay would retry forever, nor a run of ingest_mail stopped at it."""

import email.message
import mailbox

import pytest
from django.core.management import call_command
from django.urls import reverse

from mailin import parsing
from mailin.models import InboundMessage
from mailin.services import inbound_message_receive, signature_for

pytestmark = pytest.mark.django_db


def nested_forwards(depth: int) -> bytes:
    """An email forwarding an email forwarding an email…, `depth` deep, each as an attachment."""
    inner = "From: Ana <ana@river.example>\r\nTo: bo@lake.example\r\nSubject: Minutes\r\n\r\nThe minutes.\r\n"
    for level in range(depth):
        inner = (
            f"From: Ana <ana@river.example>\r\nTo: log@crm.example\r\nSubject: Fwd: Minutes\r\n"
            f"Message-ID: <level{level}@river.example>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/mixed; boundary=B{level}\r\n\r\n"
            f"--B{level}\r\nContent-Type: text/plain\r\n\r\nLevel {level}.\r\n"
            f"--B{level}\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--B{level}--\r\n"
        )
    return inner.encode()


def post(client, raw):
    return client.post(
        reverse("mailin:inbound"),
        raw,
        content_type="message/rfc822",
        HTTP_X_LIAISON_SIGNATURE=signature_for(raw, "test-secret"),
    )


@pytest.mark.parametrize("depth", [parsing.MAX_ENCLOSED_EMAILS + 1, 1000])
def test_forwards_nested_deeper_than_is_read_wait_unread_for_review(client, depth):
    raw = nested_forwards(depth)

    response = post(client, raw)

    assert response.status_code == 202
    message = InboundMessage.objects.get()
    assert (message.status, message.unread_reason, message.message_id) == (
        "review",
        "nested",
        parsing.content_key(raw),
    )
    assert message.why_it_waits == [
        "It encloses more emails within emails than the CRM reads: its text is shown as it came."
    ]
    assert message.body.startswith("From: Ana <ana@river.example>\n") and message.raw.read() == raw
    assert post(client, raw).status_code == 200 and InboundMessage.objects.count() == 1


def test_as_many_nested_forwards_as_are_read_are_read():
    mail = parsing.parse(nested_forwards(parsing.MAX_ENCLOSED_EMAILS))

    assert mail.forwarded.subject == "Fwd: Minutes" and mail.forwarded.body == "Level 18."


def test_a_forward_is_read_one_level_deep_only():
    # Only the forward the officer sent is logged; what it forwards in turn is in it.
    mail = parsing.parse(nested_forwards(3))

    assert mail.forwarded.message_id == "<level1@river.example>" and mail.forwarded.forwarded is None


def test_ingest_mail_stores_an_email_nested_too_deep_for_review_and_goes_on(tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(nested_forwards(1000))
    box.add(b"From: Bo <bo@lake.example>\r\nTo: log@crm.example\r\nMessage-ID: <later@lake.ex>\r\n\r\nHi\r\n")

    call_command("ingest_mail", str(tmp_path / "Maildir"))

    assert sorted(InboundMessage.objects.values_list("unread_reason", "message_id")) == [
        ("", "<later@lake.ex>"),
        ("nested", parsing.content_key(nested_forwards(1000))),
    ]


def test_an_email_python_fails_to_read_waits_unread_for_review(client, monkeypatch, caplog):
    # Python's email parser fails outright on some emails (IndexError, ValueError) that the parsing module
    # does not yet know to read around: one is what this stands for.
    def fails(self, *args, **kwargs):
        raise IndexError("string index out of range")

    monkeypatch.setattr(email.message.EmailMessage, "get_body", fails)
    raw = b"From: Ana <ana@river.example>\r\nTo: log@crm.example\r\nMessage-ID: <m@river>\r\n\r\nHi\r\n"

    response = post(client, raw)

    assert response.status_code == 202
    message = InboundMessage.objects.get()
    assert (message.status, message.unread_reason) == ("review", "malformed")
    assert message.why_it_waits == ["It could not be read: its text is shown as it came."]
    assert "stored unread for review" in caplog.text
    _again, created = inbound_message_receive(raw=raw)
    assert not created

"""Anyone can send mail to the CRM's address and the relay signs whatever it forwards: however long or many
its header fields, an email is read in well under a second, and the people it names first are still found."""

import json
import mailbox
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from mailin import parsing, views
from mailin.models import InboundMessage
from mailin.services import inbound_message_receive, signature_for

from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db

MEGABYTE = 1024 * 1024


def raw_email(*fields: str, body: str = "Hello.") -> bytes:
    return ("\r\n".join(fields) + "\r\n\r\n" + body + "\r\n").encode()


def crowd(count: int, domain: str = "crowd.example") -> str:
    """Addresses enough for `count` characters, folded over lines as mail programs fold a long list."""
    return ",\r\n ".join(f"person{number}@{domain}" for number in range(count // 28))


def received_through(door, raw, client, tmp_path):
    """Hands the email to the signed endpoint or to `manage.py ingest_mail`; returns the stored message."""
    if door == "endpoint":
        response = client.post(
            reverse("mailin:inbound"),
            raw,
            content_type="message/rfc822",
            HTTP_X_LIAISON_SIGNATURE=signature_for(raw, "test-secret"),
        )
        assert response.status_code == 202
    else:
        box = mailbox.Maildir(tmp_path / "Maildir", create=True)
        box.add(raw)
        call_command("ingest_mail", str(tmp_path / "Maildir"))
    return InboundMessage.objects.get()


def fields_from(officer, *more: str) -> list[str]:
    return [
        f"From: Officer <{officer.email}>",
        "Subject: Reservoir timetable",
        "Date: Tue, 05 Mar 2024 14:30:00 +0000",
        *more,
    ]


DOORS = ["endpoint", "ingest_mail"]


@pytest.mark.parametrize("door", DOORS)
def test_a_megabyte_to_field_is_read_in_well_under_a_second_and_its_first_recipient_found(
    door, officer, client, tmp_path
):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    raw = raw_email(
        *fields_from(
            officer,
            "Message-ID: <huge-to@example.org>",
            f"To: Ana <ana@river.example>,\r\n {crowd(MEGABYTE)}",
        )
    )
    assert len(raw) > MEGABYTE

    started = time.perf_counter()
    message = received_through(door, raw, client, tmp_path)
    assert time.perf_counter() - started < 1

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [ana]


@pytest.mark.parametrize("door", DOORS)
def test_a_thousand_to_fields_are_read_in_well_under_a_second_and_the_first_ones_recipients_found(
    door, officer, client, tmp_path
):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    to_fields = [f"To: {crowd(1100, f'crowd{number}.example')}" for number in range(1000)]
    raw = raw_email(
        *fields_from(officer, "Message-ID: <many-to@example.org>", "To: ana@river.example", *to_fields)
    )
    assert len(raw) > MEGABYTE

    started = time.perf_counter()
    message = received_through(door, raw, client, tmp_path)
    assert time.perf_counter() - started < 1

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [ana]


@pytest.mark.parametrize("door", DOORS)
def test_a_megabyte_of_references_is_read_in_well_under_a_second_and_the_message_logged_once(
    door, officer, client, tmp_path
):
    # A long thread's References name every message before: the email is known by its own Message-ID.
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    references = "\r\n ".join(f"<thread-{number}@mail.example>" for number in range(MEGABYTE // 25))
    raw = raw_email(
        *fields_from(
            officer,
            "To: ana@river.example",
            "Message-ID: <long-thread@example.org>",
            "In-Reply-To: <thread-1@mail.example>",
            f"References: {references}",
        )
    )
    assert len(raw) > MEGABYTE

    started = time.perf_counter()
    message = received_through(door, raw, client, tmp_path)
    assert time.perf_counter() - started < 1

    assert message.message_id == "<long-thread@example.org>"
    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [ana]
    _again, created = inbound_message_receive(raw=raw)
    assert not created and InboundMessage.objects.count() == 1


def test_a_real_message_to_five_hundred_people_finds_the_last_of_them(officer):
    # As Outlook writes a long list: "Surname, Name" <name.surname@organisation> on folded lines.
    people = [
        f'"Person{number}, Name" <name.person{number}@river-authority.example>' for number in range(500)
    ]
    last = StakeholderFactory(
        name="Name Person499", emails=["name.person499@river-authority.example"], owner=officer
    )
    raw = raw_email(
        *fields_from(officer, "Message-ID: <everyone@example.org>", "To: " + ",\r\n ".join(people[:300])),
        "Cc: " + ",\r\n ".join(people[300:]),
    )

    mail = parsing.parse(raw)

    assert len(mail.recipients) == 500 and mail.recipients[-1] == "name.person499@river-authority.example"
    message, _created = inbound_message_receive(raw=raw)
    assert list(message.interaction.stakeholders.all()) == [last]


@pytest.mark.parametrize(
    "field",
    [
        "From: Ana <ana@river.example>, " + '"' * MEGABYTE,
        "From: Ana <ana@river.example>, " + "." * MEGABYTE,
        "Subject: Reservoir timetable " + "word " * (MEGABYTE // 5),
        "Message-ID: " + ", " * (MEGABYTE // 2),
        "Date: Tue, 05 Mar 2024 14:30:00 " + "(" * MEGABYTE,
        "Sensitivity: " + "private " * (MEGABYTE // 8),
        "Content-Type: text/plain; " + "; ".join(f"p{number}=v" for number in range(MEGABYTE // 7)),
        "Content-Disposition: inline; " + '"' * MEGABYTE,
        "Content-Transfer-Encoding: " + "a:" * (MEGABYTE // 2),
    ],
    ids=["from-quotes", "from-dots", "subject", "message-id", "date", "sensitivity", "content-type",
         "content-disposition", "content-transfer-encoding"],
)  # fmt: skip
def test_any_megabyte_header_field_anyone_could_send_is_read_in_well_under_a_second(field):
    name = field.split(":")[0]
    fields = [
        f"{known}: {value}"
        for known, value in [
            ("From", "Ana <ana@river.example>"),
            ("To", "log@crm.example"),
            ("Subject", "Hello"),
            ("Message-ID", "<hello@river.example>"),
            ("Date", "Tue, 05 Mar 2024 14:30:00 +0000"),
        ]
        if known != name
    ]
    raw = raw_email(*fields, field)
    assert len(raw) > MEGABYTE

    started = time.perf_counter()
    mail = parsing.parse(raw)
    assert time.perf_counter() - started < 0.5

    assert mail.to == ["log@crm.example"] and mail.body == "Hello."


def test_a_header_field_cut_short_keeps_its_whole_addresses_and_its_start():
    raw = raw_email(
        "From: Ana Costa <ana@river.example>, " + "x" * MEGABYTE,
        "To: log@crm.example",
        "Subject: Reservoir timetable " + "word " * (MEGABYTE // 5),
    )

    mail = parsing.parse(raw)

    assert (mail.from_name, mail.from_address) == ("Ana Costa", "ana@river.example")
    assert mail.subject.startswith("Reservoir timetable word")


def test_the_endpoint_refuses_a_message_over_the_size_limit_without_reading_it(rf, officer, settings):
    settings.INBOUND_EMAIL_MAX_BYTES = 1000
    raw = raw_email(*fields_from(officer, "To: ana@river.example"), body="x" * 2000)
    request = rf.post(
        reverse("mailin:inbound"),
        raw,
        content_type="message/rfc822",
        HTTP_X_LIAISON_SIGNATURE=signature_for(raw, "test-secret"),
    )

    response = views.inbound(request)

    assert response.status_code == 413 and not request.environ["wsgi.input"].read_started
    assert json.loads(response.content) == {
        "error": "The message is larger than the inbound limit of 1000 bytes."
    }
    assert not InboundMessage.objects.exists()

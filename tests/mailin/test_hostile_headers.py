"""Anyone can send mail to the CRM's address and the relay signs whatever it forwards: however long or many
its header fields, an email is read in bounded time, and the people it names first are still found.

Bounded time is asserted by what Python's parsers are handed (`parsers_given`), not by a clock: they are what
reads a long field in time growing faster than its length (the header registry minutes for a megabyte To),
and a clock fails under a loaded test run whatever the code does."""

import base64
import email
import email.headerregistry
import email.policy
import email.utils
import json
import mailbox
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.urls import reverse

from mailin import parsing, views
from mailin.models import InboundMessage
from mailin.services import inbound_message_receive, signature_for

from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db

MEGABYTE = 1024 * 1024
# The fields read here whose registry class is unstructured (parsing.MAX_UNSTRUCTURED_FIELD).
UNSTRUCTURED = {"subject", "sensitivity"}


class HandedTooMuch(Exception):
    """A parser was handed more than the caps allow: not handed on, as reading it could take minutes."""


@pytest.fixture
def parsers_given(monkeypatch):
    """The lengths of what Python's header registry (per field) and address parser (per list, and its
    longest run between separators) are handed while the test runs."""
    given = {"registry": [], "addresses": []}
    read_field = email.headerregistry.HeaderRegistry.__call__
    read_addresses = email.utils.getaddresses

    def registry(self, name, value):
        given["registry"].append((name.lower(), len(value)))
        if len(value) > parsing.MAX_UNSTRUCTURED_FIELD:
            raise HandedTooMuch(name)
        return read_field(self, name, value)

    def getaddresses(fieldvalues, **options):
        text = ", ".join(str(value) for value in fieldvalues)
        longest_run = max(len(run) for run in parsing.LIST_SEPARATOR.split(text))
        given["addresses"].append((len(text), longest_run))
        if len(text) > parsing.MAX_RECIPIENT_LISTS + 2 * parsing.MAX_LIST_FIELDS:
            raise HandedTooMuch("address list")
        return read_addresses(fieldvalues, **options)

    monkeypatch.setattr(email.headerregistry.HeaderRegistry, "__call__", registry)
    monkeypatch.setattr(email.utils, "getaddresses", getaddresses)
    return given


def assert_handed_within_the_caps(given):
    assert given["registry"], "the header registry was not spied on"
    for name, length in given["registry"]:
        cap = parsing.MAX_UNSTRUCTURED_FIELD if name in UNSTRUCTURED else parsing.MAX_HEADER_FIELD
        assert length <= cap, f"{name}: {length} characters"
    for length, longest_run in given["addresses"]:
        # Ten To and ten Cc fields are joined by ", ".
        assert length <= parsing.MAX_RECIPIENT_LISTS + 2 * parsing.MAX_LIST_FIELDS
        assert longest_run <= parsing.MAX_LIST_ENTRY


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
def test_a_megabyte_to_field_is_read_within_the_caps_and_its_first_recipient_found(
    door, officer, client, tmp_path, parsers_given
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

    message = received_through(door, raw, client, tmp_path)

    assert_handed_within_the_caps(parsers_given)

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [ana]


@pytest.mark.parametrize("door", DOORS)
def test_a_thousand_to_fields_are_read_within_the_caps_and_the_first_ones_recipients_found(
    door, officer, client, tmp_path, parsers_given
):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    to_fields = [f"To: {crowd(1100, f'crowd{number}.example')}" for number in range(1000)]
    raw = raw_email(
        *fields_from(officer, "Message-ID: <many-to@example.org>", "To: ana@river.example", *to_fields)
    )
    assert len(raw) > MEGABYTE

    message = received_through(door, raw, client, tmp_path)

    assert_handed_within_the_caps(parsers_given)

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [ana]


@pytest.mark.parametrize("door", DOORS)
def test_a_megabyte_of_references_is_read_within_the_caps_and_the_message_logged_once(
    door, officer, client, tmp_path, parsers_given
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

    message = received_through(door, raw, client, tmp_path)

    assert_handed_within_the_caps(parsers_given)

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
def test_any_megabyte_header_field_anyone_could_send_is_read_within_the_caps(field, parsers_given):
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

    mail = parsing.parse(raw)

    assert_handed_within_the_caps(parsers_given)

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


# Outlook writes a long file name in non-ASCII letters as RFC 2231 continuations, one on each folded line.
MINUTES = "令和六年度河川流域管理協議会第三回定例会議議事録" * 5 + ".pdf"
CHARSET = "utf-8''"


def with_attachment(content_type: str, disposition: str) -> bytes:
    return raw_email(
        "From: Ana Costa <ana@river.example>",
        "To: log@crm.example",
        "Subject: Minutes",
        "Message-ID: <minutes@river.example>",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=BB",
        body=(
            "--BB\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n"
            f"--BB\r\nContent-Type: {content_type}\r\nContent-Disposition: {disposition}\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8=\r\n--BB--"
        ),
    )


def outlook_attachment(padding: int) -> bytes:
    """An email from Ana attaching the minutes, its Content-Disposition longer than MAX_HEADER_FIELD; each
    `padding` moves where the cut falls in a continuation's name or value ("filename*12", "…*12*=%E")."""
    escaped = quote(MINUTES.encode())
    pieces = [escaped[start : start + 60] for start in range(0, len(escaped), 60)]
    continuations = ";\r\n\t".join(
        f"filename*{number}*={CHARSET if number == 0 else ''}{piece}" for number, piece in enumerate(pieces)
    )
    return with_attachment(
        "application/pdf", f"attachment;\r\n\tsize=12345{'6' * padding};\r\n\t{continuations}"
    )


def test_a_long_outlook_attachment_name_is_read_up_to_the_continuation_the_cut_falls_in():
    assert len(outlook_attachment(0)) > parsing.MAX_HEADER_FIELD + 400
    for padding in range(60):  # the cut falls at every place in a continuation
        [attachment] = parsing.parse(outlook_attachment(padding)).attachments

        assert attachment.filename.startswith(MINUTES[:60]) and MINUTES.startswith(attachment.filename)
        assert attachment.content_type == "application/pdf" and attachment.content == b"Hello"


@pytest.mark.parametrize(
    "content_type, disposition",
    [
        ("application/pdf", "attachment; filename*"),
        ("application/pdf", "attachment; filename*0*"),
        ("application/pdf; name*", "attachment; filename*"),
        ("application/pdf; name*0*", "attachment"),
    ],
)
def test_an_attachment_whose_name_python_cannot_read_is_kept_under_a_numbered_name(content_type, disposition):
    [attachment] = parsing.parse(with_attachment(content_type, disposition)).attachments

    assert (attachment.filename, attachment.content_type, attachment.content) == (
        "attachment-1",
        "application/pdf",
        b"Hello",
    )


@pytest.mark.parametrize("field", ['From: "', "From: Ana <", "Message-ID: <"])
def test_a_sender_or_message_id_python_cannot_read_is_read_as_absent(field):
    name = field.split(":")[0]
    known = {"From": "Ana <ana@river.example>", "Message-ID": "<hello@river.example>"}
    fields = [f"{known_name}: {value}" for known_name, value in known.items() if known_name != name]
    raw = raw_email(*fields, field, "To: log@crm.example", "Subject: Hello")

    mail = parsing.parse(raw)

    assert mail.to == ["log@crm.example"] and mail.subject == "Hello" and mail.body == "Hello."
    if name == "From":
        assert mail.from_address == "" and mail.message_id == "<hello@river.example>"
    else:
        assert mail.from_address == "ana@river.example" and mail.message_id == parsing.content_key(raw)


@pytest.mark.parametrize("door", DOORS)
def test_an_email_with_a_long_outlook_attachment_name_is_captured_through_either_door(door, client, tmp_path):
    raw = outlook_attachment(39)  # cut at MAX_HEADER_FIELD, its Content-Disposition ended in "filename*12"

    message = received_through(door, raw, client, tmp_path)

    assert message.attachments.get().filename.startswith(MINUTES[:60])


def test_ingest_mail_goes_on_past_an_email_with_an_attachment_python_cannot_read(tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(with_attachment("application/pdf", "attachment; filename*"))
    box.add(raw_email("From: Bo <bo@lake.example>", "To: log@crm.example", "Message-ID: <later@lake.ex>"))

    call_command("ingest_mail", str(tmp_path / "Maildir"))

    stored = InboundMessage.objects.order_by("message_id")
    assert [message.message_id for message in stored] == ["<later@lake.ex>", "<minutes@river.example>"]
    assert stored[1].attachments.get().filename == "attachment-1"


# Python 3.11.10 and later (production runs the latest 3.11) read address lists strictly by default, and a
# whole list with one of these in it as [("", "")]: every recipient lost.
BOTH = ["ana@river.example", "bo@lake.example"]


@pytest.mark.parametrize(
    "to, cc, expected",
    [
        ("Ana Costa <ana@river.example>, Bo Lima <bo@lake.example>,", "", BOTH),
        ("ana@river.example; bo@lake.example", "", BOTH),
        ("ana@river.example (Costa, Ana), bo@lake.example (Lima", "", BOTH),
        ("undisclosed-recipients:;", "ana@river.example", ["ana@river.example"]),
    ],
    ids=["trailing-comma", "semicolons", "comment-cut-short", "empty-group"],
)
def test_an_address_list_mail_programs_write_loosely_keeps_every_recipient(to, cc, expected):
    fields = ["From: Officer <o@crm.example>", "Message-ID: <m@crm.example>", f"To: {to}", f"Cc: {cc}"]
    forward = f"---------- Forwarded message ---------\r\nFrom: Ana <ana@river.example>\r\nTo: {to}\r\n"
    raw = raw_email(*fields, "Subject: Fwd: minutes", body=f"{forward}Cc: {cc}\r\n\r\nThe minutes.")

    mail = parsing.parse(raw)

    assert mail.recipients == expected
    assert mail.forwarded.recipients == expected


def test_addresses_are_read_leniently_by_a_python_that_reads_them_strictly(monkeypatch):
    # This Python may predate strict parsing: the cases above were also run by hand on Python 3.13.
    options_given = []
    read_list, read_one = email.utils.getaddresses, email.utils.parseaddr

    def getaddresses(fieldvalues, **options):
        options_given.append(options)
        return read_list(fieldvalues)

    def parseaddr(address, **options):
        options_given.append(options)
        return read_one(address)

    monkeypatch.setattr(email.utils, "supports_strict_parsing", True, raising=False)
    monkeypatch.setattr(email.utils, "getaddresses", getaddresses)
    monkeypatch.setattr(email.utils, "parseaddr", parseaddr)
    forward = (
        "---------- Forwarded message ---------\r\nFrom: Ana <ana@river.example>\r\nTo: bo@lake.example,"
    )
    raw = raw_email(
        "From: Officer <o@crm.example>",
        "To: ana@river.example,",
        "Subject: Fwd: minutes",
        body=f"{forward}\r\n\r\nThe minutes.",
    )

    mail = parsing.parse(raw)

    assert mail.to == ["ana@river.example"] and mail.forwarded.to == ["bo@lake.example"]
    # The email's sender, To and Cc; its forward's sender, To and Cc.
    assert len(options_given) == 6 and all(options == {"strict": False} for options in options_given)


JAPANESE_SUBJECT = (
    "【ご確認のお願い】令和六年度 河川流域管理協議会 第三回定例会議の議事録および次回会議日程調整について"
    "（関係各位）"  # noqa: RUF001
)


def encoded_words(text: str) -> str:
    """`text` as mail programs write a subject in another script: RFC 2047 words of 15 characters in base64,
    one on each folded line."""
    pieces = [text[start : start + 15] for start in range(0, len(text), 15)]
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(piece.encode()).decode()}?=" for piece in pieces)


def test_a_long_subject_in_encoded_words_is_read_whole():
    subject = JAPANESE_SUBJECT * 4  # 228 characters, written in 1,272
    raw = raw_email("From: ana@river.example", "To: log@crm.example", f"Subject: {encoded_words(subject)}")
    assert len(raw) > parsing.MAX_HEADER_FIELD + 200

    assert parsing.parse(raw).subject == subject


def test_a_subject_longer_than_is_read_is_cut_between_encoded_words():
    subject = JAPANESE_SUBJECT * 24
    for padding in range(1, 80, 3):  # the cut falls at every place in an encoded word
        raw = raw_email("To: log@crm.example", f"Subject: {'x' * padding} {encoded_words(subject)}")
        assert len(raw) > parsing.MAX_UNSTRUCTURED_FIELD + 1000

        read = parsing.parse(raw).subject

        assert read == f"{'x' * padding} {subject}"[:500]


def test_a_text_in_a_charset_python_cannot_decode_with_is_read_as_utf_8():
    # A NUL in the charset's name: Python raises ValueError ("embedded null character"), not a LookupError.
    raw = raw_email("From: ana@river.example", 'Content-Type: text/plain; charset="utf-8\x00"', body="Café")

    assert parsing.parse(raw).body == "Café"

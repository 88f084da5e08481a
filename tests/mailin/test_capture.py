"""Email capture: forwards and BCCs become interactions; unknown senders wait; each message logs once."""

import email
import email.policy
import mailbox
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.urls import reverse

from contacts.models import Stakeholder
from contacts.services import stakeholder_archive
from interactions.models import Interaction
from mailin import parsing
from mailin.models import InboundMessage
from mailin.services import inbound_message_assign, inbound_message_receive, signature_for

from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db


def email_bytes(
    *, sender, to, subject="Reservoir timetable", body="Hello.", cc=(), message_id=None, attach=None
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject
    message["Date"] = "Tue, 05 Mar 2024 14:30:00 +0000"
    message["Message-ID"] = message_id or f"<{abs(hash((sender, subject, body)))}@mail.example>"
    message.set_content(body)
    if attach:
        for filename, content in attach:
            message.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    return bytes(message)


@pytest.fixture
def ana(officer):
    return StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)


def test_a_bcc_of_my_own_email_is_logged_as_outbound(officer, ana):
    raw = email_bytes(sender=f"Officer <{officer.email}>", to=["Ana <ana@river.example>"])
    message, created = inbound_message_receive(raw=raw)
    assert created and message.status == "logged"
    interaction = message.interaction
    assert (
        interaction.logged_by == officer
        and interaction.kind == "email"
        and interaction.direction == "outbound"
    )
    assert list(interaction.stakeholders.all()) == [ana]
    assert interaction.summary == "Reservoir timetable"
    ana.refresh_from_db()
    assert ana.last_contacted_at == interaction.occurred_at


def test_an_english_subject_opening_with_rv_is_summarised_without_it_and_kept_whole_on_the_message(
    officer, ana
):
    # "RV:" is Spanish Outlook's "FW:" in a subject in any language (parsing.FORWARD_PREFIXES says why):
    # the camper is lost from the summary only, not from the message kept.
    raw = email_bytes(
        sender="Ana Costa <ana@river.example>", to=["log@crm.example"], subject="RV: camping trip"
    )

    message, _created = inbound_message_receive(raw=raw)

    assert message.subject == "RV: camping trip"
    assert message.interaction.summary == "camping trip"


def test_a_forwarded_email_is_logged_as_inbound_from_its_sender(officer, ana):
    body = (
        "FYI\n\n---------- Forwarded message ---------\nFrom: Ana Costa <ana@river.example>\n"
        "Date: Mon, 4 Mar 2024 09:00:00 +0000\nSubject: Flooding on Mill Lane\nTo: <officer@example.org>\n\n"
        "The lane flooded again."
    )
    raw = email_bytes(
        sender=officer.email, to=["log@crm.example"], subject="Fwd: Flooding on Mill Lane", body=body
    )
    message, _created = inbound_message_receive(raw=raw)
    interaction = message.interaction
    assert interaction.direction == "inbound" and list(interaction.stakeholders.all()) == [ana]
    assert interaction.summary == "Flooding on Mill Lane" and "flooded again" in interaction.notes
    assert message.is_forward and message.from_address == "ana@river.example"


@pytest.mark.parametrize(
    ("marker", "date_line"),
    [
        ("---------- Forwarded message ---------", "Date: Mon, Mar 4, 2024 at 3:04\u202fPM"),
        ("---------- Forwarded message ---------", "Date: Mon, 4 Mar 2024 at 15:04"),
        ("-----Original Message-----", "Sent: Monday, March 4, 2024 3:04 PM"),
        ("-----Original Message-----", "Sent: 04 March 2024 15:04"),
        ("_" * 32, "Sent: Monday, March 4, 2024 3:04 PM"),
    ],
    ids=["gmail", "gmail-en-gb", "outlook", "outlook-en-gb", "outlook-365"],
)
def test_a_forward_is_logged_when_the_original_was_sent_in_the_forwarding_officers_time(
    officer, ana, marker, date_line
):
    officer.time_zone = "Africa/Nairobi"  # UTC+3
    officer.save()
    body = (
        f"FYI\n\n{marker}\nFrom: Ana Costa <ana@river.example>\n{date_line}\n"
        "Subject: Flooding on Mill Lane\nTo: <officer@example.org>\n\nThe lane flooded again."
    )
    raw = email_bytes(sender=officer.email, to=["log@crm.example"], subject="Fwd: Flooding", body=body)
    message, _created = inbound_message_receive(raw=raw)
    assert message.sent_at == datetime(2024, 3, 4, 12, 4, tzinfo=UTC)
    assert message.interaction.occurred_at == datetime(2024, 3, 4, 12, 4, tzinfo=UTC)


def test_a_forward_from_outlook_2016_finds_its_sender_in_brackets(officer, ana):
    body = (
        "FYI\n\n-----Original Message-----\nFrom: Ana Costa [mailto:ana@river.example]\n"
        "Sent: 04 March 2024 15:04\nTo: Hannah Brooks\nSubject: Flooding\n\nThe lane flooded again."
    )
    raw = email_bytes(sender=officer.email, to=["log@crm.example"], subject="FW: Flooding", body=body)
    message, _created = inbound_message_receive(raw=raw)
    assert message.is_forward and message.from_name == "Ana Costa"
    assert list(message.interaction.stakeholders.all()) == [ana]


@pytest.mark.parametrize(
    ("subject", "quoted"),
    [
        pytest.param(
            "TR: Inondation",
            "-----Message d'origine-----\nDe : Ana Costa <ana@river.example>\n"
            "Envoyé : lundi 4 mars 2024 15:04\nÀ : Hannah Brooks\nObjet : Inondation rue du Moulin",
            id="outlook-fr",
        ),
        pytest.param(
            "TR: Inondation",
            "---------- Weitergeleitete Nachricht ---------\nVon: Ana Costa <ana@river.example>\n"
            "Date: Mo., 4. März 2024 um 15:04 Uhr\nSubject: Inondation rue du Moulin\n"
            "To: <officer@example.org>",
            id="gmail-de",
        ),
        pytest.param(
            "RV: Inundación",
            "-----Mensaje original-----\nDe: Ana Costa <ana@river.example>\n"
            "Enviado: lunes, 4 de marzo de 2024 15:04\nPara: Hannah Brooks\nAsunto: Inondation rue du Moulin",
            id="outlook-es",
        ),
        pytest.param(
            "Rv: Inundación",
            "-----Mensaje reenviado-----\nDe: Ana Costa <ana@river.example>\n"
            "Enviado: lunes, 4 de marzo de 2024 15:04\nPara: Hannah Brooks\nAsunto: Inondation rue du Moulin",
            id="outlook-es-forwarded-message",
        ),
        pytest.param(
            "Inundación",
            "---------- Mensaje reenviado ---------\nDe: Ana Costa <ana@river.example>\n"
            "Date: lun, 4 mar 2024 a las 15:04\nSubject: Inondation rue du Moulin\nTo: <officer@example.org>",
            id="gmail-es",
        ),
        pytest.param(
            "Inundación",
            "Inicio del mensaje reenviado:\n\nDe: Ana Costa <ana@river.example>\n"
            "Asunto: Inondation rue du Moulin\nFecha: 4 de marzo de 2024, 15:04:00 GMT\n"
            "Para: Hannah Brooks <officer@example.org>",
            id="apple-mail-es",
        ),
    ],
)
def test_a_forward_from_a_french_german_or_spanish_mail_program_is_logged_with_its_sender(
    officer, ana, subject, quoted
):
    body = f"Pour info\n\n{quoted}\n\nLa rue est encore inondée."
    raw = email_bytes(sender=officer.email, to=["log@crm.example"], subject=subject, body=body)
    message, _created = inbound_message_receive(raw=raw)
    assert message.is_forward and list(message.interaction.stakeholders.all()) == [ana]
    assert message.sent_at == datetime(2024, 3, 4, 15, 4, tzinfo=UTC)  # London is on UTC in March
    assert message.interaction.summary == "Inondation rue du Moulin"
    assert message.interaction.notes == "La rue est encore inondée."


def test_a_forward_from_apple_mail_in_german_reads_its_header_names(officer, ana):
    body = (
        "Zur Info\n\nAnfang der weitergeleiteten Nachricht:\n\nVon: Ana Costa <ana@river.example>\n"
        "Betreff: Hochwasser in der Mühlgasse\nDatum: 4. März 2024 um 15:04:05 MEZ\nAn: Hannah Brooks "
        "<officer@example.org>\n\nDie Gasse ist wieder überflutet."
    )
    raw = email_bytes(sender=officer.email, to=["log@crm.example"], subject="WG: Hochwasser", body=body)
    message, _created = inbound_message_receive(raw=raw)
    assert message.is_forward and list(message.interaction.stakeholders.all()) == [ana]
    assert message.interaction.summary == "Hochwasser in der Mühlgasse"
    assert message.interaction.notes == "Die Gasse ist wieder überflutet."


@pytest.mark.parametrize(
    ("subject", "quoted"),
    [
        (
            "RE: Flooding",
            "-----Original Message-----\nFrom: Ana Costa [mailto:ana@river.example]\n"
            "Sent: 04 March 2024 15:04\nTo: Hannah Brooks\nSubject: Flooding",
        ),
        (
            "AW: Flooding",
            "-----Ursprüngliche Nachricht-----\nVon: Ana Costa [mailto:ana@river.example]\n"
            "Gesendet: Montag, 4. März 2024 15:04\nAn: Hannah Brooks\nBetreff: Flooding",
        ),
        (
            "RE : Flooding",
            "-----Message d'origine-----\nDe : Ana Costa [mailto:ana@river.example]\n"
            "Envoyé : lundi 4 mars 2024 15:04\nÀ : Hannah Brooks\nObjet : Flooding",
        ),
        (
            "AW: Flooding",
            "_" * 32 + "\nVon: Ana Costa <ana@river.example>\nDatum: Montag, 4. März 2024 15:04\n"
            "An: Hannah Brooks\nBetreff: Flooding",
        ),
        (
            "RE: Flooding",
            "-----Mensaje original-----\nDe: Ana Costa [mailto:ana@river.example]\n"
            "Enviado: lunes, 4 de marzo de 2024 15:04\nPara: Hannah Brooks\nAsunto: Flooding",
        ),
        (
            "RE: Flooding",
            "_" * 32 + "\nDe: Ana Costa <ana@river.example>\nEnviado: lunes, 4 de marzo de 2024 15:04\n"
            "Para: Hannah Brooks\nAsunto: Flooding",
        ),
    ],
    ids=["outlook", "outlook-de", "outlook-fr", "outlook-365-de", "outlook-es", "outlook-365-es"],
)
def test_my_reply_from_outlook_quoting_the_stakeholder_is_logged_as_mine(officer, ana, subject, quoted):
    # Outlook puts the same marker above the message a reply quotes as above a forwarded one.
    body = f"Yes, Thursday suits us.\n\n{quoted}\n\nCan we meet?"
    raw = email_bytes(sender=officer.email, to=["ana@river.example"], subject=subject, body=body)
    message, _created = inbound_message_receive(raw=raw)
    assert not message.is_forward and message.interaction.direction == "outbound"
    assert list(message.interaction.stakeholders.all()) == [ana]
    assert message.interaction.notes.startswith("Yes, Thursday suits us.")


def test_my_reply_quoting_a_forward_the_stakeholder_sent_is_logged_as_mine(officer, ana):
    body = (
        "Yes, Thursday suits us.\n\n-----Original Message-----\nFrom: Ana Costa [mailto:ana@river.example]\n"
        "Sent: 04 March 2024 15:04\nSubject: FW: Flooding\n\nSee below.\n\n"
        "---------- Forwarded message ---------\nFrom: Kofi Mensah <kofi@coast.example>\n"
        "Subject: Flooding\n\nThe lane flooded again."
    )
    raw = email_bytes(sender=officer.email, to=["ana@river.example"], subject="RE: FW: Flooding", body=body)
    message, _created = inbound_message_receive(raw=raw)
    assert not message.is_forward and message.interaction.direction == "outbound"
    assert message.interaction.notes.startswith("Yes, Thursday suits us.")


def test_my_reply_from_outlook_365_quoting_the_stakeholder_is_logged_as_mine(officer, ana):
    # Outlook puts the same rule above the message a reply quotes as above a forwarded one.
    body = (
        "Yes, Thursday suits us.\n\n________________________________\nFrom: Ana Costa <ana@river.example>\n"
        "Sent: Monday, March 4, 2024 3:04 PM\nSubject: Flooding on Mill Lane\n\nCan we meet?"
    )
    raw = email_bytes(sender=officer.email, to=["ana@river.example"], subject="RE: Flooding", body=body)
    message, _created = inbound_message_receive(raw=raw)
    assert not message.is_forward and message.interaction.direction == "outbound"
    assert message.interaction.notes.startswith("Yes, Thursday suits us.")


def test_an_email_dated_in_utc_without_its_senders_zone_keeps_its_date(officer, ana):
    raw = email_bytes(sender=officer.email, to=["ana@river.example"]).replace(b"+0000", b"-0000")
    message, _created = inbound_message_receive(raw=raw)
    assert message.interaction.occurred_at == datetime(2024, 3, 5, 14, 30, tzinfo=UTC)


def test_an_html_only_email_is_logged_as_its_reader_saw_it(officer, ana):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "ana@river.example", officer.email, "Tea & talks"
    mail.set_content(
        "<html><head><style>p { color: red }</style></head><body><p>Tea &amp; talks at 3</p>"
        "<script>track()</script><div>Bring the &lt;draft&gt;</div></body></html>",
        subtype="html",
    )
    message, _created = inbound_message_receive(raw=bytes(mail))
    assert message.interaction.notes == "Tea & talks at 3\nBring the <draft>"


def test_an_email_of_blank_lines_anyone_could_send_is_read_one_line_at_a_time(patterns_given, time_limit):
    # A marker's spaces were once `\s*`: each line's attempt read every blank line below it (a minute).
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "officer@example.org", "log@crm.example", "Fwd: Hello"
    mail.set_content(
        "Hello" + "\n" * 45_000 + "-- Forwarded message --\nFrom: Ana <ana@river.example>\n\nBye"
    )

    with time_limit():
        parsed = parsing.parse(bytes(mail))

    assert parsed.forwarded.from_address == "ana@river.example"
    marker = parsing.MARKERS.search(parsed.body)
    assert marker.group() == "-- Forwarded message --"  # read from its own line's start, not a blank line's
    assert len(patterns_given["MARKERS"]) == 2  # one search of the text, and the one above


@pytest.mark.parametrize(
    ("body", "subtype"),
    [
        ("-- Forwarded message --\n" + " " * 20_000 + "x", "plain"),
        ("-- Forwarded message --\n" + " \t" * 10_000 + "x", "plain"),
        ("-- Forwarded message --<br>" + "&#32;" * 20_000 + "x", "html"),
    ],
    ids=["spaces", "tabs", "html-entities"],
)
def test_a_forward_of_a_line_of_spaces_anyone_could_send_is_read_once(
    body, subtype, patterns_given, time_limit
):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "ana@river.example", "log@crm.example", "Fwd: Hello"
    mail.set_content(body, subtype=subtype)

    with time_limit():
        parsed = parsing.parse(bytes(mail))

    assert parsed.forwarded is None  # the line holds no header: no sender
    # The line is tried once as a header; the pattern's runs of spaces have one place to go each (two runs
    # that could share the line, `\s*>?\s*`, took most of a minute), and no more than its own line.
    assert [length for _method, length, _pos in patterns_given["QUOTED_HEADER"]] == [len(parsed.body) - 24]
    assert parsing.QUOTED_HEADER.match(" \t> \tFrom: Ana") and not parsing.QUOTED_HEADER.match("\nFrom: Ana")


@pytest.mark.parametrize("header", ["From", "To"])
def test_a_forward_whose_quoted_header_would_make_the_address_parser_recurse_is_read(header):
    """Anyone may send to the CRM's address: a quoted line of a thousand colons was a 500."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "ana@river.example", "log@crm.example", "Fwd: Hello"
    quoted = {"From": "Ana <ana@river.example>", "To": "log@crm.example"} | {header: "a:" * 3000}
    mail.set_content(f"-- Forwarded message --\nFrom: {quoted['From']}\nTo: {quoted['To']}\n\nHello")

    parsed = parsing.parse(bytes(mail))

    assert parsed.from_address == "ana@river.example"


def test_an_html_only_forward_from_gmail_is_logged_with_its_sender_line_by_line(officer, ana):
    # Gmail writes each line in a <div>, a blank line as <div><br></div>; the source wraps anywhere.
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = officer.email, "log@crm.example", "Fwd: Flooding"
    mail.set_content(
        '<div dir="ltr">FYI<br><br><div class="gmail_quote"><div class="gmail_attr">---------- Forwarded '
        'message ---------<br>From: <strong class="gmail_sendername">Ana\r\n Costa</strong> <span>&lt;<a '
        'href="mailto:ana@river.example">ana@river.example</a>&gt;</span><br>'
        "Date: Mon, 4 Mar 2024 at 15:04<br>Subject: Flooding<br></div><br><div>Dear Hannah,</div>"
        "<div><br></div><div>The lane flooded\r\nagain.</div><div>Ana</div></div></div>",
        subtype="html",
    )
    message, _created = inbound_message_receive(raw=bytes(mail))
    assert message.is_forward and list(message.interaction.stakeholders.all()) == [ana]
    assert message.from_name == "Ana Costa"
    assert message.interaction.notes == "Dear Hannah,\n\nThe lane flooded again.\nAna"


def test_an_html_only_forward_from_thunderbird_is_logged_with_its_sender_line_by_line(officer, ana):
    # Thunderbird quotes the forward in <pre>: its line breaks are the lines shown.
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = officer.email, "log@crm.example", "Fwd: Flooding"
    mail.set_content(
        '<html><body><p>FYI</p><div class="moz-forward-container"><pre class="moz-quote-pre" wrap="">'
        "-------- Forwarded Message --------\r\nSubject: Flooding on Mill Lane\r\n"
        "Date: Mon, 4 Mar 2024 09:00:00 +0000\r\nFrom: Ana Costa &lt;ana@river.example&gt;\r\n"
        "To: officer@example.org\r\n\r\nThe lane   flooded again.\r\nAna\r\n</pre></div></body></html>",
        subtype="html",
    )
    message, _created = inbound_message_receive(raw=bytes(mail))
    assert message.is_forward and list(message.interaction.stakeholders.all()) == [ana]
    assert message.interaction.summary == "Flooding on Mill Lane"
    assert message.interaction.notes == "The lane flooded again.\nAna"


@pytest.mark.parametrize(
    "html_body",
    [
        "<style " * 100_000 + "Hello",  # openings never closed
        "<p>Hi</p>" + "<!--" * 100_000,  # comments never closed
        "<script>x</script " * 50_000 + "<p>Hello</p>",
        "<" * 300_000 + "<br " * 100_000,
        "<pre " * 100_000 + "</pre\n " * 100_000,
    ],
)
def test_an_html_email_anyone_could_send_is_read_in_one_pass(html_body, patterns_given, time_limit):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "ana@river.example", "log@crm.example", "Hello"
    mail.set_content(html_body, subtype="html")

    with time_limit():
        parsing.parse(bytes(mail))

    # Each hidden part is looked for from where the last one closed: the text is read once (a pattern looking
    # ahead for each opening's close, or Python's HTML parser, took minutes).
    searched_from = [pos for _method, _length, pos in patterns_given["UNSEEN_HTML"]]
    assert searched_from == sorted(set(searched_from))


def test_a_long_html_email_anyone_could_send_is_read_only_as_far_as_it_is_kept(monkeypatch):
    handed = []
    spaces_as_shown = parsing._spaces_as_shown
    monkeypatch.setattr(
        parsing, "_spaces_as_shown", lambda text: handed.append(len(text)) or spaces_as_shown(text)
    )
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "ana@river.example", "log@crm.example", "Hello"
    mail.set_content("a " * 3_000_000, subtype="html")

    parsed = parsing.parse(bytes(mail))

    # Read up to MAX_HTML, not the 6 MB, only to be cut at MAX_BODY (it took seconds).
    assert handed and max(handed) <= parsing.MAX_HTML
    assert len(parsed.body) == parsing.MAX_BODY


def test_a_forward_with_the_original_attached_keeps_its_attachments(officer, ana):
    original = email_bytes(
        sender="ana@river.example", to=[officer.email], message_id="<original-1@river.example>",
        attach=[("plan.pdf", b"%PDF-1.4 plan")],
    )  # fmt: skip
    forward = EmailMessage()
    forward["From"], forward["To"], forward["Subject"] = officer.email, "log@crm.example", "Fwd: plan"
    forward["Message-ID"] = "<forward-1@example.org>"
    forward.set_content("See attached.")
    forward.add_attachment(email.message_from_bytes(original, policy=email.policy.default))
    message, _created = inbound_message_receive(raw=bytes(forward))
    assert message.message_id == "<original-1@river.example>"
    assert [a.filename for a in message.attachments.all()] == ["plan.pdf"]
    assert message.attachments.get().file.read() == b"%PDF-1.4 plan"
    assert "plan.pdf" in message.interaction.notes


def test_a_signatures_logo_the_email_shows_is_not_kept_as_an_attachment(officer, ana):
    # Outlook's shape: the HTML and the images it shows in one multipart/related.
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = officer.email, "ana@river.example", "Figures"
    mail.set_content('<p>Dear Ana</p><p>Hannah<br><img src="cid:image001.png@01DA"></p>', subtype="html")
    mail.add_related(b"\x89PNG", "image", "png", cid="<image001.png@01DA>", filename="image001.png")

    message, _created = inbound_message_receive(raw=bytes(mail))

    assert not message.attachments.exists()
    assert message.interaction.notes == "Dear Ana\nHannah"


@pytest.mark.parametrize("shape", ["apple-mail", "outlook"])
def test_a_photo_or_screenshot_the_email_shows_is_kept_as_an_attachment(officer, ana, shape):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "ana@river.example", officer.email, "Mill Lane"
    mail.set_content('<p>This morning:</p><img src="cid:photo@river.example"><p>Ana</p>', subtype="html")
    photo, cid = b"\xff\xd8\xff\xe0" + bytes(300_000), "<photo@river.example>"
    if shape == "apple-mail":  # multipart/mixed, the photo inline
        mail.add_attachment(photo, "image", "jpeg", filename="IMG_0042.jpeg", disposition="inline", cid=cid)
    else:  # multipart/related, as a pasted screenshot
        mail.add_related(photo, "image", "jpeg", filename="IMG_0042.jpeg", cid=cid)

    message, _created = inbound_message_receive(raw=bytes(mail))

    attachment = message.attachments.get()
    assert (attachment.filename, attachment.file.read()) == ("IMG_0042.jpeg", photo)
    assert "IMG_0042.jpeg" in message.interaction.notes


@pytest.mark.parametrize(
    ("sent_as", "kept_as"),
    [
        ("../../../../etc/plan.pdf", "plan.pdf"),
        ("C:\\Users\\ana\\Documents\\plan.pdf", "plan.pdf"),
        ("Q3/Q4 plan.pdf", "Q4 plan.pdf"),
        ("..", "attachment-1"),
    ],
)
def test_an_attachment_named_with_folders_is_kept_by_its_own_name(officer, ana, sent_as, kept_as):
    raw = email_bytes(sender=officer.email, to=["ana@river.example"], attach=[(sent_as, b"%PDF-1.4 plan")])
    message, created = inbound_message_receive(raw=raw)
    assert created and message.status == "logged"
    attachment = message.attachments.get()
    assert attachment.filename == kept_as and attachment.file.read() == b"%PDF-1.4 plan"


def test_the_same_message_logs_once(officer, colleague, ana):
    raw = email_bytes(sender=officer.email, to=["ana@river.example"], message_id="<once@example.org>")
    inbound_message_receive(raw=raw)
    _again, created = inbound_message_receive(raw=raw)
    assert not created
    assert Interaction.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_an_unknown_sender_waits_for_review_then_is_logged(officer, ana):
    raw = email_bytes(sender=officer.email, to=["stranger@elsewhere.example"])
    message, _created = inbound_message_receive(raw=raw)
    assert message.status == "review" and message.interaction is None
    assert message.unmatched_addresses == ["stranger@elsewhere.example"]

    inbound_message_assign(message=message, actor=officer, stakeholders=[ana], is_confidential=False)

    message.refresh_from_db()
    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [ana]


def test_mail_not_sent_in_by_staff_is_logged_for_the_stakeholders_owner(officer, ana):
    raw = email_bytes(sender="ana@river.example", to=["log@crm.example"])
    message, _created = inbound_message_receive(raw=raw)
    assert message.status == "logged" and message.interaction.logged_by == officer
    assert message.interaction.direction == "inbound"


def test_the_endpoint_takes_signed_messages_only(client, officer, ana, settings):
    raw = email_bytes(sender=officer.email, to=["ana@river.example"], message_id="<signed@example.org>")
    url = reverse("mailin:inbound")
    refused = client.post(url, raw, content_type="message/rfc822", HTTP_X_LIAISON_SIGNATURE="sha256=00")
    assert refused.status_code == 403 and not InboundMessage.objects.exists()

    signature = signature_for(raw, "test-secret")
    accepted = client.post(url, raw, content_type="message/rfc822", HTTP_X_LIAISON_SIGNATURE=signature)
    assert accepted.status_code == 202 and accepted.json()["status"] == "logged"
    replay = client.post(url, raw, content_type="message/rfc822", HTTP_X_LIAISON_SIGNATURE=signature)
    assert replay.status_code == 200 and replay.json()["duplicate"] is True

    settings.INBOUND_EMAIL_SECRET = ""
    assert (
        client.post(url, raw, content_type="message/rfc822", HTTP_X_LIAISON_SIGNATURE=signature).status_code
        == 404
    )


def test_ingest_mail_reads_a_maildir_and_an_mbox(officer, ana, tmp_path, capsys):
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    maildir.add(email_bytes(sender=officer.email, to=["ana@river.example"], subject="One"))
    maildir.add(email_bytes(sender=officer.email, to=["nobody@elsewhere.example"], subject="Two"))
    call_command("ingest_mail", str(tmp_path / "Maildir"))
    assert "1 logged, 1 waiting for review" in capsys.readouterr().out

    box = mailbox.mbox(tmp_path / "crm.mbox", create=True)
    box.add(email_bytes(sender=officer.email, to=["ana@river.example"], subject="One"))
    box.add(email_bytes(sender=officer.email, to=["ana@river.example"], subject="Three"))
    box.flush()
    call_command("ingest_mail", str(tmp_path / "crm.mbox"))
    assert "1 logged, 0 waiting for review, 1 already captured" in capsys.readouterr().out


def test_an_interaction_logged_from_an_email_leads_to_the_message_and_its_attachments(
    officer, colleague, manager, client, ana
):
    raw = email_bytes(sender=officer.email, to=["ana@river.example"], attach=[("plan.pdf", b"%PDF-1.4")])
    message, _created = inbound_message_receive(raw=raw)
    page = message.interaction.get_absolute_url()
    for user, sees_it in ((officer, True), (manager, True), (colleague, False)):
        client.force_login(user)
        response = client.get(page)
        assert response.status_code == 200
        assert (message.get_absolute_url() in response.content.decode()) is sees_it


def test_the_review_queue_is_the_senders_and_their_managers(officer, colleague, manager, client, ana):
    raw = email_bytes(sender=officer.email, to=["stranger@elsewhere.example"])
    message, _created = inbound_message_receive(raw=raw)
    for user, status in ((officer, 200), (manager, 200), (colleague, 404)):
        client.force_login(user)
        assert client.get(message.get_absolute_url()).status_code == status


def test_the_review_queue_runs_a_fixed_number_of_queries(officer, client, django_assert_max_num_queries):
    for number in range(5):
        raw = email_bytes(sender=officer.email, to=[f"s{number}@elsewhere.example"], subject=f"Note {number}")
        inbound_message_receive(raw=raw)
    client.force_login(officer)
    # session, user; the user's groups (visibility); the page of messages with their officers and which of
    # their addresses are in the register now.
    with django_assert_max_num_queries(4):
        page = client.get(reverse("mailin:list"))
    assert len(page.context["page"]) == 5


def test_an_email_waiting_for_review_reads_the_register_once(officer, client, django_assert_max_num_queries):
    raw = email_bytes(sender=officer.email, to=["grace@coast.example", "kofi@coast.example"])
    message, _created = inbound_message_receive(raw=raw)
    StakeholderFactory(emails=["grace@coast.example"], owner=officer)
    client.force_login(officer)
    # session, user; the user's groups (visibility); the message with its officer; the stakeholders in the
    # register with its addresses (whom the form offers, and why it waits); its attachments; the names of
    # those the form offers (the picker).
    with django_assert_max_num_queries(7) as queries:
        page = client.get(message.get_absolute_url())
    emails = '"contacts_stakeholder"."emails"'
    assert sum(emails in query["sql"] for query in queries.captured_queries) == 1
    assert [address for address, _url in page.context["unregistered"]] == ["kofi@coast.example"]


def test_a_sender_not_in_the_register_is_added_from_the_queue_then_their_email_logged_with_them(
    officer, client
):
    raw = email_bytes(sender="Grace Mensah <Grace@Coast.example>", to=["log@crm.example", officer.email])
    message, _created = inbound_message_receive(raw=raw)
    assert message.status == "review" and message.unmatched_addresses == ["grace@coast.example"]
    client.force_login(officer)

    add_url = dict(client.get(message.get_absolute_url()).context["unregistered"])["grace@coast.example"]
    form = client.get(add_url).context["form"]
    assert (form["name"].value(), form["emails"].value()) == ("Grace Mensah", "grace@coast.example")

    saved = client.post(
        add_url,
        {
            "name": "Grace Mensah",
            "emails": "grace@coast.example",
            "owner": officer.pk,
            "time_zone": "Africa/Accra",
            "preferred_channel": "email",
            "influence": 3,
            "interest": 3,
            "engagement_level": "consult",
        },
    )
    grace = Stakeholder.objects.get(name="Grace Mensah")
    assert saved.status_code == 302 and saved.url == message.get_absolute_url()

    back = client.get(message.get_absolute_url())
    assert back.context["unregistered"] == []
    assert list(back.context["form"].initial["stakeholders"]) == [grace]
    client.post(message.get_absolute_url(), {"stakeholders": [grace.pk]})
    message.refresh_from_db()
    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [grace]


def test_why_an_email_waits_follows_the_register_when_its_sender_is_added(officer, client):
    raw = email_bytes(sender=officer.email, to=["grace@coast.example", "kofi@coast.example"])
    message, _created = inbound_message_receive(raw=raw)
    client.force_login(officer)
    nobody = "No stakeholder in the register has these addresses: grace@coast.example, kofi@coast.example"
    assert nobody in client.get(reverse("mailin:list")).content.decode()

    StakeholderFactory(name="Grace Mensah", emails=["grace@coast.example"], owner=officer)

    for page in (client.get(reverse("mailin:list")), client.get(message.get_absolute_url())):
        body = page.content.decode()
        assert nobody not in body
        assert "No stakeholder in the register has these addresses: kofi@coast.example" in body
        assert "Added to the register since it came: grace@coast.example. Log it with them." in body


def test_an_email_from_a_stranger_to_the_crm_says_who_is_missing(officer):
    raw = email_bytes(sender="stranger@elsewhere.example", to=["log@crm.example"])
    inbound_message_receive(raw=raw)
    assert InboundMessage.objects.with_registered_addresses(officer).get().why_it_waits == [
        "It was not sent in by a member of staff.",
        "No stakeholder in the register has these addresses: stranger@elsewhere.example",
    ]


def test_an_email_from_an_archived_stakeholder_names_them_instead_of_saying_nobody_has_the_address(
    officer, client
):
    grace = StakeholderFactory(name="Grace Mensah", emails=["grace@coast.example"], owner=officer)
    stakeholder_archive(stakeholder=grace, actor=officer)
    raw = email_bytes(sender=officer.email, to=["grace@coast.example", "kofi@coast.example"])

    message, _created = inbound_message_receive(raw=raw)

    # Still not logged onto someone archived without the officer choosing to.
    assert message.status == "review" and message.interaction is None
    archived = f'<a href="{grace.get_absolute_url()}">Grace Mensah</a>'
    said = (
        f"grace@coast.example belongs to {archived}, who is archived: restore them from their page, "
        "then log the email with them."
    )
    assert InboundMessage.objects.with_registered_addresses(officer).get().why_it_waits == [
        said,
        "No stakeholder in the register has these addresses: kofi@coast.example",
    ]
    client.force_login(officer)
    for page in (client.get(reverse("mailin:list")), client.get(message.get_absolute_url())):
        body = page.content.decode()
        assert said in body
        assert "grace@coast.example" not in body.split("No stakeholder in the register")[1].split("<")[0]
    detail = client.get(message.get_absolute_url())
    assert [address for address, _url in detail.context["unregistered"]] == ["kofi@coast.example"]
    assert [(address, holder["id"]) for address, holder in detail.context["archived"]] == [
        ("grace@coast.example", grace.pk)
    ]

    # Restored, the email is logged with them from the same page.
    client.post(reverse("contacts:stakeholder_restore", args=[grace.pk]))
    back = client.get(message.get_absolute_url())
    assert "Added to the register since it came: grace@coast.example" in back.content.decode()
    assert list(back.context["form"].initial["stakeholders"]) == [grace]


def test_the_queue_and_the_page_agree_on_whose_an_address_is_when_several_people_have_it(officer, client):
    """An address someone active has is theirs, archived holders or not; one only archived people have is the
    first of them by name's, on the queue and on the message's page alike."""
    raw = email_bytes(sender=officer.email, to=["grace@coast.example", "desk@coast.example"])
    message, _created = inbound_message_receive(raw=raw)
    for name, emails in [("Zara Owusu", ["desk@coast.example"]), ("Ama Boateng", ["desk@coast.example"])]:
        stakeholder_archive(
            stakeholder=StakeholderFactory(name=name, emails=emails, owner=officer), actor=officer
        )
    archived_grace = StakeholderFactory(name="Grace Archived", emails=["grace@coast.example"], owner=officer)
    stakeholder_archive(stakeholder=archived_grace, actor=officer)
    grace = StakeholderFactory(name="Grace Mensah", emails=["grace@coast.example"], owner=officer)
    ama = Stakeholder.objects.get(name="Ama Boateng")

    listed = InboundMessage.objects.with_registered_addresses(officer).get()
    client.force_login(officer)
    detail = client.get(message.get_absolute_url())

    archived = f'<a href="{ama.get_absolute_url()}">Ama Boateng</a>'
    why = [
        f"desk@coast.example belongs to {archived}, who is archived: restore them from their page, "
        "then log the email with them.",
        "Added to the register since it came: grace@coast.example. Log it with them.",
    ]
    assert listed.why_it_waits == why
    assert detail.context["message"].why_it_waits == why
    assert [(address, holder["id"]) for address, holder in detail.context["archived"]] == [
        ("desk@coast.example", ama.pk)
    ]
    assert detail.context["unregistered"] == []
    assert list(detail.context["form"].initial["stakeholders"]) == [grace]


@pytest.mark.parametrize("filename", ['"', "<>:|?*"])
def test_an_attachment_whose_name_leaves_nothing_a_file_system_can_use_is_kept_under_its_name(
    officer, ana, filename
):
    raw = email_bytes(
        sender=f"Officer <{officer.email}>", to=["ana@river.example"], attach=[(filename, b"%PDF-1.4")]
    )
    message, _created = inbound_message_receive(raw=raw)
    attachment = message.attachments.get()
    assert (attachment.filename, attachment.file.read()) == (filename, b"%PDF-1.4")


def test_the_queue_says_where_to_send_email_and_what_it_holds_when_empty(officer, client):
    client.force_login(officer)
    page = client.get(reverse("mailin:list")).content.decode()
    assert "BCC your own, to log@crm.example and it is logged" in page
    assert "No email is waiting for review." in page
    assert (
        "No email has been set aside."
        in client.get(reverse("mailin:list"), {"status": "discarded"}).content.decode()
    )

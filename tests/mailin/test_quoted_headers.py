"""The header block a forward quotes: a sender Outlook names without an address, To and Cc lists wrapped over
several lines, dates written in French and German, and blocks anyone could send to the public endpoint.

The messages in `messages/` are as the mail programs send them (headers, encodings, wrapping)."""

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from contacts.models import Stakeholder
from contacts.services import stakeholder_archive
from mailin import parsing
from mailin.models import InboundMessage
from mailin.querysets import first_name_first, stakeholders_named
from mailin.services import inbound_message_receive, signature_for

from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db

MESSAGES = Path(__file__).parent / "messages"


def message_file(name: str) -> bytes:
    return (MESSAGES / name).read_bytes()


def forward(*, subject: str, quoted: str, body: str = "Les travaux commencent lundi.") -> bytes:
    """An officer's forward as a mail program sends it, the original quoted under its marker."""
    return (
        "From: Officer <officer@example.org>\n"
        'To: "log@crm.example" <log@crm.example>\n'
        f"Subject: {subject}\n"
        "Date: Thu, 19 Mar 2026 08:31:40 +0000\n"
        f"Message-ID: <{abs(hash(quoted))}@PR3PR07MB6811.eurprd07.prod.outlook.com>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: text/plain; charset="utf-8"\n'
        "Content-Transfer-Encoding: 8bit\n\n"
        f"Pour info.\n\n{quoted}\n\n{body}\n"
    ).encode()


@pytest.fixture
def officer_in_london(officer):
    officer.time_zone = "Europe/London"  # UTC in March, UTC+1 in August
    officer.save()
    return officer


# A sender named without an address ------------------------------------------------------------------------


def test_an_outlook_forward_naming_its_sender_without_an_address_is_logged_with_the_stakeholder_of_that_name(
    officer_in_london, colleague
):
    jane = StakeholderFactory(name="Jane Smith", emails=["jane.smith@river.example"], owner=colleague)
    StakeholderFactory(name="Jane Smithson", emails=["jsmithson@river.example"], owner=colleague)

    message, created = inbound_message_receive(raw=message_file("outlook_bare_name.eml"))

    assert created and message.status == "logged" and message.is_forward
    assert (message.from_name, message.from_address) == ("Jane Smith", "")
    interaction = message.interaction
    assert list(interaction.stakeholders.all()) == [jane]
    assert interaction.direction == "inbound" and interaction.logged_by == officer_in_london
    assert interaction.summary == "Reservoir levels over Easter"
    assert interaction.notes.startswith("Dear Officer,\n\nThe reservoir will be drawn down")
    assert interaction.occurred_at == datetime(2026, 3, 12, 10, 15, tzinfo=UTC)


def test_a_sender_named_in_another_case_is_still_the_stakeholder_of_that_name(officer):
    jane = StakeholderFactory(name="JANE SMITH", emails=[], owner=officer)

    message, _created = inbound_message_receive(raw=message_file("outlook_bare_name.eml"))

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [jane]


def _two_namesakes(owner):
    StakeholderFactory(name="Jane Smith", emails=["jane@river.example"], owner=owner)
    StakeholderFactory(name="Jane Smith", emails=["jane.smith@coast.example"], owner=owner)


def _only_archived(owner):
    jane = StakeholderFactory(name="Jane Smith", emails=["jane@river.example"], owner=owner)
    stakeholder_archive(stakeholder=jane, actor=owner)


def _only_similar_names(owner):
    StakeholderFactory(name="Jane Smithson", owner=owner)
    StakeholderFactory(name="J. Smith", owner=owner)
    StakeholderFactory(name="Smith, Jane", owner=owner)


@pytest.mark.parametrize(
    "register",
    [lambda owner: None, _two_namesakes, _only_archived, _only_similar_names],
    ids=["nobody", "two-namesakes", "only-archived", "only-similar-names"],
)
def test_a_forward_whose_sender_named_without_an_address_is_not_one_stakeholder_waits_with_the_name_shown(
    officer, client, register
):
    register(officer)

    message, _created = inbound_message_receive(raw=message_file("outlook_bare_name.eml"))

    assert message.status == "review" and message.interaction is None
    assert (message.from_name, message.from_address) == ("Jane Smith", "")
    reason = (
        "It was forwarded with its sender named only as “Jane Smith”, without an address: "
        "choose who they are."
    )
    why = InboundMessage.objects.with_registered_addresses(officer).get().why_it_waits
    # An archived namesake is named too (test_an_archived_namesake_…).
    assert why[0] == reason and len(why) == (2 if register is _only_archived else 1)
    client.force_login(officer)
    listed = client.get(reverse("mailin:list")).content.decode()
    assert reason in listed and ">Jane Smith</td>" in listed
    detail = client.get(message.get_absolute_url()).content.decode()
    assert reason in detail and "<dd>Jane Smith </dd>" in detail and "&lt;&gt;" not in detail


def test_an_archived_namesake_of_a_sender_named_alone_makes_the_forward_wait_and_is_named(officer, client):
    earlier = StakeholderFactory(name="Jane Smith", emails=["jane@river.example"], owner=officer)
    stakeholder_archive(stakeholder=earlier, actor=officer)
    StakeholderFactory(name="Jane Smith", emails=["jane@unrelated.example"], owner=officer)

    message, _created = inbound_message_receive(raw=message_file("outlook_bare_name.eml"))

    # By address an archived holder makes an email wait; by name alone it does too.
    assert message.status == "review" and message.interaction is None
    restore = (
        f'<a href="/stakeholders/{earlier.pk}/">Jane Smith</a>, who is archived, has that name: if it is '
        "from them, restore them from their page, then log the email with them."
    )
    assert restore in InboundMessage.objects.with_registered_addresses(officer).get().why_it_waits
    client.force_login(officer)
    assert restore in client.get(message.get_absolute_url()).content.decode()


def test_a_sender_named_alone_who_is_a_member_of_staff_is_not_taken_for_the_stakeholder_of_that_name(
    officer, colleague
):
    colleague.first_name, colleague.last_name = "Jane", "Smith"
    colleague.save()
    StakeholderFactory(name="Jane Smith", emails=["jane@river.example"], owner=officer)

    message, _created = inbound_message_receive(raw=message_file("outlook_bare_name.eml"))

    assert message.status == "review" and message.interaction is None
    assert InboundMessage.objects.with_registered_addresses(officer).get().why_it_waits[1] == (
        "A member of staff is named “Jane Smith” too: if they wrote it, choose whom it was with, not a "
        "stakeholder of their name."
    )


def _forward_from(sender: str) -> bytes:
    return forward(
        subject=f"FW: Note from {sender}",
        quoted=f"-----Original Message-----\nFrom: {sender}\nSent: Thursday, March 12, 2026 10:15 AM\n"
        f"To: Officer <officer@example.org>\nSubject: Note from {sender}",
    )


def test_only_a_forward_naming_its_sender_alone_is_matched_by_name_on_the_review_list(officer, colleague):
    colleague.first_name, colleague.last_name = "Jane", "Smith"
    colleague.save()
    earlier = StakeholderFactory(name="Jane Smith", emails=["jane@river.example"], owner=officer)
    stakeholder_archive(stakeholder=earlier, actor=officer)
    named_alone, _created = inbound_message_receive(raw=message_file("outlook_bare_name.eml"))
    with_address, _created = inbound_message_receive(raw=_forward_from("Jane Smith <jane@elsewhere.example>"))

    listed = {message.pk: message for message in InboundMessage.objects.with_registered_addresses(officer)}

    # A sender with an address is who the address says: their name is no one's to look for.
    assert (listed[with_address.pk].archived_namesakes, listed[with_address.pk].staff_namesake) == ([], False)
    assert listed[named_alone.pk].archived_namesakes == [{"id": earlier.pk, "name": "Jane Smith"}]
    assert listed[named_alone.pk].staff_namesake is True
    why = listed[named_alone.pk].why_it_waits
    assert why[1].startswith("A member of staff is named “Jane Smith” too")
    assert f'<a href="/stakeholders/{earlier.pk}/">Jane Smith</a>, who is archived, has that name' in why[2]


def test_the_review_queue_of_forwards_naming_their_senders_alone_runs_a_fixed_number_of_queries(
    officer, colleague, client, django_assert_max_num_queries
):
    colleague.first_name, colleague.last_name = "Jane", "Smith"
    colleague.save()
    for name in ("Jane Smith", "Kofi Mensah", "Ama Owusu"):
        namesake = StakeholderFactory(name=name, owner=officer)
        stakeholder_archive(stakeholder=namesake, actor=officer)
    inbound_message_receive(raw=message_file("outlook_bare_name.eml"))
    client.force_login(officer)
    # session, user; the user's groups (visibility); the page of messages with their officers, which of their
    # addresses are in the register now and, for a sender named alone, who else has the name.
    with django_assert_max_num_queries(4) as one_waiting:
        client.get(reverse("mailin:list"))

    for sender in ("Kofi Mensah", "Ama Owusu", "Kofi Mensah <kofi@coast.example>", "Efua Boateng"):
        inbound_message_receive(raw=_forward_from(sender))
    with django_assert_max_num_queries(4) as five_waiting:
        page = client.get(reverse("mailin:list"))

    assert len(five_waiting.captured_queries) == len(one_waiting.captured_queries)
    assert len(page.context["page"]) == 5
    assert page.content.decode().count("who is archived, has that name") == 3


def _plan(queryset) -> str:
    """How PostgreSQL would read `queryset` were the tables large: on a few rows, a scan of the whole table
    costs less than any index."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan


@pytest.mark.parametrize(
    "lookup",
    [
        # When an email comes (mailin.services._stakeholder_named).
        lambda officer: stakeholders_named(officer, "Jane Smith").order_by()[:2],
        # For each forward naming its sender alone on the review list (its archived namesakes).
        lambda officer: InboundMessage.objects.with_registered_addresses(officer),
    ],
    ids=["capture", "review-list"],
)
def test_a_sender_named_alone_is_looked_for_by_the_index_of_names_not_through_the_register(officer, lookup):
    StakeholderFactory.create_batch(3, owner=officer)
    inbound_message_receive(raw=message_file("outlook_bare_name.eml"))

    plan = _plan(lookup(officer))

    assert "stakeholder_name_upper" in plan


def test_a_forward_waiting_for_its_sender_named_alone_keeps_those_it_was_sent_to_once_the_sender_is_chosen(
    officer, client, django_assert_max_num_queries
):
    kofi = StakeholderFactory(name="Kofi Mensah", emails=["kofi@coast.example"], owner=officer)
    jane = StakeholderFactory(name="Jane Smith", owner=officer)
    StakeholderFactory(name="Jane Smith", owner=officer)
    raw = forward(
        subject="FW: Reservoir levels",
        quoted="-----Original Message-----\nFrom: Jane Smith\nSent: Thursday, March 12, 2026 10:15 AM\n"
        "To: Officer <officer@example.org>; Kofi Mensah <kofi@coast.example>\nSubject: Reservoir levels",
    )
    message, _created = inbound_message_receive(raw=raw)
    assert message.status == "review"
    reason = (
        "It was forwarded with its sender named only as “Jane Smith”, without an address: choose who they "
        "are. It was also sent to Kofi Mensah: chosen already, they are logged with them."
    )
    assert InboundMessage.objects.with_registered_addresses(officer).get().why_it_waits == [reason]
    client.force_login(officer)

    # The session, the user and their roles, the message with why it waits, the stakeholders it names, its
    # attachments, and the names of the stakeholders chosen in the form.
    with django_assert_max_num_queries(7):
        page = client.get(message.get_absolute_url())
    assert reason in page.content.decode()
    assert list(page.context["form"].initial["stakeholders"]) == [kofi]

    chosen = [stakeholder.pk for stakeholder in page.context["form"].initial["stakeholders"]] + [jane.pk]
    client.post(message.get_absolute_url(), {"stakeholders": chosen})

    message.refresh_from_db()
    assert message.status == "logged"
    assert list(message.interaction.stakeholders.order_by("pk")) == [kofi, jane]


def test_a_forward_naming_its_sender_without_an_address_is_logged_also_with_those_it_was_sent_to(
    officer,
):
    jane = StakeholderFactory(name="Jane Smith", owner=officer)
    kofi = StakeholderFactory(name="Kofi Mensah", emails=["kofi@coast.example"], owner=officer)
    raw = forward(
        subject="FW: Reservoir levels",
        quoted="-----Original Message-----\nFrom: Jane Smith\nSent: Thursday, March 12, 2026 10:15 AM\n"
        "To: Officer <officer@example.org>; Kofi Mensah <kofi@coast.example>\nSubject: Reservoir levels",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert message.status == "logged"
    assert list(message.interaction.stakeholders.order_by("pk")) == [jane, kofi]


def test_a_forward_naming_its_sender_without_an_address_waits_even_when_those_it_was_sent_to_are_known(
    officer,
):
    StakeholderFactory(name="Kofi Mensah", emails=["kofi@coast.example"], owner=officer)
    raw = forward(
        subject="FW: Reservoir levels",
        quoted="-----Original Message-----\nFrom: Jane Smith\nSent: Thursday, March 12, 2026 10:15 AM\n"
        "To: Officer <officer@example.org>; Kofi Mensah <kofi@coast.example>\nSubject: Reservoir levels",
    )

    message, _created = inbound_message_receive(raw=raw)

    # Logged with Kofi alone, it would say Kofi wrote it.
    assert message.status == "review" and message.interaction is None


def bare_name_forward(sender: str) -> bytes:
    """A classic Outlook forward quoting its sender by `sender`, as written on the From line."""
    return forward(
        subject="FW: Reservoir levels",
        quoted=f"-----Original Message-----\nFrom: {sender}\nSent: Thursday, March 12, 2026 10:15 AM\n"
        "To: Officer <officer@example.org>\nSubject: Reservoir levels",
    )


@pytest.mark.parametrize("sender", ['"Smith, Jane"', "Smith, Jane", "smith,jane"])
def test_a_sender_named_last_name_first_is_the_stakeholder_of_that_name_first_name_first(officer, sender):
    jane = StakeholderFactory(name="Jane Smith", owner=officer)
    StakeholderFactory(name="Smith Jane", owner=officer)

    message, _created = inbound_message_receive(raw=bare_name_forward(sender))

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [jane]


def test_a_sender_named_last_name_first_waits_when_each_reading_is_a_different_stakeholder(officer):
    StakeholderFactory(name="Jane Smith", owner=officer)
    StakeholderFactory(name="Smith, Jane", owner=officer)

    message, _created = inbound_message_receive(raw=bare_name_forward('"Smith, Jane"'))

    assert message.status == "review" and message.interaction is None
    assert InboundMessage.objects.with_registered_addresses(officer).get().why_it_waits == [
        "It was forwarded with its sender named only as “Smith, Jane”, without an address: choose who they "
        "are. Read last name first, it is “Jane Smith”: a stakeholder of either name may have written it."
    ]


def test_a_sender_named_last_name_first_who_is_a_member_of_staff_or_archived_waits_and_is_named(
    officer, colleague
):
    colleague.first_name, colleague.last_name = "Jane", "Smith"
    colleague.save()
    earlier = StakeholderFactory(name="Jane Smith", owner=officer)
    stakeholder_archive(stakeholder=earlier, actor=officer)

    message, _created = inbound_message_receive(raw=bare_name_forward("Smith, Jane"))

    assert message.status == "review"
    why = InboundMessage.objects.with_registered_addresses(officer).get().why_it_waits
    assert why[1:] == [
        "A member of staff is named “Smith, Jane” too: if they wrote it, choose whom it was with, not a "
        "stakeholder of their name.",
        f'<a href="/stakeholders/{earlier.pk}/">Jane Smith</a>, who is archived, has that name: if it is '
        "from them, restore them from their page, then log the email with them.",
    ]


@pytest.mark.parametrize(
    ("sender", "misreadings"),
    [
        ("Flood Team 2, North", ["North Flood Team 2"]),
        ("Smith, Jane, Dr", ["Jane, Dr Smith", "Dr Smith, Jane", "Dr Jane Smith"]),
        ("Planning & Development, Jane", ["Jane Planning & Development"]),
        ("Smith,", ["Smith"]),
        ("GMT+1, Ana", ["Ana GMT+1"]),
        ("UTC+01:00, Ana", ["Ana UTC+01:00"]),
        ("GMT+, Ana", ["Ana GMT+"]),
        ("UTC-, Ana", ["Ana UTC-"]),
        ("GMT\u2212, Ana", ["Ana GMT\u2212"]),
        ("Costa, Ana-", ["Ana- Costa"]),
    ],
)
def test_a_sender_name_is_read_last_name_first_only_when_one_comma_parts_two_runs_of_words(
    officer, sender, misreadings
):
    # A stakeholder for each name the sender could be misread as first name first.
    for name in misreadings:
        StakeholderFactory(name=name, owner=officer)

    message, _created = inbound_message_receive(raw=bare_name_forward(sender))

    assert message.status == "review" and first_name_first(sender) is None
    assert not stakeholders_named(officer, sender).exists()


@pytest.mark.parametrize(
    "name",
    [
        "Smith, Jane",
        "Müller-Lüdenscheidt,Hans",
        "O'Brien, Seán",
        "Van der Berg, Anna Maria",
        "Smith-Jones, Mary-Ann",
        "Ng, A",
    ],
)
def test_a_name_is_read_first_name_first_alike_where_it_is_shown_and_where_it_is_matched(admin_user, name):
    # The register matches a stored name in PostgreSQL, the page shows the reading from Python.
    stakeholder = StakeholderFactory(name=first_name_first(name))

    assert list(Stakeholder.objects.filter(pk__in=stakeholders_named(admin_user, name))) == [stakeholder]


def test_a_name_not_read_first_name_first_where_it_is_shown_is_not_matched_so_either(admin_user):
    StakeholderFactory(name="North Team 2")

    assert first_name_first("Team 2, North") is None
    assert not stakeholders_named(admin_user, "Team 2, North").exists()


# To and Cc wrapped over several lines ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["gmail_wrapped_recipients.eml", "outlook365_wrapped_recipients.eml"],
    ids=["gmail", "outlook-365"],
)
def test_a_forwards_to_and_cc_wrapped_over_several_lines_keep_every_address(officer, name):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    grace = StakeholderFactory(name="Grace Owusu", emails=["grace@coast.example"], owner=officer)
    amara = StakeholderFactory(name="Amara Okafor", emails=["amara@example.org"], owner=officer)

    message, _created = inbound_message_receive(raw=message_file(name))

    assert message.to_addresses == [
        "officer@example.org",
        "kofi@coast.example",
        "grace@coast.example",
        "li@example.org",
        "amara@example.org",
    ]
    assert message.unmatched_addresses == ["kofi@coast.example", "li@example.org"]
    assert message.status == "logged"
    assert list(message.interaction.stakeholders.order_by("pk")) == [ana, grace, amara]
    assert message.interaction.summary == "Mill Lane works"
    assert (
        message.interaction.notes
        == "The works on Mill Lane start on Monday and will last three weeks.\n\nAna"
    )


@pytest.mark.parametrize(
    ("quoted", "to", "body"),
    [
        (  # folded as RFC 5322 folds a header, with a tab
            "To: Officer <officer@example.org>,\n\tKofi Mensah <kofi@coast.example>\nSubject: Works\n\n"
            "The works start on Monday.",
            ["officer@example.org", "kofi@coast.example"],
            "The works start on Monday.",
        ),
        (  # a name cut in two: its address is kept
            "To: Officer <officer@example.org>, Kofi\nMensah <kofi@coast.example>\nSubject: Works\n\n"
            "The works start on Monday.",
            ["officer@example.org", "kofi@coast.example"],
            "The works start on Monday.",
        ),
        (  # Outlook 2016's brackets, the list cut after its separator
            "To: Officer [mailto:officer@example.org];\nKofi Mensah [mailto:kofi@coast.example]\n"
            "Subject: Works\n\nThe works start on Monday.",
            ["officer@example.org", "kofi@coast.example"],
            "The works start on Monday.",
        ),
        (  # the list ends the block, the text follows at once
            "Subject: Works\nTo: kofi@coast.example\nThe works start on Monday.",
            ["kofi@coast.example"],
            "The works start on Monday.",
        ),
        (  # an address in the first line of the text is the text's
            "Subject: Works\nTo: kofi@coast.example\n"
            "Write to me at ana@river.example: the works start on Monday.",
            ["kofi@coast.example"],
            "Write to me at ana@river.example: the works start on Monday.",
        ),
        (  # the text starts with a name and its address: it is no recipient, and stays in the text
            "Subject: Works\nTo: kofi@coast.example\n"
            "Grace Owusu <grace@coast.example> will lead the works from Monday.\nAna",
            ["kofi@coast.example"],
            "Grace Owusu <grace@coast.example> will lead the works from Monday.\nAna",
        ),
        (  # Outlook's names alone, wrapped: the list goes on to the next header
            "To: Officer <officer@example.org>; Kofi Mensah; Ana\nCosta; Grace Owusu <grace@coast.example>\n"
            "Subject: Works\n\nThe works start on Monday.",
            ["officer@example.org", "grace@coast.example"],
            "The works start on Monday.",
        ),
        (  # names alone under the list with no header after them are the text's greeting
            "Subject: Works\nTo: Kofi Mensah <kofi@coast.example>\nDear Kofi\n\nThe works start on Monday.",
            ["kofi@coast.example"],
            "Dear Kofi\n\nThe works start on Monday.",
        ),
    ],
    ids=[
        "folded",
        "name-cut-in-two",
        "outlook-2016",
        "text-after-the-list",
        "text-with-an-address",
        "text-starting-with-an-address",
        "names-wrapped",
        "text-starting-with-a-name",
    ],
)
def test_a_quoted_list_goes_on_over_the_lines_that_continue_it_and_no_further(quoted, to, body):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "officer@example.org", "log@crm.example", "Fwd: Works"
    mail.set_content(
        f"FYI\n\n---------- Forwarded message ---------\nFrom: Ana Costa <ana@river.example>\n{quoted}"
    )

    original = parsing.parse(bytes(mail)).forwarded

    assert original.to == to
    assert original.body == body


def test_a_to_list_of_names_wrapped_by_outlook_keeps_the_subject_and_leaves_the_headers_out_of_the_notes(
    officer,
):
    jane = StakeholderFactory(name="Jane Smith", owner=officer)
    raw = forward(
        subject="FW: Reservoir levels",
        quoted="-----Original Message-----\nFrom: Jane Smith\nSent: Thursday, March 12, 2026 10:15 AM\n"
        "To: Officer; Kofi Mensah; Grace Owusu; Li Wei; Amara Okafor; Ana Costa; Tomasz\n"
        "Nowak\nSubject: Reservoir levels over Easter\n\nDear Officer,",
        body="The footpath will be closed.",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [jane]
    assert message.subject == "Reservoir levels over Easter"
    assert message.interaction.summary == "Reservoir levels over Easter"
    assert message.interaction.notes == "Dear Officer,\n\nThe footpath will be closed."


@pytest.mark.parametrize(
    "to",
    [
        # Gmail quotes a name with a comma, then a space before its address, and wraps at a separator
        'To: "Officer, The" <officer@example.org>, "Mensah, Kofi" <kofi@coast.example>,\n'
        '"Owusu, Grace" <grace@coast.example>',
        # ... or inside the quotes
        'To: Officer <officer@example.org>, "Owusu,\nGrace" <grace@coast.example>',
        # a name with its organisation in brackets
        "To: Officer <officer@example.org>, Kofi Mensah <kofi@coast.example>,\n"
        "Grace Owusu (Coast Council) <grace@coast.example>",
    ],
    ids=["quoted-name", "wrapped-in-quotes", "bracketed-name"],
)
def test_a_to_list_wrapped_at_a_quoted_or_bracketed_name_keeps_that_recipient_and_the_cc_after_it(
    officer, to
):
    StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    grace = StakeholderFactory(name="Grace Owusu", emails=["grace@coast.example"], owner=officer)
    li = StakeholderFactory(name="Li Wei", emails=["li@coast.example"], owner=officer)
    raw = forward(
        subject="Fwd: Works",
        quoted="---------- Forwarded message ---------\nFrom: Ana Costa <ana@river.example>\n"
        f"Date: Thu, Mar 12, 2026 at 10:15 AM\nSubject: Works\n{to}\nCc: li@coast.example\n",
        body="The works start Monday.",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert "grace@coast.example" in message.to_addresses
    assert {grace, li} <= set(message.interaction.stakeholders.all())
    assert message.interaction.notes == "The works start Monday."


def test_apple_mails_quoted_block_with_a_wrapped_to_keeps_every_recipient_and_the_cc(officer):
    StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    grace = StakeholderFactory(name="Grace Owusu", emails=["grace@coast.example"], owner=officer)
    li = StakeholderFactory(name="Li Wei", emails=["li@coast.example"], owner=officer)
    raw = forward(
        subject="Fwd: Works",
        quoted="Begin forwarded message:\n\n> From: Ana Costa <ana@river.example>\n> Subject: Works\n"
        "> Date: 12 March 2026 at 10:15:05 GMT\n"
        "> To: Officer <officer@example.org>, Kofi Mensah <kofi@coast.example>,\n"
        "> Grace Owusu <grace@coast.example>\n> Cc: li@coast.example\n> \n> The works start Monday.",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert message.to_addresses == [
        "officer@example.org",
        "kofi@coast.example",
        "grace@coast.example",
        "li@coast.example",
    ]
    assert {grace, li} <= set(message.interaction.stakeholders.all())


def test_text_under_a_to_list_is_not_taken_for_it_up_to_a_header_the_block_already_had(officer):
    StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    raw = forward(
        subject="Fwd: Works",
        quoted="---------- Forwarded message ---------\nFrom: Ana Costa <ana@river.example>\n"
        "Date: Thu, Mar 12, 2026 at 10:15 AM\nSubject: Works\nTo: kofi@coast.example\nDear Kofi\n"
        "Please note the details\nDate: Monday 16 March\nPlace: Town hall",
        body="Ana",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert message.to_addresses == ["kofi@coast.example"]
    assert message.interaction.notes == (
        "Dear Kofi\nPlease note the details\nDate: Monday 16 March\nPlace: Town hall\n\nAna"
    )


@pytest.mark.parametrize(
    "names",
    ["Officer; Kofi Mensah; Flood Team\n2; Ana Costa", "Officer; Planning\n& Development; Kofi Mensah"],
    ids=["digits", "ampersand"],
)
def test_a_to_list_of_names_wrapped_before_a_digit_or_an_ampersand_keeps_the_subject(officer, names):
    StakeholderFactory(name="Jane Smith", owner=officer)
    raw = forward(
        subject="FW: Reservoir levels",
        quoted="-----Original Message-----\nFrom: Jane Smith\nSent: Thursday, March 12, 2026 10:15 AM\n"
        f"To: {names}\nSubject: Reservoir levels over Easter\n\nDear Officer,",
        body="The footpath will be closed.",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert message.subject == "Reservoir levels over Easter"
    assert message.interaction.notes == "Dear Officer,\n\nThe footpath will be closed."


# A line naming the quoted message's sender ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "marker", "sender"),
    [
        pytest.param(
            "TR: Travaux",
            "Le 12 mars 2026 à 10:15, Ana Costa <ana@river.example> a écrit :",
            "Ana Costa",
            id="french",
        ),
        pytest.param(
            "WG: Bauarbeiten",
            "Am 12.03.2026 um 10:15 schrieb Ana Costa <ana@river.example>:",
            "Ana Costa",
            id="german",
        ),
        pytest.param(
            "WG: Bauarbeiten",
            "Am Do., 12. März 2026 um 10:15 Uhr schrieb Ana Costa <ana@river.example>:",
            "Ana Costa",
            id="german-gmail",
        ),
        pytest.param(
            "Fwd: Works",
            "On Thu, 12 Mar 2026 at 10:15, Ana Costa <ana@river.example> wrote:",
            "Ana Costa",
            id="english",
        ),
        pytest.param(
            "Fwd: Works",
            'On Thu, Mar 12, 2026 at 10:15 AM "Costa, Ana" <ana@river.example>\nwrote:',
            "Costa, Ana",
            id="english-wrapped",
        ),
        pytest.param(
            "Fwd: Works",
            "On 12 Mar 2026, at 10:15, ana@river.example wrote:",
            "",
            id="apple-mail-address-alone",
        ),
        pytest.param(
            "Fwd: Works",
            "On Thu, Mar 12, 2026 at 10:15\u202fAM Ana Costa <ana@river.example> wrote:",
            "Ana Costa",
            id="gmail-narrow-space-before-am",
        ),
        pytest.param(
            "TR: Travaux",
            "Le jeu. 12 mars 2026 à 10:15, Ana Costa <ana@river.example> a écrit\u00a0:",
            "Ana Costa",
            id="french-no-break-space-before-colon",
        ),
        pytest.param(
            "Fwd: Works",
            "On 12 Mar 2026, at 10:15, Costa, Ana <ana@river.example> wrote:",
            "Costa, Ana",
            id="apple-mail-last-name-first",
        ),
        pytest.param(
            "WG: Bauarbeiten",
            "Am 12.03.2026 um 10:15 schrieb Costa, Ana <ana@river.example>:",
            "Costa, Ana",
            id="german-last-name-first",
        ),
        pytest.param(
            "TR: Travaux",
            "Le 12 mars 2026 à 10:15, Ana Costa <ana@river.example> a écrit\u202f:",
            "Ana Costa",
            id="french-narrow-no-break-space-before-colon",
        ),
        pytest.param(
            "Fwd: Obras",
            "El jue, 12 mar 2026 a las 10:15, Ana Costa (<ana@river.example>) escribió:",
            "Ana Costa",
            id="spanish-gmail",
        ),
        pytest.param(
            "Fwd: Obras",
            "El jue, 12 mar 2026 a las 10:15, Costa, Ana\n(<ana@river.example>) escribió:",
            "Costa, Ana",
            id="spanish-gmail-wrapped",
        ),
        pytest.param(
            "Fwd: Obras",
            "El 12 mar 2026, a las 10:15, Ana Costa <ana@river.example> escribió:",
            "Ana Costa",
            id="spanish-apple-mail",
        ),
        pytest.param(
            "Fwd: Obras",
            "El jueves, 12 de marzo de 2026, 10:15, Ana Costa <ana@river.example> escribió:",
            "Ana Costa",
            id="spanish-date-in-words",
        ),
        pytest.param(
            "Fwd: Obras",
            "El jue, 12 mar 2026 a la(s) 10:15, Ana Costa (<ana@river.example>) escribió:",
            "Ana Costa",
            id="spanish-gmail-latin-america",
        ),
        pytest.param(
            "Fwd: Obras",
            "El jue, 12 mar 2026 a la(s) 10:15 a.m., Ana Costa (<ana@river.example>) escribió:",
            "Ana Costa",
            id="spanish-gmail-12-hour-clock",
        ),
        pytest.param(
            "RV: Obras",
            "El jue., 12 mar. 2026 a las 10:15, Ana Costa (<ana@river.example>) escribió:",
            "Ana Costa",
            id="spanish-dotted-abbreviations",
        ),
        pytest.param(
            "Fwd: Works",
            "On Thu, 12 Mar 2026 at 10:15 GMT, Ana Costa <ana@river.example> wrote:",
            "Ana Costa",
            id="english-with-its-zone",
        ),
        pytest.param(
            "Fwd: Works",
            "On Thu, Mar 12, 2026 at 10:15 A.M. Ana Costa <ana@river.example> wrote:",
            "Ana Costa",
            id="english-dotted-am",
        ),
    ],
)
def test_a_forward_under_a_line_naming_its_sender_is_logged_with_them_when_they_wrote_it(
    officer_in_london, subject, marker, sender
):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer_in_london)
    raw = forward(subject=subject, quoted=marker, body="> Les travaux commencent lundi.\n>\n> Ana")

    message, _created = inbound_message_receive(raw=raw)

    assert message.status == "logged" and message.is_forward
    assert (message.from_name, message.from_address) == (sender, "ana@river.example")
    assert message.sent_at == datetime(2026, 3, 12, 10, 15, tzinfo=UTC)
    interaction = message.interaction
    assert list(interaction.stakeholders.all()) == [ana] and interaction.direction == "inbound"
    assert interaction.notes == "Les travaux commencent lundi.\n\nAna"


@pytest.mark.parametrize(
    ("marker", "sent_at"),
    [
        # 12 March in Britain, 3 December in the US: dated when it was forwarded.
        ("On 12/03/2026 10:15, Smith, Jane wrote:", datetime(2026, 3, 19, 8, 31, 40)),
        ("On 13/03/2026 10:15, Smith, Jane wrote:", datetime(2026, 3, 13, 10, 15)),
        ("On 3/13/2026 10:15, Smith, Jane wrote:", datetime(2026, 3, 13, 10, 15)),
        ("Le 12/03/2026 à 10:15, Smith, Jane a écrit :", datetime(2026, 3, 12, 10, 15)),
        ("Am 12.03.26 um 10:15 schrieb Smith, Jane:", datetime(2026, 3, 12, 10, 15)),
        ("El 12/03/2026 a las 10:15, Smith, Jane escribió:", datetime(2026, 3, 12, 10, 15)),
    ],
    ids=[
        "english-either-way",
        "english-day-over-12",
        "english-month-first-day-over-12",
        "french",
        "german-two-digit-year",
        "spanish",
    ],
)
def test_a_forward_under_thunderbirds_line_naming_its_sender_alone_is_logged_with_them_and_when_they_wrote(
    officer_in_london, marker, sent_at
):
    jane = StakeholderFactory(name="Jane Smith", owner=officer_in_london)
    raw = forward(subject="Fwd: Works", quoted=marker, body="> Hello")

    message, _created = inbound_message_receive(raw=raw)

    assert (message.from_name, message.from_address) == ("Smith, Jane", "")
    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [jane]
    assert message.sent_at == sent_at.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("marker", "sent_at"),
    [
        pytest.param(
            "El mié, 30 sept 2026 a las 2:34 p. m., Ana Costa (<ana@river.example>) escribió:",
            datetime(2026, 9, 30, 13, 34),  # 14:34 in London's summer time
            id="p-space-m",
        ),
        pytest.param(
            "El mié, 30 sept 2026 a las 2:34\u202fp.m., Ana Costa (<ana@river.example>) escribió:",
            datetime(2026, 9, 30, 13, 34),
            id="narrow-no-break-space-before-p-m",
        ),
        pytest.param(
            "El mié, 30 sept 2026 a la(s) 2:34 p.m., Ana Costa (<ana@river.example>) escribió:",
            datetime(2026, 9, 30, 13, 34),
            id="gmail-a-la-s",
        ),
        pytest.param(
            "El mié, 30 sept 2026 a la(s) 2:34\u00a0pm, Ana Costa (<ana@river.example>) escribió:",
            datetime(2026, 9, 30, 13, 34),
            id="no-break-space-before-pm",
        ),
        pytest.param(
            "El mié, 30 sept 2026 a las 9:34 a. m., Ana Costa (<ana@river.example>) escribió:",
            datetime(2026, 9, 30, 8, 34),
            id="a-space-m",
        ),
        pytest.param(
            "El mié, 30 sept 2026 a las 12:05 a.m., Ana Costa (<ana@river.example>) escribió:",
            datetime(2026, 9, 29, 23, 5),
            id="just-after-midnight",
        ),
    ],
)
def test_a_forward_under_a_spanish_line_on_a_12_hour_clock_is_logged_with_its_sender_at_that_time(
    officer_in_london, marker, sent_at
):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer_in_london)
    raw = forward(subject="Fwd: Obras", quoted=marker, body="> Hola")

    message, _created = inbound_message_receive(raw=raw)

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [ana]
    assert (message.from_name, message.from_address) == ("Ana Costa", "ana@river.example")
    assert message.sent_at == sent_at.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("marker", "sent_at"),
    [
        pytest.param(
            "On Thu, 12 Mar 2026 at 10:15 GMT+1, Ana Costa <ana@river.example> wrote:",
            datetime(2026, 3, 12, 9, 15, tzinfo=UTC),
            id="gmt-plus-hours",
        ),
        pytest.param(
            "On Thu, 12 Mar 2026 at 10:15 UTC-05:00, Ana Costa <ana@river.example> wrote:",
            datetime(2026, 3, 12, 15, 15, tzinfo=UTC),
            id="utc-minus-hours-and-minutes",
        ),
        pytest.param(
            "On Thu, 12 Mar 2026 at 10:15 UTC\u22120530, Ana Costa <ana@river.example> wrote:",
            datetime(2026, 3, 12, 15, 45, tzinfo=UTC),
            id="minus-sign",
        ),
        pytest.param(
            "On Thu, 12 Mar 2026 at 10:15 CET, Ana Costa <ana@river.example> wrote:",
            datetime(2026, 3, 12, 9, 15, tzinfo=UTC),
            id="central-european-time",
        ),
        pytest.param(
            "On Thu, Mar 12, 2026 at 3:15 PM UTC-5 Ana Costa <ana@river.example> wrote:",
            datetime(2026, 3, 12, 20, 15, tzinfo=UTC),
            id="12-hour-clock-and-zone",
        ),
        pytest.param(
            "On Thu, 12 Mar 2026 at 10:15 GMT -5, Ana Costa <ana@river.example> wrote:",
            datetime(2026, 3, 12, 15, 15, tzinfo=UTC),
            id="space-before-the-sign",
        ),
        pytest.param(
            "On Thu, Mar 12, 2026 at 10:15 AM UTC, Ana Costa <ana@river.example> wrote:",
            datetime(2026, 3, 12, 10, 15, tzinfo=UTC),
            id="zone-name-before-a-comma",
        ),
        pytest.param(
            "On Thu, Mar 12, 2026 at 10:15 AM EDT, Ana Costa <ana@river.example> wrote:",
            datetime(2026, 3, 12, 14, 15, tzinfo=UTC),
            id="north-american-zone-name",
        ),
        pytest.param(
            # London is on UTC in February: an hour earlier, as Central European Time says.
            "Am 12.02.2026 um 10:15 Uhr MEZ schrieb Ana Costa <ana@river.example>:",
            datetime(2026, 2, 12, 9, 15, tzinfo=UTC),
            id="german-mez",
        ),
        pytest.param(
            # London is on UTC+1 in August: an hour earlier still, as Central European Summer Time says.
            "Am 12.08.2026 um 10:15 Uhr MESZ schrieb Ana Costa <ana@river.example>:",
            datetime(2026, 8, 12, 8, 15, tzinfo=UTC),
            id="german-mesz",
        ),
        pytest.param(
            "Am Do., 12. Feb. 2026 um 10:15 MEZ schrieb Ana Costa <ana@river.example>:",
            datetime(2026, 2, 12, 9, 15, tzinfo=UTC),
            id="german-mez-without-uhr",
        ),
        pytest.param(
            "On Thu, 12 Mar 2026 at 10:15 GMT+99, Ana Costa <ana@river.example> wrote:",
            datetime(2026, 3, 19, 8, 31, 40, tzinfo=UTC),  # no zone is that far: when it was forwarded
            id="offset-past-any-zone",
        ),
        pytest.param(
            # IGNORECASE reads the long s as an s: the name is the date's, but no zone's.
            "On Thu, 12 Mar 2026 at 10:15 CE\u017fT, Ana Costa <ana@river.example> wrote:",
            datetime(2026, 3, 19, 8, 31, 40, tzinfo=UTC),  # when it was forwarded
            id="zone-written-with-a-look-alike-letter",
        ),
    ],
)
def test_a_zone_after_the_time_in_a_line_naming_a_sender_dates_the_forward_and_is_not_the_senders_name(
    officer_in_london, marker, sent_at
):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer_in_london)
    raw = forward(subject="Fwd: Works", quoted=marker, body="> Hello")

    message, _created = inbound_message_receive(raw=raw)

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [ana]
    assert (message.from_name, message.from_address) == ("Ana Costa", "ana@river.example")
    assert message.sent_at == sent_at


def test_a_sender_whose_name_opens_with_a_zones_name_keeps_it_when_no_comma_follows_the_time(
    officer_in_london,
):
    # Gmail's English line on a 12-hour clock has no comma before the sender's name.
    facilities = StakeholderFactory(
        name="UTC Facilities", emails=["facilities@utc.example"], owner=officer_in_london
    )
    raw = forward(
        subject="Fwd: Works",
        quoted="On Wed, Aug 12, 2026 at 10:15 AM UTC Facilities <facilities@utc.example> wrote:",
        body="> Hello",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [facilities]
    assert (message.from_name, message.from_address) == ("UTC Facilities", "facilities@utc.example")
    assert message.sent_at == datetime(2026, 8, 12, 9, 15, tzinfo=UTC)  # London's summer time, not UTC


def test_a_forward_under_a_line_naming_its_sender_last_name_first_with_their_address_is_theirs(officer):
    jane = StakeholderFactory(name="Jane Smith", emails=["jane@river.example"], owner=officer)
    raw = forward(
        subject="Fwd: Works",
        quoted="On 12 Mar 2026, at 10:15, Smith, Jane <jane@river.example> wrote:",
        body="> Hello",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert (message.from_name, message.from_address) == ("Smith, Jane", "jane@river.example")
    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [jane]


@pytest.mark.parametrize(
    "marker",
    [
        "On Thu, 12 Mar 2026 at 10:15, Ana Costa <ana@river.example> wrote:",
        "El jue, 12 mar 2026 a las 10:15, Ana Costa (<ana@river.example>) escribió:",
    ],
    ids=["english", "spanish"],
)
def test_an_officers_reply_above_a_line_naming_the_stakeholder_is_logged_as_the_officers(officer, marker):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    raw = forward(
        subject="Re: Works",
        quoted=marker,
        body="> When do the works start?",
    ).replace(b'To: "log@crm.example" <log@crm.example>', b"To: ana@river.example")

    message, _created = inbound_message_receive(raw=raw)

    assert not message.is_forward and message.interaction.direction == "outbound"
    assert list(message.interaction.stakeholders.all()) == [ana]
    assert message.interaction.notes.startswith("Pour info.")


@pytest.mark.parametrize(
    "text",
    [
        "Ana wrote: the works start Monday.",
        "On Monday at 10:15, Ana Costa wrote:",  # no year: a sentence
        "On the 12th, Ana Costa <ana@river.example> wrote: see below",
        "On Thu, 12 Mar 2026 at 10:15, Ana Costa <ana@river.example> wrote: see below.",
    ],
)
def test_a_sentence_with_wrote_above_a_forwards_marker_is_text_and_the_marker_decides(officer, text):
    StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    kofi = StakeholderFactory(name="Kofi Mensah", emails=["kofi@coast.example"], owner=officer)
    raw = forward(
        subject="FW: Works",
        quoted=f"{text}\n\n-----Original Message-----\nFrom: Kofi Mensah <kofi@coast.example>\n"
        "Sent: Thursday, March 12, 2026 10:15 AM\nSubject: Works",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert message.from_address == "kofi@coast.example"
    assert list(message.interaction.stakeholders.all()) == [kofi]


def test_an_outlook_forward_of_a_reply_quoting_an_older_message_waits_not_logged_with_the_older_sender(
    officer,
):
    StakeholderFactory(name="Jane Smith", emails=["jane@river.example"], owner=officer)
    StakeholderFactory(name="Kofi Mensah", emails=["kofi@coast.example"], owner=officer)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = officer.email, "log@crm.example", "FW: Works"
    # Outlook 365 without its rule: the forward is the header block, and Kofi's message is Jane's quote.
    mail.set_content(
        "FYI\nFrom: Jane Smith <jane@river.example>\nSent: Thursday, March 12, 2026 10:15 AM\n"
        "To: Officer <officer@example.org>\nSubject: RE: Works\n\nWe object to the closure of Mill Lane.\n\n"
        "On Wed, 11 Mar 2026 at 09:00, Kofi Mensah <kofi@coast.example> wrote:\n> The works start Monday.\n"
    )

    message, _created = inbound_message_receive(raw=bytes(mail))

    assert message.status == "review" and message.interaction is None
    assert message.from_address != "kofi@coast.example"


def test_a_plain_text_forward_whose_first_line_naming_a_sender_quotes_nothing_waits_not_taking_a_later_one(
    officer,
):
    StakeholderFactory(name="Jane Smith", emails=["jane@river.example"], owner=officer)
    StakeholderFactory(name="Kofi Mensah", emails=["kofi@coast.example"], owner=officer)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = officer.email, "log@crm.example", "Fwd: Works"
    # Jane's message is not quoted with "> ": Kofi's line below it is inside her message, not the forward's.
    mail.set_content(
        "FYI\n\nOn Thu, 12 Mar 2026 at 10:15, Jane Smith <jane@river.example> wrote:\n\n"
        "We object to the closure of Mill Lane.\n\n"
        "On Wed, 11 Mar 2026 at 09:00, Kofi Mensah <kofi@coast.example> wrote:\n> The works start Monday.\n"
    )

    message, _created = inbound_message_receive(raw=bytes(mail))

    assert message.status == "review" and message.interaction is None
    assert message.from_address != "kofi@coast.example"


def test_an_officers_reply_above_a_line_quoting_a_forward_unquoted_is_logged_as_the_officers(officer):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    StakeholderFactory(name="Kofi Mensah", emails=["kofi@coast.example"], owner=officer)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Bcc"] = officer.email, "ana@river.example", "log@crm.example"
    mail["Subject"] = "Re: Works"
    # Ana's message forwarded Kofi's: its marker is inside her message, not the officer's forward.
    mail.set_content(
        "Thanks Ana, I will look into it.\n\n"
        "On Thu, 12 Mar 2026 at 10:15, Ana Costa <ana@river.example> wrote:\n\n"
        "---------- Forwarded message ---------\nFrom: Kofi Mensah <kofi@coast.example>\n"
        "Date: Wed, 11 Mar 2026 at 09:00\nSubject: Works\nTo: Ana Costa <ana@river.example>\n\n"
        "The works start Monday.\n"
    )

    message, _created = inbound_message_receive(raw=bytes(mail))

    assert not message.is_forward and message.interaction.direction == "outbound"
    assert list(message.interaction.stakeholders.all()) == [ana]
    assert message.interaction.notes.startswith("Thanks Ana")


def test_an_html_forward_whose_first_line_names_no_sender_waits_not_logged_with_the_line_it_quotes(officer):
    StakeholderFactory(name="Jane Smith", emails=["jane@river.example"], owner=officer)
    StakeholderFactory(name="Kofi Mensah", emails=["kofi@coast.example"], owner=officer)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = officer.email, "log@crm.example", "Fwd: Works"
    # Its <blockquote> is gone from the text read: Kofi's line is inside Jane's message.
    mail.set_content(
        "<div>FYI</div><div>On Thu, 12 Mar 2026 at 10:15, Jane Smith &lt;mailto:jane@river.example&gt; wrote:"
        "</div><blockquote>We object to the closure.<div>On Wed, 11 Mar 2026 at 09:00, Kofi Mensah "
        "&lt;kofi@coast.example&gt; wrote:</div><blockquote>The works start Monday.</blockquote>"
        "</blockquote>",
        subtype="html",
    )

    message, _created = inbound_message_receive(raw=bytes(mail))

    assert message.status == "review" and message.interaction is None
    assert message.from_address != "kofi@coast.example"


def test_a_line_naming_a_sender_wrapped_before_a_surname_opening_like_such_a_line_is_read_whole(officer):
    jean_pierre = StakeholderFactory(name="Jean-Pierre Le Goff", emails=["jp@mairie.example"], owner=officer)
    raw = forward(
        subject="TR: Travaux",
        quoted="Le jeu. 12 mars 2026 à 10:15, Jean-Pierre\nLe Goff <jp@mairie.example> a écrit :",
        body="> Bonjour",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert (message.from_name, message.from_address) == ("Jean-Pierre Le Goff", "jp@mairie.example")
    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [jean_pierre]
    assert message.interaction.notes == "Bonjour"


# Outlook's French header block in HTML, a no-break space before each colon.
FRENCH_OUTLOOK_BLOCK = (
    "<p><b>De&nbsp;:</b> Jane Smith &lt;jane@river.example&gt;<br><b>Envoyé&nbsp;:</b> jeudi 12 mars 2026 "
    "10:15<br><b>À&nbsp;:</b> Officer &lt;officer@example.org&gt;<br><b>Objet&nbsp;:</b> RE: Travaux</p>"
    "<p>Nous nous opposons à la fermeture.</p>"
)


def test_a_french_outlook_html_forward_of_a_reply_waits_not_logged_with_the_older_sender_it_quotes(officer):
    StakeholderFactory(name="Jane Smith", emails=["jane@river.example"], owner=officer)
    StakeholderFactory(name="Kofi Mensah", emails=["kofi@coast.example"], owner=officer)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = officer.email, "log@crm.example", "TR: Travaux"
    mail.set_content(
        f"<p>FYI</p>{FRENCH_OUTLOOK_BLOCK}<div>Le mer. 11 mars 2026 à 09:00, Kofi Mensah "
        "&lt;kofi@coast.example&gt; a écrit&nbsp;:</div>"
        "<blockquote>Les travaux commencent lundi.</blockquote>",
        subtype="html",
    )

    message, _created = inbound_message_receive(raw=bytes(mail))

    assert message.status == "review" and message.interaction is None
    assert message.from_address != "kofi@coast.example"


@pytest.mark.parametrize("marker", ["________________________________", "-----Message d'origine-----"])
def test_a_french_outlook_html_forward_is_logged_with_the_sender_its_header_block_names(officer, marker):
    jane = StakeholderFactory(name="Jane Smith", emails=["jane@river.example"], owner=officer)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = officer.email, "log@crm.example", "TR: Travaux"
    mail.set_content(f"<p>FYI</p><div>{marker}</div>{FRENCH_OUTLOOK_BLOCK}", subtype="html")

    message, _created = inbound_message_receive(raw=bytes(mail))

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [jane]
    assert message.sent_at == datetime(2026, 3, 12, 10, 15, tzinfo=UTC)
    assert message.interaction.notes == "Nous nous opposons à la fermeture."


@pytest.mark.parametrize(
    ("subject", "html"),
    [
        pytest.param(
            "TR: Travaux",
            '<div>FYI</div><div><br><blockquote type="cite"><div>Le 12 mars 2026 à 10:15, Ana Costa '
            "&lt;ana@river.example&gt; a écrit&nbsp;:</div><br><div>Bonjour</div></blockquote></div>",
            id="apple-mail-french-no-break-space-entity",
        ),
        pytest.param(
            "TR: Travaux",
            '<div>FYI</div><blockquote type="cite"><div>Le 12 mars 2026 &agrave; 10:15, Ana Costa '
            "&lt;ana@river.example&gt; a &eacute;crit&#8239;:</div><div>Bonjour</div></blockquote>",
            id="apple-mail-french-narrow-no-break-space-entity",
        ),
        pytest.param(
            "Fwd: Obras",
            '<div dir="ltr">FYI</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">El jue, '
            '12 mar 2026 a las 10:15, Ana Costa (&lt;<a href="mailto:ana@river.example">ana@river.example</a>'
            '&gt;) escribió:<br></div><blockquote class="gmail_quote"><div>Bonjour</div></blockquote></div>',
            id="gmail-spanish",
        ),
        pytest.param(
            "Fwd: Obras",
            '<div dir="ltr">FYI</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">El jue, '
            '12 mar 2026 a la(s) 10:15&#8239;a.m., Ana Costa (&lt;<a href="mailto:ana@river.example">'
            'ana@river.example</a>&gt;) escribió:<br></div><blockquote class="gmail_quote"><div>Bonjour</div>'
            "</blockquote></div>",
            id="gmail-spanish-12-hour-clock",
        ),
    ],
)
def test_an_html_only_forward_under_a_line_naming_its_sender_is_logged_with_them_when_they_wrote_it(
    officer_in_london, subject, html
):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer_in_london)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = officer_in_london.email, "log@crm.example", subject
    mail.set_content(html, subtype="html")

    message, _created = inbound_message_receive(raw=bytes(mail))

    assert message.status == "logged" and message.is_forward
    assert (message.from_name, message.from_address) == ("Ana Costa", "ana@river.example")
    assert message.sent_at == datetime(2026, 3, 12, 10, 15, tzinfo=UTC)
    assert list(message.interaction.stakeholders.all()) == [ana]
    assert message.interaction.notes == "Bonjour"


@pytest.mark.parametrize(
    "marker",
    [
        "On Thu, 12 Mar 2026 at 10:15, Ana Costa <ana@river.example> wrote:",
        "El jue, 12 mar 2026 a las 10:15, Ana Costa (<ana@river.example>) escribió:",
    ],
    ids=["english", "spanish"],
)
def test_a_plain_text_forward_whose_line_naming_a_sender_quotes_nothing_below_it_waits(officer, marker):
    StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    raw = forward(
        subject="Fwd: Works",
        quoted=marker,
        body="I have asked Ana when the works start.",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert message.status == "review" and message.interaction is None


@pytest.mark.parametrize(
    ("subject", "note", "marker"),
    [
        (
            "Fwd: Works",
            "On 16 March 2026 at 9:30 we meet on site.",
            "On Thu, 12 Mar 2026 at 10:15, Ana Costa <ana@river.example> wrote:",
        ),
        (
            "WG: Bauarbeiten",
            "Am besten direkt antworten.",
            "Am 12.03.2026 um 10:15 schrieb Ana Costa <ana@river.example>:",
        ),
        (
            "Fwd: Works",
            "On 16 March 2026 at 9:30, <the minutes> wrote:\n> Agreed.",
            "On Thu, 12 Mar 2026 at 10:15, Ana Costa <ana@river.example> wrote:",
        ),
        (
            "Fwd: Obras",
            "El 16 de marzo de 2026 a las 9:30 nos vemos en la obra.",
            "El jue, 12 mar 2026 a las 10:15, Ana Costa (<ana@river.example>) escribió:",
        ),
    ],
    ids=[
        "english-note-like-a-line",
        "german-note-like-a-line",
        "a-line-naming-no-sender",
        "spanish-note-like-a-line",
    ],
)
def test_an_officers_note_opening_as_a_line_naming_a_sender_does_not_hide_the_line_below_it(
    officer_in_london, subject, note, marker
):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer_in_london)
    raw = forward(subject=subject, quoted=f"{note}\n{marker}", body="> Hello")

    message, _created = inbound_message_receive(raw=raw)

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [ana]
    assert message.sent_at == datetime(2026, 3, 12, 10, 15, tzinfo=UTC)
    assert message.interaction.notes == "Hello"


# Dates in French, German and Spanish ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "sent_at"),
    [
        pytest.param(message_file("outlook_fr_date.eml"), datetime(2026, 3, 12, 10, 15), id="outlook-fr"),
        pytest.param(message_file("gmail_de_date.eml"), datetime(2026, 3, 12, 10, 15), id="gmail-de"),
        pytest.param(
            forward(
                subject="TR: Travaux",
                quoted="-----Message d'origine-----\nDe : Ana Costa <ana@river.example>\n"
                "Envoyé : mercredi 5 août 2026 09:30\nÀ : Officer <officer@example.org>\nObjet : Travaux",
            ),
            datetime(2026, 8, 5, 8, 30),  # London's summer time
            id="outlook-fr-summer",
        ),
        pytest.param(
            forward(
                subject="TR: Travaux",
                quoted="---------- Message transféré ---------\nDe : Ana Costa <ana@river.example>\n"
                "Date : mar. 10 mars 2026 à 10:15\nObjet : Travaux\nÀ : Officer <officer@example.org>",
            ),
            datetime(2026, 3, 10, 10, 15),
            id="gmail-fr-tuesday",
        ),
        pytest.param(
            forward(
                subject="TR: Travaux",
                quoted="---------- Message transféré ---------\nDe : Ana Costa <ana@river.example>\n"
                "Date : lun. 8 déc. 2025 à 16:40\nObjet : Travaux\nÀ : Officer <officer@example.org>",
            ),
            datetime(2025, 12, 8, 16, 40),
            id="gmail-fr-abbreviated-month",
        ),
        pytest.param(
            forward(
                subject="WG: Bauarbeiten",
                quoted="-----Ursprüngliche Nachricht-----\nVon: Ana Costa <ana@river.example>\n"
                "Gesendet: Donnerstag, 12. März 2026 10:15\nAn: Officer <officer@example.org>\n"
                "Betreff: Bauarbeiten",
            ),
            datetime(2026, 3, 12, 10, 15),
            id="outlook-de",
        ),
        pytest.param(
            forward(
                subject="WG: Bauarbeiten",
                quoted="---------- Weitergeleitete Nachricht ---------\nVon: Ana Costa <ana@river.example>\n"
                "Date: Mo., 8. Dez. 2025 um 16:40 Uhr\nSubject: Bauarbeiten\nTo: <officer@example.org>",
            ),
            datetime(2025, 12, 8, 16, 40),
            id="gmail-de-abbreviated-month",
        ),
        pytest.param(
            forward(
                subject="WG: Bauarbeiten",
                quoted="Anfang der weitergeleiteten Nachricht:\n\nVon: Ana Costa <ana@river.example>\n"
                "Betreff: Bauarbeiten\nDatum: 12. März 2026 um 10:15:00 MEZ\n"
                "An: Officer <officer@example.org>",
            ),
            datetime(2026, 3, 12, 9, 15),  # in Central European Time, as it says
            id="apple-mail-de-with-its-zone",
        ),
        pytest.param(
            forward(
                subject="Fwd: Obras",
                quoted="---------- Forwarded message ---------\nDe: Ana Costa <ana@river.example>\n"
                "Date: jue, 3 abr 2026 a las 10:25\nSubject: Obras\nTo: <officer@example.org>",
            ),
            datetime(2026, 4, 3, 9, 25),  # London's summer time
            id="gmail-es",
        ),
        pytest.param(
            forward(
                subject="Fwd: Obras",
                quoted="---------- Mensaje reenviado ---------\nDe: Ana Costa <ana@river.example>\n"
                "Date: mié, 30 sept 2026 a la(s) 2:34\u202fp.m.\nSubject: Obras\nTo: <officer@example.org>",
            ),
            datetime(2026, 9, 30, 13, 34),  # London's summer time
            id="gmail-es-12-hour-clock",
        ),
        pytest.param(
            forward(
                subject="Fwd: Obras",
                quoted="---------- Mensaje reenviado ---------\nDe: Ana Costa <ana@river.example>\n"
                "Date: mar., 10 mar. 2026 a las 10:15\nSubject: Obras\nTo: <officer@example.org>",
            ),
            datetime(2026, 3, 10, 10, 15),
            id="gmail-es-tuesday-in-march-dotted",
        ),
        pytest.param(
            forward(
                subject="Fwd: Obras",
                quoted="---------- Mensaje reenviado ---------\nDe: Ana Costa <ana@river.example>\n"
                "Date: mar, 10 mar 2026 a las 10:15\nSubject: Obras\nTo: <officer@example.org>",
            ),
            datetime(2026, 3, 10, 10, 15),
            id="gmail-es-tuesday-in-march",
        ),
        pytest.param(
            forward(
                subject="RV: Obras",
                quoted="-----Mensaje original-----\nDe: Ana Costa <ana@river.example>\n"
                "Enviado: miércoles, 30 de septiembre de 2026 02:34 p. m.\n"
                "Para: Officer <officer@example.org>\nAsunto: Obras",
            ),
            datetime(2026, 9, 30, 13, 34),
            id="outlook-es-12-hour-clock",
        ),
        pytest.param(
            forward(
                subject="RV: Obras",
                quoted="-----Mensaje original-----\nDe: Ana Costa <ana@river.example>\n"
                "Enviado: dom., 7 dic. 2025 10:15\nPara: Officer <officer@example.org>\nAsunto: Obras",
            ),
            datetime(2025, 12, 7, 10, 15),
            id="spanish-dotted-abbreviations",
        ),
    ],
)
def test_a_forward_dated_in_french_german_or_spanish_is_logged_when_the_original_was_sent(
    officer_in_london, raw, sent_at
):
    StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer_in_london)

    message, _created = inbound_message_receive(raw=raw)

    assert message.sent_at == sent_at.replace(tzinfo=UTC)
    assert message.interaction.occurred_at == sent_at.replace(tzinfo=UTC)


SPANISH_OUTLOOK_BLOCK = (
    "De: Ana Costa [mailto:ana@river.example]\n"
    "Enviado el: viernes, 16 de junio de 2017 12:03 p.m.\nPara: Officer <officer@example.org>\n"
    "CC: Luis Pérez <luis@river.example>\nAsunto: Obras en la calle Mayor"
)


@pytest.mark.parametrize(
    ("subject", "quoted"),
    [
        pytest.param("RV: Obras", f"-----Mensaje original-----\n{SPANISH_OUTLOOK_BLOCK}", id="outlook-es"),
        pytest.param("RV: Obras", f"{'_' * 32}\n{SPANISH_OUTLOOK_BLOCK}", id="outlook-es-365-rule"),
        pytest.param(
            "TR: Obras",
            "-------- Message transféré --------\nSujet : \tObras en la calle Mayor\n"
            "Date : \tFri, 16 Jun 2017 12:03:00 +0100\nDe : \tAna Costa <ana@river.example>\n"
            "Pour : \tOfficer <officer@example.org>\nCopie à : \tLuis Pérez <luis@river.example>",
            id="thunderbird-fr",
        ),
    ],
)
def test_a_forward_from_spanish_outlook_or_french_thunderbird_is_read_with_its_whole_header_block(
    officer_in_london, subject, quoted
):
    # Outlook for Windows in Spanish names the date "Enviado el:", not "Enviado:"; Thunderbird in French
    # names the subject "Sujet", the recipients "Pour" and "Copie à" (where Outlook writes "Objet", "À").
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer_in_london)
    luis = StakeholderFactory(name="Luis Pérez", emails=["luis@river.example"], owner=officer_in_london)
    raw = forward(subject=subject, quoted=quoted, body="Las obras empiezan el lunes.")

    message, _created = inbound_message_receive(raw=raw)

    assert message.status == "logged"
    assert list(message.interaction.stakeholders.order_by("pk")) == [ana, luis]
    assert message.to_addresses == ["officer@example.org", "luis@river.example"]
    assert message.sent_at == datetime(2017, 6, 16, 11, 3, tzinfo=UTC)  # London's summer time
    assert message.interaction.summary == "Obras en la calle Mayor"
    assert message.interaction.notes == "Las obras empiezan el lunes."


def _header_block(marker: str, date: str) -> str:
    """A header block under `marker` naming its fields as the marker's mail program does, dated `date`."""
    names = {
        "-----Original Message-----": ("From", "Sent", "To", "Subject"),
        "-----Mensaje original-----": ("De", "Enviado el", "Para", "Asunto"),
        "-----Message d'origine-----": ("De ", "Envoyé ", "À ", "Objet "),
        "-----Ursprüngliche Nachricht-----": ("Von", "Gesendet", "An", "Betreff"),
        # Gmail's German block keeps some English names.
        "---------- Weitergeleitete Nachricht ---------": ("Von", "Date", "To", "Subject"),
        "----- Forwarded Message -----": ("From", "Sent", "To", "Subject"),  # Yahoo
        "Begin forwarded message:": ("From", "Date", "To", "Subject"),  # Apple Mail
        # Samsung's mail app
        "-------- Original message --------": ("From", "Date", "To", "Subject"),
        "-------- Message d'origine --------": ("De ", "Date ", "À ", "Objet "),
        "-------- Ursprüngliche Nachricht --------": ("Von", "Datum", "An", "Betreff"),
    }[marker]
    sender, sent, to, subject = names
    return (
        f"{marker}\n{sender}: Ana Costa <ana@river.example>\n{sent}: {date}\n"
        f"{to}: Officer <officer@example.org>\n{subject}: Works"
    )


@pytest.mark.parametrize(
    ("marker", "date", "sent_at"),
    [
        # 3 April, London's summer time.
        ("-----Mensaje original-----", "03/04/2026 10:15", datetime(2026, 4, 3, 9, 15)),
        ("-----Mensaje original-----", "03/04/2026 10:15 a. m.", datetime(2026, 4, 3, 9, 15)),
        ("-----Message d'origine-----", "03/04/2026 10:15", datetime(2026, 4, 3, 9, 15)),
        ("-----Ursprüngliche Nachricht-----", "03/04/2026 10:15", datetime(2026, 4, 3, 9, 15)),
        ("---------- Weitergeleitete Nachricht ---------", "03/04/26 10:15", datetime(2026, 4, 3, 9, 15)),
        # 4 March in Britain, 3 April in the US: dated when it was forwarded.
        ("-----Original Message-----", "03/04/2026 10:15", datetime(2026, 3, 19, 8, 31, 40)),
        ("-----Original Message-----", "13/04/2026 10:15", datetime(2026, 4, 13, 9, 15)),
        ("-----Original Message-----", "4/13/2026 10:15 AM", datetime(2026, 4, 13, 9, 15)),
    ],
    ids=[
        "spanish",
        "spanish-12-hour-clock",
        "french",
        "german",
        "german-names-mixed-with-english",
        "english-either-way",
        "english-day-first-over-12",
        "english-month-first-day-over-12",
    ],
)
def test_a_slashed_date_in_a_header_block_is_read_day_first_unless_its_fields_are_named_in_english(
    officer_in_london, marker, date, sent_at
):
    StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer_in_london)
    raw = forward(subject="FW: Works", quoted=_header_block(marker, date))

    message, _created = inbound_message_receive(raw=raw)

    assert message.status == "logged" and message.from_address == "ana@river.example"
    assert message.sent_at == sent_at.replace(tzinfo=UTC)
    assert message.interaction.occurred_at == sent_at.replace(tzinfo=UTC)


OUTLOOK = "-----Original Message-----"


@pytest.mark.parametrize(
    ("marker", "date", "sent_at"),
    [
        (OUTLOOK, "Thu, 12 Mar 2026 10:15:00 +0100", datetime(2026, 3, 12, 9, 15)),
        (OUTLOOK, "Thu, 12 Mar 2026 10:15:00 +0100 (CET)", datetime(2026, 3, 12, 9, 15)),
        (OUTLOOK, "12 Mar 2026 10:15 -0500", datetime(2026, 3, 12, 15, 15)),
        (OUTLOOK, "Wed, 12 Aug 2026 10:15:00 EDT", datetime(2026, 8, 12, 14, 15)),
        # Samsung's zone in brackets; 3 April in French and German.
        ("-------- Message d'origine --------", "03/04/2026 10:15 (GMT+01:00)", datetime(2026, 4, 3, 9, 15)),
        (
            "-------- Ursprüngliche Nachricht --------",
            "03.04.26 10:15 (GMT+01:00)",
            datetime(2026, 4, 3, 9, 15),
        ),
        ("-------- Original message --------", "4/13/26 10:15 AM (GMT-05:00)", datetime(2026, 4, 13, 15, 15)),
        ("-------- Original message --------", "4/13/26 10:15 AM (UTC+05:30)", datetime(2026, 4, 13, 4, 45)),
        # North American zones in a date in words.
        (
            "----- Forwarded Message -----",
            "Thursday, March 12, 2026, 10:15:00 AM EDT",
            datetime(2026, 3, 12, 14, 15),
        ),
        (
            "----- Forwarded Message -----",
            "Thursday, January 15, 2026, 10:15:00 AM EST",
            datetime(2026, 1, 15, 15, 15),
        ),
        ("Begin forwarded message:", "March 12, 2026 at 10:15:05 AM CDT", datetime(2026, 3, 12, 15, 15, 5)),
        ("Begin forwarded message:", "January 15, 2026 at 10:15:05 AM CST", datetime(2026, 1, 15, 16, 15, 5)),
        ("Begin forwarded message:", "March 12, 2026 at 10:15:05 AM MDT", datetime(2026, 3, 12, 16, 15, 5)),
        ("Begin forwarded message:", "January 15, 2026 at 10:15:05 AM MST", datetime(2026, 1, 15, 17, 15, 5)),
        ("Begin forwarded message:", "March 12, 2026 at 10:15:05 AM PDT", datetime(2026, 3, 12, 17, 15, 5)),
        ("Begin forwarded message:", "January 15, 2026 at 10:15:05 AM PST", datetime(2026, 1, 15, 18, 15, 5)),
    ],
    ids=[
        "thunderbird",
        "comment-naming-the-zone",
        "no-weekday-or-seconds",
        "us-zone-name",
        "samsung-french",
        "samsung-german-two-digit-year",
        "samsung-english-month-first",
        "samsung-utc-half-hour",
        "yahoo-edt",
        "yahoo-est",
        "apple-mail-cdt",
        "apple-mail-cst",
        "apple-mail-mdt",
        "apple-mail-mst",
        "apple-mail-pdt",
        "apple-mail-pst",
    ],
)
def test_a_quoted_date_is_read_in_the_zone_it_names(officer_in_london, marker, date, sent_at):
    StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer_in_london)
    raw = forward(subject="FW: Works", quoted=_header_block(marker, date))

    message, _created = inbound_message_receive(raw=raw)

    assert message.sent_at == sent_at.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "sent",
    [
        "le jour de la crue",
        "Mar 99999999999 2026 00:00",
        # Python's reader drops what follows the fifth word and reads a zone it does not know as UTC.
        "Thu, 12 Mar 2026 10:15 GMT+1 blah",
        "Thu, 12 Mar 2026 10:15:00 +0100 blah",
        "12 Mar 2026 10:15 blah",
        "Thu, 12 Mar 2026 10:15 XYZ",
        # No zone is further than 14 hours from UTC.
        "Thu, 12 Mar 2026 10:15:00 +2300",
        "Thu, 12 Mar 2026 10:15:00 -1500",
        "12/03/2026 10:15 (GMT+15:00)",
        "12/03/2026 10:15 (GMT+01:75)",
        # British Summer Time, or Bangladesh Standard Time.
        "jeudi 12 mars 2026 10:15 BST",
    ],
)
def test_a_quoted_date_that_cannot_be_read_leaves_the_forward_dated_when_it_was_forwarded(officer, sent):
    StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    raw = forward(
        subject="TR: Travaux",
        quoted="-----Message d'origine-----\nDe : Ana Costa <ana@river.example>\n"
        f"Envoyé : {sent}\nÀ : Officer <officer@example.org>\nObjet : Travaux",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert message.sent_at == datetime(2026, 3, 19, 8, 31, 40, tzinfo=UTC)
    assert message.interaction.occurred_at == datetime(2026, 3, 19, 8, 31, 40, tzinfo=UTC)


# Blocks anyone could send ---------------------------------------------------------------------------------

# An email's text is cut to parsing.MAX_BODY (50,000 characters) before the forward it quotes is read: the
# blocks below fill a megabyte email, and the reader is given the first MAX_BODY of each, the most it is ever
# given (the tests assert it is).
MEGABYTE = 1_000_000
# A quoted list of names alone goes on to the header after it, which must be in the text read.
NAME_LINES = "Ana Costa; Kofi Mensah\n" * (parsing.MAX_BODY // 23 - 10)


@pytest.mark.parametrize(
    "block",
    [
        "From: Ana <ana@river.example>\nTo: a@b.example,\n" + " x@y.example,\n" * (MEGABYTE // 14),
        "From: Ana <ana@river.example>\nTo: a@b.example\n" + "x@y.example x@y.example\n" * (MEGABYTE // 24),
        "From: Ana <ana@river.example>\nTo: a@b.example\n " + " " * MEGABYTE + "x",
        "From: Ana <ana@river.example>\nCc: a@b.example\n" + " a:" * (MEGABYTE // 3),
        "From: Ana <ana@river.example>\nCc: a@b.example\n" + " <" * (MEGABYTE // 2),
        "From: Ana <ana@river.example>\nTo: " + "@" * MEGABYTE,
        "From: " + "@" * 20_000 + "\nTo: " + "@" * 20_000 + "\nCc: " + "@" * MEGABYTE,
        "From: Ana <ana@river.example>\n" + "To: [mailto:" * (MEGABYTE // 12),
        "From: " + "Jane " * (MEGABYTE // 5),
        "From: Jane Smith\nSent: " + "jeu. 12. mars " * (MEGABYTE // 14),
        "From: Jane Smith\nSent: Thursday, March 12, 2026 " + " " * MEGABYTE + "10:15 AM",
        "From: Jane Smith\n" + "To: x@y.example,\nCc: z@y.example,\n" * (MEGABYTE // 34),
        "From: Jane Smith\nTo: Officer\n" + "Ana Costa; Kofi Mensah\n" * (MEGABYTE // 23),
        "From: Jane Smith\nTo: Officer\n" + NAME_LINES + "Subject: Names\n" + "Hello. " * (MEGABYTE // 7),
        "From: Jane Smith\nTo: Officer\n" + (NAME_LINES[:2300] + "Cc: Ana\n") * (MEGABYTE // 2300),
    ],
    ids=[
        "continued-lists",
        "address-lines",
        "spaces",
        "colons",
        "angle-brackets",
        "at-signs",
        "at-signs-everywhere",
        "outlook-brackets",
        "bare-name",
        "date-words",
        "date-spaces",
        "repeated-headers",
        "names-to-the-end",
        "names-to-a-header",
        "names-and-headers",
    ],
)
def test_a_megabyte_forward_whose_header_block_fills_the_text_read_is_read_line_by_line_once(
    block, patterns_given, time_limit
):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "officer@example.org", "log@crm.example", "FW: Hello"
    mail.set_content(f"FYI\n\n-----Original Message-----\n{block}\n\nHello")
    raw = bytes(mail)
    assert len(raw) > MEGABYTE

    with time_limit():
        mail = parsing.parse(raw)

    assert len(mail.body) == parsing.MAX_BODY  # what the forward's reader was given
    # Each line is tried as a header at most twice: where it is read, and once where a list of names looks
    # ahead for its header (looking ahead from each name line would try them some 2,000 times each).
    tried = patterns_given["QUOTED_HEADER"]
    assert len(tried) <= 2 * mail.body.count("\n") + 2
    assert sum(length for _method, length, _pos in tried) <= 2 * parsing.MAX_BODY


def test_the_public_endpoint_reads_a_megabyte_forward_quoting_2000_recipients_only_as_far_as_is_read(
    officer, client, patterns_given, monkeypatch, time_limit
):
    addresses_given = []
    getaddresses = parsing._getaddresses
    monkeypatch.setattr(
        parsing,
        "_getaddresses",
        lambda values: addresses_given.append(len(", ".join(values))) or getaddresses(values),
    )
    # As many as the text read (parsing.MAX_BODY) holds; the megabyte goes on after them.
    to = "".join(f" to{number}@river.example,\n" for number in range(1000))
    cc = "".join(f" cc{number}@coast.example;\n" for number in range(1000))
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = officer.email, "log@crm.example", "FW: Hello"
    mail["Message-ID"] = "<crowded@example.org>"
    mail.set_content(
        f"-----Original Message-----\nFrom: Jane Smith\nTo:\n{to}Cc:\n{cc}\n" + "Hello. " * (MEGABYTE // 7)
    )
    raw = bytes(mail)
    assert len(raw) > MEGABYTE

    with time_limit():
        response = client.post(
            reverse("mailin:inbound"),
            raw,
            content_type="message/rfc822",
            HTTP_X_LIAISON_SIGNATURE=signature_for(raw, "test-secret"),
        )

    assert response.status_code == 202 and response.json()["status"] == "review"
    # Each quoted line is tried as a header once, and the address parser is handed each list as far as it is
    # read: the megabyte after them is not read at all.
    tried = patterns_given["QUOTED_HEADER"]
    assert len(tried) <= 2 * parsing.MAX_BODY // 20
    assert sum(length for _method, length, _pos in tried) <= 2 * parsing.MAX_BODY
    assert addresses_given and max(addresses_given) <= parsing.MAX_QUOTED_LIST
    message = InboundMessage.objects.get()
    assert len(message.to_addresses) == 50 and message.to_addresses[0] == "to0@river.example"


# Lines shaped to make the reply line's pattern try each way of splitting them: one that could split a run
# between two of its parts would backtrack for minutes inside one call, which only a clock (time_limit) sees.
HOSTILE_REPLY_LINES = [
    "On " + "1" * 100 + ":11" + " :" * 90,
    "On 1:11 2026 " + " wrote: " * 35,
    "Am 1:11 2026 schrieb " + ":" * 270 + "x",
    "Le 1:11 2026, " + " a écrit" * 35,
    "On 1:11" + " A.M." * 55,
    "On 12 Mar 2026 at 10:15, " + "(" * 250 + "a@b wrote:",
    "On 12 Mar 2026 at 10:15, " + "a:" * 130 + "a@b wrote:",
    "On 12 Mar 2026 at 10:15, " + "\u202f \u00a0" * 88 + " wrote:",
    "On " + "1:11 " * 59,
    "El 1:11 2026, " + " escribió" * 30,
    "El 1:11 2026, " + "(<" * 130 + "a@b>) escribió:",
    "El 1:11 2026" + " p. m." * 46 + " escribió:",
    "El 1:11 2026 a la(s)" + " 1:11 p.m.," * 24 + " escribió",
    "On 1:11 2026 GMT" + "+11:11" * 46 + " wrote:",
    "On 1:11 2026 UTC\u221211 " + "UTC\u22121, " * 30 + "wrote",
    "Am 1:11 2026 Uhr" + " Uhr MEZ+1" * 27 + " schrieb:",
    "On 1:11 2026" + " GMT -1" * 40 + " wrote:",
    "On 1:11 2026" + " UTC" * 68 + " wrote",
    "El 1:11 2026" + " CET ," * 46 + " escribió",
    "Am 1:11 2026" + " MEZ -1" * 40 + " schrieb",
]


@pytest.mark.parametrize("line", HOSTILE_REPLY_LINES)
def test_a_line_anyone_could_write_is_tried_as_a_reply_line_in_no_time(line, time_limit):
    assert len(line) <= parsing.MAX_REPLY_MARKER

    with time_limit():
        for text in (line, " ".join(line.split()), line + " wrote: x"):
            parsing.REPLY_MARKER.fullmatch(text)
            parsing.REPLY_MARKER.search(text)
            parsing.REPLY_MARKER_OPENING.search(text)


@pytest.mark.parametrize("line", HOSTILE_REPLY_LINES)
def test_an_email_of_lines_anyone_could_write_is_read_for_a_reply_line_one_line_or_two_at_a_time(
    line, time_limit, patterns_given
):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "ana@river.example", "log@crm.example", "Fwd: Hello"
    mail.set_content(f"{line}\n> x\n" * (parsing.MAX_BODY // len(line)))

    with time_limit():
        parsed = parsing.parse(bytes(mail))

    assert len(parsed.body) == parsing.MAX_BODY
    tried = patterns_given["REPLY_MARKER"]
    assert len(tried) <= 2 * parsed.body.count("\n") + 2
    assert max(length for _method, length, _pos in tried) <= parsing.MAX_REPLY_MARKER


# Dates shaped to make the readers of a 12-hour clock, a zone and Spanish words try each way of reading them.
HOSTILE_DATES = [
    "1:11" + " p. m." * 32,
    "1:11" + " a.m" * 49,
    "12 " + "mar " * 49,
    "12 mar" + "." * 190,
    "la(s)" * 40,
    "la(" * 66,
    "12 mar 2026 1:11 UTC" + "-11" * 60,
    "12 mar 2026 1:11 " + "GMT+1 " * 30,
    "12 mar 2026 1:11 GMT" + "+" * 180,
    "12 mar 2026 1:11 GMT" + " -1" * 60,
    "12 mar 2026 1:11 CE\u017fT",
    "12 mar 2026 1:11" + " (GMT+01:00)" * 15,
]


@pytest.mark.parametrize("date", HOSTILE_DATES)
def test_a_quoted_date_anyone_could_write_is_read_in_no_time(date, time_limit):
    assert len(date) <= parsing.MAX_QUOTED_DATE
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "officer@example.org", "log@crm.example", "Fwd: Hello"
    mail.set_content(
        f"---------- Forwarded message ---------\nFrom: Ana <ana@river.example>\nDate: {date}\n\nHi"
    )

    with time_limit():
        original = parsing.parse(bytes(mail)).forwarded

    assert original.from_address == "ana@river.example"


@pytest.mark.parametrize(
    "name",
    [
        "a-" * 95 + ", Ana",
        "Ana, " + "a-" * 95,
        "-" * 196 + ", a",
        ("a" * 45 + "- ") * 4 + ", Ana",
        "a\u2212" * 95 + ", Ana",
    ],
    ids=[
        "hyphenated-last-name",
        "hyphenated-first-name",
        "hyphens",
        "words-ending-in-hyphens",
        "minus-signs",
    ],
)
def test_a_name_anyone_could_write_is_read_first_name_first_in_no_time_alike_where_shown_and_matched(
    admin_user, name, time_limit
):
    StakeholderFactory(name=" ".join(part.strip() for part in reversed(name.split(","))))

    with time_limit():
        shown = first_name_first(name)
        matched = stakeholders_named(admin_user, name).exists()

    assert shown is None and not matched


@pytest.mark.parametrize(
    ("subject", "cleaned"),
    [
        ("RV: " * 20_000 + "Obras", "Obras"),
        ("Rv:" * 20_000 + "Obras", "Obras"),
        ("RV" + " " * 60_000 + ":Obras", "Obras"),
        ("RV " * 20_000 + "Obras", ("RV " * 20_000 + "Obras")),
    ],
    ids=["prefixes", "prefixes-without-spaces", "spaces-before-the-colon", "no-colon"],
)
def test_a_subject_anyone_could_write_loses_its_forward_prefixes_in_no_time(subject, cleaned, time_limit):
    with time_limit():
        assert parsing.clean_subject(subject) == cleaned
        assert bool(parsing.FORWARD_SUBJECT.match(subject)) == (cleaned == "Obras")


@pytest.mark.parametrize(
    "line",
    [
        "-" * 20_000 + " Mensaje reenviado " + " " * 20_000 + "x",
        "--" + " " * 20_000 + "Mensaje original" + " " * 20_000 + "-",
        "Inicio del mensaje reenviado" + " " * 40_000 + "x",
        "_" * 20_000 + "\nDe" + "\u00a0" * 20_000 + ":",
    ],
    ids=[
        "dashes-and-spaces",
        "spaces-around-the-words",
        "spaces-after-apple-mails-words",
        "outlook-365-rule",
    ],
)
def test_a_spanish_forward_marker_anyone_could_write_is_read_in_no_time(line, time_limit):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "officer@example.org", "log@crm.example", "RV: Hello"
    mail.set_content(f"FYI\n{line}\nDe: Ana <ana@river.example>\n\nHi")

    with time_limit():
        parsing.parse(bytes(mail))


@pytest.mark.parametrize("name", ["\u017fubject", "ENV\u0130ADO"], ids=["long-s", "dotted-capital-i"])
def test_a_header_name_written_with_a_look_alike_letter_is_no_header_and_the_block_is_still_read(
    officer, name
):
    ana = StakeholderFactory(name="Ana Costa", emails=["ana@river.example"], owner=officer)
    raw = forward(
        subject="RV: Obras",
        quoted=f"-----Mensaje original-----\nDe: Ana Costa <ana@river.example>\n{name}: Obras\n"
        "Para: Officer <officer@example.org>",
    )

    message, _created = inbound_message_receive(raw=raw)

    assert message.status == "logged" and list(message.interaction.stakeholders.all()) == [ana]


def test_a_line_naming_a_sender_longer_than_any_mail_program_writes_is_not_tried(patterns_given, time_limit):
    line = "On Thu, 12 Mar 2026 at 10:15, " + "Ana " * parsing.MAX_REPLY_MARKER + "<ana@river.example> wrote:"
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "officer@example.org", "log@crm.example", "Fwd: Hello"
    mail.set_content(f"{line}\n> Hello")

    with time_limit():
        parsed = parsing.parse(bytes(mail))

    assert parsed.forwarded is None and patterns_given["REPLY_MARKER"] == []


@pytest.mark.parametrize(
    "body",
    [
        "FYI\n" + " " * 40_000 + "x",
        "On Thu, 12 Mar 2026 at 10:15, Ana Costa <ana@river.example> wrote:\n" + " \t \n" * 10_000 + "x",
        "On Thu, 12 Mar 2026 at 10:15, Ana Costa <ana@river.example> wrote:\n" + "\t\n  \n" * 8_000 + " x",
    ],
    ids=["a-line-of-spaces-tried-as-a-header-block", "blank-lines-under-a-reply-line", "tabs-and-spaces"],
)
def test_a_forward_of_blank_space_anyone_could_send_is_read_for_a_header_block_or_a_quote_in_no_time(
    body, time_limit
):
    # Each run of spaces has one place to go in the header block's and the quote's patterns: runs that
    # could share a line (or lines a run) would be tried every way inside one call.
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "ana@river.example", "log@crm.example", "Fwd: Hello"
    mail.set_content(body)

    with time_limit():
        parsed = parsing.parse(bytes(mail))

    assert parsed.forwarded is None and len(parsed.body) > 40_000


def test_a_quoted_list_longer_than_is_read_keeps_only_whole_addresses():
    to = ", ".join(f"Person {number} <person{number}@river.example>" for number in range(600))
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "officer@example.org", "log@crm.example", "Fwd: Everyone"
    mail.set_content(f"---------- Forwarded message ---------\nFrom: Ana <ana@river.example>\nTo: {to}\n\nHi")

    original = parsing.parse(bytes(mail)).forwarded

    assert 200 < len(original.to) < 600
    assert original.to == [f"person{number}@river.example" for number in range(len(original.to))]

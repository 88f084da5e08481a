"""The review queue: an email set aside can be brought back, with who did what kept in its history; the page
offers only what can still help."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from contacts.services import stakeholder_archive
from mailin.models import InboundMessage, InboundMessageEvent
from mailin.services import (
    inbound_message_discard,
    inbound_message_receive,
    inbound_message_restore,
)

from ..factories import StakeholderFactory, UserFactory
from .test_capture import email_bytes
from .test_quoted_headers import forward

pytestmark = pytest.mark.django_db


@pytest.fixture
def set_aside(officer):
    message, _created = inbound_message_receive(
        raw=email_bytes(sender=officer.email, to=["grace@coast.example"], subject="Land sale")
    )
    return inbound_message_discard(message=message, actor=officer)


def test_an_email_set_aside_is_brought_back_to_the_queue_and_logged(officer, manager, client, set_aside):
    client.force_login(manager)
    page = client.get(set_aside.get_absolute_url()).content.decode()
    assert reverse("mailin:restore", args=[set_aside.pk]) in page and "Bring back to review" in page

    response = client.post(reverse("mailin:restore", args=[set_aside.pk]))

    assert response.status_code == 302 and response.url == set_aside.get_absolute_url()
    set_aside.refresh_from_db()
    assert (set_aside.status, set_aside.reviewed_by, set_aside.reviewed_at) == ("review", None, None)
    assert set_aside in client.get(reverse("mailin:list")).context["page"]
    grace = StakeholderFactory(emails=["grace@coast.example"], owner=officer)
    client.post(set_aside.get_absolute_url(), {"stakeholders": [grace.pk]})
    set_aside.refresh_from_db()
    assert set_aside.status == "logged" and list(set_aside.interaction.stakeholders.all()) == [grace]


def test_who_set_an_email_aside_and_who_brought_it_back_stay_in_its_history(officer, manager, client):
    message, _created = inbound_message_receive(
        raw=email_bytes(sender=officer.email, to=["grace@coast.example"], subject="Land sale")
    )
    client.force_login(officer)
    client.post(reverse("mailin:discard", args=[message.pk]))
    client.force_login(manager)
    client.post(reverse("mailin:restore", args=[message.pk]))

    changes = (
        InboundMessageEvent.objects.filter(pgh_obj=message, pgh_label="update")
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    assert [(event.status, event.pgh_context.metadata["user"]) for event in changes] == [
        ("discarded", officer.pk),
        ("review", manager.pk),
    ]


def test_the_service_credits_whoever_brought_the_email_back(officer, manager, set_aside):
    inbound_message_restore(message=set_aside, actor=manager)
    latest = InboundMessageEvent.objects.select_related("pgh_context").filter(pgh_obj=set_aside).last()
    assert latest.status == "review" and latest.pgh_context.metadata["user"] == manager.pk


@pytest.mark.parametrize("status", ["review", "logged"])
def test_only_an_email_set_aside_is_brought_back(officer, client, status):
    StakeholderFactory(emails=["ana@river.example"], owner=officer)
    to = "ana@river.example" if status == "logged" else "grace@coast.example"
    message, _created = inbound_message_receive(raw=email_bytes(sender=officer.email, to=[to]))
    assert message.status == status
    with pytest.raises(ValidationError, match="Only an email that was set aside"):
        inbound_message_restore(message=message, actor=officer)

    client.force_login(officer)
    response = client.post(reverse("mailin:restore", args=[message.pk]), follow=True)
    assert "Only an email that was set aside can be brought back to review." in response.content.decode()
    assert "Bring back to review" not in response.content.decode()
    message.refresh_from_db()
    assert message.status == status


def test_an_email_set_aside_stays_aside_for_those_who_may_not_triage_it(
    colleague, other_manager, client, set_aside
):
    for user in (colleague, other_manager):
        client.force_login(user)
        assert client.post(reverse("mailin:restore", args=[set_aside.pk])).status_code == 404
    assert InboundMessage.objects.get(pk=set_aside.pk).status == "discarded"


def test_an_address_not_in_the_register_is_offered_for_adding_only_while_the_email_waits(officer, client):
    StakeholderFactory(emails=["ana@river.example"], owner=officer)
    logged, _created = inbound_message_receive(
        raw=email_bytes(sender=officer.email, to=["ana@river.example", "kofi@coast.example"], subject="One")
    )
    waiting, _created = inbound_message_receive(
        raw=email_bytes(sender=officer.email, to=["kofi@coast.example"], subject="Two")
    )
    aside, _created = inbound_message_receive(
        raw=email_bytes(sender=officer.email, to=["kofi@coast.example"], subject="Three")
    )
    inbound_message_discard(message=aside, actor=officer)
    assert (logged.status, waiting.status) == ("logged", "review")
    client.force_login(officer)

    for message, offered in ((logged, False), (aside, False), (waiting, True)):
        page = client.get(message.get_absolute_url())
        # Still said: nobody in the register has the address.
        assert [address for address, _url in page.context["unregistered"]] == ["kofi@coast.example"]
        assert ("Add a stakeholder" in page.content.decode()) is offered


def test_an_email_received_before_its_history_was_kept_starts_it_from_a_baseline(officer, set_aside):
    migration = importlib.import_module("mailin.migrations.0005_inboundmessage_baselines")
    before, _created = inbound_message_receive(raw=email_bytes(sender=officer.email, to=["k@coast.example"]))
    InboundMessageEvent.objects.filter(pgh_obj=before).delete()  # as if received before 0004
    kept = list(InboundMessageEvent.objects.filter(pgh_obj=set_aside).values_list("pgh_id", flat=True))

    with connection.schema_editor() as editor:
        migration.inbound_message_baselines_write(django_apps, editor)

    baseline = InboundMessageEvent.objects.get(pgh_obj=before)
    assert (baseline.pgh_label, baseline.status, baseline.subject) == ("baseline", "review", before.subject)
    assert (
        list(InboundMessageEvent.objects.filter(pgh_obj=set_aside).values_list("pgh_id", flat=True)) == kept
    )


def test_an_emails_page_shows_who_set_it_aside_and_brought_it_back(officer, manager, client, set_aside):
    inbound_message_restore(message=set_aside, actor=manager)
    client.force_login(officer)
    page = client.get(set_aside.get_absolute_url()).content.decode()
    history_url = reverse("history:inbound", args=[set_aside.pk])
    assert history_url in page

    history = client.get(history_url).content.decode()

    assert manager.get_full_name() in history and officer.get_full_name() in history
    assert "Waiting for review" in history and "Set aside" in history


def test_an_emails_history_is_for_those_who_may_see_the_email(colleague, client, set_aside):
    client.force_login(colleague)
    assert client.get(reverse("history:inbound", args=[set_aside.pk])).status_code == 404


def test_recent_changes_show_a_teams_captured_email_only(manager, other_manager, client, set_aside):
    client.force_login(manager)
    assert "Land sale" in client.get(reverse("history:recent"), {"model": "inbound"}).content.decode()
    client.force_login(other_manager)
    assert "Land sale" not in client.get(reverse("history:recent"), {"model": "inbound"}).content.decode()


def test_a_manager_without_a_team_is_not_shown_unattributed_mail_in_recent_changes(client):
    from accounts.models import Role

    inbound_message_receive(
        raw=email_bytes(sender="stranger@elsewhere.example", to=["x@y.example"], subject="Bid")
    )
    client.force_login(UserFactory(team=None, role=Role.MANAGER))

    assert "Bid" not in client.get(reverse("history:recent"), {"model": "inbound"}).content.decode()


# What the page of a waiting email proposes ---------------------------------------------------------------


def test_the_page_of_a_forward_to_over_fifty_people_names_an_archived_holder_past_the_fiftieth(
    officer, client, django_assert_max_num_queries
):
    StakeholderFactory(name="Kofi Mensah", emails=["p1@coast.example"], owner=officer)
    grace = StakeholderFactory(name="Grace Owusu", emails=["p51@coast.example"], owner=officer)
    stakeholder_archive(stakeholder=grace, actor=officer)
    to = ", ".join(f"p{number}@coast.example" for number in range(1, 57))
    raw = forward(
        subject="FW: Consultation",
        quoted="-----Original Message-----\nFrom: Jane Smith\nSent: Thursday, March 12, 2026 10:15 AM\n"
        f"To: {to}\nSubject: Consultation",
    )
    message, _created = inbound_message_receive(raw=raw)
    # Nobody is named Jane Smith; the first 50 recipients are kept, and the first 50 unmatched addresses.
    assert message.status == "review"
    assert "p51@coast.example" in message.unmatched_addresses
    assert "p51@coast.example" not in message.to_addresses
    client.force_login(officer)

    # The session, the user and their roles, the message with why it waits, the stakeholders it is with, its
    # attachments, and the names of the stakeholders chosen in the form.
    with django_assert_max_num_queries(7):
        page = client.get(message.get_absolute_url())

    assert page.status_code == 200
    assert ("p51@coast.example", grace.pk, "Grace Owusu") in [
        (address, holder["id"], holder["name"]) for address, holder in page.context["archived"]
    ]
    assert f'p51@coast.example <a class="small" href="/stakeholders/{grace.pk}/">Grace Owusu</a>' in (
        page.content.decode()
    )


def test_the_page_of_a_waiting_forward_does_not_propose_a_stakeholder_holding_a_staff_address(
    officer, colleague, client
):
    kofi = StakeholderFactory(name="Kofi Mensah", emails=["kofi@coast.example"], owner=officer)
    # A colleague once added as a stakeholder too, with their work address.
    StakeholderFactory(name="Colleague", emails=[colleague.email], owner=officer)
    StakeholderFactory(name="Jane Smith", owner=officer)
    StakeholderFactory(name="Jane Smith", owner=officer)
    raw = forward(
        subject="FW: Reservoir levels",
        quoted="-----Original Message-----\nFrom: Jane Smith\nSent: Thursday, March 12, 2026 10:15 AM\n"
        f"To: Kofi Mensah <kofi@coast.example>; Colleague <{colleague.email.upper()}>\n"
        "Subject: Reservoir levels",
    )
    message, _created = inbound_message_receive(raw=raw)
    assert message.status == "review"
    client.force_login(officer)

    page = client.get(message.get_absolute_url())

    # Logged as it came, it would have been with Kofi (and the sender): not with the colleague's stakeholder.
    assert list(page.context["form"].initial["stakeholders"]) == [kofi]
    assert "It was also sent to Kofi Mensah: chosen already" in page.content.decode()


@pytest.mark.parametrize("forwarded", [False, True], ids=["own-message", "own-forward"])
def test_the_page_of_a_stakeholders_email_straight_to_the_crm_proposes_its_sender_alone(
    officer, client, forwarded
):
    StakeholderFactory(name="Grace Owusu", emails=["grace@coast.example"], owner=officer)
    body = "Please see the plans."
    if forwarded:
        body += (
            "\n\n---------- Forwarded message ---------\nFrom: Ana Costa <ana@river.example>\n"
            "Subject: Plans\nTo: grace@coast.example\n\nThe plans."
        )
    raw = email_bytes(
        sender="Li Wei <li@coast.example>",
        to=["log@crm.example"],
        cc=["grace@coast.example", officer.email],
        subject="Fwd: Plans" if forwarded else "Plans",
        body=body,
    )
    message, _created = inbound_message_receive(raw=raw)
    # Logged, as it came, with its sender alone, who is not in the register yet.
    assert message.status == "review" and message.unmatched_addresses == ["li@coast.example"]
    assert not message.is_forward and message.from_address == "li@coast.example"
    client.force_login(officer)

    page = client.get(message.get_absolute_url())

    assert list(page.context["form"].initial["stakeholders"]) == []

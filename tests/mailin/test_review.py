"""The review queue: the page offers only what can still help."""

import pytest

from mailin.services import inbound_message_discard, inbound_message_receive

from ..factories import StakeholderFactory
from .test_capture import email_bytes

pytestmark = pytest.mark.django_db


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

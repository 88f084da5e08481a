"""Refusals and missing pages are pages of the site: the header, the reason, and a way back."""

import copy
import pickle

import pytest
from django.test import override_settings

from accounts.permissions import Refused, WhoCanHelp
from contacts.models import Tag

from .factories import StakeholderFactory

pytestmark = pytest.mark.django_db


def test_a_refusal_says_why_inside_the_site(client, officer, other_officer):
    stakeholder = StakeholderFactory(owner=other_officer)
    client.force_login(officer)

    response = client.get(f"/stakeholders/{stakeholder.pk}/edit/")

    assert response.status_code == 403
    assert response.templates[0].name == "403.html"
    page = response.content.decode()
    assert "Only the owner or their manager can edit this stakeholder." in page
    assert 'aria-label="Main"' in page


def test_a_refused_record_of_another_team_sends_you_to_its_owner_too(client, officer, other_officer):
    """Your team's manager cannot lift a refusal about another team's record (accounts.permissions.manages):
    its owner can."""
    stakeholder = StakeholderFactory(owner=other_officer)
    client.force_login(officer)

    response = client.get(f"/stakeholders/{stakeholder.pk}/edit/")

    assert response.status_code == 403
    assert "If you need it, ask the record's owner or your team's manager." in response.content.decode()


@override_settings(DEBUG=False)
def test_a_missing_record_is_a_page_of_the_site(client, officer):
    client.force_login(officer)

    response = client.get("/stakeholders/999999/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "There is nothing at this address, or it is not shared with you." in page
    assert 'aria-label="Main"' in page


def test_a_refused_page_that_is_no_record_does_not_send_you_to_its_owner(client, officer):
    client.force_login(officer)

    response = client.get("/dashboard/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "If you need it, ask your team's manager." in page
    assert "owner" not in page


def test_a_refused_tag_sends_you_to_your_manager_though_its_address_names_it(client, officer):
    """A tag is shared vocabulary that managers keep: it has no owner to ask."""
    tag = Tag.objects.create(name="Water")
    client.force_login(officer)

    response = client.post(f"/tags/{tag.pk}/rename/", {"name": "Drinking water"})

    assert response.status_code == 403
    page = response.content.decode()
    assert "Only managers change the tags." in page
    assert "If you need it, ask your team's manager." in page
    assert "owner" not in page


def test_a_refused_outbox_message_sends_you_to_an_administrator(client, manager):
    client.force_login(manager)

    response = client.get("/outbox/1/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "If you need it, ask an administrator." in page
    assert "owner" not in page


def test_a_refusal_keeps_who_can_help_when_copied_or_pickled():
    refusal = Refused("Not yours.", WhoCanHelp.ADMINISTRATOR)

    for copied in (copy.copy(refusal), pickle.loads(pickle.dumps(refusal))):
        assert (str(copied), copied.who_can_help) == ("Not yours.", WhoCanHelp.ADMINISTRATOR)

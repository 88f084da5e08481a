"""Each page's title says which page it is: the first thing a screen reader reads, and what a tab shows."""

import re

import pytest

from .factories import StakeholderFactory

pytestmark = pytest.mark.django_db


def title(response):
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def test_a_lists_later_pages_say_which_page_they_are(officer_client, officer, settings):
    settings.LIST_PAGE_SIZE = 2
    for number in range(3):
        StakeholderFactory(owner=officer, name=f"Person {number}")

    assert title(officer_client.get("/stakeholders/")) == "Stakeholders · Liaison CRM"
    assert title(officer_client.get("/stakeholders/?page=2")) == "Stakeholders · page 2 · Liaison CRM"


def test_each_captured_email_tab_has_a_title_of_its_own(officer_client):
    assert title(officer_client.get("/mail/")) == "Captured email: Waiting for review · Liaison CRM"
    assert title(officer_client.get("/mail/?status=discarded")) == "Captured email: Set aside · Liaison CRM"


def test_a_form_sent_back_with_mistakes_says_so_first_in_its_title(officer_client):
    assert title(officer_client.get("/commitments/new/")) == "Record a commitment · Liaison CRM"

    response = officer_client.post("/commitments/new/", {"description": ""})

    assert title(response) == "Error: Record a commitment · Liaison CRM"


def test_an_edit_page_names_the_record_it_edits(officer_client, officer):
    from .factories import CommitmentFactory, ConcernFactory, InteractionFactory, MeetingFactory

    person = StakeholderFactory(owner=officer)
    commitment = CommitmentFactory(owner=officer, stakeholder=person, description="Share the survey")
    concern = ConcernFactory(owner=officer, stakeholder=person, title="Noise at night")
    interaction = InteractionFactory(logged_by=officer, stakeholders=[person], summary="Budget call")
    meeting = MeetingFactory(organiser=officer, title="Harbour group")
    pages = {
        f"/commitments/{commitment.pk}/edit/": "Edit commitment · Share the survey",
        f"/concerns/{concern.pk}/edit/": "Edit concern · Noise at night",
        f"/interactions/{interaction.pk}/edit/": "Edit interaction · Budget call",
        f"/meetings/{meeting.pk}/edit/": "Change meeting · Harbour group",
    }
    for url, expected in pages.items():
        assert title(officer_client.get(url)) == f"{expected} · Liaison CRM", url

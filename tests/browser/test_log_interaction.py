import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interactions.models import Interaction

from ..factories import AffiliationFactory, OrganisationFactory, StakeholderFactory
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_finds_a_stakeholder_and_logs_a_call_that_appears_on_the_timeline(page, live_server, officer):
    stakeholder = StakeholderFactory(
        name="Margaret Okafor",
        owner=officer,
        cultural_notes="Prefers formal address.",
        time_zone="Africa/Lagos",
    )
    AffiliationFactory(stakeholder=stakeholder, organisation=OrganisationFactory(name="Delta Water Board"))
    StakeholderFactory(name="Bartholomew Quist", owner=officer)

    sign_in(page, live_server, "officer")
    page.get_by_role("link", name="Stakeholders").click()

    # A misspelled search narrows the list as the officer types.
    page.get_by_label("Search").fill("Margret")
    expect(page.locator("#stakeholder-results")).not_to_contain_text("Bartholomew Quist")
    page.locator("#stakeholder-results").get_by_role("link", name="Margaret Okafor", exact=True).click()

    expect(page.get_by_role("heading", name="Margaret Okafor")).to_be_visible()
    expect(page.get_by_text("Prefers formal address.")).to_be_visible()

    page.get_by_label("Kind").select_option("call")
    page.get_by_label("Summary").fill("Call about the river clean-up grant")
    page.get_by_label("Outcome").fill("Agreed to co-host the launch")
    page.get_by_role("button", name="Log interaction").click()

    expect(page.locator("#timeline")).to_contain_text("Call about the river clean-up grant")
    expect(page.locator(".log-form")).to_contain_text("Logged “Call about the river clean-up grant”")
    interaction = Interaction.objects.get()
    assert interaction.logged_by == officer
    assert list(interaction.stakeholders.all()) == [stakeholder]
    assert interaction.organisation.name == "Delta Water Board"
    # The form is ready for the next entry.
    expect(page.get_by_label("Summary")).to_have_value("")


def test_officer_logs_a_call_from_a_row_of_the_list_and_lands_back_on_the_same_page(
    page, live_server, officer, settings
):
    settings.LIST_PAGE_SIZE = 3
    for name in ["Ada", "Bea", "Cal", "Dee", "Eli", "Fay", "Gus"]:
        StakeholderFactory(name=f"{name} Mensah", owner=officer, last_contacted_at=None)
    listed = f"{live_server.url}/stakeholders/?sort=name&page=2"

    sign_in(page, live_server, "officer")
    page.goto(listed)
    third = page.locator("#stakeholder-results tbody tr").nth(2)
    expect(third).to_contain_text("Fay Mensah")
    expect(third).to_contain_text("never")
    third.get_by_role("link", name="Log an interaction with Fay Mensah").click()

    expect(page.get_by_role("heading", name="Log an interaction")).to_be_visible()
    page.get_by_label("Kind").select_option("call")
    page.get_by_label("Summary").fill("Call about the school visit")
    page.get_by_role("button", name="Log interaction").click()

    page.wait_for_url(listed)
    expect(page.get_by_role("status").filter(has_text="Interaction logged.")).to_be_visible()
    third = page.locator("#stakeholder-results tbody tr").nth(2)
    expect(third).to_contain_text("Fay Mensah")
    expect(third).to_contain_text(re.compile(r"just now|minutes? ago"))
    interaction = Interaction.objects.get()
    assert [s.name for s in interaction.stakeholders.all()] == ["Fay Mensah"]
    assert interaction.kind == "call"


def test_a_call_logged_on_the_stakeholder_page_shows_in_last_contact_and_open_follow_ups_at_once(
    page, live_server, officer
):
    stakeholder = StakeholderFactory(
        name="Bilal Sheikh", owner=officer, last_contacted_at=timezone.now() - dt.timedelta(days=45)
    )
    due = timezone.localdate() + dt.timedelta(days=6)

    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}{stakeholder.get_absolute_url()}")
    relationship = page.locator("#relationship-card")
    expect(relationship).to_contain_text("Overdue")
    expect(page.locator("#follow-ups-card")).to_be_hidden()

    page.get_by_label("Kind").select_option("call")
    page.get_by_label("Summary").fill("Call about pilot co-funding")
    page.get_by_text("Follow-up, notes, topics and more").click()
    page.get_by_label("Follow up by", exact=True).fill(due.isoformat())
    page.get_by_label("Agreed follow-up", exact=True).fill("Send the pilot budget")
    page.get_by_role("button", name="Log interaction").click()

    expect(page.locator(".log-form")).to_contain_text("Logged “Call about pilot co-funding”")
    expect(relationship).to_contain_text(timezone.localdate().strftime("%-d %b %Y"))
    expect(relationship).not_to_contain_text("Overdue")
    follow_ups = page.locator("#follow-ups-card")
    expect(follow_ups).to_be_visible()
    expect(follow_ups).to_contain_text("Send the pilot budget")
    expect(follow_ups).to_contain_text(due.strftime("%-d %b"))
    expect(page.locator("#health-card")).to_contain_text("On time.")

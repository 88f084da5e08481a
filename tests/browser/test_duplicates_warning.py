"""The likely duplicates question is asked where the officer is: at the top of the form, focused."""

import pytest
from playwright.sync_api import expect

from ..factories import OrganisationFactory, StakeholderFactory
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_likely_duplicate_stakeholder_is_asked_about_at_the_top_of_the_form_and_focused(
    page, live_server, officer
):
    """It was shown below Notes, 1,400 pixels down: the page came back at its top, seemingly unchanged."""
    StakeholderFactory(owner=officer, name="Juma Otieno", emails=["juma@example.org"])
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/new/")
    page.locator("#id_name").fill("J. Otieno")
    page.locator("#id_emails").fill("juma@example.org")

    page.get_by_role("button", name="Add stakeholder").click()

    question = page.get_by_role("heading", name="Is this someone already in the register?")
    expect(question).to_be_focused()
    expect(question).to_be_in_viewport()
    expect(page.get_by_role("alert")).to_contain_text("Juma Otieno")


def test_enter_in_a_field_after_the_duplicates_question_asks_again_rather_than_adding(
    page, live_server, officer
):
    """Enter presses a form's first submit button: the form's own, not "Someone else: add a new person"."""
    StakeholderFactory(owner=officer, name="Juma Otieno", emails=["juma@example.org"])
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/new/")
    page.locator("#id_name").fill("J. Otieno")
    page.locator("#id_emails").fill("juma@example.org")
    page.get_by_role("button", name="Add stakeholder").click()
    expect(page.get_by_role("heading", name="Is this someone already in the register?")).to_be_focused()

    page.locator("#id_emails").press("Enter")

    expect(page.get_by_role("heading", name="Is this someone already in the register?")).to_be_focused()
    page.get_by_role("button", name="Someone else: add a new person").click()
    expect(page.get_by_role("heading", name="J. Otieno")).to_be_visible()


def test_a_likely_duplicate_organisation_is_asked_about_at_the_top_of_the_form_and_focused(
    page, live_server, officer
):
    OrganisationFactory(name="Northbridge City Council")
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/organisations/new/")
    page.locator("#id_name").fill("Northbridge City Council")
    page.locator("#id_kind").select_option("government_agency")

    page.get_by_role("button", name="Add organisation").click()

    question = page.get_by_role("heading", name="Is this an organisation already in the register?")
    expect(question).to_be_focused()
    expect(question).to_be_in_viewport()

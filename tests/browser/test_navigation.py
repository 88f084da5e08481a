"""The header: sections in the main navigation, personal pages in the account menu."""

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_account_menu_opens_closes_and_leads_to_personal_pages(page, live_server, officer):
    sign_in(page, live_server, "officer")
    menu = page.get_by_role("navigation", name="Your account")
    expect(menu).to_be_hidden()

    page.locator("details[data-menu] > summary").click()
    expect(menu).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    page.locator("details[data-menu] > summary").click()
    page.get_by_role("heading", name="My day").click()
    expect(menu).to_be_hidden()

    page.locator("details[data-menu] > summary").click()
    menu.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard")).to_have_count(0)

    page.locator("details[data-menu] > summary").click()
    menu.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()

"""The header: sections in the main navigation, personal pages in the account menu."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ..factories import CommitmentFactory, StakeholderFactory
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


def test_on_a_phone_the_header_fits_the_screen_and_its_menu_and_search_results_are_on_it(
    page, live_server, officer
):
    StakeholderFactory(owner=officer, name="Ama Owusu")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "officer")

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("details[data-menu] > summary").click()
    account_menu = page.get_by_role("navigation", name="Your account")
    assert_on_screen(account_menu.get_by_role("button", name="Log out"))
    page.keyboard.press("Escape")
    page.get_by_role("searchbox", name="Find anything").fill("Ama")
    assert_on_screen(page.locator(".search-result", has_text="Ama Owusu"))


def test_on_a_phone_the_sections_are_one_row_with_the_current_one_in_view(page, live_server, manager):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/reports/")

    nav = page.get_by_role("navigation", name="Main")
    links = nav.get_by_role("link")
    tops = {round(links.nth(number).bounding_box()["y"]) for number in range(links.count())}
    # Wrapped, the eleven sections took three rows: a quarter of the screen above every page.
    assert len(tops) == 1
    assert page.locator("header.topbar").bounding_box()["height"] < 170
    current = nav.locator("[aria-current=page]")
    assert current.inner_text() == "Reports"
    assert_on_screen(current)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_search_box_shows_its_key_on_a_desktop_until_it_is_used(page, live_server, officer):
    sign_in(page, live_server, "officer")
    key = page.locator(".search-key")
    expect(key).to_be_visible()
    page.get_by_role("searchbox", name="Find anything").fill("Ama")
    expect(key).to_be_hidden()


def test_on_a_tablet_the_header_search_results_open_on_the_screen(page, live_server, officer):
    StakeholderFactory(owner=officer, name="Ama Owusu")
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, live_server, "officer")

    page.get_by_role("searchbox", name="Find anything").fill("Ama")

    # Right-aligned to the box, they started 16 px off the left edge: the kind of each result was cut off.
    assert_on_screen(page.locator(".search-result", has_text="Ama Owusu"), width=768)


def test_on_a_phone_the_officers_daily_pages_do_not_scroll_sideways(page, live_server, manager):
    StakeholderFactory(owner=manager, name="Ama Owusu")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "manager")

    for path in ["/my-day/", "/stakeholders/", "/follow-ups/", "/meetings/", "/commitments/", "/concerns/"]:
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path


def test_on_a_phone_each_card_of_a_list_names_its_columns(page, live_server, officer):
    CommitmentFactory(stakeholder=StakeholderFactory(owner=officer, name="Ama Owusu"))
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/commitments/")
    chaser = page.locator("td[data-label='Chased by']")
    label = "el => getComputedStyle(el, '::before').content"
    assert chaser.evaluate(label) == "none"

    page.set_viewport_size({"width": 390, "height": 844})

    expect(page.locator(".table thead")).to_be_hidden()
    assert chaser.evaluate(label) == '"Chased by"'
    expect(chaser).to_contain_text(str(officer))


def test_at_320_px_a_stakeholders_page_does_not_scroll_sideways(page, live_server, officer):
    # Months overdue: a badge that does not wrap, beside the facts' longest term, "Influence / interest".
    stakeholder = StakeholderFactory(
        owner=officer,
        name="Abena Ogunleye",
        emails=["abena.ogunleye@northbridge-university.example.org"],
        last_contacted_at=timezone.now() - dt.timedelta(days=200),
    )
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in(page, live_server, "officer")

    page.goto(f"{live_server.url}{stakeholder.get_absolute_url()}")

    expect(page.locator(".facts").get_by_text("Overdue by")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def assert_on_screen(locator, width=390):
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box


def test_tabbing_out_of_the_account_menu_closes_it_over_the_main_navigation(page, live_server, manager):
    sign_in(page, live_server, "manager")
    menu = page.get_by_role("navigation", name="Your account")
    page.locator("details[data-menu] > summary").focus()
    page.keyboard.press("Enter")
    menu.get_by_role("button", name="Log out").focus()

    page.keyboard.press("Tab")

    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="My day")).to_be_focused()
    expect(menu).to_be_hidden()

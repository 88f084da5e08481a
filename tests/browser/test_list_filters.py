"""List filters: the list follows what the officer types in its search box, and only there."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import ActionItem

from ..factories import (
    CommitmentFactory,
    ConcernFactory,
    MeetingFactory,
    OrganisationFactory,
    StakeholderFactory,
)
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def two_stakeholders(officer):
    StakeholderFactory(owner=officer, name="Ama Owusu")
    StakeholderFactory(owner=officer, name="Kofi Mensah")
    return "Owusu", "Ama Owusu", "Kofi Mensah"


def two_organisations(officer):
    OrganisationFactory(name="Northbridge City Council")
    OrganisationFactory(name="Harbour Trust")
    return "Northbridge", "Northbridge City Council", "Harbour Trust"


def two_commitments(officer):
    stakeholder = StakeholderFactory(owner=officer)
    CommitmentFactory(stakeholder=stakeholder, description="Send the revised timetable")
    CommitmentFactory(stakeholder=stakeholder, description="Book the community hall")
    return "timetable", "Send the revised timetable", "Book the community hall"


def two_concerns(officer):
    ConcernFactory(title="Noise from the depot", stakeholder=StakeholderFactory(owner=officer))
    ConcernFactory(title="Bins left on the pavement", stakeholder=StakeholderFactory(owner=officer))
    return "depot", "Noise from the depot", "Bins left on the pavement"


def two_actions(officer):
    meeting = MeetingFactory(organiser=officer)
    for description in ("Send the minutes", "Book the next venue"):
        ActionItem.objects.create(
            meeting=meeting, description=description, owner_user=officer, created_by=officer
        )
    return "minutes", "Send the minutes", "Book the next venue"


def two_meetings(officer):
    MeetingFactory(organiser=officer, title="Harbour walk")
    MeetingFactory(organiser=officer, title="Budget review")
    return "harbour", "Harbour walk", "Budget review"


LISTS_WITH_A_SEARCH_BOX = [
    pytest.param("/stakeholders/", "#stakeholder-results", two_stakeholders, id="stakeholders"),
    pytest.param("/organisations/", "#organisation-results", two_organisations, id="organisations"),
    pytest.param("/commitments/", "#commitment-results", two_commitments, id="commitments"),
    pytest.param("/concerns/", "#concern-results", two_concerns, id="concerns"),
    pytest.param("/actions/", "#action-results", two_actions, id="my-actions"),
    pytest.param("/meetings/", "#meeting-results", two_meetings, id="meetings"),
]


@pytest.mark.parametrize(("path", "results", "make_rows"), LISTS_WITH_A_SEARCH_BOX)
def test_enter_in_a_lists_search_box_shows_the_filtered_list_not_a_download(
    page, live_server, officer, path, results, make_rows
):
    """The form's first submit button is its default, the one Enter presses: with JS on, the Filter button
    was left out of the page and that was "Export CSV"."""
    query, kept, left_out = make_rows(officer)
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}{path}")
    downloads = []
    page.on("download", lambda download: downloads.append(download.url))
    search = page.get_by_role("searchbox", name="Search")

    search.fill(query)
    search.press("Enter")

    page.wait_for_url(f"**{path}?*q={query}*")
    expect(page.locator(results)).to_contain_text(kept)
    expect(page.locator(results)).not_to_contain_text(left_out)
    page.wait_for_timeout(500)
    assert downloads == []
    # Hidden from sight, the Filter button is out of the tab order too.
    expect(page.get_by_role("button", name="Filter", exact=True)).to_be_hidden()
    expect(page.get_by_role("button", name="Export CSV")).to_be_visible()


@pytest.mark.parametrize(("path", "results", "make_rows"), LISTS_WITH_A_SEARCH_BOX)
def test_without_javascript_a_list_is_filtered_by_its_filter_button_or_enter(
    browser, live_server, officer, path, results, make_rows
):
    query, kept, left_out = make_rows(officer)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}{path}")
    search = page.get_by_role("searchbox", name="Search")

    search.fill(query)
    search.press("Enter")

    page.wait_for_url(f"**{path}?*q={query}*")
    expect(page.locator(results)).to_contain_text(kept)
    expect(page.locator(results)).not_to_contain_text(left_out)

    page.get_by_role("searchbox", name="Search").fill(left_out.split()[-1])
    page.get_by_role("button", name="Filter", exact=True).click()

    expect(page.locator(results)).to_contain_text(left_out)
    expect(page.locator(results)).not_to_contain_text(kept)
    context.close()


def test_typing_in_the_meeting_search_redraws_the_list_in_place_and_its_address_follows(
    page, live_server, officer
):
    two_meetings(officer)
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/meetings/")
    page.evaluate("window.sameDocument = true")
    results = page.locator("#meeting-results")

    page.get_by_role("searchbox", name="Search").press_sequentially("harb", delay=50)

    page.wait_for_url("**/meetings/?*q=harb*")
    expect(results).not_to_contain_text("Budget review")
    expect(results).to_contain_text("Harbour walk")
    expect(page.get_by_role("status")).to_have_text("Rows shown: 1.")
    assert page.evaluate("window.sameDocument") is True


def test_typing_in_a_lookup_filter_asks_for_matches_not_for_the_list(page, live_server, officer):
    OrganisationFactory(name="Northbridge City Council")
    StakeholderFactory(owner=officer, name="Ama Owusu")
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")
    lists = []

    def count_list_requests(request):
        if request.headers.get("hx-request") and "/stakeholders/?" in request.url:
            lists.append(request.url)

    page.on("request", count_list_requests)

    page.get_by_label("Organisation", exact=True).press_sequentially("North", delay=50)
    expect(page.locator(".lookup-choice", has_text="Northbridge City Council")).to_be_visible()
    page.wait_for_timeout(600)
    assert lists == []

    page.get_by_label("Search", exact=True).fill("Ama")
    expect(page.locator("#stakeholder-results")).to_contain_text("Ama Owusu")
    assert len(lists) == 1


def test_filtering_a_list_tells_a_screen_reader_what_it_now_shows(page, live_server, officer):
    StakeholderFactory(owner=officer, name="Ama Owusu")
    StakeholderFactory(owner=officer, name="Kofi Mensah")
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")
    status = page.get_by_role("status")

    page.get_by_role("searchbox", name="Search").fill("Owusu")
    expect(page.get_by_role("link", name="Kofi Mensah")).to_have_count(0)
    expect(status).to_have_text("Rows shown: 1.")

    page.get_by_role("searchbox", name="Search").fill("Zzyzx")
    expect(status).to_have_text("No stakeholders match. Try fewer filters or another spelling.")


def test_back_to_a_filtered_list_shows_the_filters_it_was_read_with(page, live_server, officer):
    """Back restored the resolved concerns under a status filter saying "Open or in progress"."""
    ConcernFactory(title="Bins left on the pavement")
    ConcernFactory(
        title="Noise from the depot",
        status="resolved",
        resolution="Quieter lorries",
        resolved_at=timezone.now(),
    )
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/concerns/")
    results = page.locator("#concern-results")
    status = page.get_by_label("Status", exact=True)

    status.select_option("resolved")
    expect(results).to_contain_text("Noise from the depot")
    page.get_by_role("searchbox", name="Search").fill("Zzyzx")
    expect(results).to_contain_text("No concerns match")
    page.go_back()

    expect(results).to_contain_text("Noise from the depot")
    expect(status).to_have_value("resolved")
    expect(page.get_by_role("searchbox", name="Search")).to_have_value("")


def test_back_to_a_filtered_list_htmx_no_longer_keeps_loads_the_whole_page(page, live_server, officer):
    """htmx keeps the last ten pages for Back; for an older one it asked the server as an htmx request,
    and the list answered with its rows alone: no header, no menu, no filters."""
    ConcernFactory(
        title="Noise from the depot", status="resolved", resolution="Done", resolved_at=timezone.now()
    )
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/concerns/")
    status = page.get_by_label("Status", exact=True)
    status.select_option("resolved")
    expect(page.locator("#concern-results")).to_contain_text("Noise from the depot")
    page.get_by_label("Severity", exact=True).select_option("4")
    expect(page.locator("#concern-results")).to_contain_text("No concerns match")
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")

    page.go_back()

    expect(page.locator("#concern-results")).to_contain_text("Noise from the depot")
    expect(page.get_by_role("link", name="Concerns", exact=True).first).to_be_visible()
    expect(status).to_have_value("resolved")


def test_on_a_phone_the_list_stays_under_its_search_box_and_the_other_filters_are_a_button_away(
    page, live_server, officer
):
    StakeholderFactory(owner=officer, name="Ama Owusu")
    StakeholderFactory(owner=officer, name="Kofi Mensah")
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")
    owner = page.get_by_label("Owner", exact=True)

    page.get_by_role("searchbox", name="Search").fill("Owusu")

    # Nine filters stacked under the box put the list a screen and a half down: typing showed no change.
    expect(page.get_by_role("link", name="Kofi Mensah")).to_have_count(0)
    found = page.locator("#stakeholder-results").get_by_role("link", name="Ama Owusu", exact=True)
    expect(found).to_be_in_viewport()
    expect(owner).to_be_hidden()
    more = page.get_by_role("button", name="More filters")
    expect(more).to_have_attribute("aria-expanded", "false")

    more.focus()
    page.keyboard.press("Enter")

    expect(more).to_have_attribute("aria-expanded", "true")
    expect(owner).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Organisation", exact=True)).to_be_focused()


def test_on_a_phone_the_filters_button_says_how_many_of_its_filters_are_chosen(page, live_server, officer):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server, "officer")

    page.goto(f"{live_server.url}/concerns/?severity=4&status=resolved")

    expect(page.get_by_role("button", name="More filters (2 chosen)")).to_be_visible()


def test_on_a_wide_screen_every_filter_shows_without_a_button(page, live_server, officer):
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")

    expect(page.get_by_label("Owner", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="More filters")).to_be_hidden()


def test_back_from_a_stakeholder_found_in_a_filtered_list_shows_the_whole_list(page, live_server, officer):
    """The browser kept the list's address with the rows htmx had asked for alone, and showed those on Back:
    no header, no filters."""
    StakeholderFactory(owner=officer, name="Ama Owusu")
    StakeholderFactory(owner=officer, name="Kofi Mensah")
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")
    page.get_by_role("searchbox", name="Search").fill("Owusu")
    expect(page.get_by_role("link", name="Kofi Mensah")).to_have_count(0)

    page.get_by_role("link", name="Ama Owusu", exact=True).click()
    expect(page.get_by_role("heading", name="Ama Owusu")).to_be_visible()
    page.go_back()

    expect(page.get_by_role("searchbox", name="Search")).to_have_value("Owusu")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("link", name="Ama Owusu", exact=True)).to_be_visible()


def test_the_search_box_takes_the_cursor_at_a_keyboard_but_waits_for_a_tap_on_a_touch_screen(
    browser, page, live_server, officer
):
    """Focusing the box on a phone opened the on-screen keyboard over the list the officer came to read."""
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")
    expect(page.get_by_role("searchbox", name="Search")).to_be_focused()

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, timezone_id="Europe/London"
    )
    try:
        touch = phone.new_page()
        sign_in(touch, live_server, "officer")
        touch.goto(f"{live_server.url}/stakeholders/")
        search = touch.get_by_role("searchbox", name="Search")
        expect(search).to_be_visible()
        assert touch.evaluate("matchMedia('(pointer: coarse)').matches")
        expect(search).not_to_be_focused()
    finally:
        phone.close()


def test_back_and_forward_through_a_filtered_list_raise_no_script_error(page, live_server, officer):
    """htmx restores a page from its history with no swap target: the lookup boxes' handler read one."""
    two_stakeholders(officer)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")
    results = page.locator("#stakeholder-results")
    page.get_by_role("searchbox", name="Search").press_sequentially("Owusu", delay=50)
    page.wait_for_url("**/stakeholders/?*q=Owusu*")
    expect(results).not_to_contain_text("Kofi Mensah")

    page.go_back()
    expect(results).to_contain_text("Kofi Mensah")
    page.go_forward()
    expect(results).not_to_contain_text("Kofi Mensah")

    assert errors == []

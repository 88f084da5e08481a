"""Keyboard and screen reader use: focus stays where the officer was after an htmx update, links are told
apart from text by more than colour, and a lookup picker is named by its field."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import ActionItem

from ..factories import (
    AffiliationFactory,
    InteractionFactory,
    MeetingFactory,
    OrganisationFactory,
    StakeholderFactory,
)
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marking_a_follow_up_done_by_keyboard_leaves_focus_on_its_undo_button(page, live_server, officer):
    follow_up = InteractionFactory(
        logged_by=officer,
        follow_up_on=timezone.localdate(),
        follow_up_note="Send the signed agreement",
        stakeholders=[StakeholderFactory(owner=officer, name="Ama Owusu")],
    )
    sign_in(page, live_server, "officer")
    row = page.locator(f"#follow-up-{follow_up.pk}")

    row.get_by_role("button", name="Mark done").focus()
    page.keyboard.press("Enter")

    expect(row.get_by_role("button", name="Undo")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row.get_by_role("button", name="Mark done")).to_be_focused()


def test_adding_an_objective_leaves_focus_on_the_objectives_not_the_top_of_the_page(
    page, live_server, officer
):
    stakeholder = StakeholderFactory(owner=officer, name="Ama Owusu")
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}{stakeholder.get_absolute_url()}")
    objectives = page.locator("#objectives")

    objectives.locator("summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(objectives.get_by_role("textbox", name="Objective", exact=True)).to_be_focused()
    page.keyboard.type("Agree a joint statement")
    # Past the target date, whose day, month and year Chromium tabs through one by one.
    objectives.get_by_role("button", name="Add objective").focus()
    page.keyboard.press("Enter")

    expect(objectives).to_contain_text("Agree a joint statement")
    expect(page.get_by_role("heading", name="Engagement objectives")).to_be_focused()


def test_links_in_text_are_underlined_and_the_header_search_is_named(page, live_server, officer):
    organisation = OrganisationFactory(name="Delta Water Board")
    AffiliationFactory(stakeholder=StakeholderFactory(owner=officer), organisation=organisation)
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")

    link = page.get_by_role("link", name="Delta Water Board")
    assert link.evaluate("a => getComputedStyle(a).textDecorationLine") == "underline"
    button = page.get_by_role("link", name="Add stakeholder")
    assert button.evaluate("a => getComputedStyle(a).textDecorationLine") == "none"
    # Told apart from the list's filters, also a search.
    expect(page.get_by_role("search", name="Find anything")).to_have_count(1)


def test_a_lookup_picker_is_named_by_its_label_and_chosen_by_keyboard(page, live_server, officer):
    OrganisationFactory(name="Delta Water Board")
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")

    box = page.get_by_role("combobox", name="Organisation", exact=True)
    box.fill("Delta")
    choice = page.get_by_role("option", name="Delta Water Board")
    expect(choice).to_be_visible()
    box.press("ArrowDown")
    expect(choice).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".chip")).to_contain_text("Delta Water Board")
    expect(box).to_be_focused()


def test_a_log_form_sent_with_a_mistake_puts_focus_on_the_field_to_correct(page, live_server, officer):
    stakeholder = StakeholderFactory(owner=officer, name="Ama Owusu")
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}{stakeholder.get_absolute_url()}")

    page.get_by_role("button", name="Log interaction").focus()
    page.keyboard.press("Enter")

    summary = page.locator(".log-form").get_by_role("textbox", name="Summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("aria-invalid", "true")
    expect(summary).to_have_accessible_description("This field is required.")


def test_logging_from_a_stakeholders_page_by_keyboard_says_it_was_logged_where_focus_lands(
    page, live_server, officer
):
    stakeholder = StakeholderFactory(owner=officer, name="Ama Owusu")
    sign_in(page, live_server, "officer")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}{stakeholder.get_absolute_url()}")

    summary = page.locator(".log-form").get_by_role("textbox", name="Summary")
    summary.fill("Call about the grant")
    summary.press("Enter")

    # The timeline below, where the new entry appears, is out of sight on a phone and a screen reader is
    # still in the form: the words that say it is done are where focus goes, read out as it gets there.
    logged = page.locator(".log-form").get_by_text("Logged “Call about the grant”")
    expect(logged).to_be_focused()
    expect(logged).to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(page.locator(".log-form").get_by_role("combobox", name="Kind")).to_be_focused()


def test_a_page_that_comes_back_with_errors_starts_on_the_first_wrong_field(page, live_server, officer):
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/concerns/new/")

    page.get_by_role("button", name="Record concern").click()

    expect(page.get_by_role("textbox", name="Concern", exact=True)).to_be_focused()


def test_removing_a_chosen_stakeholder_by_keyboard_leaves_focus_in_the_picker(page, live_server, officer):
    OrganisationFactory(name="Delta Water Board")
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")
    box = page.get_by_role("combobox", name="Organisation", exact=True)
    box.fill("Delta")
    page.get_by_role("option", name="Delta Water Board").click()

    page.get_by_role("button", name="Remove Delta Water Board").focus()
    page.keyboard.press("Enter")

    expect(page.locator(".chip")).to_have_count(0)
    expect(box).to_be_focused()


def test_show_older_by_keyboard_puts_focus_on_the_first_older_entry(page, live_server, officer, settings):
    settings.TIMELINE_PAGE_SIZE = 2
    stakeholder = StakeholderFactory(owner=officer)
    for days in range(1, 6):
        InteractionFactory(
            logged_by=officer,
            stakeholders=[stakeholder],
            summary=f"Call {days} days ago",
            occurred_at=timezone.now() - dt.timedelta(days=days),
        )
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}{stakeholder.get_absolute_url()}")

    page.get_by_role("link", name="Show older").focus()
    page.keyboard.press("Enter")

    # Not the next "Show older" below them, which would skip what was just loaded.
    expect(page.get_by_role("link", name="Call 3 days ago")).to_be_focused()


def test_the_account_menu_is_named_by_the_officer_not_by_its_arrow(page, live_server, officer):
    sign_in(page, live_server, "officer")
    expect(page.locator("details[data-menu] > summary")).to_have_accessible_name(str(officer))


def test_slash_reaches_the_header_search_from_anywhere_outside_a_field(page, live_server, officer):
    StakeholderFactory(name="Agnieszka Wójcik", owner=officer)
    sign_in(page, live_server, "officer")
    page.get_by_role("heading", level=1).click()

    page.keyboard.press("/")
    page.keyboard.type("wojcik")

    expect(page.locator("#global-search-q")).to_be_focused()
    expect(page.locator("#global-search-results").get_by_text("Agnieszka Wójcik")).to_be_visible()
    expect(page.locator("#global-search-q")).to_have_attribute("aria-keyshortcuts", "/")


def test_slash_typed_in_any_field_stays_in_that_field(page, live_server, officer):
    """A one-key shortcut acting in a field would take a dictated or typed slash away from what the officer
    writes (WCAG 2.1.4): "/" only jumps to the header search from outside a field, even an empty one that
    took the focus as its page opened, like the stakeholder list's search."""
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")
    list_filter = page.locator("#id_q")
    expect(list_filter).to_be_focused()

    page.keyboard.press("/")

    expect(list_filter).to_be_focused()
    expect(list_filter).to_have_value("/")
    expect(page.locator("#global-search-q")).to_have_value("")

    page.goto(f"{live_server.url}/interactions/new/")
    for field in (page.locator("textarea").first, page.locator("select").first):
        field.focus()
        page.keyboard.press("/")
        expect(field).to_be_focused()
    expect(page.locator("textarea").first).to_have_value("/")

    page.evaluate("""() => {
        const note = document.createElement("div");
        note.contentEditable = "true";
        note.id = "editable-note";
        document.querySelector("main").append(note);
    }""")
    page.locator("#editable-note").focus()
    page.keyboard.press("/")
    expect(page.locator("#editable-note")).to_be_focused()
    expect(page.locator("#editable-note")).to_have_text("/")


def test_tabbing_out_of_the_header_search_closes_its_results_over_the_page(page, live_server, officer):
    StakeholderFactory(owner=officer, name="Ama Owusu")
    sign_in(page, live_server, "officer")
    results = page.locator("#global-search-results")

    page.get_by_role("searchbox", name="Find anything").fill("Ama")
    expect(results.get_by_role("link", name="All results for “Ama”")).to_be_visible()
    results.get_by_role("link", name="All results for “Ama”").focus()
    page.keyboard.press("Tab")

    # Left open, they would hide the main navigation the officer tabs on to.
    expect(page.get_by_role("link", name="+ Log interaction")).to_be_focused()
    expect(results).to_be_empty()


def test_escape_closes_the_header_search_results_and_keeps_the_words_typed(page, live_server, officer):
    """The browser's own Escape in a search box also empties it: the Enter that followed, to see all the
    results, searched for nothing."""
    StakeholderFactory(owner=officer, name="Ama Owusu")
    sign_in(page, live_server, "officer")
    results = page.locator("#global-search-results")
    box = page.get_by_role("searchbox", name="Find anything")
    box.fill("Ama")
    expect(results.get_by_text("Ama Owusu")).to_be_visible()

    box.press("Escape")

    expect(results).to_be_empty()
    expect(box).to_be_focused()
    expect(box).to_have_value("Ama")
    box.press("Enter")
    page.wait_for_url(f"{live_server.url}/search/?q=Ama")
    expect(page.get_by_role("link", name="Ama Owusu")).to_be_visible()


def test_the_header_search_says_how_many_match_instead_of_reading_them_all_out(page, live_server, officer):
    """Its results were a live region: a screen reader read the whole list again at every letter typed."""
    StakeholderFactory(owner=officer, name="Ama Owusu")
    sign_in(page, live_server, "officer")
    results = page.locator("#global-search-results")
    expect(results).not_to_have_attribute("aria-live", "polite")
    box = page.get_by_role("searchbox", name="Find anything")

    box.fill("Ama")
    expect(results.get_by_text("Ama Owusu")).to_be_visible()
    expect(page.locator("#list-status")).to_have_text("Matches: 1.")

    box.fill("Zzyzx")
    expect(page.locator("#list-status")).to_have_text("Nothing matches “Zzyzx”.")


def test_escape_on_a_lookup_pickers_match_closes_the_matches_and_returns_to_the_box(
    page, live_server, officer
):
    OrganisationFactory(name="Delta Water Board")
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")
    box = page.get_by_role("combobox", name="Organisation", exact=True)
    box.fill("Delta")
    choice = page.get_by_role("option", name="Delta Water Board")
    expect(choice).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(choice).to_be_focused()

    page.keyboard.press("Escape")

    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(choice).to_have_count(0)
    page.wait_for_load_state("networkidle")
    expect(choice).to_have_count(0)


def test_tabbing_out_of_a_lookup_picker_closes_its_matches_over_the_next_fields(page, live_server, officer):
    OrganisationFactory(name="Delta Water Board")
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")
    box = page.get_by_role("combobox", name="Organisation", exact=True)
    box.fill("Delta")
    choice = page.get_by_role("option", name="Delta Water Board")
    expect(choice).to_be_visible()
    box.press("ArrowDown")

    page.keyboard.press("Tab")

    expect(choice).to_have_count(0)


def test_tabbing_back_up_a_page_never_leaves_focus_hidden_under_the_header(page, live_server, officer):
    stakeholder = StakeholderFactory(owner=officer, name="Ama Owusu")
    InteractionFactory(logged_by=officer, stakeholders=[stakeholder], summary="Called about the bid")
    page.set_viewport_size({"width": 1280, "height": 500})
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}{stakeholder.get_absolute_url()}")
    header_bottom = page.locator(".topbar").bounding_box()["height"]

    page.get_by_role("link", name="Called about the bid").focus()
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.closest('.topbar') !== null"):
            break
        top = page.evaluate("document.activeElement.getBoundingClientRect().top")
        name = page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
        assert top >= header_bottom, name


def test_a_lookup_picker_that_finds_nothing_says_so_to_a_screen_reader(page, live_server, officer):
    OrganisationFactory(name="Delta Water Board")
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/stakeholders/")

    page.get_by_role("combobox", name="Organisation", exact=True).fill("Zzyzx")

    expect(page.locator(".lookup-empty")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("No match.")


def test_a_chosen_stakeholders_remove_button_is_big_enough_to_tap(page, live_server, officer):
    """WCAG asks 24 by 24 px of a target; the remove button was 16 by 18, easily missed by a finger."""
    stakeholder = StakeholderFactory(owner=officer, name="Ama Owusu")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}{stakeholder.get_absolute_url()}")

    box = page.get_by_role("button", name="Remove Ama Owusu").bounding_box()

    assert box["width"] >= 24 and box["height"] >= 24, box


def on_my_actions(page, live_server, officer):
    """Signs the officer in on My actions, which lists one open action of theirs: "Send the minutes"."""
    action = ActionItem.objects.create(
        meeting=MeetingFactory(organiser=officer), description="Send the minutes", owner_user=officer,
        created_by=officer,
    )  # fmt: skip
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/actions/")
    return action


def posts_sent(page) -> list[str]:
    """The addresses of the POST requests the page sends from now on, as they are sent."""
    sent = []
    page.on("request", lambda request: request.method == "POST" and sent.append(request.url))
    return sent


def test_arrowing_through_an_actions_status_saves_only_the_one_chosen_with_enter(page, live_server, officer):
    """Each option passed on the way was saved and written in the action's history: "In progress" on the
    way to "Done"."""
    action = on_my_actions(page, live_server, officer)
    saves = posts_sent(page)
    status = page.get_by_role("combobox", name="Status of “Send the minutes”")

    status.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(500)

    assert saves == []
    action.refresh_from_db()
    assert action.status == "open"

    page.keyboard.press("Enter")

    expect(page.locator(f"#action-{action.pk}.done")).to_be_attached()
    action.refresh_from_db()
    assert action.status == "done"
    assert len(saves) == 1
    expect(page.get_by_role("combobox", name="Status of “Send the minutes”")).to_be_focused()


def test_an_actions_status_picked_from_its_list_is_saved_at_once(page, live_server, officer):
    action = on_my_actions(page, live_server, officer)

    page.get_by_role("combobox", name="Status of “Send the minutes”").select_option("in_progress")

    expect(page.get_by_role("combobox", name="Status of “Send the minutes”")).to_have_value("in_progress")
    page.wait_for_load_state("networkidle")
    action.refresh_from_db()
    assert action.status == "in_progress"


def held_requests(page, url_pattern):
    """Requests to `url_pattern` wait, as on a slow connection, until the test lets them go."""
    held = []
    page.route(url_pattern, lambda route: held.append(route))
    return held


def wait_until_held(page, held):
    for _ in range(100):
        if held:
            return
        page.wait_for_timeout(50)
    raise AssertionError("The request was never sent.")


def test_moving_to_another_field_while_mark_done_runs_leaves_focus_on_that_field(page, live_server, officer):
    """Undo must not take focus back from wherever the officer moved to while it was being marked done."""
    follow_up = InteractionFactory(
        logged_by=officer,
        follow_up_on=timezone.localdate(),
        follow_up_note="Send the signed agreement",
        stakeholders=[StakeholderFactory(owner=officer, name="Ama Owusu")],
    )
    sign_in(page, live_server, "officer")
    held = held_requests(page, f"**/interactions/{follow_up.pk}/follow-up/")
    row = page.locator(f"#follow-up-{follow_up.pk}")
    search = page.get_by_role("searchbox", name="Find anything")

    row.get_by_role("button", name="Mark done").focus()
    page.keyboard.press("Enter")
    wait_until_held(page, held)
    search.focus()
    held[0].continue_()

    expect(row.get_by_role("button", name="Undo")).to_be_visible()
    page.wait_for_timeout(200)
    expect(search).to_be_focused()


def test_moving_to_another_field_of_the_log_form_while_it_is_sent_leaves_focus_there(
    page, live_server, officer
):
    """The "Logged" confirmation took focus from the field of the fresh form the officer had gone on to."""
    stakeholder = StakeholderFactory(owner=officer, name="Ama Owusu")
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}{stakeholder.get_absolute_url()}")
    held = held_requests(page, "**/interactions/new/*")
    form = page.locator(".log-form")

    form.get_by_role("textbox", name="Summary").fill("Call about the grant")
    form.get_by_role("textbox", name="Summary").press("Enter")
    wait_until_held(page, held)
    form.get_by_role("textbox", name="Outcome", exact=True).focus()
    held[0].continue_()

    expect(form.get_by_text("Logged “Call about the grant”")).to_be_visible()
    page.wait_for_timeout(200)
    expect(form.get_by_role("textbox", name="Outcome", exact=True)).to_be_focused()


def test_escape_after_arrowing_through_an_actions_status_puts_it_back_and_saves_nothing(
    page, live_server, officer
):
    action = on_my_actions(page, live_server, officer)
    saves = posts_sent(page)
    status = page.get_by_role("combobox", name="Status of “Send the minutes”")

    status.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")

    expect(status).to_have_value("open")
    page.keyboard.press("Tab")
    page.wait_for_timeout(500)
    assert saves == []
    action.refresh_from_db()
    assert action.status == "open"


def test_moving_to_a_control_the_update_replaces_while_it_runs_puts_focus_on_its_replacement(
    page, live_server, officer
):
    """The meeting's link, which has no id, went with its row and focus fell to the top of the page."""
    action = on_my_actions(page, live_server, officer)
    held = held_requests(page, f"**/actions/{action.pk}/status/")
    row = page.locator(f"#action-{action.pk}")
    meeting = row.get_by_role("link", name=action.meeting.title)

    row.get_by_role("combobox").focus()
    row.get_by_role("combobox").select_option("in_progress")
    wait_until_held(page, held)
    meeting.focus()
    held[0].continue_()

    expect(page.locator(f"#action-{action.pk} option[value=in_progress][selected]")).to_be_attached()
    expect(meeting).to_be_focused()


def test_escape_after_a_status_picked_from_its_list_keeps_that_status_and_saves_nothing_more(
    page, live_server, officer
):
    """Escape put back the status from before the pick, which had already been saved."""
    action = on_my_actions(page, live_server, officer)
    saves = posts_sent(page)
    held = held_requests(page, f"**/actions/{action.pk}/status/")
    status = page.get_by_role("combobox", name="Status of “Send the minutes”")

    status.focus()
    status.select_option("in_progress")
    wait_until_held(page, held)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")

    expect(status).to_have_value("in_progress")
    held[0].continue_()
    expect(page.locator(f"#action-{action.pk} option[value=in_progress][selected]")).to_be_attached()
    page.keyboard.press("Tab")
    page.wait_for_timeout(500)
    assert len(saves) == 1
    action.refresh_from_db()
    assert action.status == "in_progress"

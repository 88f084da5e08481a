"""Text stays readable against what is behind it (WCAG's 4.5:1 for body text), whatever state it is in."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ..factories import InteractionFactory, StakeholderFactory
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The element's text colour (or the colour of its focus outline, drawn outside it) against the first
# background behind it, with the opacity of it and its ancestors, which lets the background show through,
# taken into account.
CONTRAST = """(element, property) => {
  const rgb = colour => colour.match(/[\\d.]+/g).map(Number);
  let opacity = 1, background = null;
  for (let node = element; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    opacity *= Number(style.opacity);
    const behind = property === "color" || node !== element;
    if (behind && !background && rgb(style.backgroundColor)[3] !== 0) background = rgb(style.backgroundColor);
  }
  background = background || [255, 255, 255];
  const fore = rgb(getComputedStyle(element)[property]).slice(0, 3).map((c, i) => background[i] + (c - background[i]) * opacity);
  const luminance = ([r, g, b]) => [r, g, b].map(c => c / 255).map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const [light, dark] = [luminance(fore), luminance(background)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}"""  # noqa: E501


def test_a_follow_up_marked_done_stays_readable(page, live_server, officer):
    follow_up = InteractionFactory(
        logged_by=officer,
        follow_up_on=timezone.localdate(),
        follow_up_note="Send the signed agreement",
        stakeholders=[StakeholderFactory(owner=officer, name="Ama Owusu")],
    )
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/follow-ups/")
    row = page.locator(f"#follow-up-{follow_up.pk}")

    row.get_by_role("button", name="Mark done").click()

    expect(row.get_by_role("button", name="Undo")).to_be_visible()
    for text in [
        row.get_by_role("link", name="Send the signed agreement"),
        row.locator(".status"),
        row.locator("small"),
        row.get_by_role("link", name="Ama Owusu"),
    ]:
        assert text.evaluate(CONTRAST, "color") >= 4.5, text


def test_the_focus_ring_stands_out_from_the_page_around_it(page, live_server, officer):
    """WCAG asks 3:1 for what shows where focus is; the light blue ring it had made 2:1 against the white."""
    sign_in(page, live_server, "officer")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).to_be_focused()
    page.keyboard.press("Tab")
    brand = page.get_by_role("link", name="Liaison CRM")
    expect(brand).to_be_focused()

    assert brand.evaluate("link => getComputedStyle(link).outlineStyle") == "solid"
    assert brand.evaluate(CONTRAST, "outlineColor") >= 3


def test_a_form_fields_edge_stands_out_from_the_card_around_it(page, live_server, officer):
    """WCAG asks 3:1 for what shows a control is there; the pale grey edge the boxes had made 1.6:1, and an
    empty box was hard to find on the white card."""
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/interactions/new/")

    for field in [
        page.get_by_role("textbox", name="Summary"),
        page.get_by_role("combobox", name="Kind"),
        page.get_by_role("searchbox", name="Find anything"),
    ]:
        assert field.evaluate(CONTRAST, "borderTopColor") >= 3, field


def test_an_agenda_rows_leader_picker_looks_like_the_boxes_beside_it(page, live_server, officer):
    """Grey, as the browser draws a select left unstyled, it read as disabled beside the white boxes."""
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/meetings/new/")
    background = "field => getComputedStyle(field).backgroundColor"

    leader = page.get_by_role("combobox", name="Led by, row 1")
    item = page.get_by_role("textbox", name="Item, row 1")

    assert leader.evaluate(background) == item.evaluate(background) == "rgb(255, 255, 255)"

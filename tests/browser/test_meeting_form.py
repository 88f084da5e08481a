import pytest
from playwright.sync_api import expect

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_picking_a_start_fills_the_end_an_hour_later_until_the_officer_chooses_one(
    page, live_server, officer
):
    sign_in(page, live_server, "officer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meetings").click()
    page.get_by_role("link", name="Schedule a meeting").click()
    starts, ends = page.get_by_label("Starts"), page.get_by_label("Ends")

    starts.fill("2030-03-31T00:30")
    expect(ends).to_have_value("2030-03-31T01:30")
    starts.fill("2030-03-31T23:30")
    expect(ends).to_have_value("2030-04-01T00:30")

    ends.fill("2030-04-01T02:00")
    starts.fill("2030-03-31T22:00")
    expect(ends).to_have_value("2030-04-01T02:00")
    # A start after the chosen end would be refused: the end moves along with it.
    starts.fill("2030-04-01T09:00")
    expect(ends).to_have_value("2030-04-01T10:00")

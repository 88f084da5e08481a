"""An htmx action that fails says so: the page would otherwise stay as it was, as if it had worked."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interactions.models import Interaction

from ..factories import InteractionFactory, StakeholderFactory
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def follow_up_due(officer):
    return InteractionFactory(
        logged_by=officer,
        follow_up_on=timezone.localdate(),
        follow_up_note="Send the signed agreement",
        stakeholders=[StakeholderFactory(owner=officer, name="Ama Owusu")],
    )


def test_marking_done_a_follow_up_deleted_meanwhile_tells_the_officer_to_reload(
    page, live_server, officer, follow_up_due
):
    sign_in(page, live_server, "officer")
    row = page.locator(f"#follow-up-{follow_up_due.pk}")
    expect(row).to_contain_text("Send the signed agreement")
    Interaction.objects.filter(pk=follow_up_due.pk).delete()

    row.get_by_role("button", name="Mark done").click()

    expect(page.get_by_role("alert")).to_contain_text("the page is out of date")
    expect(row).to_contain_text("Mark done")


def test_an_action_that_never_reaches_the_server_says_nothing_was_changed(
    page, live_server, officer, follow_up_due
):
    sign_in(page, live_server, "officer")
    page.route("**/follow-up/", lambda route: route.abort())

    page.locator(f"#follow-up-{follow_up_due.pk}").get_by_role("button", name="Mark done").click()
    page.locator(f"#follow-up-{follow_up_due.pk}").get_by_role("button", name="Mark done").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The server could not be reached, so nothing was changed.")
    # The same failure twice is one message, not a growing list.
    expect(alert.locator("li")).to_have_count(1)
    assert Interaction.objects.get(pk=follow_up_due.pk).follow_up_done_at is None


def test_an_action_that_failed_on_the_server_says_to_reload_before_trying_again(
    page, live_server, officer, follow_up_due
):
    # A 500 may come after the change was saved (its reminders failed): sent again, it would be made twice.
    sign_in(page, live_server, "officer")
    page.route("**/follow-up/", lambda route: route.fulfill(status=500, body="Server error"))

    page.locator(f"#follow-up-{follow_up_due.pk}").get_by_role("button", name="Mark done").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Reload the page to see what was saved before trying again.")
    expect(alert).not_to_contain_text("nothing was changed")


def test_an_action_the_server_kept_nothing_of_says_to_try_again(page, live_server, officer, follow_up_due):
    # The server answers 503 only when nothing was kept: another save at the same moment, or an outage.
    sign_in(page, live_server, "officer")
    page.route("**/follow-up/", lambda route: route.fulfill(status=503, headers={"Retry-After": "1"}))

    page.locator(f"#follow-up-{follow_up_due.pk}").get_by_role("button", name="Mark done").click()

    expect(page.get_by_role("alert")).to_contain_text("nothing was changed. Try again in a moment.")

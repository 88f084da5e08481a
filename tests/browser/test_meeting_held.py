import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import ActionItem, Meeting

from ..factories import StakeholderFactory
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pick(page, field_class, name):
    box = page.locator(f".{field_class} .lookup-input")
    box.fill(name)
    page.locator(f".{field_class} .lookup-choice", has_text=name).click()
    # The chip's remove button is named from the page's translated "Remove %(name)s".
    expect(page.locator(f".{field_class}").get_by_role("button", name=f"Remove {name}")).to_be_visible()


def test_officer_schedules_holds_a_meeting_and_the_follow_up_reaches_the_outbox(
    browser, page, live_server, officer, colleague, admin_user
):
    StakeholderFactory(
        name="Ingrid Solberg", owner=officer, emails=["ingrid@example.no"], time_zone="Europe/Oslo"
    )
    StakeholderFactory(
        name="Tariq Haddad", owner=officer, emails=["tariq@example.jo"], time_zone="Asia/Amman"
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    sign_in(page, live_server, "officer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meetings").click()
    page.get_by_role("link", name="Schedule a meeting").click()
    page.get_by_label("Title").fill("Water-sharing agreement review")
    page.get_by_label("Starts").fill(f"{yesterday.isoformat()}T10:00")
    page.get_by_label("Ends").fill(f"{yesterday.isoformat()}T11:00")
    page.get_by_label("Time zone").select_option("Europe/London")
    pick(page, "field-stakeholders", "Ingrid Solberg")
    pick(page, "field-stakeholders", "Tariq Haddad")
    # The practical check shows each guest's own local time before anything is sent.
    expect(page.locator("#slot-check")).to_contain_text("Asia/Amman")
    page.locator("#id_agenda-0-title").fill("Progress on the pilot")
    page.get_by_role("button", name="Schedule and send invitations").click()

    expect(page.get_by_role("heading", name="Water-sharing agreement review")).to_be_visible()
    page.get_by_role("link", name="Record as held").click()
    page.get_by_label("Minutes").fill("Both sides agreed the pilot works.")
    page.get_by_label("Decisions").fill("Extend the pilot to the northern valley")
    page.locator("#id_actions-0-description").fill("Draft the extension annex")
    page.locator("#id_actions-0-owner").select_option(label="Tariq Haddad")
    # Tariq owes it; the organiser hands the chasing to a colleague as the minutes are written.
    page.get_by_label("Chased by, row 1").select_option(label=str(colleague))
    page.get_by_role("button", name="Record as held").click()

    expect(page.get_by_text("Extend the pilot to the northern valley")).to_be_visible()
    meeting = Meeting.objects.get()
    assert meeting.status == "held"
    assert ActionItem.objects.get().chaser == colleague
    expect(page.get_by_text(f"chased by {colleague}")).to_be_visible()

    for name in ("Ingrid Solberg", "Tariq Haddad"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Stakeholders").click()
        page.locator("#stakeholder-results").get_by_role("link", name=name, exact=True).click()
        expect(page.locator("#timeline")).to_contain_text("Water-sharing agreement review")

    admin_context = browser.new_context()
    admin_page = admin_context.new_page()
    sign_in(admin_page, live_server, "admin")
    admin_page.goto(f"{live_server.url}/outbox/")
    expect(admin_page.locator("body")).to_contain_text("Follow-up: Water-sharing agreement review")
    expect(admin_page.locator("body")).to_contain_text("ingrid@example.no")
    expect(admin_page.locator("body")).to_contain_text("tariq@example.jo")
    admin_context.close()

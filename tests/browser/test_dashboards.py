import pytest
from playwright.sync_api import expect

from dashboards import services

from ..factories import AffiliationFactory, OrganisationFactory, StakeholderFactory
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_relationship_map_draws_and_explains_a_connection(page, live_server, officer):
    council = OrganisationFactory(name="Harbour Council")
    centre = StakeholderFactory(owner=officer, name="Ines Duarte")
    AffiliationFactory(stakeholder=centre, organisation=council, role="Clerk")
    AffiliationFactory(
        stakeholder=StakeholderFactory(owner=officer, name="Kofi Mensah"), organisation=council
    )
    services.health_snapshot_take()

    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}{centre.get_absolute_url()}")
    page.get_by_role("link", name="Relationship map").click()

    nodes = page.locator("svg.map-svg .node")
    expect(nodes).to_have_count(3)
    nodes.filter(has_text="Kofi Mensah").click()
    expect(page.locator(".map-info")).to_contain_text("Kofi Mensah")
    expect(page.locator(".map-info").get_by_role("link", name="Centre the map here")).to_be_visible()


def test_a_manager_refreshes_the_dashboard(page, live_server, manager, officer):
    StakeholderFactory(owner=officer)
    services.figures_refresh()

    sign_in(page, live_server, "manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.locator("svg.chart-svg").first).to_be_visible()
    page.get_by_role("button", name="Refresh").click()
    expect(page.locator(".messages")).to_contain_text("Refreshing the figures")
    expect(page.locator("#freshness")).to_contain_text("refreshing")

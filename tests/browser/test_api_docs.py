"""The API documentation pages, read in a browser: they render within the site's Content-Security-Policy
(the `page` fixture fails the test on any violation) and fetch nothing from outside the site."""

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_redoc_renders_the_api_with_nothing_from_outside_the_site(page, live_server, officer):
    outside = []
    page.on(
        "request",
        lambda request: (
            request.url.startswith("http")
            and not request.url.startswith(live_server.url)
            and outside.append(request.url)
        ),
    )
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/api/docs/redoc/")
    expect(page.get_by_role("heading", name="Liaison CRM API").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("API docs by Redocly")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert outside == []


def test_swagger_ui_renders_the_api(page, live_server, officer):
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_text("/api/v1/stakeholders/").first).to_be_visible()
    page.wait_for_load_state("networkidle")

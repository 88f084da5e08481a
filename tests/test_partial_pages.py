"""A page that answers htmx with a part of itself says its answer depends on HX-Request."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_list_answers_htmx_and_the_browser_apart_and_says_so_to_caches(officer_client):
    whole = officer_client.get("/stakeholders/?q=Owusu")
    rows = officer_client.get("/stakeholders/?q=Owusu", headers={"HX-Request": "true"})

    assert b"<header" in whole.content
    assert b"<header" not in rows.content
    for response in (whole, rows):
        assert "HX-Request" in response.headers["Vary"]
        # Those it varied on already stay.
        assert "Cookie" in response.headers["Vary"]

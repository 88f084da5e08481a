"""Cursor pages (api.pagination): a client paging through a list sees every row once, even rows that tie on
the ordering and change while it pages."""

import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Stakeholder

from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/stakeholders/"


def ids(page):
    return [row["id"] for row in page["results"]]


def test_a_sync_by_updated_at_misses_nothing_when_a_row_tied_on_its_time_changes_between_pages(officer_api):
    people = StakeholderFactory.create_batch(6)
    touched_at = timezone.now() - timedelta(minutes=5)
    # As a renamed tag touches every record carrying it: one moment for all.
    Stakeholder.objects.filter(pk__in=[person.pk for person in people]).update(updated_at=touched_at)
    query = {"updated_since": touched_at.isoformat(), "ordering": "updated_at", "page_size": 2}

    first = officer_api.get(LIST, query).json()
    Stakeholder.objects.filter(pk=ids(first)[0]).update(updated_at=timezone.now())
    seen, url = ids(first), first["next"]
    while url:
        page = officer_api.get(url).json()
        seen, url = seen + ids(page), page["next"]

    assert set(seen) == {person.pk for person in people}


def test_previous_links_walk_back_through_the_same_pages(officer_api):
    for index in range(7):
        StakeholderFactory(name=f"Person {index % 2}")  # ties on the name, broken by id
    pages, url = [], LIST + "?page_size=3"
    while url:
        page = officer_api.get(url).json()
        pages, url = [*pages, ids(page)], page["next"]
    back, url = [], page["previous"]
    while url:
        page = officer_api.get(url).json()
        back, url = [ids(page), *back], page["previous"]
    assert back == pages[:-1]


@pytest.mark.parametrize(
    "position",
    [["Person\x00", "1"], ["Person"], "Person", [1, 2], ["Person", "not-an-id"]],
)
def test_a_hand_made_cursor_is_a_400_with_a_field_message(officer_api, position):
    StakeholderFactory(name="Person")
    cursor = base64.b64encode(f"p={json.dumps(position)}".encode()).decode()
    response = officer_api.get(LIST, {"cursor": cursor})
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["cursor"]

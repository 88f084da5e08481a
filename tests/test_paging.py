"""Lists page without counting; deep in a list, a page reads its ids first."""

import pytest

from contacts.models import Stakeholder
from liaison_crm import paging

from .factories import StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(officer):
    for number in range(12):
        StakeholderFactory(name=f"Person {number:02d}", owner=officer)
    return Stakeholder.objects.for_list_rows().order_by("-name", "pk")


def test_a_page_deep_in_the_list_has_the_rows_one_query_would_give(people, monkeypatch):
    expected = [person.pk for person in people][8:12]
    monkeypatch.setattr(paging, "IDS_FIRST_FROM", 4)

    page = paging.paginate(people, 3, 4)

    assert [person.pk for person in page] == expected
    assert not page.has_next
    # The rows keep what the list's query adds to them.
    assert all(person.tag_names == [] and person.owner.username for person in page)


def test_deep_pages_read_ids_then_rows(people, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(paging, "IDS_FIRST_FROM", 4)
    with django_assert_num_queries(1):
        paging.paginate(people, 1, 4)
    with django_assert_num_queries(2):
        page = paging.paginate(people, 2, 4)
    assert page.has_next

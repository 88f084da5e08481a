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


def _href(page: str, text: str) -> str:
    """The address of the link whose text contains `text`, as a browser would resolve it on the list."""
    import html
    import re

    for href, label in re.findall(r'<a[^>]*href="([^"]*)"[^>]*>([^<]*)</a>', page):
        if text in label:
            return html.unescape(href)
    raise AssertionError(f"no link {text!r}")


def test_the_next_page_of_a_filtered_list_keeps_its_filters(client, officer, colleague, settings):
    from urllib.parse import urljoin

    from django.urls import reverse

    from .conftest import login

    settings.LIST_PAGE_SIZE = 2
    mine = {StakeholderFactory(owner=officer).pk for _ in range(3)}
    StakeholderFactory.create_batch(3, owner=colleague)
    login(client, officer)
    first_url = reverse("contacts:stakeholder_list") + f"?owner={officer.pk}"
    first = client.get(first_url)

    second = client.get(urljoin(first_url, _href(first.content.decode(), "Next")))

    assert second.context["filter"].form.cleaned_data["owner"] == officer
    seen = {person.pk for person in first.context["page"]} | {person.pk for person in second.context["page"]}
    assert seen == mine, "the second page lists the officer's people, not everyone's"
    back = urljoin(first_url, _href(second.content.decode(), "Previous"))
    assert client.get(back).context["filter"].form.cleaned_data["owner"] == officer


def test_paging_a_list_sorted_by_influence_shows_each_stakeholder_once(client, officer, settings):
    """Many stakeholders share an influence: ordered by it alone, PostgreSQL may order the ties differently
    for each page's query, and some were listed twice while others never appeared."""
    from django.urls import reverse

    from .conftest import login

    settings.LIST_PAGE_SIZE = 7
    people = [StakeholderFactory(owner=officer, influence=1 + number % 2).pk for number in range(60)]
    login(client, officer)
    for sort in ("-influence", "contact_due"):
        seen = [
            person.pk
            for number in range(1, 10)  # 60 rows, 7 a page
            for person in client.get(
                reverse("contacts:stakeholder_list"), {"sort": sort, "page": number}
            ).context["page"]
        ]
        assert sorted(seen) == sorted(people), sort

"""The concerns register runs the same small number of queries however many rows it shows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ..factories import AffiliationFactory, ConcernFactory, InteractionFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

# Every signed-in page starts with: the session, the user.
REQUEST_OVERHEAD = 2


@pytest.mark.parametrize("rows", [3, 12])
def test_concern_list(officer_client, officer, django_assert_max_num_queries, rows):
    for days in range(rows):
        position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
        ConcernFactory(
            stakeholder=position.stakeholder,
            organisation=position.organisation,
            raised_on=timezone.localdate() - dt.timedelta(days=days * 3),
            interactions=[InteractionFactory(logged_by=officer, stakeholders=[position.stakeholder])],
        )
    # the user's groups (the navigation shows admins more); the page of concerns with their stakeholders,
    # organisations and handlers; the filter form's "handled by" and team choices.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 4):
        response = officer_client.get(reverse("concerns:list"))
    assert len(response.context["page"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_concern_page_with_linked_interactions(officer_client, officer, django_assert_max_num_queries, rows):
    stakeholder = StakeholderFactory(owner=officer)
    interactions = [InteractionFactory(logged_by=officer, stakeholders=[stakeholder]) for _ in range(rows)]
    concern = ConcernFactory(stakeholder=stakeholder, owner=officer, interactions=interactions[: rows - 1])
    # the user's groups (visibility); the concern with its people; linked interactions with who logged them;
    # the link form's recent interactions.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 4):
        response = officer_client.get(concern.get_absolute_url())
    assert len(response.context["linked_interactions"]) == rows - 1

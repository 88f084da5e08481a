"""The commitments register runs the same small number of queries however many rows it shows."""

import pytest
from django.urls import reverse

from ..factories import AffiliationFactory, CommitmentFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

# Every signed-in page starts with: the session, the user.
REQUEST_OVERHEAD = 2


@pytest.mark.parametrize("rows", [3, 12])
def test_commitment_list(officer_client, officer, django_assert_max_num_queries, rows):
    for _ in range(rows):
        position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
        CommitmentFactory(stakeholder=position.stakeholder, organisation=position.organisation)
    # the user's groups (the navigation shows admins more); the page of commitments with their
    # stakeholders, organisations and chasers; the filter form's "chased by" and team choices.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 4):
        response = officer_client.get(reverse("commitments:list"))
    assert len(response.context["page"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_commitment_list_filtered_by_stakeholder(
    officer_client, officer, django_assert_max_num_queries, rows
):
    stakeholder = StakeholderFactory(owner=officer)
    CommitmentFactory.create_batch(rows, stakeholder=stakeholder)
    # the user's groups (navigation); the page of commitments; the filter form's "chased by" and team
    # choices; the chosen stakeholder, validated by the filter and shown by its picker.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 6):
        response = officer_client.get(reverse("commitments:list"), {"stakeholder": stakeholder.pk})
    assert len(response.context["page"]) == rows

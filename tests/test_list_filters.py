"""A list whose filter cannot be read (a record removed since it was bookmarked) lists no one and says why.

Leaving the filter out would list the whole register as if it all matched, on every list page and export.
"""

import pytest
from django.urls import reverse

from outbox.services import message_enqueue

from .conftest import login
from .factories import CommitmentFactory, ConcernFactory, InteractionFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

GONE = 987654321


@pytest.mark.parametrize(
    ("url_name", "factory"), [("commitments:list", CommitmentFactory), ("concerns:list", ConcernFactory)]
)
def test_a_register_filtered_by_a_stakeholder_removed_since_lists_no_one(
    officer_client, officer, url_name, factory
):
    factory(stakeholder=StakeholderFactory(owner=officer))
    response = officer_client.get(reverse(url_name), {"stakeholder": GONE})
    assert response.status_code == 200
    assert len(response.context["page"]) == 0
    assert "Select a valid choice" in response.content.decode()


def test_an_interactions_export_filtered_by_a_stakeholder_removed_since_exports_no_one(
    officer_client, officer
):
    InteractionFactory(
        logged_by=officer, stakeholders=[StakeholderFactory(owner=officer)], summary="Kept apart"
    )
    response = officer_client.get(reverse("dashboards:export", args=["interactions"]), {"stakeholder": GONE})
    assert response.status_code == 200
    assert "Kept apart" not in b"".join(response.streaming_content).decode()


def test_the_outbox_filtered_by_an_unknown_status_lists_nothing(client, admin_user):
    message_enqueue(key="filters:1", kind="digest", to="ama@example.org", subject="Your week", body="…")
    login(client, admin_user)
    response = client.get(reverse("outbox:message_list"), {"status": "lost"})
    assert response.status_code == 200
    assert len(response.context["page"]) == 0
    assert "Select a valid choice" in response.content.decode()

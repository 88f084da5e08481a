"""The Django admin, where administrators manage staff, teams and roles."""

import pytest
from django.urls import reverse

from accounts.models import Role, Team

from ..factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    root = UserFactory(username="root", team=None, role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(root)
    return client


def test_a_team_with_members_cannot_be_deleted(admin_client, manager, officer):
    url = reverse("admin:accounts_team_delete", args=[officer.team_id])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 200
    assert "Cannot delete team" in response.text
    assert str(manager) in response.text
    assert Team.objects.filter(pk=officer.team_id).exists()


def test_an_empty_team_can_be_deleted(admin_client, team):
    response = admin_client.post(reverse("admin:accounts_team_delete", args=[team.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()

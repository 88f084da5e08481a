"""The shared cast: officers and managers of two teams, and an administrator."""

import pytest

from accounts.models import Role

from .factories import TeamFactory, UserFactory
from .workers import celery_worker, send_through, smtp_server, test_broker  # noqa: F401  (shared fixtures)


@pytest.fixture
def team(db):
    return TeamFactory(name="Government relations")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Partnerships")


@pytest.fixture
def officer(team):
    return UserFactory(username="officer", team=team)


@pytest.fixture
def colleague(team):
    """Another officer in the same team as `officer`."""
    return UserFactory(username="colleague", team=team)


@pytest.fixture
def other_officer(other_team):
    return UserFactory(username="other_officer", team=other_team)


@pytest.fixture
def manager(team):
    return UserFactory(username="manager", team=team, role=Role.MANAGER)


@pytest.fixture
def other_manager(other_team):
    return UserFactory(username="other_manager", team=other_team, role=Role.MANAGER)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", team=None, role=Role.ADMIN)


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def login(client, user):
    client.force_login(user)
    return client

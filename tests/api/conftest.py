"""API clients for the shared cast, each with its own API token, and a service account for another tool."""

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create, service_account_create

# Who a permission matrix is run for: the conftest cast, plus nobody at all.
CAST = ["officer", "colleague", "other_officer", "manager", "other_manager", "admin_user"]


@pytest.fixture(autouse=True)
def local_rate_limits(settings):
    """Rate limits count in a local-memory cache per test: one test's requests never throttle the next."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api-tests"}
    }
    from django.core.cache import cache

    cache.clear()


def token_for(user, name="tests") -> str:
    return api_token_create(user=user, name=name, actor=user)[1]


def client_with_token(key: str | None) -> APIClient:
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def api_as(request):
    """`api_as("officer")` is an API client authenticated with that cast member's token; None is anonymous."""

    def make(name: str | None) -> APIClient:
        if name is None:
            return client_with_token(None)
        return client_with_token(token_for(request.getfixturevalue(name)))

    return make


@pytest.fixture
def officer_api(officer):
    return client_with_token(token_for(officer))


@pytest.fixture
def service_account(team):
    """Another tool's account: an officer's permissions, in the officer's team."""
    return service_account_create(username="events-sync", actor=None, team=team)


@pytest.fixture
def service_api(service_account):
    return client_with_token(token_for(service_account))

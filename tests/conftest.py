"""The shared cast: officers and managers of two teams, and an administrator; and a check on every page."""

import sys
import uuid

import pytest
import redis
from django.conf import settings as django_settings
from django.test import override_settings
from django.utils import timezone

from accounts.models import Role

from .factories import TeamFactory, UserFactory
from .workers import celery_worker, publishes, send_through, smtp_server, test_broker  # noqa: F401  (shared fixtures)


@pytest.fixture(scope="session", autouse=True)
def own_cache_keys():
    """This test process's cache keys begin with a prefix of its own, removed at the end.

    `make test` runs two processes against one Redis database, each with its own PostgreSQL database: with
    shared keys, one process's cached answer (no webhook endpoint listens, say) was read by the other, whose
    database says otherwise.
    """
    cache_settings = django_settings.CACHES["default"]
    prefix = f"{cache_settings.get('KEY_PREFIX', '')}-test-{uuid.uuid4().hex[:12]}"
    with override_settings(CACHES={"default": {**cache_settings, "KEY_PREFIX": prefix}}):
        yield
    connection = redis.Redis.from_url(cache_settings["LOCATION"], socket_connect_timeout=1)
    try:
        keys = list(connection.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            connection.delete(*keys)
    except redis.RedisError:
        pass  # Redis away at the end: the keys are left, unused by any later run.
    finally:
        connection.close()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Every test that makes a person hashes their password: Django's advice for tests is a fast hasher,
    since the production one is slow on purpose (about a third of a second each). Passwords still check as
    they would."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_time_zone():
    """Each request activates the signed-in person's time zone (accounts.middleware) for the rest of its
    thread, as a server's next request would again: a test starts in the default one whatever ran before."""
    timezone.deactivate()
    yield
    timezone.deactivate()


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


class MissingVariables(str):
    """Django's `string_if_invalid` in the suite: notes each variable a template reads that its context lacks.

    In production such a variable renders as nothing, which hides a misspelt name: a report's "average
    sentiment" column stayed empty that way, its template reading a key the query did not give. `{% if %}`
    does not count (an optional flag may be absent); `{{ missing|default:… }}` does — give the value instead.
    """

    def __new__(cls):
        # "%s" in the string is what makes Django hand over the variable's name (django/template/base.py).
        missing = super().__new__(cls, "%s")
        missing.found = []
        return missing

    def __mod__(self, name):
        self.found.append(f"{name} ({_template_line()})")
        return ""


def _template_line() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        node = frame.f_locals.get("self")
        if getattr(node, "origin", None) is not None and getattr(node, "token", None) is not None:
            return f"{node.origin.template_name or node.origin.name}, line {node.token.lineno}"
        frame = frame.f_back
    return "unknown template"


MISSING = MissingVariables()


def pytest_configure(config):
    from django.conf import settings

    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = MISSING


@pytest.fixture(autouse=True)
def templates_read_only_what_they_are_given():
    MISSING.found.clear()
    yield
    assert not MISSING.found, "A template read what its context does not have: " + "; ".join(
        sorted(set(MISSING.found))
    )

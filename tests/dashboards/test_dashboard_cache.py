"""The dashboard's rendered figures are kept until the summary tables are refreshed (or a few minutes)."""

import datetime as dt

import pytest
from django.urls import reverse

from dashboards import services

from ..conftest import login
from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.DASHBOARD_CACHE_SECONDS = 300
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dash"}
    }
    from django.core.cache import cache

    cache.clear()


def test_figures_are_kept_until_the_next_refresh(client, manager, officer, cached, frozen, time_machine):
    StakeholderFactory(owner=officer)
    services.figures_refresh()
    login(client, manager)
    first = client.get(reverse("dashboards:dashboard")).context["panels"]
    assert "health-heading" in first

    StakeholderFactory(owner=officer)
    assert client.get(reverse("dashboards:dashboard")).context["panels"] == first

    time_machine.move_to(frozen + dt.timedelta(minutes=15), tick=False)
    services.figures_refresh()
    assert client.get(reverse("dashboards:dashboard")).context["panels"] != first


def test_managers_of_different_teams_never_share_a_rendering(
    client, manager, other_manager, officer, other_officer, cached
):
    StakeholderFactory(owner=officer)
    StakeholderFactory.create_batch(2, owner=other_officer)
    services.figures_refresh()

    ours = login(client, manager).get(reverse("dashboards:dashboard")).context["panels"]
    theirs = login(client, other_manager).get(reverse("dashboards:dashboard")).context["panels"]

    assert ours != theirs

"""The dashboard's rendered figures are kept until the summary tables are refreshed (or a few minutes)."""

import datetime as dt

import pytest
from django.urls import reverse

from dashboards import services

from ..conftest import login
from ..factories import CommitmentFactory, InteractionFactory, StakeholderFactory
from .conftest import TODAY

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


def test_the_topics_are_kept_with_the_other_figures(client, manager, officer, cached, frozen, time_machine):
    InteractionFactory(logged_by=officer, occurred_at=frozen - dt.timedelta(days=1), topics=["Water"])
    services.figures_refresh()
    first = panels(client, manager)
    assert "Water" in first

    InteractionFactory(logged_by=officer, occurred_at=frozen - dt.timedelta(days=1), topics=["Housing"])
    assert panels(client, manager) == first

    time_machine.move_to(frozen + dt.timedelta(minutes=15), tick=False)
    services.figures_refresh()
    assert "Housing" in panels(client, manager)


def test_managers_of_different_teams_never_share_a_rendering(
    client, manager, other_manager, officer, other_officer, cached
):
    StakeholderFactory(owner=officer)
    StakeholderFactory.create_batch(2, owner=other_officer)
    services.figures_refresh()

    ours = login(client, manager).get(reverse("dashboards:dashboard")).context["panels"]
    theirs = login(client, other_manager).get(reverse("dashboards:dashboard")).context["panels"]

    assert ours != theirs


@pytest.fixture
def overdue_work(officer, cached):
    """The officer's overdue commitment: the overdue panel names them (or their team, across teams)."""
    CommitmentFactory(stakeholder=StakeholderFactory(owner=officer), due_on=TODAY - dt.timedelta(days=3))
    services.figures_refresh()


def panels(client, user) -> str:
    return login(client, user).get(reverse("dashboards:dashboard")).context["panels"]


def test_an_officer_leaving_or_coming_back_shows_on_the_next_load(client, manager, officer, overdue_work):
    assert f"{officer} (left)" not in panels(client, manager)

    officer.is_active = False
    officer.save()
    assert f"{officer} (left)" in panels(client, manager)

    officer.is_active = True
    officer.save()
    assert f"{officer} (left)" not in panels(client, manager)


def test_an_officer_moving_team_shows_on_the_next_load(client, manager, other_manager, officer, overdue_work):
    assert str(officer) in panels(client, manager)
    assert str(officer) not in panels(client, other_manager)

    officer.team = other_manager.team
    officer.save()

    assert str(officer) not in panels(client, manager)
    assert str(officer) in panels(client, other_manager)


def test_signing_in_keeps_the_rendering(client, manager, officer, overdue_work, django_assert_num_queries):
    """Only a change to who counts, for which team, starts afresh; a sign-in (last_login) is not one, nor
    costs a query to find out."""
    first = panels(client, manager)
    StakeholderFactory(owner=officer)  # not in the figures until the next refresh

    with django_assert_num_queries(1):  # the UPDATE of last_login
        officer.save(update_fields=["last_login"])

    assert panels(client, manager) == first

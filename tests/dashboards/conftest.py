"""Dashboards are about dates: every test here runs at noon on Wednesday 10 June 2026 (London)."""

import datetime as dt

import pytest
from django.utils import timezone

NOW = dt.datetime(2026, 6, 10, 11, 0, tzinfo=dt.UTC)  # 12:00 in London (BST)
TODAY = dt.date(2026, 6, 10)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture(autouse=True)
def escalation(settings):
    settings.CONCERN_ESCALATION_DAYS = 14


def days_ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture(autouse=True)
def uncached(settings):
    """Each test counts afresh; test_dashboard_cache.py looks at the cache itself."""
    settings.DASHBOARD_CACHE_SECONDS = 0

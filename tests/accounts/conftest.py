import pytest


@pytest.fixture(autouse=True)
def local_rate_limits(settings):
    """Password resets are counted in a local-memory cache per test: one test's requests (or an earlier run's,
    in Redis) never throttle the next."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "accounts-tests"}
    }
    from django.core.cache import cache

    cache.clear()

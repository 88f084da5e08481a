import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # As in tests/api: the cast is made with a fast hasher, since the production one is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

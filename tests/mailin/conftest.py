import pytest


@pytest.fixture(autouse=True)
def inbound_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INBOUND_EMAIL_SECRET = "test-secret"
    settings.INBOUND_EMAIL_ADDRESSES = ["log@crm.example"]

"""Production settings, headers and sign-in throttling."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from ..factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    # A production process: none of the development or test switches (the browser tests set the async one).
    unwanted = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {key: value for key, value in os.environ.items() if key not in unwanted}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="crm.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="crm.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(50))
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY_FILE=str(key_file),
        ALLOWED_HOSTS="crm.example.org",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(officer_client):
    response = officer_client.get(reverse("contacts:stakeholder_list"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_htmx_never_writes_a_style_attribute_the_policy_would_block(officer_client):
    """htmx settles the attributes it is told to by copying the old element's onto the new one: copying a
    `style` attribute (an empty one a browser left on a form's inputs) was blocked by the policy above, a
    console error per input after each inline log."""
    page = officer_client.get(reverse("dashboards:my_day")).content.decode()
    config = json.loads(re.search(r'<meta name="htmx-config" content=\'([^\']*)\'', page).group(1))
    assert config["includeIndicatorStyles"] is False
    assert "style" not in config["attributesToSettle"]


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_the_sign_in_for_a_while(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="hannah")
    login = reverse("login")
    for _ in range(3):
        response = client.post(login, {"username": "hannah", "password": "wrong"})
    assert response.status_code == 429
    # Even the right password waits out the lock.
    response = client.post(login, {"username": "hannah", "password": "liaison-test"})
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content


@pytest.mark.django_db
def test_the_right_password_signs_in_and_resets_the_count(client):
    UserFactory(username="hannah")
    login = reverse("login")
    client.post(login, {"username": "hannah", "password": "wrong"})
    response = client.post(login, {"username": "hannah", "password": "liaison-test"})
    assert response.status_code == 302


def test_sessions_expire(settings):
    assert 0 < settings.SESSION_COOKIE_AGE <= 24 * 60 * 60

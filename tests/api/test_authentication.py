"""Who the API lets in: API tokens (people and service accounts) and the browser session."""

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke

from .conftest import client_with_token, token_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/stakeholders/"


def test_request_without_credentials_gets_json_401_not_a_login_redirect():
    response = client_with_token(None).get(URL)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in response.json()


def test_token_authenticates_as_its_user(officer):
    response = client_with_token(token_for(officer)).get("/api/v1/users/?ordering=username")
    assert response.status_code == 200


def test_token_is_stored_hashed_and_shown_only_at_creation(officer):
    token, key = api_token_create(user=officer, name="script", actor=officer)
    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in (stored.key_hash, stored.key_prefix)
    assert stored.key_hash == ApiToken.hash_key(key)
    assert stored.key_prefix == key[:8]


def test_token_also_accepted_with_the_token_keyword(officer):
    key = token_for(officer)
    assert client_with_token(None).get(URL, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


@pytest.mark.parametrize("header", ["Bearer", "Bearer not-a-token", "Bearer two words", "Bearer ünï"])
def test_bad_token_gets_401(db, header):
    response = client_with_token(None).get(URL, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_revoked_token_gets_401(officer):
    token, key = api_token_create(user=officer, name="script", actor=officer)
    api_token_revoke(token=token, actor=officer)
    assert client_with_token(key).get(URL).status_code == 401


def test_token_of_a_deactivated_user_gets_401(officer):
    key = token_for(officer)
    officer.is_active = False
    officer.save()
    assert client_with_token(key).get(URL).status_code == 401


def test_last_use_is_recorded(officer):
    token, key = api_token_create(user=officer, name="script", actor=officer)
    before = timezone.now()
    client_with_token(key).get(URL)
    token.refresh_from_db()
    assert token.last_used_at >= before


def test_service_account_uses_the_api_with_a_token(service_api):
    assert service_api.get(URL).status_code == 200


def test_service_account_cannot_sign_in_to_the_pages(service_account, client, rf):
    service_account.set_password("a-password-someone-set")
    service_account.save()
    request = rf.post(reverse("login"))
    assert authenticate(request, username=service_account.username, password="a-password-someone-set") is None
    response = client.post(
        reverse("login"), {"username": service_account.username, "password": "a-password-someone-set"}
    )
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session


def test_browser_session_reads_the_api(officer_client):
    assert officer_client.get(URL).status_code == 200


def test_browser_session_writes_need_the_csrf_token(officer):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post("/api/v1/tags/", {"name": "Water"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]

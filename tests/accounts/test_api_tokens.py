"""API tokens: made and revoked on the "API tokens" page, in the admin and by a management command."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.services import api_token_create, api_token_revoke, service_account_create

from ..conftest import login

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:api_tokens")


def test_page_creates_a_token_and_shows_it_once(officer_client, officer):
    response = officer_client.post(PAGE, {"name": "My spreadsheet", "user": officer.pk}, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    key = response.context["new_token"]["key"]
    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.key_hash) == (officer, "My spreadsheet", ApiToken.hash_key(key))
    again = officer_client.get(PAGE).content.decode()
    assert key not in again
    assert token.key_prefix in again


def test_refreshing_the_page_after_creating_a_token_does_not_create_another(officer_client, officer):
    """The key was shown on the answer to the POST, so refreshing the page sent the form again and made a
    second token. Now the POST leads to the page, which shows the key once; a refresh shows the list."""
    response = officer_client.post(PAGE, {"name": "My spreadsheet", "user": officer.pk})
    assert response.status_code == 302 and response.url == PAGE

    shown = officer_client.get(PAGE)
    refreshed = officer_client.get(PAGE)

    assert shown.context["new_token"]["name"] == "My spreadsheet"
    assert refreshed.context["new_token"] is None
    assert ApiToken.objects.count() == 1


def test_page_lists_only_my_tokens(officer_client, officer, colleague):
    api_token_create(user=colleague, name="Colleague's", actor=colleague)
    api_token_create(user=officer, name="Mine", actor=officer)
    names = [token.name for token in officer_client.get(PAGE).context["tokens"]]
    assert names == ["Mine"]


def test_revoke_from_the_page(officer_client, officer):
    token, _key = api_token_create(user=officer, name="Old", actor=officer)
    response = officer_client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked


def test_revoking_a_token_asks_first_naming_it(officer_client, officer):
    """Revoking cannot be undone, and one click cut off a tool that was in use."""
    api_token_create(user=officer, name="Reporting tool", actor=officer)

    page = officer_client.get(PAGE).content.decode()

    assert 'data-confirm="Revoke “Reporting tool”? Tools using it are refused from then on."' in page


def test_cannot_revoke_someone_elses_token_from_the_page(officer_client, colleague):
    token, _key = api_token_create(user=colleague, name="Theirs", actor=colleague)
    assert officer_client.post(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert not token.is_revoked


def test_cannot_make_a_token_for_someone_else(officer_client, officer, colleague):
    response = officer_client.post(PAGE, {"name": "Sneaky", "user": colleague.pk})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()
    with pytest.raises(PermissionDenied):
        api_token_create(user=colleague, name="Sneaky", actor=officer)


def test_admin_makes_tokens_for_service_accounts_on_the_page(client, admin_user, team):
    tool = service_account_create(username="events-sync", actor=admin_user, team=team)
    response = login(client, admin_user).post(PAGE, {"name": "Events", "user": tool.pk}, follow=True)
    assert response.context["new_token"]["key"]
    assert ApiToken.objects.get().user == tool


def test_only_admins_create_service_accounts(officer):
    with pytest.raises(PermissionDenied):
        service_account_create(username="tool", actor=officer)


def test_admins_may_revoke_any_token_but_not_create_one_for_a_colleague(officer, admin_user):
    token, _key = api_token_create(user=officer, name="Leaked", actor=officer)
    api_token_revoke(token=token, actor=admin_user)
    assert token.is_revoked
    with pytest.raises(PermissionDenied):
        api_token_create(user=officer, name="Impersonation", actor=admin_user)


def test_user_menu_links_to_the_page(officer_client):
    assert PAGE in officer_client.get(reverse("contacts:stakeholder_list")).content.decode()


def test_command_prints_a_working_token_once(officer):
    out = io.StringIO()
    call_command("create_api_token", "officer", "--name", "Reports", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert (token.name, token.key_hash) == ("Reports", ApiToken.hash_key(key))


def test_command_creates_a_service_account_when_asked(team):
    out = io.StringIO()
    call_command(
        "create_api_token",
        "calendar-tool",
        "--service-account",
        "--team",
        team.name,
        stdout=out,
        stderr=io.StringIO(),
    )
    tool = User.objects.get(username="calendar-tool")
    assert tool.is_service_account and not tool.has_usable_password()
    assert tool.role_names == {"Officer"}
    assert ApiToken.objects.get().user == tool


def test_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="--service-account"):
        call_command("create_api_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())


def test_admin_creates_a_token_and_shows_it_once(client, admin_user, team):
    admin_user.is_staff = admin_user.is_superuser = True  # the Django admin wants its own permissions
    admin_user.save()
    tool = service_account_create(username="events-sync", actor=admin_user, team=team)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_apitoken_add"), {"user": tool.pk, "name": "From the admin"}, follow=True
    )
    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    token = ApiToken.objects.get()
    shown = [message for message in messages if "will not be shown again" in message]
    assert len(shown) == 1
    key = shown[0].rsplit(" ", 1)[-1]
    assert token.key_hash == ApiToken.hash_key(key)
    listing = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert key not in listing


def test_admin_revokes_tokens_with_an_action(client, admin_user, officer):
    admin_user.is_staff = admin_user.is_superuser = True  # the Django admin wants its own permissions
    admin_user.save()
    token, _key = api_token_create(user=officer, name="Leaked", actor=officer)
    client.force_login(admin_user)
    client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.is_revoked


def test_admin_cannot_choose_a_colleague_for_a_token_in_the_admin(client, admin_user, officer):
    admin_user.is_staff = admin_user.is_superuser = True  # the Django admin wants its own permissions
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(reverse("admin:accounts_apitoken_add"), {"user": officer.pk, "name": "Theirs"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not ApiToken.objects.exists()

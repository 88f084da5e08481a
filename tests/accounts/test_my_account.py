"""My account: a member of staff sees who the CRM takes them for and changes their own name, email address and
time zone; the admin's history of the account records each change."""

import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import api_token_create

from ..conftest import login
from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:account")


def details(user, **changes):
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "time_zone": user.time_zone,
        "current_password": "liaison-test",
        **changes,
    }


def test_page_requires_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_user_menu_leads_to_my_account_first(officer_client):
    menu = officer_client.get(reverse("dashboards:my_day")).content.decode()
    menu = menu[menu.index('class="menu"') :]
    assert menu.index(f'href="{PAGE}"') < menu.index(f'href="{reverse("accounts:api_tokens")}"')


def test_page_shows_who_i_am(officer_client, officer):
    page = officer_client.get(PAGE).content.decode()
    for shown in (officer.username, officer.email, str(officer), "Government relations", "Liaison officer"):
        assert shown in page


def test_page_shows_a_managers_role(client, manager):
    assert "Manager" in login(client, manager).get(PAGE).content.decode()


def test_saving_changes_my_details_and_records_who_changed_what(officer_client, officer):
    data = details(
        officer, first_name="Ada", last_name="Byron", email="ada@example.org", time_zone="Asia/Tokyo"
    )
    response = officer_client.post(PAGE, data, follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert "Your account is saved." in [str(message) for message in response.context["messages"]]
    page = response.content.decode()
    assert "Ada Byron" in page and "ada@example.org" in page and "Asia/Tokyo" in page
    officer.refresh_from_db()
    assert (officer.first_name, officer.last_name, officer.email, officer.time_zone) == (
        "Ada",
        "Byron",
        "ada@example.org",
        "Asia/Tokyo",
    )
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.action_flag) == (officer, str(officer.pk), CHANGE)
    assert "time zone Europe/London → Asia/Tokyo" in entry.change_message
    assert "email address officer@example.org → ada@example.org" in entry.change_message


def test_saving_nothing_new_records_nothing(officer_client, officer):
    response = officer_client.post(PAGE, details(officer))
    assert response.status_code == 302
    assert not LogEntry.objects.exists()


def test_dates_on_other_pages_follow_the_new_time_zone(officer_client, officer):
    token, _key = api_token_create(user=officer, name="Sync", actor=officer)
    ApiToken.objects.filter(pk=token.pk).update(created_at=dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC))
    tokens_page = reverse("accounts:api_tokens")
    assert "2 Mar 2026 12:00" in officer_client.get(tokens_page).content.decode()

    officer_client.post(PAGE, details(officer, time_zone="Asia/Tokyo"))

    assert "2 Mar 2026 21:00" in officer_client.get(tokens_page).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("email", "", "This field is required."),
        ("email", "not-an-address", "Enter a valid email address."),
        ("time_zone", "Mars/Olympus_Mons", "Select a valid choice."),
        ("first_name", "x" * 151, "Ensure this value has at most 150 characters"),
    ],
)
def test_bad_input_shows_the_field_error_and_changes_nothing(officer_client, officer, field, value, error):
    response = officer_client.post(PAGE, details(officer, last_name="Changed", **{field: value}))

    assert response.status_code == 200
    assert any(error in message for message in response.context["form"].errors[field])
    officer.refresh_from_db()
    assert officer.last_name != "Changed"
    assert not LogEntry.objects.exists()


def test_an_address_another_account_uses_is_refused_whatever_its_case(officer_client, officer, colleague):
    response = officer_client.post(
        PAGE, details(officer, email=colleague.email.upper(), first_name="Changed")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Another account already uses this email address."]
    officer.refresh_from_db()
    assert officer.email == "officer@example.org"
    assert officer.first_name != "Changed"
    assert not LogEntry.objects.exists()


def test_my_own_address_in_another_case_is_mine(officer_client, officer):
    response = officer_client.post(PAGE, details(officer, email="Officer@Example.org"))
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.email == "Officer@Example.org"


@pytest.mark.parametrize("role_count", [1, 3])
def test_page_query_budget(client, django_assert_max_num_queries, role_count):
    user = UserFactory()
    if role_count > 1:
        user.groups.create(name="Extra group")
        user.groups.create(name="Another group")
    client.force_login(user)
    # The session, the user; their team; their groups (roles, and the menu's administrator links).
    with django_assert_max_num_queries(4):
        response = client.get(PAGE)
    assert response.status_code == 200


def test_saving_query_budget(officer_client, officer, django_assert_max_num_queries):
    # The session, the user; the change history's context (pghistory, for a POST); whether another account
    # has the address; the update; the log entry, and its content type (cached after the process's first).
    with django_assert_max_num_queries(8):
        response = officer_client.post(PAGE, details(officer, time_zone="Asia/Tokyo"))
    assert response.status_code == 302


@pytest.mark.parametrize("password", ["", "not-my-password"])
def test_changing_my_email_address_takes_my_current_password(officer_client, officer, password):
    """Password resets go to it: an unattended signed-in browser must not be enough to redirect them."""
    response = officer_client.post(
        PAGE, details(officer, email="someone.else@example.org", current_password=password, first_name="X")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["current_password"] == [
        "Enter your current password to change your email address."
    ]
    officer.refresh_from_db()
    assert (officer.email, officer.first_name) != ("someone.else@example.org", "X")
    assert officer.email == "officer@example.org"


def test_other_details_change_without_the_password(officer_client, officer):
    response = officer_client.post(PAGE, details(officer, current_password="", time_zone="America/Lima"))
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.time_zone == "America/Lima"


def test_one_who_shares_an_address_with_another_account_can_still_change_the_rest(officer_client, officer):
    """Accounts made before the address was checked may share one; that must not lock the page."""
    UserFactory(email=officer.email.upper())
    response = officer_client.post(PAGE, details(officer, current_password="", first_name="Ada"))
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.first_name == "Ada"


def test_a_refused_change_leaves_the_account_as_it_was_in_memory_too(officer):
    from django.core.exceptions import ValidationError

    from accounts.services import user_details_update

    with pytest.raises(ValidationError):
        user_details_update(
            user=officer, first_name="Mallory", last_name="X", email="m@example.org", time_zone="UTC"
        )
    assert (officer.first_name, officer.email) != ("Mallory", "m@example.org")

"""Passwords: a member of staff changes their own, and one who forgot it gets a link by email to choose
another; service accounts, inactive accounts and unknown addresses get nothing, and the page never says
which."""

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import User
from outbox.models import OutboundMessage

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGE_PAGE = reverse("accounts:password_change")
RESET_PAGE = reverse("password_reset")
SIGN_IN = reverse("login")
OLD = "liaison-test"  # the factories' password
NEW = "a-longer-harbour-lantern"


def signs_in(client, username, password) -> bool:
    client.logout()
    response = client.post(SIGN_IN, {"username": username, "password": password})
    return response.status_code == 302 and SESSION_KEY in client.session


def reset_link(message: OutboundMessage) -> str:
    return re.search(r"https?://\S+?(/accounts/password-reset/\S+/)", message.body).group(1)


# Changing one's own password


def test_change_page_requires_sign_in(client):
    response = client.get(CHANGE_PAGE)
    assert response.status_code == 302
    assert response.url.startswith(SIGN_IN)


def test_changing_my_password_keeps_me_signed_in_and_the_old_one_stops_working(officer_client, officer):
    response = officer_client.post(
        CHANGE_PAGE, {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}, follow=True
    )

    assert response.redirect_chain == [(reverse("accounts:password_change_done"), 302)]
    assert officer_client.get(reverse("accounts:account")).status_code == 200
    assert LogEntry.objects.get().change_message == "Changed password."
    assert LogEntry.objects.get().user == officer
    assert not signs_in(officer_client, "officer", OLD)
    assert signs_in(officer_client, "officer", NEW)


def test_changing_my_password_signs_out_my_other_sessions(client, officer):
    elsewhere = Client()
    elsewhere.force_login(officer)
    client.force_login(officer)
    client.post(CHANGE_PAGE, {"old_password": OLD, "new_password1": NEW, "new_password2": NEW})

    assert elsewhere.get(reverse("accounts:account")).status_code == 302


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        (
            {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
            "old_password",
            "incorrectly",
        ),
        (
            {"old_password": OLD, "new_password1": NEW, "new_password2": NEW + "x"},
            "new_password2",
            "match",
        ),
        (
            {"old_password": OLD, "new_password1": "short", "new_password2": "short"},
            "new_password2",
            "too short",
        ),
        (
            {"old_password": OLD, "new_password1": "password1", "new_password2": "password1"},
            "new_password2",
            "common",
        ),
    ],
)
def test_a_bad_password_change_shows_the_error_and_changes_nothing(
    officer_client, officer, data, field, error
):
    response = officer_client.post(CHANGE_PAGE, data)

    assert response.status_code == 200
    assert any(error in message for message in response.context["form"].errors[field])
    officer.refresh_from_db()
    assert officer.check_password(OLD)
    assert not LogEntry.objects.exists()


# A forgotten password


def test_sign_in_page_links_to_the_reset(client):
    assert f'href="{RESET_PAGE}"' in client.get(SIGN_IN).content.decode()


def page_heading(response) -> str:
    """The page's one main heading, under the product's name (screen readers list and jump by headings)."""
    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="brand">Liaison CRM</p>' in page
    (heading,) = re.findall(r"<h1[^>]*>(.*?)</h1>", page, flags=re.S)
    return heading.strip()


def test_sign_in_page_is_headed_sign_in_under_the_products_name(client):
    assert page_heading(client.get(SIGN_IN)) == "Sign in"


def test_each_password_reset_page_is_headed_by_what_it_is(client, officer):
    assert page_heading(client.get(RESET_PAGE)) == "Forgotten password"
    assert page_heading(client.post(RESET_PAGE, {"email": officer.email}, follow=True)) == "Check your email"
    message = OutboundMessage.objects.get(kind="password_reset")
    assert page_heading(client.get(reset_link(message), follow=True)) == "Choose a new password"
    assert page_heading(client.get(reverse("password_reset_complete"))) == "Password set"
    bad_link = reverse("password_reset_confirm", args=["MQ", "not-a-token"])
    assert page_heading(client.get(bad_link)) == "This link no longer works"


def test_a_reset_is_sent_through_the_outbox_and_its_link_sets_a_new_password(client, officer):
    response = client.post(RESET_PAGE, {"email": "OFFICER@example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")

    message = OutboundMessage.objects.get(kind="password_reset")
    assert (message.to, message.recipient_user, message.status) == ("officer@example.org", officer, "pending")
    assert message.subject == "Choose a new password for Liaison CRM"

    form_page = client.get(reset_link(message), follow=True)
    assert form_page.context["validlink"]
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response.url == reverse("password_reset_complete")
    assert client.get(response.url).status_code == 200

    assert LogEntry.objects.get().change_message == "Reset a forgotten password."
    assert not signs_in(client, "officer", OLD)
    assert signs_in(client, "officer", NEW)
    assert not client.get(reset_link(message), follow=True).context["validlink"]


def test_a_bad_new_password_on_the_reset_form_changes_nothing(client, officer):
    client.post(RESET_PAGE, {"email": officer.email})
    form_page = client.get(reset_link(OutboundMessage.objects.get()), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    officer.refresh_from_db()
    assert officer.check_password(OLD)


def test_asking_twice_in_a_minute_sends_one_email(client, officer):
    client.post(RESET_PAGE, {"email": officer.email})
    client.post(RESET_PAGE, {"email": officer.email})
    assert OutboundMessage.objects.count() == 1


def test_a_reset_lets_someone_locked_out_by_their_own_attempts_sign_in(client, officer, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(SIGN_IN, {"username": "officer", "password": "guess"})
    assert not signs_in(client, "officer", OLD)

    client.post(RESET_PAGE, {"email": officer.email})
    form_page = client.get(reset_link(OutboundMessage.objects.get()), follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})

    assert signs_in(client, "officer", NEW)


@pytest.mark.parametrize(
    "account",
    [
        pytest.param(lambda: None, id="unknown address"),
        pytest.param(
            lambda: UserFactory(username="left", email="who@example.org", is_active=False), id="inactive"
        ),
        pytest.param(
            lambda: UserFactory(username="sync", email="who@example.org", is_service_account=True),
            id="service account",
        ),
        pytest.param(
            lambda: UserFactory(username="nopassword", email="who@example.org", password=None),
            id="no usable password",
        ),
    ],
)
def test_no_reset_is_sent_and_the_page_says_the_same_as_for_a_reset(client, account):
    account()
    response = client.post(RESET_PAGE, {"email": "who@example.org"}, follow=True)

    assert response.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert not OutboundMessage.objects.exists()


def test_a_service_account_with_a_password_set_in_the_admin_gets_no_reset(client):
    account = UserFactory(username="sync", email="sync@example.org", is_service_account=True)
    assert account.has_usable_password()
    client.post(RESET_PAGE, {"email": "sync@example.org"})
    assert not OutboundMessage.objects.exists()


def test_a_bad_reset_link_says_so(client, officer):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "not-a-token"]))
    assert response.status_code == 200
    assert not response.context["validlink"]
    assert "This link no longer works" in response.content.decode()


# Asking too often

NINE = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)


def at(hour: int, minute: int, second: int = 0):
    return time_machine.travel(NINE.replace(hour=hour, minute=minute, second=second), tick=False)


def ask(client, email: str, ip: str = "203.0.113.5", **headers):
    return client.post(RESET_PAGE, {"email": email}, REMOTE_ADDR=ip, follow=True, **headers)


def looks(response) -> str:
    """The page as the person sees it: the CSRF token is masked afresh on every page."""
    return re.sub(r'"X-CSRFToken": "\w+"', "", response.content.decode())


@pytest.fixture
def limits(settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 3
    settings.PASSWORD_RESET_LIMIT_PER_IP = 5


def test_past_the_limit_for_an_address_nothing_is_sent_and_the_page_looks_the_same(client, officer, limits):
    pages = []
    for minute, email in enumerate(["officer@example.org", "OFFICER@example.org", " officer@example.org"]):
        with at(9, minute):
            pages.append(ask(client, email))
    assert OutboundMessage.objects.count() == 3

    with at(9, 3):
        refused = ask(client, "Officer@Example.org")

    assert OutboundMessage.objects.count() == 3
    assert refused.redirect_chain == pages[0].redirect_chain == [(reverse("password_reset_done"), 302)]
    assert refused.status_code == 200
    assert looks(refused) == looks(pages[0])


def test_an_unknown_address_is_limited_alike(client, limits):
    with at(9, 0):
        pages = [ask(client, "nobody@example.org") for _ in range(4)]
    assert {looks(page) for page in pages} == {looks(pages[0])}
    assert [page.redirect_chain for page in pages] == [[(reverse("password_reset_done"), 302)]] * 4


def test_past_the_limit_for_a_client_the_page_answers_429_and_sends_nothing(client, limits, team):
    for number in range(6):
        UserFactory(username=f"person{number}", email=f"person{number}@example.org", team=team)
    with at(9, 0):
        statuses = [ask(client, f"person{number}@example.org").status_code for number in range(5)]
        refused = ask(client, "person5@example.org")
        # The proxy header is not trusted: a client cannot name itself someone else.
        spoofed = ask(client, "person5@example.org", HTTP_X_FORWARDED_FOR="198.51.100.7")
        elsewhere = ask(client, "person5@example.org", ip="198.51.100.7")

    assert statuses == [200] * 5
    assert (refused.status_code, spoofed.status_code) == (429, 429)
    # Five an hour, all five at 9:00: the sixth fits once a fifth of them has slid out, at 10:12.
    assert refused["Retry-After"] == str(72 * 60)
    assert "Too many requests from your network; try again in 72 minutes." in refused.content.decode()
    assert elsewhere.status_code == 200
    assert sorted(OutboundMessage.objects.values_list("to", flat=True)) == [
        *(f"person{number}@example.org" for number in range(6))
    ]


def test_the_counts_fade_as_the_hour_slides_past_them(client, officer, limits):
    for minute in (57, 58, 59):
        with at(9, minute):
            ask(client, officer.email)
    with at(10, 5):
        for _ in range(5):
            ask(client, officer.email)
    assert OutboundMessage.objects.count() == 3

    # An hour after the last, the requests of the hour before have all but slid out of the window (and the
    # refused ones were never counted).
    with at(10, 59, 30):
        ask(client, officer.email)
    assert OutboundMessage.objects.count() == 4


def test_refused_requests_change_nothing_and_use_up_no_allowance(client, officer, limits, team):
    for number in range(5):
        UserFactory(username=f"person{number}", email=f"person{number}@example.org", team=team)
    with at(9, 0):
        for number in range(5):
            ask(client, f"person{number}@example.org")
    sent = list(OutboundMessage.objects.values_list("pk", "to", "status"))
    officer_before = User.objects.values().get(pk=officer.pk)

    with at(9, 1):
        assert [ask(client, officer.email).status_code for _ in range(10)] == [429] * 10

    assert list(OutboundMessage.objects.values_list("pk", "to", "status")) == sent
    assert User.objects.values().get(pk=officer.pk) == officer_before
    # Refused at the client, the requests counted against no address: the officer's three are still there,
    # from another network.
    for minute in (2, 3, 4):
        with at(9, minute):
            ask(client, officer.email, ip="198.51.100.7")
    assert OutboundMessage.objects.filter(to=officer.email).count() == 3


def test_a_refused_request_makes_no_query(client, officer, limits, django_assert_num_queries):
    with at(9, 0):
        for _ in range(3):
            ask(client, officer.email)
        with django_assert_num_queries(0):
            client.post(RESET_PAGE, {"email": officer.email}, REMOTE_ADDR="203.0.113.5")


def test_the_limits_count_in_redis_as_in_production(client, officer, limits, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "liaison_crm.cache.OptionalRedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"password-reset-test-{uuid.uuid4().hex}",
        }
    }
    for minute in range(4):
        with at(9, minute):
            ask(client, officer.email)
    assert OutboundMessage.objects.count() == 3

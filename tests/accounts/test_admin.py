"""The Django admin, where administrators manage staff, teams and roles."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.db import connection
from django.forms import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.forms import StaffChangeForm
from accounts.models import Role, Team, User
from accounts.services import user_sign_in_unlock

from ..factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    root = UserFactory(username="root", team=None, role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(root)
    return client


def test_a_team_with_members_cannot_be_deleted(admin_client, manager, officer):
    url = reverse("admin:accounts_team_delete", args=[officer.team_id])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 200
    assert "Cannot delete team" in response.text
    assert str(manager) in response.text
    assert Team.objects.filter(pk=officer.team_id).exists()


def test_an_empty_team_can_be_deleted(admin_client, team):
    response = admin_client.post(reverse("admin:accounts_team_delete", args=[team.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()


def add_user(admin_client, **data):
    form = {"username": "newcomer", "usable_password": "false", **data}
    return admin_client.post(reverse("admin:accounts_user_add"), form)


@pytest.fixture
def roles(db):
    return {role: Group.objects.get_or_create(name=role)[0] for role in Role}


def test_a_user_is_added_with_their_role_and_team(admin_client, roles, team):
    response = add_user(admin_client, groups=[roles[Role.OFFICER].pk], team=team.pk)

    assert response.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert (newcomer.team, newcomer.role_names) == (team, {Role.OFFICER})


def test_a_user_is_not_added_without_a_role(admin_client, roles, team):
    response = add_user(admin_client, team=team.pk)

    assert response.status_code == 200
    assert "Choose a role" in response.text
    assert not User.objects.filter(username="newcomer").exists()


def test_a_manager_is_not_added_without_a_team(admin_client, roles):
    response = add_user(admin_client, groups=[roles[Role.MANAGER].pk])

    assert response.status_code == 200
    assert "A manager leads a team" in response.text
    assert not User.objects.filter(username="newcomer").exists()


def change_form(user, **changes):
    data = {**model_to_dict(user, exclude=["password", "user_permissions", "last_login"]), **changes}
    data["groups"] = [group.pk for group in data["groups"]]
    data["date_joined"] = user.date_joined.isoformat()
    return StaffChangeForm({key: value for key, value in data.items() if value is not None}, instance=user)


def test_a_role_cannot_be_taken_away_without_another(officer, roles):
    form = change_form(officer, groups=[])

    assert form.errors == {"groups": ["Choose a role: Officer, Manager, Admin."]}


def test_a_manager_keeps_a_team_and_an_administrator_needs_none(manager, roles):
    assert change_form(manager, team=None).errors == {"team": ["A manager leads a team: choose theirs."]}
    assert change_form(manager, team=None, groups=[roles[Role.ADMIN]]).is_valid()


@pytest.fixture
def locked_out(settings, db):
    """Hannah, refused sign-in by django-axes after three wrong passwords."""
    settings.AXES_FAILURE_LIMIT = 3
    hannah = UserFactory(username="hannah")
    for _ in range(3):
        response = Client().post(reverse("login"), {"username": "hannah", "password": "wrong"})
    assert response.status_code == 429
    return hannah


def test_the_users_list_shows_who_is_locked_out(admin_client, locked_out, officer):
    changelist = reverse("admin:accounts_user_changelist")

    response = admin_client.get(changelist, {"locked_out": "yes"})

    assert [user.username for user in response.context["cl"].result_list] == ["hannah"]
    assert admin_client.get(changelist, {"locked_out": "no"}).context["cl"].result_count == 2  # officer, root


def test_unlocking_lets_a_locked_out_person_sign_in_again(admin_client, locked_out, officer):
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [locked_out.pk, officer.pk]},
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == ["Unlocked sign-in for 1 person."]
    signing_in = Client().post(reverse("login"), {"username": "hannah", "password": "liaison-test"})
    assert signing_in.status_code == 302


def test_unlocking_writes_in_the_admin_log_who_unlocked_whom(admin_client, locked_out, officer, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        Client().post(reverse("login"), {"username": officer.username, "password": "wrong"})
    bystander = UserFactory()

    admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [locked_out.pk, officer.pk, bystander.pk]},
    )

    entries = LogEntry.objects.order_by("object_id")
    assert [(entry.user.username, entry.get_edited_object()) for entry in entries] == [
        ("root", locked_out),
        ("root", officer),
    ]
    assert {(entry.action_flag, entry.get_change_message()) for entry in entries} == {
        (CHANGE, "Unlocked sign-in.")
    }
    history = admin_client.get(reverse("admin:accounts_user_history", args=[locked_out.pk]))
    assert "Unlocked sign-in." in history.text


def test_unlocking_reads_the_people_chosen_once(admin_client, locked_out):
    chosen = User.objects.filter(pk=locked_out.pk)
    root = User.objects.get(username="root")

    with CaptureQueriesContext(connection) as queries:
        assert user_sign_in_unlock(users=chosen, actor=root) == 1

    assert sum('FROM "accounts_user"' in query["sql"] for query in queries.captured_queries) == 1


# What administrators manage in the admin (webhook endpoints through their services); every other register
# of the CRM's own is written through its services only. (Other apps' models — the beat schedule, sign-in
# lock-outs, roles — are theirs to manage.)
MANAGED_IN_ADMIN = {"accounts.user", "accounts.team", "accounts.apitoken", "webhooks.webhookendpoint"}


def _registers_shown_read_only():
    from django.contrib import admin

    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if "site-packages" not in model._meta.app_config.path
        and model._meta.label_lower not in MANAGED_IN_ADMIN
    ]


def test_the_registers_are_shown_in_the_admin_but_changed_only_through_the_crm(admin_client, officer):
    """Saved from an admin form, an interaction skipped its service: no last contact moved, no webhook, no
    tombstone for syncing tools; a meeting changed there told none of its attendees."""
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = User.objects.get(username="root")
    shown = _registers_shown_read_only()
    assert len(shown) >= 15
    for model, model_admin in shown:
        label = model._meta.label_lower
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label
        assert model_admin.has_view_permission(request), label
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_change_permission(request), f"{label} {type(inline).__name__}"
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(changelist).status_code == 200, label


def test_a_stakeholder_posted_to_the_admin_is_not_changed(admin_client, officer):
    from ..factories import StakeholderFactory

    stakeholder = StakeholderFactory(owner=officer, name="Grace Mensah")
    url = reverse("admin:contacts_stakeholder_change", args=[stakeholder.pk])
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(url, {"name": "Someone else", "owner": officer.pk})

    assert response.status_code == 403
    stakeholder.refresh_from_db()
    assert stakeholder.name == "Grace Mensah"


def test_a_webhooks_signing_secret_is_not_shown_in_the_admin(admin_client, officer):
    from webhooks.services import webhook_endpoint_create

    endpoint = webhook_endpoint_create(
        owner=officer,
        url="https://tools.example.org/hook",
        events=["interaction.created"],
        secret="s3cr3t-v4lue-0123456789",
    )

    page = admin_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))

    assert (
        page.status_code == 200
        and "tools.example.org" in page.text
        and "s3cr3t-v4lue-0123456789" not in page.text
    )

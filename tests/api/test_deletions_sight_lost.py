"""The deletions feed lists a confidential interaction `hidden` to those a change takes it from while it
stays: a stakeholder's new owner, a handover, a merge, a move to another team, a lesser role. Each is
written with the change, to exactly those who could read the interaction before and cannot now."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from api.models import Deletion
from contacts import services as contacts
from interactions.services import interaction_update

from ..contacts.test_views import _as_the_browser_posts_it
from ..factories import InteractionFactory, StakeholderFactory, UserFactory
from .conftest import CAST, client_with_token, token_for

pytestmark = pytest.mark.django_db

FEED = "/api/v1/deletions/"


def hidden_from(user, **query) -> list[int]:
    """The ids the feed tells `user`'s token to drop because they may no longer read them."""
    rows = client_with_token(token_for(user)).get(FEED, query).json()["results"]
    return sorted(row["id"] for row in rows if row["reason"] == "hidden")


def readable_by(user) -> set[int]:
    rows = client_with_token(token_for(user)).get("/api/v1/interactions/").json()["results"]
    return {row["id"] for row in rows}


def confidential(logged_by, *stakeholders, **fields):
    return InteractionFactory(
        logged_by=logged_by, stakeholders=list(stakeholders), is_confidential=True, **fields
    )


# --- a stakeholder's new owner ----------------------------------------------------------------------------


@pytest.mark.parametrize("reader", CAST)
def test_a_stakeholders_new_owner_hides_their_confidential_interactions_from_exactly_who_lost_them(
    request, officer, other_officer, admin_user, reader
):
    stakeholder = StakeholderFactory(owner=officer)
    interaction = confidential(admin_user, stakeholder)
    user = request.getfixturevalue(reader)

    contacts.stakeholder_update(stakeholder=stakeholder, actor=officer, owner=other_officer)

    lost = reader in {"officer", "manager"}
    assert hidden_from(user) == ([interaction.pk] if lost else [])
    assert (interaction.pk in readable_by(user)) is (
        reader in {"other_officer", "other_manager", "admin_user"}
    )


def test_a_new_owner_given_through_the_api_hides_the_interactions_from_the_owner_before(
    officer, other_officer, colleague
):
    stakeholder = StakeholderFactory(owner=officer)
    interaction = confidential(colleague, stakeholder)

    response = client_with_token(token_for(officer)).patch(
        f"/api/v1/stakeholders/{stakeholder.pk}/", {"owner": other_officer.pk}, format="json"
    )

    assert response.status_code == 200
    assert hidden_from(officer) == [interaction.pk]


def test_a_new_owner_chosen_on_the_edit_page_hides_the_interactions_from_the_owner_before(
    officer_client, officer, other_officer, colleague
):
    """The edit form writes its input onto the stakeholder before the service runs: the owner before is
    the one saved, not the one the form left there."""
    stakeholder = StakeholderFactory(owner=officer)
    interaction = confidential(colleague, stakeholder)

    response = officer_client.post(
        reverse("contacts:stakeholder_edit", args=[stakeholder.pk]),
        _as_the_browser_posts_it(stakeholder, owner=other_officer.pk),
    )

    assert response.status_code == 302
    assert hidden_from(officer) == [interaction.pk]


def test_an_owner_change_hides_nothing_everyone_may_still_read(officer, colleague, other_officer):
    stakeholder = StakeholderFactory(owner=officer)
    InteractionFactory(logged_by=officer, stakeholders=[stakeholder])  # not confidential
    confidential(officer, stakeholder)  # its author still reads it
    contacts.stakeholder_update(stakeholder=stakeholder, actor=officer, owner=colleague)
    contacts.stakeholder_update(stakeholder=stakeholder, actor=colleague, name="Renamed", owner=colleague)
    assert list(Deletion.objects.all()) == []


def test_an_owner_given_the_stakeholder_back_is_not_told_again_to_drop_its_interactions(
    officer, colleague, other_officer
):
    stakeholder = StakeholderFactory(owner=officer)
    interaction = confidential(other_officer, stakeholder)
    contacts.stakeholder_update(stakeholder=stakeholder, actor=officer, owner=colleague)
    given_back = timezone.now()

    contacts.stakeholder_update(stakeholder=stakeholder, actor=colleague, owner=officer)

    assert hidden_from(officer, since=given_back.isoformat()) == []
    assert hidden_from(colleague, since=given_back.isoformat()) == [interaction.pk]
    assert interaction.pk in readable_by(officer)


@pytest.mark.parametrize("rows", [2, 10])
def test_an_owner_change_costs_the_same_queries_however_many_interactions_it_hides(
    officer, other_officer, colleague, django_assert_max_num_queries, rows
):
    stakeholder = StakeholderFactory(owner=officer)
    for _ in range(rows):
        confidential(colleague, stakeholder)
    # The stakeholder locked; who read its confidential interactions; the new owner checked; the stakeholder
    # saved; who reads them now; every tombstone inserted at once. (In the test's transaction, the
    # service's own is a savepoint and its release.)
    with django_assert_max_num_queries(8):
        contacts.stakeholder_update(stakeholder=stakeholder, actor=officer, owner=other_officer)
    assert Deletion.objects.count() == rows


# --- a portfolio handed over ------------------------------------------------------------------------------


def test_a_handover_hides_from_the_officer_what_they_read_only_as_owner_or_chaser(
    officer, colleague, other_officer, manager, other_manager
):
    theirs = StakeholderFactory(owner=officer)
    about_theirs = confidential(colleague, theirs)
    chased = confidential(other_officer, StakeholderFactory(owner=other_officer), follow_up_on="2030-01-01")
    chased.follow_up_owner = officer
    chased.save()
    written = confidential(officer, theirs)

    contacts.portfolio_handover(actor=manager, from_officer=officer, to_officer=colleague)

    assert hidden_from(officer) == sorted([about_theirs.pk, chased.pk])
    assert written.pk in readable_by(officer)
    # The officer's team still reads them through the colleague; the other team never lost the chased one.
    assert hidden_from(manager) == hidden_from(colleague) == hidden_from(other_manager) == []


def test_a_handover_to_another_team_hides_the_interactions_from_the_old_teams_manager(
    officer, other_officer, manager, admin_user
):
    theirs = StakeholderFactory(owner=officer)
    interaction = confidential(admin_user, theirs)

    contacts.portfolio_handover(actor=admin_user, from_officer=officer, to_officer=other_officer)

    assert hidden_from(officer) == hidden_from(manager) == [interaction.pk]
    assert hidden_from(admin_user) == []


# --- a duplicate merged into another record ---------------------------------------------------------------


def test_a_merge_hides_the_duplicates_interactions_from_its_owner_when_the_kept_record_is_someone_elses(
    officer, manager, other_officer, other_manager, admin_user
):
    keep, duplicate = StakeholderFactory(owner=other_officer), StakeholderFactory(owner=officer)
    interaction = confidential(admin_user, duplicate)

    contacts.stakeholder_merge(keep=keep, duplicate=duplicate, actor=admin_user)

    assert hidden_from(officer) == hidden_from(manager) == [interaction.pk]
    assert hidden_from(other_officer) == hidden_from(other_manager) == []
    assert interaction.pk in readable_by(other_officer)


def test_a_merge_of_one_owners_records_hides_nothing(officer, admin_user):
    keep, duplicate = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    confidential(admin_user, duplicate)
    contacts.stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)
    assert Deletion.objects.filter(reason="hidden").count() == 0


# --- a member of staff given another team or role (the admin) ---------------------------------------------


@pytest.fixture
def admin_client(client, db):
    root = UserFactory(username="root", team=None, role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(root)
    return client


def account_form(user, *, team=None, roles=None, active=True) -> dict:
    """`user`'s page in the admin as sent with another team or roles, or the account deactivated, all else
    as it was."""
    team = team or user.team
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        **({"is_active": "on"} if active else {}),
        "groups": [
            Group.objects.get_or_create(name=role)[0].pk
            for role in (roles if roles is not None else user.role_names)
        ],
        "team": team.pk if team else "",
        "time_zone": user.time_zone,
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": user.date_joined.time().strftime("%H:%M:%S"),
    }


def change_account(admin_client, user, **changes):
    url = reverse("admin:accounts_user_change", args=[user.pk])
    response = admin_client.post(url, account_form(user, **changes))
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()


def test_an_officer_moving_team_takes_their_interactions_from_the_old_teams_manager(
    admin_client, officer, manager, other_team, other_manager
):
    interaction = confidential(officer, StakeholderFactory(owner=officer))

    change_account(admin_client, officer, team=other_team)

    assert hidden_from(manager) == [interaction.pk]
    assert hidden_from(officer) == hidden_from(other_manager) == []
    assert interaction.pk in readable_by(other_manager)


def test_a_manager_moving_team_no_longer_reads_the_old_teams_interactions(
    admin_client, manager, colleague, other_officer, other_team
):
    old_teams = confidential(colleague, StakeholderFactory(owner=colleague))
    confidential(other_officer, StakeholderFactory(owner=other_officer))  # theirs now
    own = confidential(manager, StakeholderFactory(owner=colleague))

    change_account(admin_client, manager, team=other_team)

    assert hidden_from(manager) == [old_teams.pk]
    assert own.pk in readable_by(manager)
    assert hidden_from(colleague) == []


def test_a_manager_made_an_officer_no_longer_reads_the_teams_interactions(admin_client, manager, colleague):
    teams = confidential(colleague, StakeholderFactory(owner=colleague))
    own = confidential(manager, StakeholderFactory(owner=colleague))

    change_account(admin_client, manager, roles=[Role.OFFICER])

    assert hidden_from(manager) == [teams.pk]
    assert readable_by(manager) == {own.pk}


def test_an_administrator_made_an_officer_no_longer_reads_others_confidential_interactions(
    admin_client, admin_user, officer, team
):
    others = confidential(officer, StakeholderFactory(owner=officer))
    public = InteractionFactory(logged_by=officer)

    change_account(admin_client, admin_user, team=team, roles=[Role.OFFICER])

    assert hidden_from(admin_user) == [others.pk]
    assert readable_by(admin_user) == {public.pk}


def test_a_manager_deactivated_and_made_an_officer_at_once_hears_what_they_lost_once_let_back_in(
    admin_client, manager, colleague
):
    teams = confidential(colleague, StakeholderFactory(owner=colleague))

    change_account(admin_client, manager, roles=[Role.OFFICER], active=False)
    change_account(admin_client, manager, roles=[Role.OFFICER])

    assert hidden_from(manager) == [teams.pk]
    assert teams.pk not in readable_by(manager)


def test_a_manager_let_back_in_as_an_officer_hears_what_they_lost_while_away(
    admin_client, manager, colleague
):
    teams = confidential(colleague, StakeholderFactory(owner=colleague))

    change_account(admin_client, manager, active=False)
    change_account(admin_client, manager, roles=[Role.OFFICER])

    assert hidden_from(manager) == [teams.pk]
    assert teams.pk not in readable_by(manager)


def test_other_changes_of_an_account_hide_nothing(admin_client, manager, colleague, other_team):
    confidential(colleague, StakeholderFactory(owner=colleague))
    change_account(admin_client, manager)
    change_account(admin_client, manager, roles=[Role.ADMIN])
    assert Deletion.objects.count() == 0


@pytest.mark.parametrize("rows", [2, 10])
def test_a_move_between_teams_costs_the_same_queries_however_many_interactions_it_hides(
    admin_client, manager, colleague, other_team, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        confidential(colleague, StakeholderFactory(owner=colleague))
        confidential(manager, StakeholderFactory(owner=manager))
    form = account_form(manager, team=other_team)
    # Ours, nine: the account as it was and its roles; who read the confidential interactions they logged,
    # chase or own, and who reads them now; those tombstones; the account as it is and its roles; what they
    # could read and now cannot; those tombstones. The admin's own page, seventeen: the session and the
    # administrator, the account with its roles and permissions, the form's checks, the account, its roles
    # and permissions saved, the log entry (its content type, once per process), a savepoint and release.
    with django_assert_max_num_queries(26):
        response = admin_client.post(reverse("admin:accounts_user_change", args=[manager.pk]), form)
    assert response.status_code == 302
    assert Deletion.objects.count() == 2 * rows


def test_an_account_given_another_name_does_not_ask_who_reads_what(
    admin_client, manager, colleague, django_assert_max_num_queries
):
    confidential(colleague, StakeholderFactory(owner=colleague))
    form = {**account_form(manager), "first_name": "Renamed", "time_zone": "Europe/Paris"}
    # The admin's own page, seventeen: the session and the administrator, a savepoint, the account with its
    # roles and permissions, the roles and team chosen, the form's checks, the account as it was and saved,
    # its roles and permissions saved, the log entry (its content type, once per process), the release. Not
    # who reads the confidential interactions, before and after: neither the team nor the roles changed.
    with django_assert_max_num_queries(17):
        response = admin_client.post(reverse("admin:accounts_user_change", args=[manager.pk]), form)
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.first_name == "Renamed"


def test_editing_an_interaction_all_staff_read_does_not_ask_who_reads_it(
    officer, django_assert_max_num_queries
):
    interaction = InteractionFactory(logged_by=officer)
    # Its people read and held (before the interaction, as a merge takes them); the interaction locked; its
    # stakeholders; the follow-up's owner checked; the interaction saved; their last contact; a savepoint and
    # its release. Not who reads it: all staff do, before and after.
    with django_assert_max_num_queries(9):
        interaction_update(interaction=interaction, actor=officer, summary="Still for everyone")

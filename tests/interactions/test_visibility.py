"""A confidential interaction is seen by its author, the stakeholders' owners and their managers only."""

import datetime as dt

import pytest

from accounts.models import Role
from interactions.models import Interaction

from ..factories import InteractionFactory, StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def confidential(officer, colleague):
    """Logged by `colleague` about a stakeholder `colleague` owns, in the officer's own team."""
    return InteractionFactory(
        logged_by=colleague,
        stakeholders=[StakeholderFactory(owner=colleague)],
        is_confidential=True,
        summary="Board tension over the merger",
    )


def visible(user):
    return set(Interaction.objects.visible_to(user).values_list("pk", flat=True))


def test_author_sees_their_confidential_interaction(confidential, colleague):
    assert confidential.pk in visible(colleague)


def test_officer_cannot_see_colleagues_confidential_interaction(confidential, officer):
    assert confidential.pk not in visible(officer)


def test_stakeholder_owner_sees_confidential_interaction_logged_by_someone_else(officer, colleague):
    interaction = InteractionFactory(
        logged_by=colleague, stakeholders=[StakeholderFactory(owner=officer)], is_confidential=True
    )
    assert interaction.pk in visible(officer)


def test_owner_of_any_participant_sees_it(officer, colleague, other_officer):
    interaction = InteractionFactory(
        logged_by=other_officer,
        stakeholders=[StakeholderFactory(owner=other_officer), StakeholderFactory(owner=officer)],
        is_confidential=True,
    )
    assert interaction.pk in visible(officer)
    assert interaction.pk not in visible(colleague)


def test_manager_of_the_team_sees_it(confidential, manager):
    assert confidential.pk in visible(manager)


def test_manager_of_another_team_does_not(confidential, other_manager):
    assert confidential.pk not in visible(other_manager)


def test_manager_sees_one_a_member_logged_about_another_teams_stakeholder(manager, colleague, other_officer):
    interaction = InteractionFactory(
        logged_by=colleague, stakeholders=[StakeholderFactory(owner=other_officer)], is_confidential=True
    )
    assert interaction.pk in visible(manager)


def test_manager_sees_one_about_a_members_stakeholder_another_team_logged(manager, colleague, other_officer):
    interaction = InteractionFactory(
        logged_by=other_officer,
        stakeholders=[StakeholderFactory(owner=other_officer), StakeholderFactory(owner=colleague)],
        is_confidential=True,
    )
    assert interaction.pk in visible(manager)


def test_manager_sees_one_another_team_asked_a_member_to_follow_up(manager, colleague, other_officer):
    interaction = InteractionFactory(
        logged_by=other_officer,
        stakeholders=[StakeholderFactory(owner=other_officer)],
        follow_up_on=dt.date(2026, 5, 1),
        follow_up_owner=colleague,
        is_confidential=True,
    )
    assert interaction.pk in visible(manager)


def test_manager_of_another_team_sees_none_of_the_teams_confidential_by_any_door(
    officer, colleague, other_manager
):
    """Logged by one member, chased by another, about a third's stakeholder: nothing ties it to their team."""
    interaction = InteractionFactory(
        logged_by=officer,
        stakeholders=[StakeholderFactory(owner=colleague)],
        follow_up_on=dt.date(2026, 5, 1),
        follow_up_owner=colleague,
        is_confidential=True,
    )
    assert interaction.pk not in visible(other_manager)


def test_manager_without_a_team_sees_only_what_an_officer_would(colleague, other_officer):
    manager = UserFactory(team=None, role=Role.MANAGER)
    theirs = InteractionFactory(
        logged_by=other_officer, stakeholders=[StakeholderFactory(owner=manager)], is_confidential=True
    )
    others = InteractionFactory(logged_by=colleague, is_confidential=True)
    assert theirs.pk in visible(manager)
    assert others.pk not in visible(manager)


def test_admin_sees_everything(confidential, admin_user):
    assert confidential.pk in visible(admin_user)


def test_inactive_users_see_nothing(confidential, colleague):
    colleague.is_active = False
    assert visible(colleague) == set()


def test_non_confidential_interactions_are_shared_with_all_staff(other_officer):
    interaction = InteractionFactory()
    assert interaction.pk in visible(other_officer)


def test_search_and_counts_respect_confidentiality(confidential, officer, colleague):
    InteractionFactory(summary="Merger briefing for the board", logged_by=officer)
    officer_results = Interaction.objects.visible_to(officer).search("merger")
    assert [i.summary for i in officer_results] == ["Merger briefing for the board"]
    assert officer_results.count() == 1
    assert Interaction.objects.visible_to(colleague).search("merger").count() == 2


def test_visible_to_returns_each_interaction_once_with_many_owned_participants(officer):
    InteractionFactory(
        logged_by=officer,
        stakeholders=[StakeholderFactory(owner=officer) for _ in range(3)],
        is_confidential=True,
    )
    assert Interaction.objects.visible_to(officer).count() == 1


@pytest.mark.parametrize("reader", ["officer", "colleague", "manager", "other_manager", "admin_user"])
def test_hidden_from_is_what_visible_to_leaves_out(request, reader, officer, colleague, other_officer):
    """The tags page counts a reader's interactions as all of them less `hidden_from(reader)`."""
    InteractionFactory(logged_by=colleague, is_confidential=True)
    theirs = StakeholderFactory(owner=officer)
    InteractionFactory(logged_by=other_officer, stakeholders=[theirs], is_confidential=True)
    InteractionFactory(logged_by=other_officer, is_confidential=True)
    InteractionFactory(logged_by=other_officer)
    user = request.getfixturevalue(reader)
    hidden = set(Interaction.objects.hidden_from(user).values_list("pk", flat=True))
    everything = set(Interaction.objects.values_list("pk", flat=True))
    assert hidden == everything - visible(user)

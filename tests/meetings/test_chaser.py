"""Who chases an action a stakeholder owes: the meeting's organiser when it is agreed, then whoever it is
handed on to (a colleague the organiser or a manager names, a portfolio handover). A colleague's own action
is chased by its owner."""

import datetime as dt
import importlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from contacts.services import portfolio_handover
from meetings import services
from meetings.models import ActionItem, ActionStatus, Attendee

from ..conftest import login
from ..factories import MeetingFactory, StakeholderFactory, UserFactory
from ..migrations import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def guest(officer):
    return StakeholderFactory(owner=officer, name="Ama Owusu")


@pytest.fixture
def meeting(officer, guest):
    meeting = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=meeting, stakeholder=guest)
    return meeting


def owed(meeting, guest, **entry):
    """An action `guest` owes, overdue, added by the meeting's organiser."""
    return services.action_item_add(
        meeting=meeting,
        actor=meeting.organiser,
        entry=services.ActionEntry("Send us the survey", owner_stakeholder=guest, due_on=YESTERDAY, **entry),
    )


def test_a_stakeholders_action_is_chased_by_the_organiser_unless_a_colleague_is_named(
    meeting, guest, officer, colleague
):
    assert owed(meeting, guest).chaser == officer
    assert owed(meeting, guest, chaser=colleague).chaser == colleague
    own = services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry("Book the hall", owner_user=colleague)
    )
    assert own.chaser is None


def test_a_colleagues_own_action_cannot_be_given_a_chaser(meeting, officer, colleague):
    with pytest.raises(ValidationError) as refusal:
        services.action_item_add(
            meeting=meeting,
            actor=officer,
            entry=services.ActionEntry("Book the hall", owner_user=officer, chaser=colleague),
        )
    assert "chased by its owner" in refusal.value.message_dict["chaser"][0]


def test_the_actions_recorded_with_a_held_meeting_are_chased_by_its_organiser(officer, guest):
    start = timezone.now() - dt.timedelta(days=1)
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Review",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        stakeholders=[guest],
    )
    services.meeting_mark_held(
        meeting=meeting,
        actor=officer,
        actions=[
            services.ActionEntry("Send the survey", owner_stakeholder=guest),
            services.ActionEntry("Book the hall", owner_user=officer),
        ],
    )
    chasers = dict(ActionItem.objects.filter(meeting=meeting).values_list("description", "chaser"))
    assert chasers == {"Send the survey": officer.pk, "Book the hall": None}


def test_handing_an_action_to_a_stakeholder_keeps_or_gives_it_a_chaser_and_to_a_colleague_clears_it(
    meeting, guest, officer, colleague
):
    action = owed(meeting, guest, chaser=colleague)
    services.action_item_reassign(action_item=action, actor=officer, owner_user=colleague)
    assert (action.owner_user, action.chaser) == (colleague, None)
    services.action_item_reassign(action_item=action, actor=officer, owner_stakeholder=guest)
    assert action.chaser == officer  # the organiser, as when it was agreed


@pytest.mark.parametrize(("who", "allowed"), [("officer", True), ("manager", True), ("other_officer", False)])
def test_the_organiser_and_their_managers_hand_the_chasing_on(
    request, meeting, guest, colleague, who, allowed
):
    action = owed(meeting, guest)
    actor = request.getfixturevalue(who)
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.action_item_set_chaser(action_item=action, actor=actor, chaser=colleague)
    else:
        services.action_item_set_chaser(action_item=action, actor=actor, chaser=colleague)
    assert ActionItem.objects.get(pk=action.pk).chaser == (colleague if allowed else meeting.organiser)


def test_nobody_who_has_left_is_given_the_chasing(meeting, guest, officer, team):
    leaver = UserFactory(team=team, is_active=False)
    action = owed(meeting, guest)
    with pytest.raises(ValidationError) as refusal:
        services.action_item_set_chaser(action_item=action, actor=officer, chaser=leaver)
    assert "choose an active colleague" in refusal.value.message_dict["chaser"][0]


def test_whoever_chases_it_and_their_managers_move_it_along(
    meeting, guest, officer, other_officer, other_manager
):
    action = owed(meeting, guest, chaser=other_officer)
    services.action_item_set_status(action_item=action, actor=other_officer, status=ActionStatus.IN_PROGRESS)
    services.action_item_set_status(action_item=action, actor=other_manager, status=ActionStatus.DONE)
    assert ActionItem.objects.get(pk=action.pk).status == ActionStatus.DONE


def hand_on_link(action, back):
    return f'href="{reverse("meetings:action_chaser", args=[action.pk])}?next={back}"'


@pytest.mark.parametrize("page", ["meetings:my_actions", "dashboards:my_day"])
def test_an_officer_hands_on_the_stakeholders_actions_they_chase_from_their_own_lists_and_is_brought_back(
    client, meeting, guest, officer, colleague, page
):
    chased = owed(meeting, guest, chaser=colleague)
    own = services.action_item_add(
        meeting=meeting,
        actor=officer,
        entry=services.ActionEntry("Book the hall", owner_user=colleague, due_on=YESTERDAY),
    )
    url = reverse(page)
    shown = login(client, colleague).get(url).content.decode()
    assert hand_on_link(chased, url) in shown
    assert (
        f"{reverse('meetings:action_chaser', args=[own.pk])}" not in shown
    )  # their own: nobody to hand on to

    form = client.get(reverse("meetings:action_chaser", args=[chased.pk]), {"next": url}).content.decode()
    assert f'<input type="hidden" name="next" value="{url}">' in form
    assert f'<a class="button" href="{url}">Cancel</a>' in form
    response = client.post(
        reverse("meetings:action_chaser", args=[chased.pk]), {"chaser": officer.pk, "next": url}
    )

    assert response.status_code == 302 and response.url == url
    assert ActionItem.objects.get(pk=chased.pk).chaser == officer
    assert "Send us the survey" not in client.get(url).content.decode()


def test_a_row_of_my_actions_drawn_again_after_a_change_of_status_still_hands_on_back_to_the_list(
    client, meeting, guest, colleague
):
    chased = owed(meeting, guest, chaser=colleague)
    my_actions = reverse("meetings:my_actions")

    row = login(client, colleague).post(
        reverse("meetings:action_status", args=[chased.pk]),
        {"status": ActionStatus.IN_PROGRESS, "show_meeting": "1", "next": my_actions},
        HTTP_HX_REQUEST="true",
    )

    assert hand_on_link(chased, my_actions) in row.content.decode()


def test_the_hand_on_page_refuses_an_address_elsewhere_and_leads_back_to_the_meeting(
    client, meeting, guest, officer, colleague
):
    chased = owed(meeting, guest)
    response = login(client, officer).post(
        reverse("meetings:action_chaser", args=[chased.pk]),
        {"chaser": colleague.pk, "next": "https://elsewhere.example/"},
    )
    assert response.url == meeting.get_absolute_url()


@pytest.mark.parametrize(
    "owners",
    [
        {"owner_stakeholder": True, "chaser": False},  # a stakeholder's action nobody chases
        {"owner_user": True, "chaser": True},  # a colleague's own, chased by another
    ],
)
def test_the_database_keeps_a_chaser_on_every_stakeholders_action_and_only_there(
    meeting, guest, officer, owners
):
    people = {"owner_stakeholder": guest, "owner_user": officer, "chaser": officer}
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.create(
            meeting=meeting,
            description="Nobody's",
            created_by=officer,
            **{field: people[field] for field, given in owners.items() if given},
        )


def test_a_leavers_chasing_is_handed_over_with_their_work_and_follows_them_on_every_list(
    client, officer, colleague, other_officer, manager, admin_user, team, other_team
):
    """The organiser chased a stakeholder's action for good: a handover could not change who organised the
    meeting, so their stakeholders' overdue actions stayed theirs, chased by nobody."""
    leaver = UserFactory(username="leaver", team=team)
    guest = StakeholderFactory(owner=leaver, name="Kenji Sato")
    meeting = MeetingFactory(organiser=leaver)
    Attendee.objects.create(meeting=meeting, stakeholder=guest)
    action = owed(meeting, guest)
    leaver.is_active = False
    leaver.save()

    # Offered by the action list's "Chased by" filter while they still hold it, and listed under them.
    listed = login(client, manager).get(reverse("meetings:my_actions"), {"owner": leaver.pk})
    assert not listed.context["filter"].errors and list(listed.context["page"]) == [action]

    portfolio_handover(actor=admin_user, from_officer=leaver, to_officer=other_officer)

    assert ActionItem.objects.get(pk=action.pk).chaser == other_officer
    assert list(ActionItem.objects.chased_by_officer(other_officer)) == [action]
    assert not ActionItem.objects.chased_by_officer(leaver).exists()
    # The new chaser's team's list has it, the organiser's team's no longer does.
    for each, expected in ((other_team, [action]), (team, [])):
        response = login(client, admin_user).get(reverse("meetings:my_actions"), {"team": each.pk})
        assert list(response.context["page"]) == expected
    # The new chaser's own list and their day show it, and they may move it along.
    mine = list(login(client, other_officer).get(reverse("meetings:my_actions")).context["page"])
    assert mine == [action] and mine[0].can_update
    assert action in login(client, other_officer).get(reverse("dashboards:my_day")).context["actions"]


def test_an_action_agreed_on_a_leavers_meeting_after_their_handover_is_chased_by_whoever_records_it(
    manager, team, guest
):
    leaver = UserFactory(username="leaver", team=team)
    meeting = MeetingFactory(organiser=leaver)
    Attendee.objects.create(meeting=meeting, stakeholder=guest)
    leaver.is_active = False
    leaver.save()

    added = services.action_item_add(
        meeting=meeting,
        actor=manager,
        entry=services.ActionEntry("Send us the survey", owner_stakeholder=guest, due_on=YESTERDAY),
    )

    assert added.chaser == manager
    assert not ActionItem.objects.chased_by_officer(leaver).exists()


def test_an_action_on_a_tools_meeting_added_by_the_tool_asks_who_chases_it(guest):
    tool = UserFactory(username="calendar-sync", is_service_account=True)
    meeting = MeetingFactory(organiser=tool)
    Attendee.objects.create(meeting=meeting, stakeholder=guest)

    with pytest.raises(ValidationError) as refusal:
        services.action_item_add(
            meeting=meeting,
            actor=tool,
            entry=services.ActionEntry("Send us the survey", owner_stakeholder=guest, due_on=YESTERDAY),
        )

    assert "chaser" in refusal.value.message_dict and not ActionItem.objects.exists()


def _data_migration():
    return importlib.import_module("meetings.migrations.0016_action_chaser_filled").chasers_from_organisers


# Migrations change the schema: outside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_the_migration_has_the_organiser_chase_each_existing_stakeholders_action():
    old = migrate([("meetings", "0015_action_chaser")])
    OldActionItem = old.get_model("meetings", "ActionItem")
    organiser, owner = UserFactory(username="organiser"), UserFactory(username="owner")
    meeting = MeetingFactory(organiser=organiser)  # the meetings' table is as it is now
    guest = StakeholderFactory(owner=owner)
    common = {"meeting_id": meeting.pk, "created_by_id": organiser.pk}
    theirs = OldActionItem.objects.create(description="Theirs", owner_stakeholder_id=guest.pk, **common)
    done = OldActionItem.objects.create(
        description="Done",
        owner_stakeholder_id=guest.pk,
        status="done",
        completed_at=timezone.now(),
        **common,
    )
    own = OldActionItem.objects.create(description="Own", owner_user_id=owner.pk, **common)
    try:
        _data_migration()(old, None)

        chasers = dict(OldActionItem.objects.values_list("pk", "chaser_id"))
        assert chasers == {theirs.pk: organiser.pk, done.pk: organiser.pk, own.pk: None}
        # Their history says so too, so the first change after this shows no chaser appearing from nowhere.
        events = old.get_model("meetings", "ActionItemEvent").objects
        assert dict(events.values_list("description", "chaser_id")) == {
            "Theirs": organiser.pk,
            "Done": organiser.pk,
            "Own": None,
        }
    finally:
        migrate_to_latest()
    assert dict(ActionItem.objects.values_list("pk", "chaser_id"))[theirs.pk] == organiser.pk


def test_the_stakeholders_page_lists_what_they_owe_but_not_of_a_meeting_cancelled_since(
    client, officer, guest, meeting
):
    """Their page lists what to chase them for when next in touch: nobody expects a called-off meeting's."""
    called_off = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=called_off, stakeholder=guest)
    chased = owed(meeting, guest)
    owed(called_off, guest)
    services.meeting_cancel(meeting=called_off, actor=officer)

    page = login(client, officer).get(reverse("contacts:stakeholder_detail", args=[guest.pk]))

    assert list(page.context["owed_actions"]) == [chased]

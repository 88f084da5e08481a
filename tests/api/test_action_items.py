"""Actions agreed at meetings through the API: read by everyone, moved along by those involved."""

import datetime as dt
import threading

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from meetings import services
from meetings.models import ActionItem, ActionStatus, Meeting

from ..concurrency import finished_or_waiting_for_a_lock
from ..factories import MeetingFactory, StakeholderFactory, UserFactory
from .conftest import CAST, client_with_token, token_for

pytestmark = pytest.mark.django_db

LIST = "/api/v1/action-items/"


def detail(action):
    return f"{LIST}{action.pk}/"


@pytest.fixture
def guest(colleague):
    return StakeholderFactory(owner=colleague, name="Kenji Sato")


@pytest.fixture
def meeting(colleague, guest):
    """Yesterday's meeting organised by `colleague`, held, with `guest` attending."""
    start = timezone.now() - dt.timedelta(days=1)
    meeting = services.meeting_schedule(
        organiser=colleague,
        title="Harbour steering group",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        stakeholders=[guest],
    )
    return services.meeting_mark_held(meeting=meeting, actor=colleague, minutes="Agreed next steps")


def add(
    meeting, *, description="Circulate the minutes", owner_user=None, owner_stakeholder=None, due_on=None
):
    return services.action_item_add(
        meeting=meeting,
        actor=meeting.organiser,
        entry=services.ActionEntry(
            description=description, owner_user=owner_user, owner_stakeholder=owner_stakeholder, due_on=due_on
        ),
    )


@pytest.fixture
def action(meeting, officer):
    """Agreed at `colleague`'s meeting, owned by `officer`."""
    return add(meeting, owner_user=officer, due_on=timezone.localdate() + dt.timedelta(days=3))


@pytest.mark.parametrize("who", [None, *CAST])
def test_everyone_on_the_staff_reads_actions(api_as, action, who):
    expected = 401 if who is None else 200
    assert api_as(who).get(LIST).status_code == expected
    assert api_as(who).get(detail(action)).status_code == expected


def test_an_action_shows_its_meeting_owner_and_state(officer_api, action, meeting, officer):
    data = officer_api.get(detail(action)).json()
    assert data["meeting"] == meeting.pk and data["meeting_title"] == "Harbour steering group"
    assert (data["owner_user"], data["owner_stakeholder"]) == (officer.pk, None)
    assert data["status"] == "open" and data["is_overdue"] is False


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("officer", 200),  # owns it
        ("colleague", 200),  # organised the meeting
        ("manager", 200),  # manages both
        ("other_officer", 403),
        ("other_manager", 403),
        ("admin_user", 200),
    ],
)
def test_the_owner_the_organiser_their_managers_and_admins_move_an_action_along(api_as, action, who, status):
    response = api_as(who).patch(detail(action), {"status": "done"})
    assert response.status_code == status, response.content
    action.refresh_from_db()
    assert (action.status == ActionStatus.DONE) is (status == 200)
    assert (action.completed_at is not None) is (status == 200)


def test_a_cancelled_action_shows_when_it_was_cancelled_which_the_api_does_not_take(officer_api, action):
    response = officer_api.patch(
        detail(action), {"status": "cancelled", "cancelled_at": "2020-01-01T00:00:00Z"}, format="json"
    )

    assert response.status_code == 200, response.content
    action.refresh_from_db()
    assert action.cancelled_at.year == timezone.now().year
    shown = officer_api.get(detail(action)).json()["cancelled_at"]
    assert dt.datetime.fromisoformat(shown) == action.cancelled_at


def test_a_service_account_cannot_move_someone_elses_action(service_api, action):
    assert service_api.patch(detail(action), {"status": "done"}).status_code == 403


def test_handing_an_action_to_a_stakeholder_of_the_meeting(officer_api, action, guest):
    response = officer_api.patch(detail(action), {"owner_stakeholder": guest.pk})
    assert response.status_code == 200, response.content
    assert (response.json()["owner_user"], response.json()["owner_stakeholder"]) == (None, guest.pk)


def test_handing_an_action_to_a_colleague(officer_api, action, other_officer):
    response = officer_api.patch(detail(action), {"owner_user": other_officer.pk, "status": "in_progress"})
    assert response.status_code == 200, response.content
    action.refresh_from_db()
    assert (action.owner_user, action.status) == (other_officer, ActionStatus.IN_PROGRESS)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "forgotten"}, "status"),
        ({"owner_user": None}, "owner_user"),
        ({"owner_user": "officer", "owner_stakeholder": "guest"}, "owner_user"),  # two owners
        ({"owner_stakeholder": "stranger"}, "owner_stakeholder"),  # not at the meeting
        ({"owner_user": 999999}, "owner_user"),
        ({"owner_user": "tool"}, "owner_user"),  # a service account is not a person to chase it
    ],
)
def test_bad_changes_are_a_400_and_change_nothing(
    officer_api, action, officer, guest, service_account, change, field
):
    people = {
        "officer": officer.pk,
        "guest": guest.pk,
        "stranger": StakeholderFactory(owner=officer).pk,
        "tool": service_account.pk,
    }
    change = {
        name: people.get(value, value) if isinstance(value, str) else value for name, value in change.items()
    }
    response = officer_api.patch(detail(action), change)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {field}
    action.refresh_from_db()
    assert (action.owner_user, action.status) == (officer, ActionStatus.OPEN)


def test_an_overdue_action_of_a_cancelled_meeting_is_neither_said_nor_filtered_as_overdue(
    officer_api, officer, meeting
):
    late = timezone.localdate() - dt.timedelta(days=1)
    called_off = MeetingFactory(organiser=officer)
    chased = add(meeting, owner_user=officer, due_on=late)
    stale = add(called_off, owner_user=officer, due_on=late)
    services.meeting_cancel(meeting=called_off, actor=officer)

    overdue = officer_api.get(LIST, {"overdue": "true"}).json()["results"]
    shown = officer_api.get(detail(stale)).json()

    assert [row["id"] for row in overdue] == [chased.pk]
    assert (shown["status"], shown["is_overdue"]) == ("open", False)


def test_actions_are_not_deleted_or_replaced_whole(api_as, action):
    admin = api_as("admin_user")
    assert admin.delete(detail(action)).status_code == 405
    assert admin.put(detail(action), {"status": "done"}).status_code == 405


def test_a_stale_etag_is_a_412(officer_api, api_as, action):
    stale = officer_api.get(detail(action))["ETag"]
    api_as("colleague").patch(detail(action), {"status": "in_progress"})
    assert officer_api.patch(detail(action), {"status": "done"}, HTTP_IF_MATCH=stale).status_code == 412


def test_filters(officer_api, meeting, action, officer, colleague, guest):
    late = add(meeting, owner_stakeholder=guest, due_on=timezone.localdate() - dt.timedelta(days=1))
    done = add(meeting, owner_user=officer, due_on=timezone.localdate() - dt.timedelta(days=5))
    services.action_item_set_status(action_item=done, actor=officer, status=ActionStatus.DONE)
    other_meeting = Meeting.objects.create(
        title="Other",
        organiser=officer,
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(hours=1),
    )
    elsewhere = add(other_meeting, owner_user=officer)

    def ids(**query):
        return [row["id"] for row in officer_api.get(LIST, query).json()["results"]]

    assert ids(overdue="true") == [late.pk]
    assert ids(overdue="false") == [action.pk, done.pk, elsewhere.pk]
    assert ids(owner=officer.pk) == [action.pk, done.pk, elsewhere.pk]
    assert ids(owner_stakeholder=guest.pk) == [late.pk]
    # The organiser chases the stakeholder's; each officer their own.
    assert ids(chased_by=colleague.pk) == [late.pk]
    assert ids(chased_by=officer.pk) == [action.pk, done.pk, elsewhere.pk]
    assert ids(status="done") == [done.pk]
    assert ids(meeting=other_meeting.pk) == [elsewhere.pk]
    ActionItem.objects.update(updated_at="2020-01-01T00:00Z")
    services.action_item_set_status(action_item=action, actor=officer, status=ActionStatus.IN_PROGRESS)
    assert ids(updated_since="2025-01-01T00:00Z") == [action.pk]


def test_the_organiser_adds_an_action_agreed_after_the_meeting_was_held(api_as, meeting, guest):
    before = Meeting.objects.get(pk=meeting.pk).updated_at
    response = api_as("colleague").post(
        LIST, {"meeting": meeting.pk, "description": "Send the map", "owner_stakeholder": guest.pk}
    )
    assert response.status_code == 201, response.content
    action = ActionItem.objects.get(pk=response.json()["id"])
    assert (action.owner_stakeholder, action.description) == (guest, "Send the map")
    assert Meeting.objects.get(pk=meeting.pk).updated_at > before


def test_only_those_who_may_edit_the_meeting_add_its_actions(api_as, meeting, officer):
    response = api_as("officer").post(
        LIST, {"meeting": meeting.pk, "description": "Send the map", "owner_user": officer.pk}
    )
    assert response.status_code == 403
    assert not ActionItem.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"description": "x", "owner_stakeholder": "stranger"}, "owner_stakeholder"),
        ({"description": "x"}, "owner_user"),
        ({"owner_user": "colleague"}, "description"),
    ],
)
def test_a_bad_action_is_a_400_naming_its_field(api_as, meeting, colleague, body, field):
    people = {"colleague": colleague.pk, "stranger": StakeholderFactory(owner=colleague).pk}
    body = {name: people.get(value, value) for name, value in body.items()}
    response = api_as("colleague").post(LIST, {"meeting": meeting.pk, **body})
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ActionItem.objects.exists()


def test_no_action_is_added_to_a_cancelled_meeting(api_as, colleague, guest):
    start = timezone.now() + dt.timedelta(days=2)
    meeting = services.meeting_schedule(
        organiser=colleague, title="Site visit", starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    services.meeting_cancel(meeting=meeting, actor=colleague)
    response = api_as("colleague").post(
        LIST, {"meeting": meeting.pk, "description": "x", "owner_user": colleague.pk}
    )
    assert response.status_code == 400
    assert "cancelled" in response.content.decode()


def test_reassigning_an_action_to_its_owner_who_has_left_asks_who_takes_it_over(api_as, action, officer):
    officer.is_active = False
    officer.save()

    response = api_as("colleague").patch(detail(action), {"owner_user": officer.pk})

    assert response.status_code == 400
    assert response.json()["owner_user"] == [f"{officer} has left; choose who takes this over."]


@pytest.mark.django_db(transaction=True)
def test_an_action_changed_through_the_api_locks_its_meeting_before_the_action():
    """In the services' order (meetings.services): the API locked the action first, and a change made on
    the meeting's page at the same moment, holding the meeting and waiting for the action, waited for it
    as it waited for the meeting."""
    officer = UserFactory()
    action = ActionItem.objects.create(
        meeting=MeetingFactory(organiser=officer),
        description="Send the figures",
        owner_user=officer,
        created_by=officer,
    )
    api = client_with_token(token_for(officer))
    answers = []

    def move_along():
        try:
            answers.append(api.patch(detail(action), {"status": ActionStatus.DONE}))
        finally:
            connection.close()

    with transaction.atomic():
        # As a change on the page holds it.
        Meeting.objects.select_for_update(no_key=True).get(pk=action.meeting_id)
        writer = threading.Thread(target=move_along)
        writer.start()
        finished_or_waiting_for_a_lock(writer)
        try:
            with transaction.atomic():
                ActionItem.objects.select_for_update(no_key=True, nowait=True).get(pk=action.pk)
            action_free = True
        except DatabaseError:
            action_free = False
    writer.join()

    assert action_free
    assert answers[0].status_code == 200, answers[0].content


# --- who chases a stakeholder's action ---------------------------------------------------------------------


@pytest.fixture
def owed(meeting, guest):
    """An action `guest` owes from `colleague`'s meeting: `colleague` chases it."""
    return add(meeting, owner_stakeholder=guest, due_on=timezone.localdate() + dt.timedelta(days=3))


def test_an_action_shows_who_chases_it_when_a_stakeholder_owes_it(officer_api, action, owed, colleague):
    assert officer_api.get(detail(owed)).json()["chaser"] == colleague.pk
    # A colleague's own action is chased by its owner.
    assert officer_api.get(detail(action)).json()["chaser"] is None


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("colleague", 200),  # organised the meeting, chases it
        ("manager", 200),  # manages the organiser
        ("admin_user", 200),
        ("officer", 403),
        ("other_manager", 403),
    ],
)
def test_the_organiser_their_managers_and_admins_hand_the_chasing_on(api_as, owed, officer, who, status):
    response = api_as(who).patch(detail(owed), {"chaser": officer.pk})
    assert response.status_code == status, response.content
    owed.refresh_from_db()
    assert owed.chaser_id == (officer.pk if status == 200 else owed.meeting.organiser_id)
    if status == 200:
        assert response.json()["chaser"] == officer.pk


def test_whoever_chases_a_stakeholders_action_moves_it_along(api_as, owed, officer, colleague):
    services.action_item_set_chaser(action_item=owed, actor=colleague, chaser=officer)
    response = api_as("officer").patch(detail(owed), {"status": "done"})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("target", "change"),
    [
        ("action", {"chaser": "other_officer"}),  # a colleague's own action is chased by its owner
        ("owed", {"chaser": "tool"}),  # a service account is not a person to chase it
        ("owed", {"chaser": None}),
    ],
)
def test_a_bad_chaser_is_a_400_and_changes_nothing(
    api_as, request, other_officer, service_account, colleague, target, change
):
    record = request.getfixturevalue(target)
    people = {"other_officer": other_officer.pk, "tool": service_account.pk}
    response = api_as("colleague").patch(
        detail(record), {"chaser": people.get(change["chaser"])}, format="json"
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"chaser"}
    chaser_before = record.chaser_id
    record.refresh_from_db()
    assert record.chaser_id == chaser_before


def test_handing_an_action_to_a_stakeholder_gives_it_a_chaser_named_in_the_same_change(
    officer_api, action, guest, officer
):
    response = officer_api.patch(detail(action), {"owner_stakeholder": guest.pk, "chaser": officer.pk})
    assert response.status_code == 200, response.content
    assert (response.json()["owner_stakeholder"], response.json()["chaser"]) == (guest.pk, officer.pk)


def test_an_action_added_for_a_stakeholder_is_chased_by_the_organiser_or_the_colleague_named(
    api_as, meeting, guest, colleague, officer
):
    body = {"meeting": meeting.pk, "description": "Send the map", "owner_stakeholder": guest.pk}
    by_default = api_as("colleague").post(LIST, body)
    named = api_as("colleague").post(LIST, {**body, "chaser": officer.pk})
    assert (by_default.status_code, named.status_code) == (201, 201), (by_default.content, named.content)
    assert (by_default.json()["chaser"], named.json()["chaser"]) == (colleague.pk, officer.pk)

"""Meetings through the API: scheduling, changing, cancelling, holding and answering, through the services."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interactions.models import Interaction
from meetings import notifications, services
from meetings.models import ActionItem, Attendee, Meeting, MeetingDocument, MeetingStatus, Rsvp
from outbox.models import OutboundMessage

from ..factories import OrganisationFactory, StakeholderFactory, UserFactory
from ..mail import deliver_due
from .conftest import CAST

pytestmark = pytest.mark.django_db

LIST = "/api/v1/meetings/"


def detail(meeting, action=""):
    return f"{LIST}{meeting.pk}/{action + '/' if action else ''}"


def days_from_now(days, hour=10):
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def guest(officer):
    return StakeholderFactory(owner=officer, name="Ama Owusu", emails=["ama@example.org"])


def schedule(organiser, stakeholders=(), **fields):
    fields.setdefault("title", "Quarterly partnership review")
    fields.setdefault("starts_at", days_from_now(3))
    fields.setdefault("ends_at", fields["starts_at"] + dt.timedelta(hours=1))
    return services.meeting_schedule(organiser=organiser, stakeholders=stakeholders, **fields)


@pytest.fixture
def meeting(officer, colleague, guest):
    """Organised by `officer`, with a stakeholder and `colleague` invited."""
    return schedule(officer, [guest], staff=[colleague])


@pytest.fixture
def held_yesterday(officer, guest):
    """Yesterday's meeting, still to be marked held."""
    return schedule(officer, [guest], starts_at=days_from_now(-1))


def body(stakeholder, **fields):
    starts = days_from_now(5, hour=14)
    return {
        "title": "Site visit planning",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(minutes=90)).isoformat(),
        "stakeholders": [stakeholder.pk],
        **fields,
    }


@pytest.mark.parametrize("who", [None, *CAST])
def test_everyone_on_the_staff_reads_meetings(api_as, meeting, who):
    client = api_as(who)
    expected = 401 if who is None else 200
    assert client.get(LIST).status_code == expected
    assert client.get(detail(meeting)).status_code == expected


def test_a_meeting_shows_its_people_agenda_and_papers(officer_api, officer, colleague, guest):
    meeting = schedule(
        officer,
        [guest],
        staff=[colleague],
        agenda=[services.AgendaEntry(title="Timetable", owner=colleague, minutes_allotted=20)],
    )
    MeetingDocument.objects.create(
        meeting=meeting, file="meetings/x/pack.pdf", name="pack.pdf", content_type="application/pdf",
        size=1234, uploaded_by=officer,
    )  # fmt: skip
    response = officer_api.get(detail(meeting))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "planned" and data["organiser"] == officer.pk
    assert [(a["stakeholder"], a["user"], a["rsvp"]) for a in data["attendees"]] == [
        ({"id": guest.pk, "name": "Ama Owusu"}, None, "needs_action"),
        (None, colleague.pk, "needs_action"),
    ]
    assert data["agenda_items"] == [{"title": "Timetable", "owner": colleague.pk, "minutes_allotted": 20}]
    assert data["documents"][0]["name"] == "pack.pdf" and data["documents"][0]["size"] == 1234
    assert "file" not in data["documents"][0]
    assert data["starts_at"].endswith("Z")
    assert response["ETag"]


@pytest.mark.parametrize("who", ["officer", "colleague", "other_officer", "admin_user"])
def test_anyone_on_the_staff_schedules_a_meeting_and_organises_it(
    api_as, guest, who, request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(who).post(LIST, body(guest, reminder_minutes=[60]), HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["organiser"] == request.getfixturevalue(who).pk
    assert data["reminder_minutes"] == [60]
    assert OutboundMessage.objects.filter(kind="meeting_invitation", to="ama@example.org").exists()


def test_anonymous_cannot_schedule(api_as, guest):
    assert api_as(None).post(LIST, body(guest)).status_code == 401
    assert not Meeting.objects.exists()


def test_a_service_account_schedules_as_itself(service_api, service_account, guest):
    response = service_api.post(LIST, body(guest))
    assert response.status_code == 201
    assert response.json()["organiser"] == service_account.pk


def test_scheduling_a_series_makes_each_occurrence(officer_api, guest):
    response = officer_api.post(LIST, body(guest, frequency="weekly", count=4, time_zone="Europe/London"))
    assert response.status_code == 201, response.content
    series = response.json()["series"]
    assert series["frequency"] == "weekly" and series["count"] == 4
    assert Meeting.objects.filter(series_id=series["id"]).count() == 4


def test_retrying_a_schedule_with_the_same_key_makes_one_meeting(officer_api, guest):
    first = officer_api.post(LIST, body(guest), HTTP_IDEMPOTENCY_KEY="same")
    again = officer_api.post(LIST, body(guest), HTTP_IDEMPOTENCY_KEY="same")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"ends_at": days_from_now(5, hour=9).isoformat()}, {"ends_at"}),  # before it starts
        ({"frequency": "weekly"}, {"count"}),
        ({"count": 3}, {"frequency"}),
        ({"frequency": "weekly", "count": 60}, {"count"}),
        ({"time_zone": "Mars/Olympus"}, {"time_zone"}),
        ({"stakeholders": [999999]}, {"stakeholders"}),
        ({"agenda": [{"title": ""}]}, {"agenda"}),
        ({"reminder_minutes": [1]}, {"reminder_minutes"}),
        ({"title": ""}, {"title"}),
        ({"starts_at": "9999-12-20T10:00:00Z", "ends_at": "9999-12-31T10:00:00Z"}, {"starts_at", "ends_at"}),
    ],
)
def test_bad_input_is_a_400_with_field_messages_and_schedules_nothing(officer_api, guest, change, fields):
    response = officer_api.post(LIST, {**body(guest), **change})
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    assert not Meeting.objects.exists()


def test_an_archived_stakeholder_is_refused_by_the_service(officer_api, officer):
    archived = StakeholderFactory(owner=officer, is_archived=True, archived_at=timezone.now())
    response = officer_api.post(LIST, body(archived))
    assert response.status_code == 400
    assert "stakeholders" in response.json()
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("officer", 200),  # the organiser
        ("colleague", 403),  # invited, not organising
        ("other_officer", 403),
        ("manager", 200),  # the organiser's manager
        ("other_manager", 403),
        ("admin_user", 200),
    ],
)
def test_only_the_organiser_their_manager_and_admins_change_a_meeting(api_as, meeting, who, status):
    response = api_as(who).patch(detail(meeting), {"location": "Harbour House"})
    assert response.status_code == status, response.content
    meeting.refresh_from_db()
    assert (meeting.location == "Harbour House") is (status == 200)


def test_a_service_accounts_token_cannot_change_someone_elses_meeting(service_api, meeting):
    assert service_api.patch(detail(meeting), {"location": "x"}).status_code == 403


def test_changing_the_time_tells_the_attendees(officer_api, meeting, django_capture_on_commit_callbacks):
    notifications.invitations_send(meeting)
    deliver_due()
    later = meeting.starts_at + dt.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_api.patch(
            detail(meeting),
            {"starts_at": later.isoformat(), "ends_at": (later + dt.timedelta(hours=1)).isoformat()},
        )
    assert response.status_code == 200, response.content
    meeting.refresh_from_db()
    assert meeting.starts_at == later and meeting.sequence == 1
    (invitation,) = OutboundMessage.objects.filter(
        kind="meeting_invitation", to="ama@example.org", status="pending"
    )
    assert invitation.subject.startswith("Updated invitation")


def test_patch_replaces_the_people_and_agenda(officer_api, meeting, other_officer, officer):
    newcomer = StakeholderFactory(owner=officer)
    response = officer_api.patch(
        detail(meeting),
        {"stakeholders": [newcomer.pk], "staff": [other_officer.pk], "agenda": [{"title": "Budget"}]},
    )
    assert response.status_code == 200, response.content
    people = {(a["stakeholder"] or {}).get("id") or a["user"] for a in response.json()["attendees"]}
    assert people == {newcomer.pk, other_officer.pk}
    assert [item["title"] for item in response.json()["agenda_items"]] == ["Budget"]


def test_an_agenda_item_without_a_title_is_refused_in_a_patch_too(officer_api, meeting, other_officer):
    response = officer_api.patch(detail(meeting), {"agenda": [{"owner": other_officer.pk}]})
    assert response.status_code == 400
    assert response.json()["agenda"]["0"]["title"] == ["This field is required."]
    assert not meeting.agenda_items.exists()


def test_an_end_before_the_existing_start_is_a_400(officer_api, meeting):
    before = meeting.starts_at - dt.timedelta(hours=1)
    response = officer_api.patch(detail(meeting), {"ends_at": before.isoformat()})
    assert response.status_code == 400
    assert set(response.json()) == {"ends_at"}


def test_meetings_are_cancelled_not_deleted(api_as, meeting):
    assert api_as("admin_user").delete(detail(meeting)).status_code == 405
    assert Meeting.objects.filter(pk=meeting.pk).exists()


@pytest.mark.parametrize(("who", "status"), [("officer", 200), ("colleague", 403), ("manager", 200)])
def test_cancel_follows_the_edit_rule(api_as, meeting, who, status):
    response = api_as(who).post(detail(meeting, "cancel"), {})
    assert response.status_code == status
    meeting.refresh_from_db()
    assert (meeting.status == MeetingStatus.CANCELLED) is (status == 200)


def test_cancelling_an_occurrence_and_the_following(officer_api, officer, guest):
    first = schedule(officer, [guest], frequency="weekly", count=3)
    second = Meeting.objects.filter(series=first.series).order_by("original_start")[1]
    response = officer_api.post(detail(second, "cancel"), {"and_following": True})
    assert response.status_code == 200
    statuses = Meeting.objects.order_by("original_start").values_list("status", flat=True)
    assert list(statuses) == [MeetingStatus.PLANNED, MeetingStatus.CANCELLED, MeetingStatus.CANCELLED]


def open_action(meeting, owner):
    return ActionItem.objects.create(
        meeting=meeting, description="Book the room", owner_user=owner, created_by=meeting.organiser
    )


def test_cancelling_cancels_the_meetings_open_actions_unless_asked_not_to(officer_api, officer, guest):
    closed_with_it, kept_open = schedule(officer, [guest]), schedule(officer, [guest])
    actions = {meeting: open_action(meeting, officer) for meeting in (closed_with_it, kept_open)}

    assert officer_api.post(detail(closed_with_it, "cancel"), {}).status_code == 200
    assert officer_api.post(detail(kept_open, "cancel"), {"close_open_actions": False}).status_code == 200

    statuses = {meeting: ActionItem.objects.get(pk=action.pk).status for meeting, action in actions.items()}
    assert statuses == {closed_with_it: "cancelled", kept_open: "open"}


def test_closing_the_open_actions_with_a_cancellation_is_documented(officer_api):
    schema = officer_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    field = schema["components"]["schemas"]["MeetingCancelRequest"]["properties"]["close_open_actions"]
    assert field["type"] == "boolean" and field["default"] is True
    assert "open actions" in field["description"]


def test_the_old_whole_series_flag_is_refused_rather_than_cancelling_only_one(officer_api, officer, guest):
    """`whole_series` cancelled earlier occurrences too; it became `and_following`. Ignoring the old name
    would quietly cancel one meeting where the client meant many."""
    first = schedule(officer, [guest], frequency="weekly", count=3)
    response = officer_api.post(detail(first, "cancel"), {"whole_series": True})
    assert response.status_code == 400
    assert "and_following" in response.json()["whole_series"][0]
    assert not Meeting.objects.filter(status=MeetingStatus.CANCELLED).exists()


def test_cancelling_with_a_scope_that_is_not_a_yes_or_no_is_a_400(officer_api, officer, guest):
    """As the cancel page refuses a scope it does not offer: nothing is cancelled on a guess."""
    first = schedule(officer, [guest], frequency="weekly", count=3)
    response = officer_api.post(detail(first, "cancel"), {"and_following": "everything"})
    assert response.status_code == 400
    assert set(response.json()) == {"and_following"}
    assert not Meeting.objects.filter(status=MeetingStatus.CANCELLED).exists()


def test_cancelling_a_lone_meeting_and_the_following_is_a_400(officer_api, meeting):
    response = officer_api.post(detail(meeting, "cancel"), {"and_following": True})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_a_cancelled_meeting_cannot_be_changed(officer_api, meeting):
    officer_api.post(detail(meeting, "cancel"), {})
    response = officer_api.patch(detail(meeting), {"title": "Back on"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_a_held_meeting_cannot_be_moved_or_reinvited(officer_api, officer, held_yesterday, other_officer):
    services.meeting_mark_held(meeting=held_yesterday, actor=officer)
    moved = {"starts_at": days_from_now(2).isoformat(), "ends_at": days_from_now(2, hour=11).isoformat()}
    # The refusal names what was asked: "moved, re-invited or cancelled" read oddly for a title's typo.
    for change, what in [
        (moved, "time"),
        ({"staff": [other_officer.pk]}, "attendees"),
        ({"title": "Harbour consultaton"}, "title"),
        ({"title": "Harbour", "location": "Room 2"}, "title and place"),
        ({"title": "Harbour", "location": "Room 2", **moved}, "title, time and place"),
    ]:
        response = officer_api.patch(detail(held_yesterday), change, format="json")
        assert response.status_code == 400
        assert response.json() == {
            "non_field_errors": [
                f"This meeting was held and recorded, so its {what} can no longer be changed."
            ]
        }
    held_yesterday.refresh_from_db()
    assert held_yesterday.starts_at == days_from_now(-1)
    assert not held_yesterday.attendees.filter(user=other_officer).exists()


def test_a_service_account_is_never_invited_as_a_colleague(officer_api, officer, guest, service_account):
    response = officer_api.post(LIST, body(guest, staff=[service_account.pk]), format="json")
    assert response.status_code == 400
    assert "a service account is a tool, not a person" in response.json()["staff"][0]
    assert not Meeting.objects.exists()


def test_a_service_account_already_invited_stays_when_the_meeting_is_sent_back_unchanged(
    officer_api, meeting, colleague, service_account
):
    Attendee.objects.create(meeting=meeting, user=service_account)
    staff = [colleague.pk, service_account.pk]
    response = officer_api.patch(detail(meeting), {"title": "Renamed", "staff": staff}, format="json")
    assert response.status_code == 200, response.content
    assert set(meeting.attendees.exclude(user=None).values_list("user", flat=True)) == set(staff)


def test_a_colleague_who_has_left_stays_invited_when_the_meeting_is_sent_back_unchanged(
    officer_api, meeting, colleague
):
    leaver = UserFactory(is_active=False)
    Attendee.objects.create(meeting=meeting, user=leaver)
    staff = [colleague.pk, leaver.pk]
    response = officer_api.patch(detail(meeting), {"title": "Renamed", "staff": staff}, format="json")
    assert response.status_code == 200, response.content
    assert set(meeting.attendees.exclude(user=None).values_list("user", flat=True)) == set(staff)


def test_a_colleague_who_has_left_is_never_newly_invited(officer_api, meeting, colleague):
    leaver = UserFactory(is_active=False)
    response = officer_api.patch(detail(meeting), {"staff": [colleague.pk, leaver.pk]}, format="json")
    assert response.status_code == 400
    assert not meeting.attendees.filter(user=leaver).exists()


def test_a_stale_etag_stops_a_cancellation(officer_api, meeting):
    stale = officer_api.get(detail(meeting))["ETag"]
    officer_api.patch(detail(meeting), {"location": "Room 2"})
    assert officer_api.post(detail(meeting, "cancel"), {}, HTTP_IF_MATCH=stale).status_code == 412
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_marking_held_records_the_outcome_and_logs_it_once(officer_api, held_yesterday, guest, colleague):
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = officer_api.post(
        detail(held_yesterday, "mark-held"),
        {
            "minutes": "Agreed the timetable.",
            "decisions": ["Consult in May", "Publish in June"],
            "action_items": [
                {"description": "Send the timetable", "owner_user": colleague.pk, "due_on": due},
                {"description": "Confirm the venue", "owner_stakeholder": guest.pk},
            ],
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "held" and data["held_at"]
    assert data["decisions"] == ["Consult in May", "Publish in June"]
    actions = ActionItem.objects.filter(meeting=held_yesterday).order_by("pk")
    assert data["action_items"] == [action.pk for action in actions]
    assert [(a.owner_user_id, a.owner_stakeholder_id) for a in actions] == [
        (colleague.pk, None),
        (None, guest.pk),
    ]
    interaction = Interaction.objects.get()
    assert data["interaction"]["id"] == interaction.pk
    assert list(interaction.stakeholders.all()) == [guest]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"action_items": [{"description": "Nobody's"}]}, {"action_items"}),
        (
            {"action_items": [{"description": "Both", "owner_user": 1, "owner_stakeholder": 1}]},
            {"action_items"},
        ),
        ({"action_items": [{"description": "", "owner_user": 1}]}, {"action_items"}),
        ({"decisions": ["x" * 501]}, {"decisions"}),
        ({"action_items": "several"}, {"action_items"}),
    ],
)
def test_bad_minutes_are_a_400_and_nothing_is_recorded(officer_api, held_yesterday, payload, fields):
    response = officer_api.post(detail(held_yesterday, "mark-held"), payload)
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    held_yesterday.refresh_from_db()
    assert held_yesterday.status == MeetingStatus.PLANNED
    assert not Interaction.objects.exists() and not ActionItem.objects.exists()


def test_marking_held_records_who_attended_and_logs_it_on_their_timelines_only(
    officer_api, officer, colleague, guest
):
    absent = StakeholderFactory(owner=officer, name="Kofi Boateng")
    meeting = schedule(officer, [guest, absent], staff=[colleague], starts_at=days_from_now(-1))
    came = [meeting.attendees.get(stakeholder=guest).pk, meeting.attendees.get(user=colleague).pk]

    response = officer_api.post(
        detail(meeting, "mark-held"),
        {"attended": came, "sentiment": -1, "outcome": "Tense."},
        format="json",
    )

    assert response.status_code == 200, response.content
    attended = {row["id"]: row["attended"] for row in response.json()["attendees"]}
    assert attended == {**dict.fromkeys(came, True), meeting.attendees.get(stakeholder=absent).pk: False}
    interaction = Interaction.objects.get()
    assert list(interaction.stakeholders.all()) == [guest]
    assert set(interaction.staff_present.all()) == {officer, colleague}
    assert (interaction.sentiment, interaction.outcome) == (-1, "Tense.")


@pytest.mark.parametrize("attended", [[], "staff only", "another meeting's"])
def test_marking_held_with_no_stakeholder_attending_is_a_400_and_nothing_is_recorded(
    officer_api, officer, colleague, guest, attended
):
    meeting = schedule(officer, [guest], staff=[colleague], starts_at=days_from_now(-1))
    if attended == "staff only":
        attended = [meeting.attendees.get(user=colleague).pk]
    elif attended == "another meeting's":
        attended = [schedule(officer, [guest]).attendees.get().pk]

    response = officer_api.post(detail(meeting, "mark-held"), {"attended": attended}, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["attended"]
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert not Interaction.objects.exists()


def test_an_action_can_only_go_to_one_of_the_meetings_stakeholders(officer_api, officer, held_yesterday):
    stranger = StakeholderFactory(owner=officer)
    response = officer_api.post(
        detail(held_yesterday, "mark-held"),
        {"action_items": [{"description": "Call back", "owner_stakeholder": stranger.pk}]},
    )
    assert response.status_code == 400
    assert "meeting's stakeholders" in str(response.json()["action_items"])


def test_a_meeting_not_yet_started_cannot_be_marked_held(officer_api, meeting):
    response = officer_api.post(detail(meeting, "mark-held"), {"minutes": "Too early"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("other_manager", 403), ("manager", 200)])
def test_marking_held_follows_the_edit_rule(api_as, held_yesterday, who, status):
    assert api_as(who).post(detail(held_yesterday, "mark-held"), {}).status_code == status


@pytest.mark.parametrize(
    ("who", "answering_for", "status"),
    [
        ("colleague", "colleague", 200),  # their own invitation
        ("officer", "colleague", 200),  # the organiser records it
        ("manager", "colleague", 200),
        ("other_officer", "colleague", 403),
        ("admin_user", "colleague", 200),
        ("colleague", "guest", 403),  # a stakeholder's reply is the organiser's to record
        ("officer", "guest", 200),
    ],
)
def test_who_may_record_a_reply(api_as, meeting, request, who, answering_for, status):
    person = request.getfixturevalue(answering_for)
    lookup = {"stakeholder": person} if answering_for == "guest" else {"user": person}
    attendee = Attendee.objects.get(meeting=meeting, **lookup)
    response = api_as(who).post(detail(meeting, "rsvp"), {"attendee": attendee.pk, "rsvp": "accepted"})
    assert response.status_code == status, response.content
    attendee.refresh_from_db()
    assert (attendee.rsvp == Rsvp.ACCEPTED) is (status == 200)


def test_a_reply_locks_rows_as_the_services_do(api_as, meeting):
    """FOR NO KEY UPDATE: a reply does not hold up rows that point at the meeting (a paper added)."""
    with CaptureQueriesContext(connection) as queries:
        assert api_as("colleague").post(detail(meeting, "rsvp"), {"rsvp": "declined"}).status_code == 200

    locks = [query["sql"] for query in queries if " FOR " in query["sql"]]
    assert locks
    assert all(" FOR NO KEY UPDATE" in sql for sql in locks), locks


def test_an_invited_colleague_answers_without_naming_the_invitation(api_as, meeting, colleague):
    response = api_as("colleague").post(detail(meeting, "rsvp"), {"rsvp": "declined"})
    assert response.status_code == 200, response.content
    mine = next(a for a in response.json()["attendees"] if a["user"] == colleague.pk)
    assert mine["rsvp"] == "declined" and mine["responded_at"]


def test_someone_not_invited_must_say_whose_reply_it_is(api_as, meeting):
    response = api_as("other_officer").post(detail(meeting, "rsvp"), {"rsvp": "accepted"})
    assert response.status_code == 400
    assert set(response.json()) == {"attendee"}


def test_a_reply_moves_the_meeting_for_an_incremental_sync(officer_api, meeting, colleague):
    Meeting.objects.filter(pk=meeting.pk).update(updated_at="2020-01-01T00:00Z")
    attendee = Attendee.objects.get(meeting=meeting, user=colleague)
    officer_api.post(detail(meeting, "rsvp"), {"attendee": attendee.pk, "rsvp": "tentative"})
    rows = officer_api.get(LIST, {"updated_since": "2025-01-01T00:00Z"}).json()["results"]
    assert [row["id"] for row in rows] == [meeting.pk]


@pytest.mark.parametrize("state", ["cancelled", "held"])
def test_a_cancelled_or_held_meeting_takes_no_more_replies(api_as, officer, held_yesterday, guest, state):
    if state == "cancelled":
        services.meeting_cancel(meeting=held_yesterday, actor=officer)
    else:
        services.meeting_mark_held(meeting=held_yesterday, actor=officer)
    attendee = Attendee.objects.get(meeting=held_yesterday, stakeholder=guest)
    response = api_as("officer").post(
        detail(held_yesterday, "rsvp"), {"attendee": attendee.pk, "rsvp": "declined"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [f"This meeting is {state}: replies are taken for planned meetings only."]
    }
    attendee.refresh_from_db()
    assert attendee.rsvp == Rsvp.NEEDS_ACTION and attendee.responded_at is None


def test_an_attendee_of_another_meeting_is_a_400(officer_api, officer, meeting, guest):
    other = schedule(officer, [guest])
    elsewhere = Attendee.objects.get(meeting=other)
    response = officer_api.post(detail(meeting, "rsvp"), {"attendee": elsewhere.pk, "rsvp": "accepted"})
    assert response.status_code == 400
    assert set(response.json()) == {"attendee"}


def test_the_held_interaction_shows_only_to_those_who_may_read_it(api_as, officer_api, held_yesterday):
    officer_api.post(detail(held_yesterday, "mark-held"), {"minutes": "Sensitive"})
    Interaction.objects.update(is_confidential=True)
    assert officer_api.get(detail(held_yesterday)).json()["interaction"]["is_confidential"] is True
    assert api_as("manager").get(detail(held_yesterday)).json()["interaction"] is not None
    for who in ["colleague", "other_officer", "other_manager"]:
        assert api_as(who).get(detail(held_yesterday)).json()["interaction"] is None, who


class TestFilters:
    def test_upcoming_and_past_as_on_the_page(self, officer_api, officer, guest):
        soon = schedule(officer, [guest], starts_at=days_from_now(2))
        later = schedule(officer, [guest], starts_at=days_from_now(9))
        last_week = schedule(officer, [guest], starts_at=days_from_now(-7))
        yesterday = schedule(officer, [guest], starts_at=days_from_now(-1))
        upcoming = officer_api.get(LIST, {"when": "upcoming"}).json()["results"]
        assert [row["id"] for row in upcoming] == [soon.pk, later.pk]
        past = officer_api.get(LIST, {"when": "past"}).json()["results"]
        assert [row["id"] for row in past] == [yesterday.pk, last_week.pk]

    def test_by_people_organisation_status_and_time(self, officer_api, officer, colleague, guest):
        harbour = OrganisationFactory(name="Harbour Authority")
        board = OrganisationFactory(name="Harbour board", parent=harbour)
        with_guest = schedule(officer, [guest], organisation=board, starts_at=days_from_now(2))
        by_colleague = schedule(colleague, [], staff=[officer], starts_at=days_from_now(4))
        cancelled = schedule(colleague, [], title="Budget workshop", starts_at=days_from_now(6))
        services.meeting_cancel(meeting=cancelled, actor=colleague)

        def ids(**query):
            return [row["id"] for row in officer_api.get(LIST, query).json()["results"]]

        assert ids(stakeholder=guest.pk) == [with_guest.pk]
        assert ids(organisation=harbour.pk) == [with_guest.pk]
        assert ids(organiser=colleague.pk) == [by_colleague.pk, cancelled.pk]
        assert ids(involving=officer.pk) == [with_guest.pk, by_colleague.pk]
        assert ids(status="cancelled") == [cancelled.pk]
        assert ids(search="budget") == [cancelled.pk]
        assert ids(starts_after=days_from_now(3).isoformat(), starts_before=days_from_now(5).isoformat()) == [
            by_colleague.pk
        ]

    @pytest.mark.parametrize(
        "query",
        [
            {"when": "someday"},
            {"status": "postponed"},
            {"starts_after": "tomorrow"},
            {"starts_before": "2026-13-01T00:00Z"},
            {"updated_since": "0001-01-01T00:00+05:00"},
            {"stakeholder": "999999"},
            {"ordering": "title"},
        ],
    )
    def test_bad_filters_are_a_400(self, officer_api, query):
        response = officer_api.get(LIST, query)
        assert response.status_code == 400, response.content
        assert set(response.json()) == set(query)

    def test_times_with_any_offset_iso_allows_are_read(self, officer_api, officer, guest):
        schedule(officer, [guest])
        response = officer_api.get(LIST, {"updated_since": "2538-03-31T23:27:04.1-16:04"})
        assert response.status_code == 200
        assert response.json()["results"] == []


def test_a_held_meetings_minutes_are_corrected_by_patch_and_its_timeline_entry_follows(
    officer_api, officer, held_yesterday
):
    services.meeting_mark_held(meeting=held_yesterday, actor=officer, minutes="Agred next steps")
    response = officer_api.patch(detail(held_yesterday), {"minutes": "Agreed next steps"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["minutes"] == "Agreed next steps"
    held_yesterday.refresh_from_db()
    assert held_yesterday.interaction.notes == "Agreed next steps"


def test_minutes_with_a_new_title_are_refused_whole_for_a_held_meeting(officer_api, officer, held_yesterday):
    services.meeting_mark_held(meeting=held_yesterday, actor=officer, minutes="Met.")
    response = officer_api.patch(detail(held_yesterday), {"minutes": "x", "title": "New"}, format="json")
    assert response.status_code == 400
    held_yesterday.refresh_from_db()
    assert held_yesterday.minutes == "Met."


def test_a_planned_meetings_minutes_wait_until_it_is_held(officer_api, meeting):
    response = officer_api.patch(detail(meeting), {"minutes": "Early"}, format="json")
    assert response.status_code == 400
    assert "once the meeting is held" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes == ""


def test_minutes_are_not_taken_when_scheduling(officer_api, guest):
    start = days_from_now(3)
    body = {
        "title": "Forum",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
        "stakeholders": [guest.pk],
        "minutes": "Early",
    }
    response = officer_api.post(LIST, body, format="json")
    assert response.status_code == 201, response.content
    assert Meeting.objects.get(pk=response.json()["id"]).minutes == ""


def test_patch_corrects_who_attended_a_held_meeting_and_its_timeline_follows(
    officer_api, officer, colleague, guest
):
    absent = StakeholderFactory(owner=officer, name="Kofi Boateng")
    meeting = schedule(officer, [guest, absent], staff=[colleague], starts_at=days_from_now(-1))
    services.meeting_mark_held(
        meeting=meeting, actor=officer, attended=[meeting.attendees.get(stakeholder=guest)]
    )
    came = [meeting.attendees.get(stakeholder=absent).pk, meeting.attendees.get(user=colleague).pk]

    response = officer_api.patch(detail(meeting), {"attended": came}, format="json")

    assert response.status_code == 200, response.content
    attended = {row["id"]: row["attended"] for row in response.json()["attendees"]}
    assert attended == {**dict.fromkeys(came, True), meeting.attendees.get(stakeholder=guest).pk: False}
    interaction = Interaction.objects.get()
    assert list(interaction.stakeholders.all()) == [absent]
    assert set(interaction.staff_present.all()) == {officer, colleague}
    absent.refresh_from_db()
    assert absent.last_contacted_at == meeting.starts_at


@pytest.mark.parametrize("attended", [[], "staff only", "another meeting's"])
def test_correcting_attendance_to_no_stakeholder_is_a_400_and_the_record_stays(
    officer_api, officer, colleague, guest, attended
):
    meeting = schedule(officer, [guest], staff=[colleague], starts_at=days_from_now(-1))
    services.meeting_mark_held(meeting=meeting, actor=officer)
    if attended == "staff only":
        attended = [meeting.attendees.get(user=colleague).pk]
    elif attended == "another meeting's":
        attended = [schedule(officer, [guest]).attendees.get().pk]

    response = officer_api.patch(detail(meeting), {"attended": attended}, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["attended"]
    assert list(Interaction.objects.get().stakeholders.all()) == [guest]
    assert meeting.attendees.get(stakeholder=guest).attended is True


def test_attendance_is_corrected_only_by_who_may_record_the_meeting(api_as, officer, guest, held_yesterday):
    services.meeting_mark_held(meeting=held_yesterday, actor=officer)
    everyone = [held_yesterday.attendees.get().pk]

    assert (
        api_as("colleague").patch(detail(held_yesterday), {"attended": everyone}, format="json").status_code
        == 403
    )
    assert (
        api_as("manager").patch(detail(held_yesterday), {"attended": everyone}, format="json").status_code
        == 200
    )


def test_a_planned_meetings_attendance_waits_for_it_to_be_held(officer_api, meeting):
    response = officer_api.patch(detail(meeting), {"attended": [meeting.attendees.first().pk]}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [str(services.NOT_HELD_MESSAGE)]}
    assert not meeting.attendees.filter(attended__isnull=False).exists()

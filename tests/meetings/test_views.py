import datetime as dt
import re
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.services import service_account_create
from commitments import services as commitment_services
from interactions.models import Interaction
from meetings import notifications, services
from meetings.models import ActionItem, ActionItemEvent, Attendee, Meeting, MeetingStatus
from outbox.models import OutboundMessage

from ..concurrency import all_at_once, queued_behind_a_lock
from ..conftest import login
from ..factories import InteractionFactory, MeetingFactory, StakeholderFactory, UserFactory
from ..mail import deliver_due
from ..typed_dates import refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(team):
    """Named plainly: meetings are found by their organiser's name, and a random one ("Harris") resembles
    the words these tests search for ("harb")."""
    return UserFactory(username="officer", team=team, first_name="Ines", last_name="Vidal")


def in_days(days, hour):
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0) + dt.timedelta(
        days=days
    )


@pytest.fixture
def guest(officer):
    return StakeholderFactory(
        name="Ama Owusu",
        owner=officer,
        emails=["ama@example.org"],
        time_zone="Pacific/Auckland",
        preferred_channel="video",
        languages=["en", "mi"],
    )


@pytest.fixture
def meeting(officer, guest):
    return services.meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=in_days(3, 10),
        ends_at=in_days(3, 11),
        stakeholders=[guest],
        time_zone="Europe/London",
    )


def form_data(stakeholders, **overrides):
    data = {
        "title": "Community forum",
        "purpose": "Hear residents' views",
        "time_zone": "Europe/London",
        "starts_at": in_days(5, 14).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": in_days(5, 15).strftime("%Y-%m-%dT%H:%M"),
        "location": "Town hall",
        "stakeholders": [s.pk for s in stakeholders],
        "reminders": ["1440", "60"],
        "agenda-TOTAL_FORMS": "2",
        "agenda-INITIAL_FORMS": "0",
        "agenda-0-title": "Welcome",
        "agenda-0-minutes_allotted": "5",
        "agenda-1-title": "",
    }
    data.update(overrides)
    return data


def test_officer_schedules_a_meeting_with_agenda(officer_client, guest):
    response = officer_client.post(reverse("meetings:create"), form_data([guest]))
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    assert [item.title for item in meeting.agenda_items.all()] == ["Welcome"]
    assert meeting.starts_at.astimezone(meeting.local_time_zone).hour == 14
    assert meeting.reminder_minutes == [1440, 60]


def test_a_service_account_is_neither_offered_nor_taken_as_a_colleague_to_invite(
    officer_client, guest, colleague
):
    tool = service_account_create(username="events-sync", actor=None)
    offered = officer_client.get(reverse("meetings:create")).context["form"].fields["staff"].queryset

    response = officer_client.post(
        reverse("meetings:create"), form_data([guest], staff=[colleague.pk, tool.pk])
    )

    assert colleague in offered and tool not in offered
    assert response.status_code == 200 and "staff" in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_a_service_account_already_invited_is_kept_when_the_meeting_is_edited(officer_client, meeting):
    tool = service_account_create(username="events-sync", actor=None)
    Attendee.objects.create(meeting=meeting, user=tool)
    form = officer_client.get(reverse("meetings:edit", args=[meeting.pk])).context["form"]

    assert tool in form.fields["staff"].queryset and form.initial["staff"] == [tool.pk]


def test_a_colleague_who_has_left_stays_invited_when_the_meeting_is_edited(officer_client, meeting, guest):
    leaver = UserFactory(first_name="Kofi", last_name="Mensah", is_active=False)
    Attendee.objects.create(meeting=meeting, user=leaver)
    page = officer_client.get(reverse("meetings:edit", args=[meeting.pk]))
    assert f'<option value="{leaver.pk}" selected>Kofi Mensah (left)</option>' in page.content.decode()

    # The browser sends back what the picker holds selected.
    officer_client.post(reverse("meetings:edit", args=[meeting.pk]), form_data([guest], staff=[leaver.pk]))

    assert meeting.attendees.filter(user=leaver).exists()


def test_the_organiser_may_still_remove_a_colleague_who_has_left(officer_client, meeting, guest):
    leaver = UserFactory(is_active=False)
    Attendee.objects.create(meeting=meeting, user=leaver)

    officer_client.post(reverse("meetings:edit", args=[meeting.pk]), form_data([guest]))

    assert not meeting.attendees.filter(user=leaver).exists()


def test_a_colleague_who_has_left_is_not_offered_for_a_new_meeting(officer_client, guest):
    leaver = UserFactory(is_active=False)
    offered = officer_client.get(reverse("meetings:create")).context["form"].fields["staff"].queryset

    response = officer_client.post(reverse("meetings:create"), form_data([guest], staff=[leaver.pk]))

    assert leaver not in offered
    assert response.status_code == 200 and "staff" in response.context["form"].errors


def test_a_meeting_entered_after_it_happened_invites_nobody_and_says_so(
    officer_client, guest, django_capture_on_commit_callbacks
):
    from outbox.models import OutboundMessage

    data = form_data(
        [guest],
        starts_at=in_days(-2, 14).strftime("%Y-%m-%dT%H:%M"),
        ends_at=in_days(-2, 15).strftime("%Y-%m-%dT%H:%M"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(reverse("meetings:create"), data, follow=True)

    assert "It is already over, so nobody was invited: record it as held." in response.content.decode()
    assert not OutboundMessage.objects.filter(kind="meeting_invitation").exists()


def test_times_are_read_in_the_meetings_zone_not_the_officers(officer_client, guest):
    officer_client.post(reverse("meetings:create"), form_data([guest], time_zone="Asia/Tokyo"))
    meeting = Meeting.objects.get()
    assert meeting.starts_at.astimezone(meeting.local_time_zone).hour == 14
    assert meeting.time_zone == "Asia/Tokyo"


@pytest.mark.parametrize(
    "wall_clock",
    [
        "2027-03-28T01:30",  # does not exist in London: its clocks go from 01:00 to 02:00
        "2027-10-31T01:30",  # happens twice in London: its clocks go back from 02:00 to 01:00
    ],
)
def test_a_time_the_officers_clocks_skip_or_repeat_is_read_in_the_meetings_zone(
    officer, officer_client, guest, wall_clock
):
    """The form parsed the time in the officer's zone before moving it to the meeting's, so a meeting at
    01:30 in Tokyo on the night London's clocks change was refused ("couldn't be interpreted in time zone
    Europe/London"). Found scheduling across the DST boundary in the browser."""
    officer.time_zone = "Europe/London"
    officer.save()
    starts = dt.datetime.fromisoformat(wall_clock)
    data = form_data(
        [guest],
        time_zone="Asia/Tokyo",
        starts_at=wall_clock,
        ends_at=(starts + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    )

    response = officer_client.post(reverse("meetings:create"), data)

    assert response.status_code == 302, response.context["form"].errors
    meeting = Meeting.objects.get()
    assert meeting.starts_at == starts.replace(tzinfo=meeting.local_time_zone)
    assert meeting.ends_at - meeting.starts_at == dt.timedelta(hours=1)
    slots = officer_client.get(reverse("meetings:slot_check"), {**data, "stakeholders": [guest.pk]})
    assert "Ama Owusu" in slots.content.decode()


def test_a_time_the_meetings_own_clocks_skip_is_refused_not_moved(officer_client, guest):
    """A meeting from 01:30 to 03:00 in London on the night its clocks go forward was saved from 02:30: half
    an hour long, from a start the officer never chose."""
    data = form_data(
        [guest], time_zone="Europe/London", starts_at="2027-03-28T01:30", ends_at="2027-03-28T03:00"
    )

    response = officer_client.post(reverse("meetings:create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["starts_at"] == [
        "01:30 does not exist in Europe/London on 28 Mar 2027: the clocks go forward then."
    ]
    assert "ends_at" not in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_bad_meeting_form_shows_errors_and_writes_nothing(officer_client, guest):
    response = officer_client.post(
        reverse("meetings:create"),
        form_data([guest], title="", ends_at=in_days(5, 13).strftime("%Y-%m-%dT%H:%M"), frequency="weekly"),
    )
    assert response.status_code == 200
    assert {"title", "ends_at", "count"} <= set(response.context["form"].errors)
    assert not Meeting.objects.exists()


def test_each_agenda_box_is_named_by_its_column_and_row_and_its_error_linked_to_it(officer_client, guest):
    empty = officer_client.get(reverse("meetings:create")).content.decode()
    assert 'aria-label="Agenda item, row 1"' in empty and 'aria-label="Led by, row 3"' in empty

    response = officer_client.post(
        reverse("meetings:create"), form_data([guest], **{"agenda-0-minutes_allotted": "0"})
    )

    body = response.content.decode()
    described = 'aria-invalid="true" aria-describedby="id_agenda-0-minutes_allotted_error"'
    assert f'aria-label="Minutes, row 1" {described}' in body
    assert '<div id="id_agenda-0-minutes_allotted_error" role="alert">' in body


def test_each_action_box_on_the_held_form_is_named_by_its_column_and_row(officer_client, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))

    body = officer_client.get(reverse("meetings:mark_held", args=[meeting.pk])).content.decode()

    assert 'aria-label="Action, row 1"' in body and 'aria-label="Owner, row 1"' in body
    assert 'aria-label="Due, row 2"' in body


def test_the_held_form_ticks_everyone_but_those_who_declined(
    officer_client, officer, colleague, guest, django_assert_max_num_queries
):
    declined = StakeholderFactory(owner=officer, name="Kofi Boateng")
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=in_days(-1, 10),
        ends_at=in_days(-1, 11),
        stakeholders=[guest, declined],
        staff=[colleague],
    )
    Attendee.objects.filter(stakeholder=declined).update(rsvp="declined")
    ticked = re.compile(r'<input type="checkbox" name="attended" value="(\d+)"[^>]*?( checked)?>')

    # Session and user, the meeting with its organiser, organisation, series and interaction, its agenda,
    # attendees, their stakeholders and users, the staff who can own an action, and the submission key.
    with django_assert_max_num_queries(12):
        body = officer_client.get(reverse("meetings:mark_held", args=[meeting.pk])).content.decode()

    boxes = {int(pk): bool(checked) for pk, checked in ticked.findall(body)}
    assert boxes == {
        meeting.attendees.get(stakeholder=guest).pk: True,
        meeting.attendees.get(stakeholder=declined).pk: False,
        meeting.attendees.get(user=colleague).pk: True,
    }


def test_those_left_unticked_read_as_absent_on_the_held_meeting(officer_client, officer, meeting, guest):
    absent = StakeholderFactory(owner=officer, name="Kofi Boateng")
    services.meeting_update(meeting=meeting, actor=officer, stakeholders=[guest, absent])
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))

    response = officer_client.post(
        reverse("meetings:mark_held", args=[meeting.pk]),
        {
            "attended": [meeting.attendees.get(stakeholder=guest).pk],
            "sentiment": "2",
            "actions-TOTAL_FORMS": "0",
            "actions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert list(Interaction.objects.get().stakeholders.all()) == [guest]
    assert Interaction.objects.get().sentiment == 2
    body = officer_client.get(meeting.get_absolute_url()).content.decode()
    assert body.count("Attended") == 1 and body.count("Did not attend") == 1


def test_a_held_form_with_nobody_ticked_is_shown_back_saying_so(officer_client, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))

    response = officer_client.post(
        reverse("meetings:mark_held", args=[meeting.pk]),
        {"minutes": "Nobody came.", "actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0"},
    )

    assert response.status_code == 200
    assert "Tick at least one stakeholder who attended" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED


def test_a_meeting_with_no_stakeholder_invited_asks_for_them_rather_than_a_tick(
    officer_client, officer, colleague
):
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Team huddle",
        starts_at=in_days(-1, 10),
        ends_at=in_days(-1, 11),
        staff=[colleague],
    )

    response = officer_client.post(
        reverse("meetings:mark_held", args=[meeting.pk]),
        {
            "attended": [meeting.attendees.get().pk],
            "actions-TOTAL_FORMS": "0",
            "actions-INITIAL_FORMS": "0",
        },
    )

    body = response.content.decode()
    assert "Add the stakeholders who attended before marking the meeting held." in body
    assert "Tick at least one stakeholder" not in body


def test_the_document_upload_box_has_a_label(officer_client, meeting):
    body = officer_client.get(meeting.get_absolute_url()).content.decode()
    assert '<label class="visually-hidden" for="id_file">Document to upload</label>' in body


def test_slot_check_flags_a_slot_outside_working_hours_for_the_guest(officer_client, guest):
    body = officer_client.get(
        reverse("meetings:slot_check"),
        {
            "starts_at": in_days(5, 14).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": in_days(5, 15).strftime("%Y-%m-%dT%H:%M"),
            "time_zone": "Europe/London",
            "stakeholders": [guest.pk],
        },
    ).content.decode()
    # 14:00 in London is 02:00 or 03:00 the next morning in Auckland.
    assert "Ama Owusu" in body and "outside 08:00" in body and "Pacific/Auckland" in body
    assert "Video call" in body.replace("video call", "Video call") and "Māori" in body


def test_slot_check_shows_the_slot_at_the_guests_own_time(officer_client, guest):
    body = officer_client.get(
        reverse("meetings:slot_check"),
        {
            "starts_at": "2027-01-12T14:00",
            "ends_at": "2027-01-12T15:00",
            "time_zone": "Europe/London",
            "stakeholders": [guest.pk],
        },
    ).content.decode()
    # 14:00 in London in January (GMT) is 03:00 the next morning in Auckland (NZDT, UTC+13).
    assert "Wed 13 Jan, 03:00\u201304:00" in body


def test_meeting_page_shows_agenda_attendees_and_actions(officer_client, meeting, guest):
    body = officer_client.get(meeting.get_absolute_url()).content.decode()
    assert "Harbour consultation" in body and "Ama Owusu" in body and "Awaiting reply" in body


def test_meeting_page_lists_the_commitments_made_at_it_with_their_status(
    officer_client, officer, meeting, guest
):
    """The page offers "Record a commitment" for the meeting, and the commitment keeps the meeting as its
    source, but the meeting's page never showed what had been promised there."""
    kept = commitment_services.commitment_record(
        actor=officer, stakeholder=guest, description="Send the tide tables", direction="we_promised",
        source_meeting=meeting,
    )  # fmt: skip
    commitment_services.commitment_fulfil(commitment=kept, actor=officer)
    commitment_services.commitment_record(
        actor=officer, stakeholder=guest, description="Promised elsewhere", direction="we_promised"
    )

    body = officer_client.get(meeting.get_absolute_url()).content.decode()

    assert "Commitments made here" in body
    assert f'<a href="{kept.get_absolute_url()}">Send the tide tables</a>' in body
    assert '<span class="status green">Fulfilled</span>' in body
    assert "Promised elsewhere" not in body


def test_meeting_page_shows_each_guest_the_meeting_at_their_own_time_and_how_to_address_them(
    officer_client, guest
):
    guest.form_of_address = "Dr Owusu"
    guest.cultural_notes = "Opens with a karakia."
    guest.save()
    meeting = services.meeting_schedule(
        organiser=guest.owner,
        title="Harbour consultation",
        starts_at=dt.datetime(2027, 1, 12, 14, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London")),
        ends_at=dt.datetime(2027, 1, 12, 15, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London")),
        stakeholders=[guest],
        time_zone="Europe/London",
    )

    body = officer_client.get(meeting.get_absolute_url()).content.decode()

    # 14:00 in London is 03:00 the next morning in Auckland.
    assert "Wed 13 Jan, 03:00\u201304:00" in body and "outside 08:00" in body
    assert "Dr Owusu" in body and "Opens with a karakia." in body


def test_meeting_page_gives_the_meetings_own_day_where_it_differs_from_the_readers(
    officer_client, officer, guest
):
    officer.time_zone = "Australia/Sydney"
    officer.save()
    london = zoneinfo.ZoneInfo("Europe/London")
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=dt.datetime(2027, 1, 11, 15, 0, tzinfo=london),
        ends_at=dt.datetime(2027, 1, 11, 16, 0, tzinfo=london),
        stakeholders=[guest],
        time_zone="Europe/London",
    )

    body = officer_client.get(meeting.get_absolute_url()).content.decode()

    # 15:00 on Monday in London is 02:00 on Tuesday in Sydney.
    assert "Tuesday 12 January 2027, 02:00\u201303:00" in body
    assert "Monday 11 January, 15:00 Europe/London" in body


def test_only_the_organiser_sees_edit_and_gets_the_form(client, colleague, meeting):
    login(client, colleague)
    assert client.get(reverse("meetings:edit", args=[meeting.pk])).status_code == 403
    assert client.post(reverse("meetings:cancel", args=[meeting.pk])).status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED


def test_recording_a_meeting_as_held_with_an_action(officer_client, officer, meeting, guest, colleague):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))
    response = officer_client.post(
        reverse("meetings:mark_held", args=[meeting.pk]),
        {
            "attended": [attendee.pk for attendee in meeting.attendees.all()],
            "minutes": "Good turnout.",
            "decisions": "Extend the consultation by two weeks\n",
            "actions-TOTAL_FORMS": "2",
            "actions-INITIAL_FORMS": "0",
            "actions-0-description": "Publish the summary",
            "actions-0-owner": f"user:{colleague.pk}",
            "actions-0-due_on": in_days(7, 0).date().isoformat(),
            "actions-1-description": "Send residents' letters",
            "actions-1-owner": f"stakeholder:{guest.pk}",
        },
    )
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD
    assert Interaction.objects.get().stakeholders.get() == guest
    assert {a.owner for a in ActionItem.objects.all()} == {colleague, guest}
    timeline = officer_client.get(guest.get_absolute_url()).content.decode()
    assert "Harbour consultation" in timeline


def held_form_data(meeting, *actions):
    data = {
        "attended": [attendee.pk for attendee in meeting.attendees.all()],
        "minutes": "Good turnout.",
        "actions-TOTAL_FORMS": str(len(actions)),
        "actions-INITIAL_FORMS": "0",
    }
    for index, action in enumerate(actions):
        data.update({f"actions-{index}-{field}": value for field, value in action.items()})
    return data


def test_the_held_form_names_who_chases_each_action_a_stakeholder_owes(
    officer_client, officer, meeting, guest, colleague
):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))
    url = reverse("meetings:mark_held", args=[meeting.pk])
    body = officer_client.get(url).content.decode()
    assert 'aria-label="Chased by, row 1"' in body and "The organiser" in body

    response = officer_client.post(
        url,
        held_form_data(
            meeting,
            {"description": "Send the map", "owner": f"stakeholder:{guest.pk}", "chaser": colleague.pk},
            {"description": "Send the plan", "owner": f"stakeholder:{guest.pk}", "chaser": ""},
        ),
    )

    assert response.status_code == 302
    assert dict(ActionItem.objects.values_list("description", "chaser")) == {
        "Send the map": colleague.pk,
        "Send the plan": officer.pk,  # the organiser, as before
    }


def test_the_held_form_reads_the_staff_once_for_all_its_action_rows(
    officer_client, meeting, colleague, django_assert_max_num_queries
):
    for _ in range(5):
        UserFactory(team=colleague.team)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))

    # Session, user, the meeting, its agenda, its attendees, their stakeholders, the staff who can own or
    # chase an action (once, for the three rows), the reader's role.
    with django_assert_max_num_queries(8):
        body = officer_client.get(reverse("meetings:mark_held", args=[meeting.pk])).content.decode()

    chasers = re.findall(r'<select name="actions-\d+-chaser".*?</select>', body, re.DOTALL)
    assert len(chasers) == 3
    assert all(f'<option value="{colleague.pk}">{colleague}</option>' in picker for picker in chasers)
    assert body.count(f'<option value="user:{colleague.pk}">{colleague}</option>') == 3  # as owner


@pytest.mark.parametrize("rows", [1, 40])
def test_a_held_form_sent_back_with_many_action_rows_reads_the_staff_once(
    officer_client, meeting, guest, colleague, django_assert_max_num_queries, rows
):
    for _ in range(5):
        UserFactory(team=colleague.team)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))
    # Each row names its chaser and misses its owner: every row is checked, and drawn again with its error.
    data = held_form_data(
        meeting, *({"description": f"Thing {i}", "chaser": colleague.pk} for i in range(rows))
    )

    # As the page is drawn (test above): the staff are read once however many rows are checked and drawn.
    with django_assert_max_num_queries(8):
        response = officer_client.post(reverse("meetings:mark_held", args=[meeting.pk]), data)

    assert response.status_code == 200
    assert response.content.decode().count("Who will do it?") == rows
    assert not ActionItem.objects.exists()


def test_a_chaser_chosen_on_an_otherwise_empty_action_row_is_not_dropped_without_a_word(
    officer_client, meeting, colleague
):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))
    response = officer_client.post(
        reverse("meetings:mark_held", args=[meeting.pk]),
        held_form_data(
            meeting,
            {"description": "", "owner": "", "chaser": colleague.pk},
            {"description": "", "owner": ""},
        ),
    )

    assert response.status_code == 200
    errors = [form.errors for form in response.context["actions"]]
    assert errors == [
        {"description": ["Describe the action, and who will do it, or leave its chaser as the organiser."]},
        {},  # a row left empty is still left out
    ]
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED
    assert not ActionItem.objects.exists()


def test_a_due_date_given_on_an_otherwise_empty_action_row_is_not_dropped_without_a_word(
    officer_client, meeting
):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))
    response = officer_client.post(
        reverse("meetings:mark_held", args=[meeting.pk]),
        held_form_data(
            meeting, {"description": "", "owner": "", "due_on": in_days(7, 10).date().isoformat()}
        ),
    )

    assert response.status_code == 200
    assert [form.errors for form in response.context["actions"]] == [
        {"description": ["Describe the action, and who will do it, or clear the row."]}
    ]
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED


def test_a_chaser_who_cannot_be_given_work_is_refused_on_its_row_of_the_held_form(
    officer_client, meeting, guest
):
    leaver = UserFactory(first_name="Kofi", last_name="Mensah", is_active=False)
    tool = service_account_create(username="events-sync", actor=None)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))

    response = officer_client.post(
        reverse("meetings:mark_held", args=[meeting.pk]),
        held_form_data(
            meeting,
            {"description": "Send the map", "owner": f"stakeholder:{guest.pk}", "chaser": leaver.pk},
            {"description": "Send the plan", "owner": f"stakeholder:{guest.pk}", "chaser": tool.pk},
        ),
    )

    assert response.status_code == 200
    errors = [form.errors.get("chaser") for form in response.context["actions"]]
    assert errors == [["Select a valid choice. That choice is not one of the available choices."]] * 2
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED
    assert not ActionItem.objects.exists()


def test_a_chaser_named_for_a_colleagues_own_action_is_refused_on_its_row_and_nothing_is_recorded(
    officer_client, meeting, colleague, other_officer
):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))
    response = officer_client.post(
        reverse("meetings:mark_held", args=[meeting.pk]),
        held_form_data(
            meeting,
            {
                "description": "Publish the summary",
                "owner": f"user:{colleague.pk}",
                "chaser": other_officer.pk,
            },
        ),
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_actions-0-chaser_error"' in body
    assert "A colleague&#x27;s own action is chased by its owner." in body
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED
    assert not ActionItem.objects.exists()


def test_a_decision_too_long_to_keep_is_shown_back_and_nothing_is_recorded(officer_client, meeting):
    """A pasted paragraph as one decision line was a 500 (the column holds 500 characters)."""
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))
    response = officer_client.post(
        reverse("meetings:mark_held", args=[meeting.pk]),
        {
            "attended": [attendee.pk for attendee in meeting.attendees.all()],
            "minutes": "Long discussion.",
            "decisions": "Extend the consultation\n" + "Agree clause 4 " + "x" * 500,
            "actions-TOTAL_FORMS": "0",
            "actions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Keep each decision to 500 characters" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED
    assert not Interaction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_record_as_held_clicked_twice_lands_both_on_the_recorded_meeting():
    """The second copy waited for the first, then was shown the form again saying "Only a planned meeting
    can be marked held", as if nothing had been recorded."""

    from django.test import Client

    officer = UserFactory()
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=in_days(-1, 10),
        ends_at=in_days(-1, 11),
        stakeholders=[StakeholderFactory(owner=officer)],
    )
    url = reverse("meetings:mark_held", args=[meeting.pk])
    data = {
        "attended": [attendee.pk for attendee in meeting.attendees.all()],
        "minutes": "Good turnout.",
        "decisions": "Extend the consultation",
        "actions-TOTAL_FORMS": "0",
        "actions-INITIAL_FORMS": "0",
        "submission_key": _key(login(Client(), officer), url),
    }
    answers = []

    def send(client):
        response = client.post(url, data)
        answers.append((response.status_code, response.get("Location")))

    clients = [login(Client(), officer) for _ in range(2)]
    all_at_once(*(lambda client=client: send(client) for client in clients))
    assert answers == [(302, meeting.get_absolute_url())] * 2
    assert Interaction.objects.count() == 1


def test_an_action_without_an_owner_is_refused(officer_client, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))
    response = officer_client.post(
        reverse("meetings:mark_held", args=[meeting.pk]),
        {
            "minutes": "",
            "decisions": "",
            "actions-TOTAL_FORMS": "1",
            "actions-INITIAL_FORMS": "0",
            "actions-0-description": "Nobody's job",
        },
    )
    assert response.status_code == 200
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED
    assert not Interaction.objects.exists()


def test_staff_attendee_answers_their_invitation_with_htmx(client, colleague, officer, guest):
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Briefing",
        starts_at=in_days(2, 9),
        ends_at=in_days(2, 10),
        staff=[colleague],
    )
    attendee = Attendee.objects.get(meeting=meeting, user=colleague)
    response = login(client, colleague).post(
        reverse("meetings:rsvp", args=[meeting.pk, attendee.pk]),
        {"rsvp": "accepted"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert Attendee.objects.get(pk=attendee.pk).rsvp == "accepted"


def test_a_cancelled_meeting_takes_no_more_replies(client, colleague, officer):
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Briefing",
        starts_at=in_days(2, 9),
        ends_at=in_days(2, 10),
        staff=[colleague],
    )
    services.meeting_cancel(meeting=meeting, actor=officer)
    attendee = Attendee.objects.get(meeting=meeting, user=colleague)
    response = login(client, colleague).post(
        reverse("meetings:rsvp", args=[meeting.pk, attendee.pk]), {"rsvp": "accepted"}, follow=True
    )
    assert response.status_code == 200
    assert "replies are taken for planned meetings only" in response.content.decode()
    assert Attendee.objects.get(pk=attendee.pk).rsvp == "needs_action"


def test_my_actions_lists_only_my_open_actions(officer_client, officer, colleague, meeting):
    mine = services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry(description="Mine", owner_user=officer)
    )
    services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry(description="Theirs", owner_user=colleague)
    )
    body = officer_client.get(reverse("meetings:my_actions")).content.decode()
    assert "Mine" in body and "Theirs" not in body
    officer_client.post(reverse("meetings:action_status", args=[mine.pk]), {"status": "done"})
    assert "Mine" not in officer_client.get(reverse("meetings:my_actions")).content.decode()


def test_a_colleagues_actions_are_listed_under_their_name_without_a_status_to_change(
    officer_client, officer, colleague
):
    """Opened from the manager dashboard's overdue figure, the list shows whose actions they are; an officer
    looking at a colleague's is shown their status, not offered to change it."""
    theirs = MeetingFactory(organiser=colleague)
    services.action_item_add(
        meeting=theirs, actor=colleague, entry=services.ActionEntry(description="Book", owner_user=colleague)
    )

    response = officer_client.get(reverse("meetings:my_actions"), {"owner": colleague.pk})

    body = response.content.decode()
    assert f"<h1>Actions chased by {colleague}</h1>" in body
    assert "Action items you own" not in body
    assert [action.description for action in response.context["page"]] == ["Book"]
    assert 'name="status" data-saves-on-choice' not in body


def test_changing_whose_actions_are_listed_describes_them_anew(officer_client, officer, colleague):
    """The filters swap only the results in: the heading, title, subtitle and empty text said "My actions" and
    "Action items you own…" above a colleague's. The page asks htmx to take the heading along (as the
    follow-ups list does), and the answer has it and the title as they now are."""
    page = officer_client.get(reverse("meetings:my_actions")).content.decode()
    taken = re.search(r'hx-select="(#[\w-]+)" hx-select-oob="(#[\w-]+)"', page).groups()
    assert "<title>My actions" in page

    response = officer_client.get(
        reverse("meetings:my_actions"), {"owner": colleague.pk}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    results, heading = (
        re.search(rf'<div id="{selector[1:]}">(.*?)</div>', body, re.DOTALL).group(1) for selector in taken
    )
    assert f"<h1>Actions chased by {colleague}</h1>" in heading
    assert "Action items staff own" in heading and "you own" not in heading
    assert f"<title>Actions chased by {colleague}" in body
    assert "No actions match; try “Any status”." in results and "you attend" not in results


def test_my_actions_shows_done_or_cancelled_ones_when_asked_and_its_export_link_keeps_the_filters(
    officer_client, officer, meeting
):
    done = services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry(description="Filed", owner_user=officer)
    )
    services.action_item_set_status(action_item=done, actor=officer, status="done")
    services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry(description="Pending", owner_user=officer)
    )

    response = officer_client.get(reverse("meetings:my_actions"), {"status": "done"}, HTTP_HX_REQUEST="true")

    assert [action.description for action in response.context["page"]] == ["Filed"]
    page = officer_client.get(reverse("meetings:my_actions"), {"status": "done"}).content.decode()
    assert 'formaction="{}"'.format(reverse("dashboards:export", args=["actions"])) in page
    assert '<option value="done" selected>' in page


def test_my_actions_with_an_unknown_status_lists_nothing_and_says_why(officer_client, officer, meeting):
    services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry(description="Pending", owner_user=officer)
    )
    response = officer_client.get(reverse("meetings:my_actions"), {"status": "lost"})
    assert len(response.context["page"]) == 0
    assert "Select a valid choice" in response.content.decode()


def test_meeting_list_upcoming_and_past(officer_client, meeting):
    assert "Harbour consultation" in officer_client.get(reverse("meetings:list")).content.decode()
    assert (
        "Harbour consultation"
        not in officer_client.get(reverse("meetings:list"), {"when": "past"}).content.decode()
    )


def test_calendar_subscription_page_shows_the_address_once(officer_client):
    response = officer_client.post(reverse("meetings:calendar_subscription"), {"action": "reset"})
    url = response.context["new_url"]
    assert "/calendar/" in url and url.endswith(".ics")
    again = officer_client.get(reverse("meetings:calendar_subscription")).content.decode()
    assert url not in again and "active calendar address" in again


@pytest.mark.parametrize("rows", [2, 8])
@pytest.mark.parametrize(
    ("params", "headers"),
    [({}, {}), ({"q": "harbour", "mine": "1"}, {"HX-Request": "true"})],
    ids=["page", "search as you type"],
)
def test_meeting_list_query_budget(
    officer_client, officer, django_assert_max_num_queries, rows, params, headers
):
    for index in range(rows):
        services.meeting_schedule(
            organiser=officer,
            title=f"Harbour {index}",
            starts_at=in_days(2, 9),
            ends_at=in_days(2, 10),
            stakeholders=[StakeholderFactory(owner=officer)],
        )
    # session, user, the user's groups; (matching) meetings with organiser/organisation/series; their guests.
    with django_assert_max_num_queries(5):
        response = officer_client.get(reverse("meetings:list"), params, headers=headers)
    assert len(response.context["page"]) == rows


def test_typing_in_the_meeting_search_redraws_only_the_matching_rows(officer_client, officer):
    for title in ("Harbour walk", "Budget review"):
        services.meeting_schedule(
            organiser=officer, title=title, starts_at=in_days(2, 9), ends_at=in_days(2, 10), stakeholders=[]
        )

    response = officer_client.get(reverse("meetings:list"), {"q": "harb"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert "Harbour walk" in body and "Budget review" not in body
    assert "<html" not in body and 'role="search"' not in body


def test_a_meeting_search_that_finds_nothing_says_so_not_that_none_are_planned(officer_client, meeting):
    response = officer_client.get(reverse("meetings:list"), {"q": "zzyzx"}, headers={"HX-Request": "true"})

    assert "No upcoming meetings match." in response.content.decode()


def listed(client, **params) -> list[str]:
    return [meeting.title for meeting in client.get(reverse("meetings:list"), params).context["page"]]


def test_the_meeting_search_finds_a_meeting_by_its_place(officer_client, officer):
    for title, place in (("Budget review", "Town Hall, Market Square"), ("Harbour walk", "Quayside")):
        services.meeting_schedule(
            organiser=officer,
            title=title,
            starts_at=in_days(2, 9),
            ends_at=in_days(2, 10),
            location=place,
            stakeholders=[],
        )

    assert listed(officer_client, q="town hall") == ["Budget review"]
    assert listed(officer_client, q="quay") == ["Harbour walk"]


@pytest.mark.parametrize(
    "typed",
    ["Ama Owusu", "owusu", "ama ow", "Ama Owsu", "zoe ostergard", "Østergård"],
    ids=["name", "surname", "prefixes", "misspelt", "unaccented", "accented"],
)
def test_the_meeting_search_finds_a_meeting_by_a_stakeholder_invited(officer_client, officer, typed):
    ama, zoe = StakeholderFactory(name="Ama Owusu"), StakeholderFactory(name="Zoë Østergård")
    for title, guests in (
        ("Budget review", [ama, zoe]),
        ("Harbour walk", [StakeholderFactory(name="Ben Aldous")]),
    ):
        services.meeting_schedule(
            organiser=officer,
            title=title,
            starts_at=in_days(2, 9),
            ends_at=in_days(2, 10),
            stakeholders=guests,
        )

    assert listed(officer_client, q=typed) == ["Budget review"]


@pytest.mark.parametrize("typed", ["Julien Moreau", "jul mor", "Julian Moreau", "jmoreau"])
def test_the_meeting_search_finds_a_meeting_by_a_member_of_staff_invited(officer_client, officer, typed):
    julien = UserFactory(first_name="Julien", last_name="Moreau", username="jmoreau")
    nameless = UserFactory(first_name="", last_name="", username="ops-desk")
    services.meeting_schedule(
        organiser=officer,
        title="Budget review",
        starts_at=in_days(2, 9),
        ends_at=in_days(2, 10),
        stakeholders=[],
        staff=[julien],
    )
    services.meeting_schedule(
        organiser=officer,
        title="Harbour walk",
        starts_at=in_days(2, 9),
        ends_at=in_days(2, 10),
        stakeholders=[],
        staff=[nameless],
    )

    assert listed(officer_client, q=typed) == ["Budget review"]
    # Staff without a name are known by their username, as everywhere they are named.
    assert listed(officer_client, q="ops desk") == ["Harbour walk"]


@pytest.mark.parametrize("typed", ["Grace Hopper", "hopper", "gra hop", "Grace Hoper"])
def test_the_meeting_search_finds_a_meeting_by_its_organiser(officer_client, officer, typed):
    grace = UserFactory(first_name="Grace", last_name="Hopper")
    for organiser, title in ((grace, "Budget review"), (officer, "Harbour walk")):
        services.meeting_schedule(
            organiser=organiser,
            title=title,
            starts_at=in_days(2, 9),
            ends_at=in_days(2, 10),
            stakeholders=[],
        )

    assert listed(officer_client, q=typed) == ["Budget review"]


def test_the_meeting_search_does_not_find_a_meeting_by_what_is_noted_of_someone_invited(
    officer_client, officer
):
    guest = StakeholderFactory(name="Ama Owusu", notes="Chairs the residents' association")
    services.meeting_schedule(
        organiser=officer,
        title="Budget review",
        starts_at=in_days(2, 9),
        ends_at=in_days(2, 10),
        stakeholders=[guest],
    )

    assert listed(officer_client, q="residents") == []


@pytest.mark.parametrize("rows", [2, 8])
@pytest.mark.parametrize("typed", ["ama owusu", "grace hopper"], ids=["guest", "organiser"])
def test_meeting_search_by_who_is_invited_query_budget(
    officer_client, officer, django_assert_max_num_queries, rows, typed
):
    grace = UserFactory(first_name="Grace", last_name="Hopper")
    for index in range(rows):
        services.meeting_schedule(
            organiser=grace,
            title=f"M{index}",
            starts_at=in_days(2, 9),
            ends_at=in_days(2, 10),
            stakeholders=[StakeholderFactory(name=f"Ama Owusu {index}")],
        )
    # session, user, the user's groups; meetings matching the words or whose organiser's or guests' names
    # do, with organiser/organisation/series; their stakeholder guests.
    with django_assert_max_num_queries(5):
        response = officer_client.get(reverse("meetings:list"), {"q": typed}, headers={"HX-Request": "true"})
    assert len(response.context["page"]) == rows


def test_an_unknown_meeting_list_filter_lists_nothing_and_says_why(officer_client, meeting):
    response = officer_client.get(reverse("meetings:list"), {"when": "someday"})

    assert list(response.context["page"]) == []
    assert "When: Select a valid choice." in response.content.decode()


def test_the_meeting_list_opens_on_upcoming_meetings_and_offers_past_ones(officer_client, officer):
    services.meeting_schedule(
        organiser=officer, title="Next week", starts_at=in_days(7, 9), ends_at=in_days(7, 10), stakeholders=[]
    )
    MeetingFactory(organiser=officer, title="Last week", starts_at=in_days(-7, 9), ends_at=in_days(-7, 10))

    page = officer_client.get(reverse("meetings:list")).content.decode()

    assert listed(officer_client) == listed(officer_client, when="") == ["Next week"]
    assert listed(officer_client, when="past") == ["Last week"]
    assert '<option value="" selected>Upcoming</option>' in page


def test_meeting_list_names_the_stakeholders_invited_and_not_the_staff(officer_client, officer, colleague):
    first, second = StakeholderFactory(name="Amara Okafor"), StakeholderFactory(name="Ben Aldous")
    services.meeting_schedule(
        organiser=officer,
        title="Harbour walk",
        starts_at=in_days(2, 9),
        ends_at=in_days(2, 10),
        stakeholders=[first, second],
        staff=[colleague],
    )

    page = officer_client.get(reverse("meetings:list")).content.decode()
    row = re.search(r"Harbour walk.*?</tr>", page, re.S)

    names = re.sub(r"<[^>]+>", "", re.search(r'data-label="With">(.*?)</td>', row.group(0)).group(1))
    assert names == "Amara Okafor, Ben Aldous"


def test_a_meeting_form_sent_twice_schedules_one_meeting_and_one_set_of_invitations(officer_client, guest):
    import re

    from outbox.models import OutboundMessage

    page = officer_client.get(reverse("meetings:create")).content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    data = {**form_data([guest]), "submission_key": key}

    officer_client.post(reverse("meetings:create"), data)
    second = officer_client.post(reverse("meetings:create"), data)

    meeting = Meeting.objects.get()
    assert second.status_code == 302 and second.url == meeting.get_absolute_url()
    invitations = OutboundMessage.objects.filter(kind="meeting_invitation")
    assert invitations.count() == len(set(invitations.values_list("to", flat=True)))


def _edit_form_as_shown(client, meeting, **changes):
    """The meeting's edit form as its page draws it, with `changes` typed in."""
    import re

    page = client.get(reverse("meetings:edit", args=[meeting.pk])).content.decode()
    fingerprint = re.search(r'name="edit_fingerprint" value="([^"]*)"', page).group(1)
    zone = meeting.local_time_zone
    items = list(meeting.agenda_items.order_by("position", "pk"))
    data = {
        "title": meeting.title,
        "purpose": meeting.purpose,
        "time_zone": meeting.time_zone,
        "starts_at": meeting.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": meeting.ends_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "location": meeting.location,
        "stakeholders": [a.stakeholder_id for a in meeting.attendees.all() if a.stakeholder_id],
        "reminders": [str(m) for m in meeting.reminder_minutes],
        "agenda-TOTAL_FORMS": str(len(items) + 1),
        "agenda-INITIAL_FORMS": "0",
        **{f"agenda-{n}-title": item.title for n, item in enumerate(items)},
        f"agenda-{len(items)}-title": "",
        "edit_fingerprint": fingerprint,
    }
    data.update(changes)
    return data


def test_a_second_editor_of_a_meeting_is_told_instead_of_undoing_the_first(client, officer, manager, meeting):
    url = reverse("meetings:edit", args=[meeting.pk])
    login(client, manager)
    opened_by_manager = _edit_form_as_shown(client, meeting, **{"agenda-0-title": "Budget"})
    login(client, officer)
    assert client.post(url, _edit_form_as_shown(client, meeting, location="Room 4")).status_code == 302

    response = login(client, manager).post(url, opened_by_manager)

    assert response.status_code == 200
    assert "Someone else saved a change to this record" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.location == "Room 4"
    assert list(meeting.agenda_items.values_list("title", flat=True)) == []


@pytest.mark.django_db(transaction=True)
def test_two_edits_of_a_meeting_sent_at_the_same_moment_the_second_is_told_instead_of_undoing_the_first():
    """Both forms passed the check that the meeting was as they showed it, before either was saved; the
    second then saved its stale copy of every field, putting the first's change back."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from accounts.models import Role

    for name in Role.values:  # a transactional test starts from empty tables
        Group.objects.get_or_create(name=name)
    officer = UserFactory()
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=in_days(3, 10),
        ends_at=in_days(3, 11),
        stakeholders=[StakeholderFactory(owner=officer)],
    )
    url = reverse("meetings:edit", args=[meeting.pk])
    tabs = [login(Client(), officer) for _ in range(2)]
    edits = [
        _edit_form_as_shown(tabs[0], meeting, location="Room 4"),
        _edit_form_as_shown(tabs[1], meeting, **{"agenda-0-title": "Budget"}),
    ]
    answers = []

    queued_behind_a_lock(
        meeting,
        *(
            lambda tab=tab, data=data: answers.append(tab.post(url, data))
            for tab, data in zip(tabs, edits, strict=True)
        ),
    )

    assert sorted(answer.status_code for answer in answers) == [200, 302]
    (refused,) = (answer for answer in answers if answer.status_code == 200)
    assert "Someone else saved a change to this record" in refused.content.decode()
    meeting.refresh_from_db()
    saved = (meeting.location, list(meeting.agenda_items.values_list("title", flat=True)))
    assert saved in [("Room 4", []), ("", ["Budget"])]


@pytest.mark.parametrize(
    ("time_zone", "starts_at", "ends_at"),
    [
        # 10000-01-01 in UTC, and 31 December of year 0: PostgreSQL stores both, Python reads neither.
        ("America/Los_Angeles", "9999-12-31T22:00", "9999-12-31T23:00"),
        ("Asia/Tokyo", "0001-01-01T00:00", "0001-01-01T01:00"),
    ],
)
def test_a_meeting_time_beyond_what_can_be_read_back_is_refused_on_the_form(
    officer_client, guest, time_zone, starts_at, ends_at
):
    """Such a meeting was saved, the page answered 500, and from then on the meetings list and every
    attendee's page failed for everyone reading it (found in the second QA pass). Typed, it is now outside
    the years a date is taken in (liaison_crm.typed_dates), long before it could overflow."""
    data = form_data([guest], time_zone=time_zone, starts_at=starts_at, ends_at=ends_at)

    response = officer_client.post(reverse("meetings:create"), data)

    assert response.status_code == 200
    assert refusal() in response.content.decode()
    assert not Meeting.objects.exists()
    assert officer_client.get(reverse("meetings:list")).status_code == 200


def test_a_series_running_past_what_can_be_stored_is_refused(officer, guest):
    """The first meeting is in range; the second, on 31 December 9999 at 22:00 in Los Angeles, is in the
    year 10000 in UTC."""
    from django.core.exceptions import ValidationError

    los_angeles = zoneinfo.ZoneInfo("America/Los_Angeles")
    with pytest.raises(ValidationError) as refused:
        services.meeting_schedule(
            organiser=officer,
            title="Year-end review",
            starts_at=dt.datetime(9999, 12, 24, 22, tzinfo=los_angeles),
            ends_at=dt.datetime(9999, 12, 24, 23, tzinfo=los_angeles),
            stakeholders=[guest],
            time_zone="America/Los_Angeles",
            frequency="weekly",
            count=2,
        )
    assert "count" in refused.value.message_dict
    assert not Meeting.objects.exists()


def test_a_meeting_early_in_year_one_is_entered_without_its_reminders_failing(
    officer_client, officer, guest, django_capture_on_commit_callbacks
):
    """Its time is storable, but a day before it is not a date: scheduling its reminders raised an
    OverflowError after the meeting was saved, and the page answered 500. The form no longer takes such a
    year; the service, which other paths reach, still must not fail on it."""
    london = zoneinfo.ZoneInfo("Europe/London")

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_schedule(
            organiser=officer,
            title="Founding",
            starts_at=dt.datetime(1, 1, 1, 12, tzinfo=london),
            ends_at=dt.datetime(1, 1, 1, 13, tzinfo=london),
            stakeholders=[guest],
            time_zone="Europe/London",
            reminder_minutes=[24 * 60, 60],
        )

    assert officer_client.get(reverse("meetings:list")).status_code == 200


def test_a_cancelled_meeting_offers_no_commitment_to_record(officer_client, officer, meeting):
    """It did not take place: nothing was promised at it."""
    record = f'href="{reverse("commitments:create")}?meeting={meeting.pk}"'
    assert record in officer_client.get(meeting.get_absolute_url()).content.decode()

    services.meeting_cancel(meeting=meeting, actor=officer)

    assert record not in officer_client.get(meeting.get_absolute_url()).content.decode()


def test_a_cancelled_meeting_offers_no_add_to_calendar(officer_client, officer, meeting):
    """Its invitation would put a meeting that will not take place in the officer's calendar."""
    add = f'href="{reverse("meetings:ics", args=[meeting.pk])}"'
    assert add in officer_client.get(meeting.get_absolute_url()).content.decode()

    services.meeting_cancel(meeting=meeting, actor=officer)

    page = officer_client.get(meeting.get_absolute_url()).content.decode()
    assert add not in page and "Add to calendar" not in page


@pytest.mark.parametrize("page", ["meetings:edit", "meetings:mark_held", "meetings:cancel"])
def test_a_cancelled_meetings_forms_lead_back_to_it_saying_so(officer_client, officer, meeting, page):
    """The edit page of a cancelled meeting opened a form whose save was then refused (so did recording it
    as held, or cancelling it again). Now the page leads back to the meeting, saying why."""
    services.meeting_cancel(meeting=meeting, actor=officer)
    url = reverse(page, args=[meeting.pk])

    response = officer_client.get(url, follow=True)

    assert response.redirect_chain == [(meeting.get_absolute_url(), 302)]
    assert "This meeting was cancelled, so it can no longer be changed." in response.content.decode()
    assert f'href="{reverse("meetings:edit", args=[meeting.pk])}"' not in response.content.decode()

    response = officer_client.post(url, {"title": "Revived", "minutes": "Met anyway"})
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    meeting.refresh_from_db()
    assert (meeting.title, meeting.status) == ("Harbour consultation", MeetingStatus.CANCELLED)


def test_cancelling_an_occurrence_of_a_series_offers_this_and_the_following(officer_client, officer, guest):
    """The page offered "every planned occurrence of the series" and cancelled the earlier ones too."""
    first = services.meeting_schedule(
        organiser=officer,
        title="Weekly catch-up",
        starts_at=in_days(-8, 10),
        ends_at=in_days(-8, 11),
        stakeholders=[guest],
        frequency="weekly",
        count=4,
    )
    occurrences = list(Meeting.objects.filter(series=first.series).order_by("original_start"))
    url = reverse("meetings:cancel", args=[occurrences[2].pk])

    page = officer_client.get(url).content.decode()
    assert "This and every later planned occurrence" in page
    assert "Every planned occurrence of the series" not in page
    assert re.search(r'<input type="radio" name="scope" value="this"[^>]* checked>', page)

    assert officer_client.post(url, {"scope": "following"}).status_code == 302
    statuses = (
        Meeting.objects.filter(series=first.series)
        .order_by("original_start")
        .values_list("status", flat=True)
    )
    assert list(statuses) == ["planned", "planned", "cancelled", "cancelled"]


def weekly_series(officer, guest):
    first = services.meeting_schedule(
        organiser=officer,
        title="Weekly catch-up",
        starts_at=in_days(1, 10),
        ends_at=in_days(1, 11),
        stakeholders=[guest],
        frequency="weekly",
        count=3,
    )
    return list(Meeting.objects.filter(series=first.series).order_by("original_start"))


def test_cancelling_only_this_occurrence_leaves_the_others_planned(officer_client, officer, guest):
    occurrences = weekly_series(officer, guest)

    response = officer_client.post(reverse("meetings:cancel", args=[occurrences[1].pk]), {"scope": "this"})

    assert response.status_code == 302
    statuses = [Meeting.objects.get(pk=occurrence.pk).status for occurrence in occurrences]
    assert statuses == ["planned", "cancelled", "planned"]


def test_an_unknown_scope_is_refused_on_the_cancel_form_and_nothing_is_cancelled(
    officer_client, officer, guest
):
    """Anything but "following" was read as "only this occurrence": a mistyped scope cancelled one meeting,
    and its open actions, where the organiser may have meant several."""
    occurrences = weekly_series(officer, guest)
    action = open_action_of(occurrences[1], officer, "Book")
    url = reverse("meetings:cancel", args=[occurrences[1].pk])

    response = officer_client.post(url, {"scope": "everything", "close_open_actions": "on"})

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert response.context["form"].errors.keys() == {"scope"}
    assert {Meeting.objects.get(pk=occurrence.pk).status for occurrence in occurrences} == {"planned"}
    action.refresh_from_db()
    assert action.status == "open"


def test_a_paper_uploaded_on_the_meeting_page_is_typed_by_its_name(
    officer_client, meeting, settings, tmp_path
):
    # The browser's declared type is the client's word: a NUL in it would reach PostgreSQL.
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("pack.pdf", b"%PDF-1.7 the pack", content_type="application/pdf\x00")
    response = officer_client.post(reverse("meetings:document_upload", args=[meeting.pk]), {"file": upload})
    assert response.status_code == 302
    (document,) = meeting.documents.all()
    assert document.content_type == "application/pdf"


@pytest.mark.parametrize("page", ["meetings:edit", "meetings:mark_held", "meetings:cancel"])
def test_a_held_meetings_forms_lead_back_to_it_saying_so(officer_client, officer, meeting, page):
    """The edit page of a held meeting, opened by its address, still moved it and re-invited its guests."""
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))
    services.meeting_mark_held(meeting=Meeting.objects.get(pk=meeting.pk), actor=officer, minutes="Met.")
    url = reverse(page, args=[meeting.pk])

    response = officer_client.get(url, follow=True)

    assert response.redirect_chain == [(meeting.get_absolute_url(), 302)]
    assert "This meeting was held" in response.content.decode()

    response = officer_client.post(url, {"title": "Moved", "starts_at": "2030-01-01T10:00", "minutes": "x"})
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    meeting.refresh_from_db()
    assert (meeting.title, meeting.status, meeting.minutes) == (
        "Harbour consultation",
        MeetingStatus.HELD,
        "Met.",
    )


def test_only_those_who_may_move_an_action_along_are_offered_its_status(
    client, officer, colleague, other_officer, meeting
):
    """Everyone was offered the status list; a change by someone else was refused with a silent 403 and the
    list went on showing the status they had picked, as if it were saved."""
    services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry(description="Mine", owner_user=officer)
    )
    services.action_item_add(
        meeting=meeting,
        actor=officer,
        entry=services.ActionEntry(description="Theirs", owner_user=colleague),
    )

    def status_lists(user):
        return login(client, user).get(meeting.get_absolute_url()).content.decode().count('name="status"')

    assert status_lists(officer) == 2
    assert status_lists(colleague) == 1
    assert status_lists(other_officer) == 0


def test_an_action_moved_along_on_the_meeting_page_keeps_the_rows_layout(officer_client, officer, meeting):
    """The row sent back after a change named its meeting, as My actions shows it, on the meeting page."""
    action = services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry(description="Mine", owner_user=officer)
    )
    url = reverse("meetings:action_status", args=[action.pk])

    on_meeting_page = officer_client.post(url, {"status": "in_progress"}, HTTP_HX_REQUEST="true")
    on_my_actions = officer_client.post(url, {"status": "done", "show_meeting": "1"}, HTTP_HX_REQUEST="true")

    assert meeting.get_absolute_url() not in on_meeting_page.content.decode()
    assert meeting.get_absolute_url() in on_my_actions.content.decode()
    assert 'name="status"' in on_meeting_page.content.decode()


def test_the_meeting_page_asks_the_same_number_of_queries_however_many_actions(client, manager, meeting):
    """Who may move each action along is worked out from what the page loaded already."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..factories import UserFactory

    login(client, manager)

    def queries():
        services.action_item_add(
            meeting=meeting,
            actor=manager,
            entry=services.ActionEntry(description="Chase", owner_user=UserFactory(team=manager.team)),
        )
        with CaptureQueriesContext(connection) as captured:
            assert client.get(meeting.get_absolute_url()).status_code == 200
        return len(captured)

    assert queries() == queries() == queries()


def test_a_held_meetings_attendees_read_as_attended_not_awaiting_a_reply(
    officer_client, officer, colleague, guest
):
    """Once held, a guest who never answered still read "Awaiting reply", though the meeting's record logged
    them as present; one who declined was not logged and reads as absent."""
    absent = StakeholderFactory(owner=officer, name="Kofi Boateng")
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=in_days(3, 10),
        ends_at=in_days(3, 11),
        stakeholders=[guest, absent],
        staff=[colleague],
    )
    services.attendee_respond(
        attendee=meeting.attendees.get(stakeholder=absent), actor=officer, rsvp="declined"
    )
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))
    services.meeting_mark_held(meeting=Meeting.objects.get(pk=meeting.pk), actor=officer, minutes="Met.")

    body = officer_client.get(meeting.get_absolute_url()).content.decode()

    assert "Awaiting reply" not in body
    assert body.count("Attended") == 2  # the guest and the colleague, neither of whom replied
    assert "Did not attend" in body
    assert set(Interaction.objects.get().stakeholders.all()) == {guest}


@pytest.fixture
def held(officer, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))
    return services.meeting_mark_held(
        meeting=Meeting.objects.get(pk=meeting.pk),
        actor=officer,
        minutes="Agred next steps",
        decisions=["Go"],
    )


def _key(client, url):
    import re

    return re.search(r'name="submission_key" value="([^"]+)"', client.get(url).content.decode()).group(1)


def test_an_action_agreed_later_is_added_on_a_held_meetings_page_once_however_often_sent(
    officer_client, held, guest
):
    url = reverse("meetings:action_add", args=[held.pk])
    assert f'href="{url}"' in officer_client.get(held.get_absolute_url()).content.decode()
    data = {
        "description": "Send the map",
        "owner": f"stakeholder:{guest.pk}",
        "submission_key": _key(officer_client, url),
    }

    first = officer_client.post(url, data)
    second = officer_client.post(url, data)

    assert first.url == second.url == held.get_absolute_url()
    assert [(a.description, a.owner_stakeholder) for a in held.action_items.all()] == [
        ("Send the map", guest)
    ]


def test_an_action_added_for_a_stakeholder_is_chased_by_the_colleague_named_or_the_organiser(
    officer_client, officer, colleague, held, guest
):
    url = reverse("meetings:action_add", args=[held.pk])
    page = officer_client.get(url).content.decode()
    assert "Chased by" in page and "The organiser" in page
    for description, chaser in (("Send the map", colleague.pk), ("Send the plan", "")):
        data = {"description": description, "owner": f"stakeholder:{guest.pk}", "chaser": chaser}
        officer_client.post(url, {**data, "submission_key": _key(officer_client, url)})
    assert dict(held.action_items.values_list("description", "chaser")) == {
        "Send the map": colleague.pk,
        "Send the plan": officer.pk,
    }
    shown = officer_client.get(held.get_absolute_url()).content.decode()
    assert f"chased by {colleague}" in shown and f"chased by {officer}" in shown


def test_the_organiser_hands_the_chasing_of_a_stakeholders_action_on_from_the_meetings_page(
    client, officer, colleague, other_officer, held, guest
):
    action = services.action_item_add(
        meeting=held, actor=officer, entry=services.ActionEntry("Send the map", owner_stakeholder=guest)
    )
    url = reverse("meetings:action_chaser", args=[action.pk])
    assert f'href="{url}"' in login(client, officer).get(held.get_absolute_url()).content.decode()

    response = client.post(url, {"chaser": colleague.pk})

    assert response.url == held.get_absolute_url()
    assert ActionItem.objects.get(pk=action.pk).chaser == colleague
    # Another team's officer neither sees the way to it nor may use it.
    assert f'href="{url}"' not in login(client, other_officer).get(held.get_absolute_url()).content.decode()
    assert client.post(url, {"chaser": other_officer.pk}).status_code == 403
    assert ActionItem.objects.get(pk=action.pk).chaser == colleague


def test_a_chaser_who_has_left_is_named_when_the_chasing_is_handed_on(
    officer_client, officer, team, held, guest
):
    leaver = UserFactory(team=team)
    action = services.action_item_add(
        meeting=held,
        actor=officer,
        entry=services.ActionEntry("Send the map", owner_stakeholder=guest, chaser=leaver),
    )
    leaver.is_active = False
    leaver.save()
    response = officer_client.post(reverse("meetings:action_chaser", args=[action.pk]), {"chaser": ""})
    assert response.status_code == 200
    assert f"{leaver} has left; choose who takes this over." in response.content.decode()


def test_an_action_without_an_owner_is_shown_back_with_its_error(officer_client, held):
    response = officer_client.post(reverse("meetings:action_add", args=[held.pk]), {"description": "x"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not held.action_items.exists()


def test_a_forgotten_decision_is_added_once_and_reaches_the_timeline(officer_client, held):
    url = reverse("meetings:decision_add", args=[held.pk])
    data = {"text": "Meet again in May", "submission_key": _key(officer_client, url)}
    officer_client.post(url, data)
    officer_client.post(url, data)
    assert [d.text for d in held.decisions.all()] == ["Go", "Meet again in May"]
    held.interaction.refresh_from_db()
    assert held.interaction.outcome == "Decided: Go\nDecided: Meet again in May"


def test_a_typo_in_the_minutes_is_corrected_on_its_page(officer_client, held):
    url = reverse("meetings:minutes_edit", args=[held.pk])
    assert "Agred next steps" in officer_client.get(url).content.decode()
    response = officer_client.post(url, {"minutes": "Agreed next steps"})
    assert response.url == held.get_absolute_url()
    held.refresh_from_db()
    assert held.minutes == "Agreed next steps"


def test_only_the_organiser_and_their_managers_add_to_the_record(client, colleague, held):
    login(client, colleague)
    assert "Edit minutes" not in client.get(held.get_absolute_url()).content.decode()
    for page in ["meetings:action_add", "meetings:decision_add", "meetings:minutes_edit"]:
        assert client.get(reverse(page, args=[held.pk])).status_code == 403


@pytest.mark.parametrize("page", ["meetings:action_add", "meetings:decision_add", "meetings:minutes_edit"])
def test_a_cancelled_meeting_has_no_record_to_add_to(officer_client, officer, meeting, page):
    services.meeting_cancel(meeting=meeting, actor=officer)
    response = officer_client.post(
        reverse(page, args=[meeting.pk]), {"text": "x", "minutes": "x"}, follow=True
    )
    assert response.redirect_chain == [(meeting.get_absolute_url(), 302)]
    assert "no record to add to" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes == "" and not meeting.decisions.exists()


def test_the_link_to_a_held_meetings_interaction_is_offered_only_to_those_who_may_read_it(
    client, officer, other_officer
):
    """It may since have been made confidential: the link would open a page saying there is nothing there."""
    logged = InteractionFactory(logged_by=officer, is_confidential=True, summary="Private debrief")
    meeting = MeetingFactory(
        organiser=officer, status=MeetingStatus.HELD, held_at=timezone.now(), interaction=logged
    )
    url = reverse("meetings:detail", args=[meeting.pk])
    link = f'href="{logged.get_absolute_url()}"'

    assert link in login(client, officer).get(url).content.decode()
    assert link not in login(client, other_officer).get(url).content.decode()


def test_each_reply_and_action_status_list_on_the_meeting_page_names_whose_it_is(
    officer_client, officer, meeting
):
    """Named 'Reply' and 'Status' alone, a screen reader's list of the page's fields read alike for each."""
    services.action_item_add(
        meeting=meeting,
        actor=officer,
        entry=services.ActionEntry(description="Send the minutes", owner_user=officer),
    )

    body = officer_client.get(meeting.get_absolute_url()).content.decode()

    assert '<select name="rsvp" data-saves-on-choice aria-label="Reply from Ama Owusu">' in body
    assert '<select name="status" data-saves-on-choice aria-label="Status of “Send the minutes”">' in body


def test_saving_a_meeting_unchanged_says_nothing_was_sent(officer_client, meeting):
    """The page said attendees had been told what changed when nothing had and nobody was told."""
    url = reverse("meetings:edit", args=[meeting.pk])
    response = officer_client.post(url, _edit_form_as_shown(officer_client, meeting), follow=True)
    body = response.content.decode()
    assert "there was nothing to send to attendees" in body
    assert "attendees have been told" not in body


def test_changing_where_a_meeting_is_says_attendees_were_told(officer_client, meeting):
    url = reverse("meetings:edit", args=[meeting.pk])
    response = officer_client.post(
        url, _edit_form_as_shown(officer_client, meeting, location="Room 4"), follow=True
    )
    assert "attendees have been told what changed" in response.content.decode()


def test_record_as_held_is_offered_only_once_the_meeting_has_started(officer_client, meeting):
    held_url = reverse("meetings:mark_held", args=[meeting.pk])
    assert held_url not in officer_client.get(meeting.get_absolute_url()).content.decode()

    Meeting.objects.filter(pk=meeting.pk).update(starts_at=in_days(-1, 10), ends_at=in_days(-1, 11))
    assert held_url in officer_client.get(meeting.get_absolute_url()).content.decode()


def test_the_record_as_held_address_of_a_meeting_not_started_leads_back_to_it_saying_why(
    officer_client, meeting
):
    response = officer_client.get(reverse("meetings:mark_held", args=[meeting.pk]), follow=True)

    assert response.redirect_chain == [(meeting.get_absolute_url(), 302)]
    assert "This meeting has not started yet: record it once it has." in response.content.decode()


def test_the_meeting_page_and_list_give_the_end_date_of_a_meeting_that_runs_past_midnight(
    officer_client, officer
):
    london = zoneinfo.ZoneInfo("Europe/London")
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Night shift briefing",
        starts_at=dt.datetime(2027, 1, 11, 22, 0, tzinfo=london),
        ends_at=dt.datetime(2027, 1, 12, 1, 0, tzinfo=london),
        time_zone="Europe/London",
    )

    page = officer_client.get(meeting.get_absolute_url()).content.decode()
    listed = officer_client.get(reverse("meetings:list")).content.decode()

    assert "Monday 11 January 2027, 22:00\u2013Tuesday 12 January 2027, 01:00" in page
    assert "22:00\u2013Tue 12 Jan, 01:00" in listed


@pytest.mark.django_db(transaction=True)
def test_a_paper_removed_twice_at_the_same_moment_is_removed_once_and_the_second_is_told(settings, tmp_path):
    """Both requests found the paper before either locked the meeting; the second then found it gone."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from accounts.models import Role

    for name in Role.values:  # a transactional test starts from empty tables
        Group.objects.get_or_create(name=name)
    settings.MEDIA_ROOT = tmp_path
    officer = UserFactory()
    meeting = MeetingFactory(organiser=officer)
    paper = services.document_attach(
        meeting=meeting, actor=officer, upload=SimpleUploadedFile("pack.pdf", b"%PDF-1.7 the pack")
    )
    url = reverse("meetings:document_delete", args=[meeting.pk, paper.pk])
    tabs = [login(Client(), officer) for _ in range(2)]
    answers = []

    queued_behind_a_lock(
        meeting, *(lambda tab=tab: answers.append(tab.post(url, follow=True)) for tab in tabs)
    )

    assert [answer.status_code for answer in answers] == [200, 200]
    pages = [answer.content.decode() for answer in answers]
    removed = "Document removed."
    gone = "This was deleted (or merged into another record) while you were editing it."
    assert sorted((removed in page, gone in page) for page in pages) == [(False, True), (True, False)]
    assert not meeting.documents.exists()


def open_action_of(meeting, owner, description, *, due_in_days=-2):
    return ActionItem.objects.create(
        meeting=meeting,
        description=description,
        owner_user=owner,
        due_on=timezone.localdate() + dt.timedelta(days=due_in_days),
        created_by=meeting.organiser,
    )


@pytest.mark.parametrize("rows", [1, 4])
def test_my_actions_lists_the_open_actions_of_a_cancelled_meeting_last_marked_and_not_overdue(
    officer_client, officer, django_assert_max_num_queries, rows
):
    """Nobody expects them, but they are still open: the officer finds them, after the live ones, to close or
    hand on; the overdue filter (what the dashboard's figure links to) leaves them out."""
    going_ahead, called_off = MeetingFactory(organiser=officer), MeetingFactory(organiser=officer)
    live = [open_action_of(going_ahead, officer, f"Live {n}", due_in_days=-1) for n in range(rows)]
    # Due sooner than the live ones: listed after them all the same.
    stale = [open_action_of(called_off, officer, f"Stale {n}", due_in_days=-5) for n in range(rows)]
    services.meeting_cancel(meeting=called_off, actor=officer)

    # Session, user, the owner picked, the count, the page of actions with their meetings, organisers,
    # owners and chasers; the chaser and team pickers' people and teams, the reader's role.
    with django_assert_max_num_queries(8):
        response = officer_client.get(reverse("meetings:my_actions"))
    overdue = officer_client.get(reverse("meetings:my_actions"), {"overdue": "true"}).context["page"]

    assert list(response.context["page"]) == [*live, *stale]
    body = response.content.decode()
    assert body.count(">meeting cancelled</span>") == rows
    assert body.count('<span class="status red">overdue') == rows
    assert list(overdue) == live


def test_the_page_of_a_cancelled_meeting_marks_its_open_actions_and_not_its_closed_ones(
    officer_client, officer, meeting
):
    still_open = open_action_of(meeting, officer, "Book the minibus")
    done = open_action_of(meeting, officer, "Send the agenda")
    services.action_item_set_status(action_item=done, actor=officer, status="done")
    services.meeting_cancel(meeting=meeting, actor=officer)

    body = officer_client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()

    row = re.search(rf'<tr id="action-{still_open.pk}".*?</tr>', body, re.DOTALL).group(0)
    assert ">meeting cancelled</span>" in row and "overdue" not in row
    assert body.count(">meeting cancelled</span>") == 1


def test_cancelling_a_meeting_says_how_many_open_actions_it_has_and_cancels_them_when_ticked(
    officer_client, officer, colleague, meeting, django_capture_on_commit_callbacks
):
    """Ticked by default: closed as from the action's own status list, recorded as done by who cancelled
    the meeting, and nobody emailed about them: the guest and the colleague invited are told of the
    cancellation, and the colleague of nothing more for the action of theirs it closes."""
    services.meeting_update(meeting=meeting, actor=officer, staff=[colleague])
    # Their invitations went out: the meeting is in their calendars for the cancellation to take out.
    notifications.invitations_send(services._refetch(meeting.pk))
    deliver_due()
    actions = [open_action_of(meeting, owner, "Book") for owner in (officer, colleague)]
    done = open_action_of(meeting, officer, "Sent")
    services.action_item_set_status(action_item=done, actor=officer, status="done")
    url = reverse("meetings:cancel", args=[meeting.pk])

    page = officer_client.get(url).content.decode()
    assert "This meeting has 2 open actions." in page
    assert re.search(r'<input type="checkbox" name="close_open_actions"[^>]* checked>', page)

    with django_capture_on_commit_callbacks(execute=True):
        assert officer_client.post(url, {"close_open_actions": "on"}).status_code == 302

    for action in actions:
        action.refresh_from_db()
        assert (action.status, action.cancelled_at is not None) == ("cancelled", True)
        (change,) = ActionItemEvent.objects.filter(pgh_obj=action, status="cancelled")
        assert change.pgh_context.metadata["user"] == officer.pk
    done.refresh_from_db()
    assert (done.status, done.cancelled_at) == ("done", None)
    assert OutboundMessage.objects.filter(to="ama@example.org", kind="meeting_cancellation").exists()
    told = OutboundMessage.objects.filter(to=colleague.email).order_by("pk").values_list("kind", flat=True)
    assert list(told) == ["meeting_invitation", "meeting_cancellation"]


def test_cancelling_a_meeting_with_the_box_unticked_leaves_its_actions_open(officer_client, officer, meeting):
    action = open_action_of(meeting, officer, "Book")

    officer_client.post(reverse("meetings:cancel", args=[meeting.pk]))

    action.refresh_from_db()
    assert (action.status, action.cancelled_at) == ("open", None)


def test_cancelling_a_meeting_without_open_actions_offers_nothing_to_close(officer_client, meeting):
    page = officer_client.get(reverse("meetings:cancel", args=[meeting.pk])).content.decode()
    assert "close_open_actions" not in page


def test_cancelling_an_occurrence_says_how_many_open_actions_it_and_the_following_have(
    officer_client, officer, guest
):
    first = services.meeting_schedule(
        organiser=officer,
        title="Weekly catch-up",
        starts_at=in_days(1, 10),
        ends_at=in_days(1, 11),
        stakeholders=[guest],
        frequency="weekly",
        count=4,
    )
    occurrences = list(Meeting.objects.filter(series=first.series).order_by("original_start"))
    for occurrence in occurrences:
        open_action_of(occurrence, officer, "Prepare")
    url = reverse("meetings:cancel", args=[occurrences[2].pk])

    page = officer_client.get(url).content.decode()
    assert "This meeting has 1 open action." in page
    assert "This and its later planned occurrences have 2." in page

    officer_client.post(url, {"scope": "following", "close_open_actions": "1"})

    statuses = ActionItem.objects.order_by("meeting__original_start").values_list("status", flat=True)
    assert list(statuses) == ["open", "open", "cancelled", "cancelled"]

"""The .ics files parse back with `icalendar` and carry the right instants across time zones."""

import datetime as dt
import zoneinfo

import icalendar
import pytest
import time_machine

from meetings import calendar, services
from meetings.models import Meeting

from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def events(data: bytes) -> list[icalendar.Event]:
    return list(parse(data).walk("VEVENT"))


@pytest.fixture
def guest(officer):
    return StakeholderFactory(
        name="Maya Cohen", owner=officer, emails=["maya@example.org"], time_zone="America/New_York"
    )


@time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_invitation_is_a_request_with_a_stable_uid_and_the_right_instant(officer, guest):
    starts = dt.datetime(2026, 3, 10, 15, 0, tzinfo=LONDON)
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Budget",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        time_zone="Europe/London",
        stakeholders=[guest],
    )
    data = calendar.invitation(meeting)
    assert parse(data)["METHOD"] == "REQUEST"
    (event,) = events(data)
    assert str(event["UID"]) == meeting.ical_uid
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTSTART").astimezone(NEW_YORK).hour == 11  # 15:00 GMT is 11:00 EDT on 10 March
    assert event["SEQUENCE"] == 0
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:maya@example.org" and attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert parse(data).walk("VTIMEZONE"), "the zone travels with the invitation"

    services.meeting_update(meeting=meeting, actor=officer, location="Room 4")
    (updated,) = events(calendar.invitation(Meeting.objects.get(pk=meeting.pk)))
    assert str(updated["UID"]) == meeting.ical_uid and updated["SEQUENCE"] == 1


@time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_weekly_series_across_the_dst_change_keeps_local_time(officer, guest):
    starts = dt.datetime(2026, 3, 17, 10, 0, tzinfo=LONDON)
    first = services.meeting_schedule(
        organiser=officer,
        title="Stand-up",
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=30),
        time_zone="Europe/London",
        stakeholders=[guest],
        frequency="weekly",
        count=4,
    )
    (master,) = events(calendar.invitation(first))
    assert master["RRULE"]["FREQ"] == ["WEEKLY"] and master["RRULE"]["COUNT"] == [4]
    rule_starts = [m.astimezone(dt.UTC) for m in _expand(master)]
    stored = [m.starts_at for m in Meeting.objects.filter(series=first.series).order_by("starts_at")]
    assert rule_starts == stored
    assert [s.astimezone(dt.UTC).hour for s in stored] == [10, 10, 9, 9]


def _expand(master: icalendar.Event) -> list[dt.datetime]:
    from dateutil.rrule import rrulestr

    start = master.decoded("DTSTART")
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start.replace(tzinfo=None))
    return [moment.replace(tzinfo=start.tzinfo) for moment in rule]


@time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_moved_and_a_cancelled_occurrence_become_an_override_and_an_exdate(officer, guest):
    starts = dt.datetime(2026, 4, 7, 9, 0, tzinfo=LONDON)
    first = services.meeting_schedule(
        organiser=officer,
        title="Steering group",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        time_zone="Europe/London",
        stakeholders=[guest],
        frequency="fortnightly",
        count=3,
    )
    second, third = Meeting.objects.filter(series=first.series).order_by("starts_at")[1:]
    moved_to = second.starts_at + dt.timedelta(hours=3)
    services.meeting_update(
        meeting=second, actor=officer, starts_at=moved_to, ends_at=moved_to + dt.timedelta(hours=1)
    )
    services.meeting_cancel(meeting=third, actor=officer)

    master, override = events(calendar.invitation(Meeting.objects.get(pk=first.pk)))
    assert [d.dt for d in master["EXDATE"].dts] == [third.original_start.astimezone(LONDON)]
    assert override.decoded("RECURRENCE-ID") == second.original_start
    assert override.decoded("DTSTART") == moved_to
    assert str(override["UID"]) == str(master["UID"])
    assert override["SEQUENCE"] == 1

    cancel = parse(calendar.cancellation(Meeting.objects.get(pk=third.pk)))
    assert cancel["METHOD"] == "CANCEL"
    (cancelled,) = cancel.walk("VEVENT")
    assert cancelled["STATUS"] == "CANCELLED" and cancelled.decoded("RECURRENCE-ID") == third.original_start


@time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_cancelling_an_occurrence_and_the_following_cancels_those_slots_not_the_series(officer, guest):
    """A CANCEL of the series' master event empties it from attendees' calendars, earlier meetings and
    all; each cancelled slot is named by its RECURRENCE-ID instead."""
    starts = dt.datetime(2026, 3, 3, 9, 0, tzinfo=LONDON)
    first = services.meeting_schedule(
        organiser=officer,
        title="Steering group",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        time_zone="Europe/London",
        stakeholders=[guest],
        frequency="weekly",
        count=4,
    )
    occurrences = list(Meeting.objects.filter(series=first.series).order_by("original_start"))
    services.meeting_cancel(meeting=occurrences[2], actor=officer, and_following=True)

    cancel = parse(calendar.cancellation(Meeting.objects.get(pk=occurrences[2].pk), and_following=True))
    assert cancel["METHOD"] == "CANCEL"
    cancelled = cancel.walk("VEVENT")
    assert [event.decoded("RECURRENCE-ID") for event in cancelled] == [
        o.original_start for o in occurrences[2:]
    ]
    assert {event["STATUS"] for event in cancelled} == {"CANCELLED"}
    assert {event["SEQUENCE"] for event in cancelled} == {1}

    (master,) = events(calendar.invitation(Meeting.objects.get(pk=first.pk)))
    assert [d.dt for d in master["EXDATE"].dts] == [
        o.original_start.astimezone(LONDON) for o in occurrences[2:]
    ]


def test_cancelling_a_single_meeting_sends_method_cancel_with_a_higher_sequence(officer, guest):
    meeting = services.meeting_schedule(
        organiser=officer,
        title="Site visit",
        starts_at=dt.datetime(2030, 5, 1, 9, 0, tzinfo=LONDON),
        ends_at=dt.datetime(2030, 5, 1, 11, 0, tzinfo=LONDON),
        stakeholders=[guest],
    )
    services.meeting_cancel(meeting=meeting, actor=officer)
    data = calendar.cancellation(Meeting.objects.get(pk=meeting.pk))
    (event,) = events(data)
    assert parse(data)["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1


def test_personal_feed_lists_each_series_once(officer, guest, client):
    from meetings.feeds import calendar_feed_reset

    services.meeting_schedule(
        organiser=officer,
        title="Weekly sync",
        starts_at=dt.datetime(2030, 1, 7, 9, 0, tzinfo=LONDON),
        ends_at=dt.datetime(2030, 1, 7, 9, 30, tzinfo=LONDON),
        stakeholders=[guest],
        frequency="weekly",
        count=5,
    )
    services.meeting_schedule(
        organiser=officer,
        title="One-off",
        starts_at=dt.datetime(2030, 2, 7, 9, 0, tzinfo=LONDON),
        ends_at=dt.datetime(2030, 2, 7, 9, 30, tzinfo=LONDON),
    )
    token = calendar_feed_reset(user=officer)
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    summaries = sorted(str(e["SUMMARY"]) for e in events(response.content))
    assert summaries == ["One-off", "Weekly sync"]


@time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_colleague_invited_to_one_occurrence_finds_only_that_one_in_their_feed(
    officer, colleague, guest, client
):
    """Their feed held the whole series: three meetings in their calendar for one invitation."""
    from meetings.feeds import calendar_feed_reset

    first = services.meeting_schedule(
        organiser=officer,
        title="Weekly sync",
        starts_at=dt.datetime(2030, 1, 7, 9, 0, tzinfo=LONDON),
        ends_at=dt.datetime(2030, 1, 7, 9, 30, tzinfo=LONDON),
        stakeholders=[guest],
        frequency="weekly",
        count=3,
    )
    second = Meeting.objects.filter(series=first.series).order_by("starts_at")[1]
    services.meeting_update(meeting=second, actor=officer, staff=[colleague])

    token = calendar_feed_reset(user=colleague)
    (master,) = events(client.get(f"/calendar/{token}.ics").content)
    excluded = [d.dt for d in master["EXDATE"].dts]
    slots = [dt.datetime(2030, 1, day, 9, 0, tzinfo=LONDON) for day in (7, 14, 21)]
    assert [slot for slot in slots if slot not in excluded] == [second.original_start]


def test_a_revoked_or_wrong_feed_address_finds_nothing(officer, client):
    from meetings.feeds import calendar_feed_reset, calendar_feed_revoke

    token = calendar_feed_reset(user=officer)
    assert client.get("/calendar/not-the-token.ics").status_code == 404
    newer = calendar_feed_reset(user=officer)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    calendar_feed_revoke(user=officer)
    assert client.get(f"/calendar/{newer}.ics").status_code == 404

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments.models import Commitment
from concerns.models import ConcernStatus, Severity
from digests.services import _people_with_something_due, daily_digest_build, daily_digests_send
from meetings import services as meeting_services
from meetings.models import ActionItem, Attendee, MeetingStatus, Rsvp
from outbox.models import OutboundMessage

from ..factories import ConcernFactory, InteractionFactory, MeetingFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

SEVEN_AM_LONDON = dt.datetime(2026, 6, 10, 6, 0, tzinfo=dt.UTC)  # 07:00 BST


@pytest.fixture
def busy_officer(officer, colleague):
    today = SEVEN_AM_LONDON.date()
    officer.time_zone = "Europe/London"
    officer.save()
    InteractionFactory(
        logged_by=officer, follow_up_on=today - dt.timedelta(days=2), follow_up_note="Call back the mayor"
    )
    InteractionFactory(logged_by=officer, follow_up_on=today + dt.timedelta(days=5), follow_up_note="Not yet")
    InteractionFactory(logged_by=colleague, follow_up_on=today, follow_up_note="Colleague's")
    meeting = MeetingFactory(organiser=officer)
    meeting_services.action_item_add(
        meeting=meeting,
        actor=officer,
        entry=meeting_services.ActionEntry(description="Send the minutes", owner_user=officer, due_on=today),
    )
    Commitment.objects.create(
        description="Share the traffic survey",
        direction="we_promised",
        stakeholder=StakeholderFactory(owner=officer),
        owner=officer,
        due_on=today,
        created_by=officer,
    )
    return officer


def test_digest_holds_what_is_due_today_or_overdue(busy_officer):
    digest = daily_digest_build(user=busy_officer, today=SEVEN_AM_LONDON.date())
    assert [i.follow_up_note for i in digest.follow_ups] == ["Call back the mayor"]
    assert [a.description for a in digest.actions] == ["Send the minutes"]
    assert [c.description for c in digest.commitments] == ["Share the traffic survey"]


def test_digest_goes_out_at_seven_local_time_once_per_day(busy_officer, colleague):
    assert daily_digests_send(now=SEVEN_AM_LONDON - dt.timedelta(hours=1)) == 0
    assert daily_digests_send(now=SEVEN_AM_LONDON) == 2  # the officer and the colleague
    daily_digests_send(now=SEVEN_AM_LONDON + dt.timedelta(hours=1))
    mine = OutboundMessage.objects.filter(kind="daily_digest", to=busy_officer.email)
    assert mine.count() == 1
    message = mine.get()
    assert "Call back the mayor" in message.body and "overdue since" in message.body
    assert "Send the minutes" in message.body and "Share the traffic survey" in message.body
    assert "Not yet" not in message.body and "Colleague's" not in message.body
    assert message.subject == "Your day: 1 follow-up, 1 action, 1 commitment due"


def test_who_has_something_due_is_read_once_per_person_not_once_per_item(busy_officer):
    """The DISTINCT that finds them ignores the items' default ordering, whose columns it would otherwise
    include: one row per follow-up, action or commitment instead of one per person."""
    with CaptureQueriesContext(connection) as queries:
        assert daily_digests_send(now=SEVEN_AM_LONDON) == 2

    who = [q["sql"] for q in queries if q["sql"].startswith("SELECT DISTINCT")]
    # meetings' organisers and staff invited, urgent concerns' handlers, follow-ups, actions and commitments
    assert len(who) == 6
    assert not [sql for sql in who if "ORDER BY" in sql]


def test_nothing_due_means_no_digest(officer):
    InteractionFactory(logged_by=officer, follow_up_on=timezone.localdate() + dt.timedelta(days=9))
    assert daily_digests_send(now=SEVEN_AM_LONDON) == 0
    assert not OutboundMessage.objects.exists()


def test_a_follow_up_given_to_a_colleague_is_in_their_digest_not_the_authors(officer, colleague):
    today = SEVEN_AM_LONDON.date()
    InteractionFactory(
        logged_by=officer,
        follow_up_on=today,
        follow_up_owner=colleague,
        follow_up_note="Priya sends the draft",
    )
    assert not daily_digest_build(user=officer, today=today)
    digest = daily_digest_build(user=colleague, today=today)
    assert [i.follow_up_note for i in digest.follow_ups] == ["Priya sends the draft"]
    assert daily_digests_send(now=SEVEN_AM_LONDON) == 1
    assert OutboundMessage.objects.get().to == colleague.email


def test_a_follow_up_in_the_digest_names_the_people_it_is_with(officer):
    today = SEVEN_AM_LONDON.date()
    people = [StakeholderFactory(name="Amaka Boateng"), StakeholderFactory(name="Kevin Mitchell")]
    InteractionFactory(logged_by=officer, follow_up_on=today, follow_up_note="Send it", stakeholders=people)
    daily_digests_send(now=SEVEN_AM_LONDON)
    body = OutboundMessage.objects.get().body
    assert "Send it — Amaka Boateng, Kevin Mitchell\n" in body
    assert "QuerySet" not in body


def test_a_stakeholders_action_from_a_meeting_the_officer_organised_is_in_their_digest(officer):
    """The organiser chases it (ActionItemQuerySet.chased_by): the digest left it out, and an organiser with
    nothing else due got no digest."""
    officer.time_zone = "Europe/London"
    officer.save()
    guest = StakeholderFactory(owner=officer, name="Emma Morgan")
    ActionItem.objects.create(
        meeting=MeetingFactory(organiser=officer, title="Wharf Lane works"),
        description="Send us the site plan",
        owner_stakeholder=guest,
        chaser=officer,
        due_on=SEVEN_AM_LONDON.date(),
        created_by=officer,
    )

    assert daily_digests_send(now=SEVEN_AM_LONDON) == 1
    body = OutboundMessage.objects.get(kind="daily_digest").body
    assert 'Send us the site plan (Emma Morgan\'s, from "Wharf Lane works")' in body


def test_an_action_of_a_cancelled_meeting_is_not_chased_by_the_digest_and_a_held_meetings_is(officer):
    """The meeting was called off: nobody expects its action, and an officer with nothing else due gets no
    digest about it."""
    officer.time_zone = "Europe/London"
    officer.save()
    overdue = SEVEN_AM_LONDON.date() - dt.timedelta(days=2)
    held = MeetingFactory(
        organiser=officer, title="Wharf Lane works", status=MeetingStatus.HELD, held_at=SEVEN_AM_LONDON
    )
    called_off = MeetingFactory(organiser=officer, title="Called-off site visit")
    for meeting, description in ((held, "Send the site plan"), (called_off, "Book the minibus")):
        ActionItem.objects.create(
            meeting=meeting, description=description, owner_user=officer, due_on=overdue, created_by=officer
        )
    meeting_services.meeting_cancel(meeting=called_off, actor=officer)

    assert daily_digests_send(now=SEVEN_AM_LONDON) == 1
    message = OutboundMessage.objects.get(kind="daily_digest")
    assert "Send the site plan" in message.body
    assert "Book the minibus" not in message.body
    assert message.subject == "Your day: 1 action due"


def test_an_officer_whose_only_action_due_is_of_a_cancelled_meeting_gets_no_digest(officer):
    officer.time_zone = "Europe/London"
    officer.save()
    called_off = MeetingFactory(organiser=officer)
    ActionItem.objects.create(
        meeting=called_off,
        description="Book the minibus",
        owner_user=officer,
        due_on=SEVEN_AM_LONDON.date(),
        created_by=officer,
    )
    meeting_services.meeting_cancel(meeting=called_off, actor=officer)

    assert daily_digests_send(now=SEVEN_AM_LONDON) == 0


SEVEN_AM_NEW_YORK = dt.datetime(2026, 6, 10, 11, 0, tzinfo=dt.UTC)  # 07:00 EDT


def at_new_york(hour: int, minute: int = 0, day: int = 10) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=ZoneInfo("America/New_York"))


def test_the_digest_lists_the_meetings_of_the_officers_own_day_at_their_own_times(officer, colleague):
    officer.time_zone = "America/New_York"
    officer.save()
    MeetingFactory(organiser=officer, title="Harbour board", starts_at=at_new_york(21))  # 01:00 UTC tomorrow
    invited = MeetingFactory(organiser=colleague, title="Depot site visit", starts_at=at_new_york(9, 30))
    Attendee.objects.create(meeting=invited, user=officer)
    MeetingFactory(organiser=officer, title="Yesterday evening", starts_at=at_new_york(20, day=9))
    MeetingFactory(
        organiser=officer, title="Called off", starts_at=at_new_york(11), status=MeetingStatus.CANCELLED
    )
    MeetingFactory(organiser=colleague, title="Colleague's own", starts_at=at_new_york(10))

    assert daily_digests_send(now=SEVEN_AM_NEW_YORK) == 2  # the officer, and the colleague for theirs
    message = OutboundMessage.objects.get(kind="daily_digest", to=officer.email)
    assert "MEETINGS\n- 09:30\u201310:30 Depot site visit\n" in message.body
    assert "- 21:00\u201322:00 Harbour board\n" in message.body
    assert "Yesterday evening" not in message.body and "Called off" not in message.body
    assert "Colleague's own" not in message.body
    assert message.subject == "Your day: 2 meetings"


def test_a_meeting_past_midnight_is_shown_ending_the_next_day_not_before_it_starts(officer):
    officer.time_zone = "Europe/London"
    officer.save()
    london = ZoneInfo("Europe/London")
    MeetingFactory(
        organiser=officer,
        title="Night works briefing",
        starts_at=dt.datetime(2026, 6, 10, 23, 0, tzinfo=london),
        ends_at=dt.datetime(2026, 6, 11, 1, 0, tzinfo=london),
    )

    daily_digests_send(now=SEVEN_AM_LONDON)

    body = OutboundMessage.objects.get(kind="daily_digest").body
    assert "- 23:00\u2013Thu 11 Jun, 01:00 Night works briefing\n" in body


def test_a_meeting_the_officer_declined_is_not_in_their_digest(officer, colleague):
    officer.time_zone = "Europe/London"
    officer.save()
    declined = MeetingFactory(
        organiser=colleague, title="Declined board", starts_at=SEVEN_AM_LONDON + dt.timedelta(hours=3)
    )
    Attendee.objects.create(meeting=declined, user=officer, rsvp=Rsvp.DECLINED)
    accepted = MeetingFactory(
        organiser=colleague, title="Depot site visit", starts_at=SEVEN_AM_LONDON + dt.timedelta(hours=5)
    )
    Attendee.objects.create(meeting=accepted, user=officer, rsvp=Rsvp.ACCEPTED)

    digest = daily_digest_build(user=officer, today=SEVEN_AM_LONDON.date())

    assert [meeting.title for meeting in digest.meetings] == ["Depot site visit"]


def test_an_officer_whose_only_meeting_today_they_declined_gets_no_digest_and_is_not_even_considered(
    officer, colleague
):
    officer.time_zone = "Europe/London"
    officer.save()
    declined = MeetingFactory(
        organiser=colleague, title="Declined board", starts_at=SEVEN_AM_LONDON + dt.timedelta(hours=3)
    )
    Attendee.objects.create(meeting=declined, user=officer, rsvp=Rsvp.DECLINED)

    assert officer.pk not in _people_with_something_due(SEVEN_AM_LONDON)
    assert daily_digests_send(now=SEVEN_AM_LONDON) == 1  # the colleague, for their own meeting
    assert not OutboundMessage.objects.filter(to=officer.email).exists()


def test_an_archived_stakeholders_unresolved_urgent_concern_sends_no_digest(officer):
    """It stays on My day to be closed (tests/dashboards/test_my_day.py), but is no reason for an email."""
    officer.time_zone = "Europe/London"
    officer.save()
    ConcernFactory(
        stakeholder=StakeholderFactory(owner=officer, is_archived=True, archived_at=SEVEN_AM_LONDON),
        title="Flooding on Wharf Lane",
        severity=Severity.CRITICAL,
    )

    assert not daily_digest_build(user=officer, today=SEVEN_AM_LONDON.date())
    assert officer.pk not in _people_with_something_due(SEVEN_AM_LONDON)
    assert daily_digests_send(now=SEVEN_AM_LONDON) == 0


def test_the_digest_lists_the_high_and_critical_concerns_the_officer_handles_until_resolved(
    officer, colleague
):
    officer.time_zone = "Europe/London"
    officer.save()
    stakeholder = StakeholderFactory(owner=officer, name="Amaka Boateng")
    ConcernFactory(
        stakeholder=stakeholder,
        title="Flooding on Wharf Lane",
        severity=Severity.CRITICAL,
        raised_on=SEVEN_AM_LONDON.date(),
    )
    ConcernFactory(
        stakeholder=stakeholder,
        title="Lorries at night",
        severity=Severity.HIGH,
        status=ConcernStatus.IN_PROGRESS,
        raised_on=SEVEN_AM_LONDON.date() - dt.timedelta(days=20),
    )
    ConcernFactory(stakeholder=stakeholder, title="Litter by the gate", severity=Severity.MEDIUM)
    ConcernFactory(
        stakeholder=stakeholder,
        title="Broken streetlight",
        severity=Severity.CRITICAL,
        status=ConcernStatus.RESOLVED,
        resolution="Fixed",
        resolved_at=SEVEN_AM_LONDON,
    )
    ConcernFactory(
        stakeholder=StakeholderFactory(owner=colleague), title="Colleague's", severity=Severity.HIGH
    )

    digest = daily_digest_build(user=officer, today=SEVEN_AM_LONDON.date())
    assert [concern.title for concern in digest.concerns] == ["Flooding on Wharf Lane", "Lorries at night"]

    assert daily_digests_send(now=SEVEN_AM_LONDON) == 2  # the officer, and the colleague for theirs
    message = OutboundMessage.objects.get(kind="daily_digest", to=officer.email)
    assert "- [critical, raised 10 Jun] Flooding on Wharf Lane — Amaka Boateng\n" in message.body
    assert "- [high, raised 21 May] Lorries at night — Amaka Boateng\n" in message.body
    assert "Litter" not in message.body and "streetlight" not in message.body
    assert message.subject == "Your day: 2 urgent concerns"


def test_a_digest_of_meetings_and_concerns_is_still_sent_once_a_day(officer):
    officer.time_zone = "Europe/London"
    officer.save()
    MeetingFactory(
        organiser=officer, title="Harbour board", starts_at=SEVEN_AM_LONDON + dt.timedelta(hours=3)
    )
    ConcernFactory(stakeholder=StakeholderFactory(owner=officer), severity=Severity.HIGH)
    InteractionFactory(logged_by=officer, follow_up_on=SEVEN_AM_LONDON.date(), follow_up_note="Call back")

    assert daily_digests_send(now=SEVEN_AM_LONDON) == 1
    daily_digests_send(now=SEVEN_AM_LONDON + dt.timedelta(hours=1))
    MeetingFactory(organiser=officer, starts_at=SEVEN_AM_LONDON + dt.timedelta(hours=5))
    daily_digests_send(now=SEVEN_AM_LONDON + dt.timedelta(hours=2))

    message = OutboundMessage.objects.get(kind="daily_digest")
    assert message.subject == "Your day: 1 meeting; 1 follow-up due; 1 urgent concern"

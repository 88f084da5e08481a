import datetime as dt
import zoneinfo

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interactions.models import Interaction
from meetings import notifications, services
from meetings.models import (
    ActionItem,
    ActionItemEvent,
    ActionStatus,
    Attendee,
    Meeting,
    MeetingDocument,
    MeetingStatus,
    Rsvp,
)
from outbox.models import OutboundMessage

from ..concurrency import all_at_once, queued_behind_a_lock
from ..factories import MeetingFactory, StakeholderFactory, UserFactory
from ..mail import deliver_due
from ..merges import merge_away, merged_during, refused_as_merged
from ..postgres_aborts import postgres_aborts

pytestmark = pytest.mark.django_db


def soon_at(hour, minute=0):
    """A time three days ahead, so reminders a day before are still in the future."""
    day = timezone.localdate() + dt.timedelta(days=3)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def guests(officer):
    return [
        StakeholderFactory(
            name="Ama Owusu", owner=officer, emails=["ama@example.org"], time_zone="Africa/Accra"
        ),
        StakeholderFactory(
            name="Kenji Sato", owner=officer, emails=["kenji@example.jp"], time_zone="Asia/Tokyo"
        ),
    ]


def schedule(organiser, stakeholders=(), **fields):
    fields.setdefault("title", "Quarterly partnership review")
    fields.setdefault("starts_at", soon_at(10))
    fields.setdefault("ends_at", fields["starts_at"] + dt.timedelta(hours=1))
    return services.meeting_schedule(organiser=organiser, stakeholders=stakeholders, **fields)


def test_scheduling_invites_every_attendee_with_an_ics_and_queues_reminders(
    officer, colleague, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, staff=[colleague], reminder_minutes=[24 * 60, 60])

    assert {a.person for a in meeting.attendees.all()} == {*guests, colleague}
    invitations = OutboundMessage.objects.filter(kind="meeting_invitation")
    assert sorted(m.to for m in invitations) == sorted(
        ["ama@example.org", "kenji@example.jp", colleague.email]
    )
    reminders = OutboundMessage.objects.filter(kind="meeting_reminder")
    assert reminders.count() == 3 * 2
    assert {m.scheduled_for for m in reminders} == {
        meeting.starts_at - dt.timedelta(hours=24),
        meeting.starts_at - dt.timedelta(hours=1),
    }


def test_invitations_aborted_by_another_save_are_written_on_a_later_try_and_reminders_after_them(
    officer, guests, django_capture_on_commit_callbacks
):
    postgres_aborts(OutboundMessage, first=2)

    with django_capture_on_commit_callbacks(execute=True):
        schedule(officer, guests, reminder_minutes=[60])

    assert sorted(OutboundMessage.objects.filter(kind="meeting_invitation").values_list("to", flat=True)) == [
        "ama@example.org",
        "kenji@example.jp",
    ]
    assert OutboundMessage.objects.filter(kind="meeting_reminder").count() == 2


def test_invitations_aborted_by_another_save_on_every_try_raise_the_collision(
    officer, guests, django_capture_on_commit_callbacks
):
    postgres_aborts(OutboundMessage, first=3)

    with pytest.raises(OperationalError), django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, reminder_minutes=[60])

    assert meeting.pk is not None
    assert not OutboundMessage.objects.exists()


def test_a_meeting_whose_reminders_cannot_be_written_loses_only_its_own(
    officer, guests, django_capture_on_commit_callbacks
):
    # Its hooks not run, the series is scheduled without reminders.
    first = schedule(officer, guests, frequency="weekly", count=3, reminder_minutes=[60])
    _first, second, third = first.series.occurrences.order_by("original_start")
    postgres_aborts(OutboundMessage, when=f"NEW.\"group\" = 'meeting:{second.pk}:reminders'")

    with pytest.raises(OperationalError), django_capture_on_commit_callbacks(execute=True):
        services.reminders_readdress(stakeholder=guests[0])

    written = OutboundMessage.objects.filter(kind="meeting_reminder").values_list("group", flat=True)
    assert set(written) == {f"meeting:{first.pk}:reminders", f"meeting:{third.pk}:reminders"}


def test_invitation_shows_the_time_in_the_guests_own_zone(
    officer, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, time_zone="Europe/London")
    to_kenji = OutboundMessage.objects.get(kind="meeting_invitation", to="kenji@example.jp")
    tokyo_time = timezone.localtime(meeting.starts_at, guests[1].local_time_zone).strftime("%H:%M")
    assert tokyo_time in to_kenji.body and "Asia/Tokyo" in to_kenji.body


def test_scheduling_twice_the_same_notification_sends_once(
    officer, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests)
    notifications.invitations_send(Meeting.objects.get(pk=meeting.pk))
    assert OutboundMessage.objects.filter(kind="meeting_invitation").count() == 2


def test_a_meeting_must_end_after_it_starts(officer, guests):
    with pytest.raises(ValidationError):
        schedule(officer, guests, ends_at=soon_at(9))
    assert not Meeting.objects.exists()


def test_archived_stakeholders_cannot_be_invited(officer):
    archived = StakeholderFactory(owner=officer, is_archived=True, archived_at=timezone.now())
    with pytest.raises(ValidationError):
        schedule(officer, [archived])
    assert not Meeting.objects.exists()


def test_a_weekly_series_creates_each_occurrence_with_its_people(officer, guests):
    first = schedule(officer, guests, frequency="weekly", count=4)
    occurrences = list(Meeting.objects.filter(series=first.series).order_by("starts_at"))
    assert len(occurrences) == 4
    assert all(o.attendees.count() == 2 for o in occurrences)
    assert occurrences[1].starts_at - occurrences[0].starts_at in (
        dt.timedelta(days=7),
        dt.timedelta(days=7, hours=1),
        dt.timedelta(days=7, hours=-1),
    )


def test_moving_a_meeting_bumps_its_sequence_and_reschedules_reminders(
    officer, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, reminder_minutes=[60])
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=meeting, actor=officer, starts_at=soon_at(15), ends_at=soon_at(16))
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    pending = OutboundMessage.objects.filter(kind="meeting_reminder", status="pending")
    assert {m.scheduled_for for m in pending} == {soon_at(14)}
    assert OutboundMessage.objects.filter(kind="meeting_reminder", status="cancelled").count() == 2
    assert OutboundMessage.objects.filter(kind="meeting_invitation").count() == 4


# Cancelling a meeting with its open actions: a savepoint and its release in a test (2); the meeting locked
# and read again (1), then saved cancelled (1); its open actions locked (1) and cancelled (1), however many
# there are; the meeting read again for the caller (1).
CANCELLATION_WITH_ACTIONS_QUERIES = 2 + 1 + 1 + 1 + 1 + 1


@pytest.mark.parametrize("open_actions", [1, 20])
def test_cancelling_a_meeting_closes_its_open_actions_in_as_many_queries_however_many_it_has(
    officer, colleague, guests, open_actions, django_assert_max_num_queries
):
    meeting = schedule(officer, guests)
    for number in range(open_actions):
        ActionItem.objects.create(
            meeting=meeting,
            description=f"Follow up {number}",
            owner_user=(officer, colleague)[number % 2],
            created_by=officer,
        )

    with django_assert_max_num_queries(CANCELLATION_WITH_ACTIONS_QUERIES):
        services.meeting_cancel(meeting=meeting, actor=officer, close_open_actions=True)

    cancelled = ActionItem.objects.filter(status="cancelled", cancelled_at__isnull=False)
    assert cancelled.count() == open_actions
    recorded = ActionItemEvent.objects.filter(status="cancelled", pgh_context__metadata__user=officer.pk)
    assert recorded.count() == open_actions


def test_only_the_organiser_or_their_manager_changes_a_meeting(
    officer, colleague, manager, other_manager, guests
):
    meeting = schedule(officer, guests)
    with pytest.raises(PermissionDenied):
        services.meeting_update(meeting=meeting, actor=colleague, title="Mine")
    with pytest.raises(PermissionDenied):
        services.meeting_cancel(meeting=meeting, actor=other_manager)
    services.meeting_update(meeting=meeting, actor=manager, title="Renamed by manager")


def test_cancelling_sends_a_cancellation_and_withdraws_reminders(
    officer, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests)
    deliver_due()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, actor=officer)
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CANCELLED
    assert OutboundMessage.objects.filter(kind="meeting_cancellation").count() == 2
    assert not OutboundMessage.objects.filter(kind="meeting_reminder", status="pending").exists()


def test_cancelling_from_the_first_occurrence_on_cancels_the_whole_series(officer, guests):
    first = schedule(officer, guests, frequency="monthly", count=3)
    services.meeting_cancel(meeting=first, actor=officer, and_following=True)
    assert set(Meeting.objects.filter(series=first.series).values_list("status", flat=True)) == {"cancelled"}


def test_cancelling_an_occurrence_and_the_following_leaves_earlier_ones_alone(
    officer, guests, django_capture_on_commit_callbacks
):
    """ "Cancel every planned occurrence" from the fourth weekly meeting also cancelled the first three,
    two of them already past and only waiting to be recorded as held. Calendars cancel this and following."""
    first = schedule(
        officer, guests, frequency="weekly", count=5, starts_at=soon_at(10) - dt.timedelta(weeks=3)
    )
    # Entered once its first meeting was over, the series invited nobody: its guests were invited by hand.
    notifications.invitations_send(services._refetch(first.pk))
    deliver_due()
    occurrences = list(Meeting.objects.filter(series=first.series).order_by("original_start"))

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=occurrences[3], actor=officer, and_following=True)

    statuses = list(
        Meeting.objects.filter(series=first.series)
        .order_by("original_start")
        .values_list("status", flat=True)
    )
    assert statuses == ["planned", "planned", "planned", "cancelled", "cancelled"]
    (message, _second) = OutboundMessage.objects.filter(kind="meeting_cancellation").order_by("to")
    assert "This meeting and every later one in its series are cancelled" in message.body


# Reading the series for the invitations or cancellations of its attendees: its occurrences, with their
# agenda items, their attendees and those attendees' stakeholder and user rows (5). In one transaction
# (a savepoint and its release in a test, 2): the guests' stakeholder records, held so that a merge waits
# for the messages naming them (1); the occurrences locked, with the versions they have, which the reading
# is compared with (1); their messages still waiting on the same topics, locked to be withdrawn (1); when
# some are, withdrawing them (1); whether the meeting was invited before the outbox kept topics as they are
# now, and what each was sent (2); then each of the three messages queued: a savepoint, its outbox row and
# the savepoint's release (9).
SERIES_MESSAGES_QUERIES = 5 + 2 + 1 + 1 + 1 + 1 + 2 + 3 * 3
# A cancellation's, as well: after the withdrawal, the last word on each guest's series and cancelled
# occurrences, which says whose series invitation is still to reach them (1).
SERIES_CANCELLATION_QUERIES = SERIES_MESSAGES_QUERIES + 1
# An invitation's, as well: the places on the meeting as locked, which those it writes to must still hold (1).
SERIES_INVITATION_QUERIES = SERIES_MESSAGES_QUERIES + 1


def test_a_series_invitation_reads_the_series_once_for_staff_and_guests(
    officer, colleague, guests, django_assert_max_num_queries
):
    """Staff and outside guests are sent different .ics (only staff's link to the meeting's page): each
    was built from a reading of the whole series of its own."""
    first = services._refetch(schedule(officer, guests, staff=[colleague], frequency="weekly", count=4).pk)

    with django_assert_max_num_queries(SERIES_INVITATION_QUERIES):
        notifications.invitations_send(first)

    assert OutboundMessage.objects.filter(kind="meeting_invitation").count() == 3
    page = first.get_absolute_url()
    invitation_to = {
        message.to: message for message in OutboundMessage.objects.filter(kind="meeting_invitation")
    }
    assert page not in _description(invitation_to["ama@example.org"])
    assert page in _description(invitation_to[colleague.email])


def test_cancelling_an_occurrence_and_the_following_reads_the_series_once_for_staff_and_guests(
    officer, colleague, guests, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = schedule(officer, guests, staff=[colleague], frequency="weekly", count=4)
    deliver_due()
    second = Meeting.objects.filter(series=first.series).order_by("original_start")[1]
    services.meeting_cancel(meeting=second, actor=officer, and_following=True)
    second = services._refetch(second.pk)

    with django_assert_max_num_queries(SERIES_CANCELLATION_QUERIES):
        notifications.cancellations_send(second, and_following=True)

    assert OutboundMessage.objects.filter(kind="meeting_cancellation").count() == 3


def test_cancelling_the_following_occurrences_tells_guests_of_later_ones_alone_within_the_same_reading(
    officer, colleague, guests, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """Guests added to one later occurrence each are found among the occurrences already read."""
    ama, _kenji = guests
    newcomer = UserFactory(team=colleague.team)
    with django_capture_on_commit_callbacks(execute=True):
        first = schedule(officer, [ama], staff=[colleague], frequency="weekly", count=4)
    second, third, fourth = Meeting.objects.filter(series=first.series).order_by("original_start")[1:]
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=third, actor=officer, stakeholders=guests)
        services.meeting_update(meeting=fourth, actor=officer, staff=[colleague, newcomer])
    deliver_due()
    services.meeting_cancel(meeting=second, actor=officer, and_following=True)
    second = services._refetch(second.pk)

    # Nothing to withdraw (no withdrawing them, 1), and a fourth message queued (3).
    with django_assert_max_num_queries(SERIES_CANCELLATION_QUERIES - 1 + 3):
        notifications.cancellations_send(second, and_following=True)

    told = OutboundMessage.objects.filter(kind="meeting_cancellation").values_list("to", flat=True)
    assert sorted(told) == sorted(["ama@example.org", "kenji@example.jp", colleague.email, newcomer.email])


def test_cancelling_the_following_occurrences_withdraws_their_updates_within_the_same_reading(
    officer, colleague, guests, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = schedule(officer, guests, staff=[colleague], frequency="weekly", count=4)
    deliver_due()
    second = Meeting.objects.filter(series=first.series).order_by("original_start")[1]
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=second, actor=officer, location="Harbour House")
    services.meeting_cancel(meeting=second, actor=officer, and_following=True)
    second = services._refetch(second.pk)

    with django_assert_max_num_queries(SERIES_CANCELLATION_QUERIES):
        notifications.cancellations_send(second, and_following=True)

    updates = OutboundMessage.objects.filter(kind="meeting_invitation", status="cancelled")
    assert updates.count() == 3
    assert OutboundMessage.objects.filter(kind="meeting_cancellation").count() == 3


def test_only_a_planned_occurrence_cancels_itself_and_the_following(officer, guests):
    first = schedule(officer, guests, frequency="weekly", count=3)
    second = Meeting.objects.filter(series=first.series).order_by("original_start")[1]
    services.meeting_cancel(meeting=second, actor=officer)
    with pytest.raises(ValidationError):
        services.meeting_cancel(meeting=second, actor=officer, and_following=True)
    assert Meeting.objects.filter(series=first.series, status=MeetingStatus.PLANNED).count() == 2


def test_marking_held_logs_one_interaction_on_every_attending_timeline(
    officer, colleague, guests, django_capture_on_commit_callbacks
):
    meeting = schedule(officer, guests, staff=[colleague])
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    meeting.refresh_from_db()
    due = timezone.localdate() + dt.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_mark_held(
            meeting=meeting,
            actor=officer,
            minutes="Went through the draft agreement.",
            decisions=["Sign the MoU in March", ""],
            actions=[
                services.ActionEntry(
                    description="Circulate the final text", owner_user=colleague, due_on=due
                ),
                services.ActionEntry(description="Confirm the board date", owner_stakeholder=guests[0]),
            ],
        )

    interaction = Interaction.objects.get()
    assert interaction.kind == "meeting"
    assert set(interaction.stakeholders.all()) == set(guests)
    assert set(interaction.staff_present.all()) == {officer, colleague}
    for guest in guests:
        guest.refresh_from_db()
        assert guest.last_contacted_at == meeting.starts_at
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.interaction == interaction
    assert [d.text for d in meeting.decisions.all()] == ["Sign the MoU in March"]
    assert ActionItem.objects.count() == 2
    follow_ups = OutboundMessage.objects.filter(kind="meeting_follow_up")
    assert follow_ups.count() == 3
    body = follow_ups.get(to="ama@example.org").body
    assert "Sign the MoU in March" in body and "Circulate the final text" in body and str(colleague) in body


def test_the_follow_up_thanks_only_those_recorded_as_present(
    officer, colleague, guests, django_capture_on_commit_callbacks
):
    """A guest who declined, and so is not on the meeting's interaction, was thanked "for taking part"."""
    meeting = schedule(officer, guests, staff=[colleague])
    declined = meeting.attendees.get(stakeholder=guests[1])
    services.attendee_respond(attendee=declined, actor=officer, rsvp=Rsvp.DECLINED)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    meeting.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_mark_held(meeting=meeting, actor=officer, decisions=["Sign the MoU in March"])

    follow_ups = OutboundMessage.objects.filter(kind="meeting_follow_up")
    assert sorted(follow_ups.values_list("to", flat=True)) == sorted(["ama@example.org", colleague.email])


def test_two_guests_sharing_an_address_who_attended_each_get_their_follow_up(
    officer, django_capture_on_commit_callbacks
):
    """Keyed by the address alone, the second guest's follow-up was the first's found again: never written."""
    sharing = [
        StakeholderFactory(name=name, owner=officer, emails=["office@example.org"], time_zone="UTC")
        for name in ("Ama Owusu", "Kofi Mensah")
    ]
    meeting = schedule(officer, sharing)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    meeting.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_mark_held(meeting=meeting, actor=officer, decisions=["Sign the MoU in March"])

    follow_ups = OutboundMessage.objects.filter(kind="meeting_follow_up", to="office@example.org")
    assert sorted(body.splitlines()[0] for body in follow_ups.values_list("body", flat=True)) == [
        "Hello Ama Owusu,",
        "Hello Kofi Mensah,",
    ]


def test_the_officer_says_who_attended_and_only_those_stakeholders_have_it_on_their_timelines(
    officer, colleague, guests, django_capture_on_commit_callbacks
):
    """Everyone who had not declined was logged as present, replied or not; nobody could be marked absent."""
    came, stayed_away = guests
    meeting = schedule(officer, guests, staff=[colleague])
    services.attendee_respond(
        attendee=meeting.attendees.get(stakeholder=stayed_away), actor=officer, rsvp=Rsvp.ACCEPTED
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    meeting.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_mark_held(
            meeting=meeting,
            actor=officer,
            attended=[meeting.attendees.get(stakeholder=came)],
            sentiment=1,
            outcome="Warmer than last time.",
            decisions=["Meet again in May"],
        )

    interaction = Interaction.objects.get()
    assert list(interaction.stakeholders.all()) == [came]
    assert list(interaction.staff_present.all()) == [officer]
    assert interaction.sentiment == 1
    assert interaction.outcome == "Warmer than last time.\nDecided: Meet again in May"
    assert {a.person: a.attended for a in meeting.attendees.all()} == {
        came: True,
        stayed_away: False,
        colleague: False,
    }
    stayed_away.refresh_from_db()
    assert stayed_away.last_contacted_at is None
    follow_ups = OutboundMessage.objects.filter(kind="meeting_follow_up")
    assert list(follow_ups.values_list("to", flat=True)) == ["ama@example.org"]


def test_a_meeting_nobody_attended_is_refused_and_nothing_is_recorded(officer, colleague, guests):
    meeting = schedule(officer, guests, staff=[colleague])
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    meeting.refresh_from_db()

    for attended in ([], [meeting.attendees.get(user=colleague)]):
        with pytest.raises(ValidationError) as refused:
            services.meeting_mark_held(meeting=meeting, actor=officer, attended=attended)

        assert refused.value.message_dict == {"attended": [str(services.NOBODY_ATTENDED_MESSAGE)]}
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert not Interaction.objects.exists()
    assert not meeting.attendees.filter(attended__isnull=False).exists()


def test_attendance_is_recorded_among_the_meetings_own_attendees_only(officer, guests):
    meeting, other = schedule(officer, guests[:1]), schedule(officer, guests[1:])
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    meeting.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        services.meeting_mark_held(
            meeting=meeting, actor=officer, attended=[*meeting.attendees.all(), *other.attendees.all()]
        )

    assert "attended" in refused.value.message_dict
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED


def test_a_meeting_is_marked_held_only_once(officer, guests):
    meeting = schedule(officer, guests)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    meeting.refresh_from_db()
    services.meeting_mark_held(meeting=meeting, actor=officer)
    with pytest.raises(ValidationError):
        services.meeting_mark_held(meeting=Meeting.objects.get(pk=meeting.pk), actor=officer)
    assert Interaction.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_recording_a_meeting_held_twice_at_once_records_it_once():
    """A triple click on "Record as held" logged the meeting three times on the guest's timeline, with its
    decisions and actions three times over."""
    officer = UserFactory()
    started = timezone.now() - dt.timedelta(hours=1)
    meeting = schedule(
        officer,
        [StakeholderFactory(owner=officer)],
        starts_at=started,
        ends_at=started + dt.timedelta(minutes=30),
    )
    refused = []

    def record(copy):
        try:
            services.meeting_mark_held(meeting=copy, actor=officer, decisions=["Sign the MoU"])
        except ValidationError as error:
            refused.append(error)

    copies = [Meeting.objects.get(pk=meeting.pk) for _ in range(2)]
    all_at_once(*(lambda copy=copy: record(copy) for copy in copies))
    assert Interaction.objects.count() == 1
    assert Meeting.objects.get(pk=meeting.pk).decisions.count() == 1
    assert len(refused) == 1


def _edit_at_once(meeting, actor, *changes):
    """Saves each change in a thread (and connection) of its own, all started from the meeting as it was
    before any of them, as from edit pages opened side by side."""
    copies = [(Meeting.objects.get(pk=meeting.pk), change) for change in changes]
    all_at_once(
        *(
            lambda copy=copy, change=change: services.meeting_update(meeting=copy, actor=actor, **change)
            for copy, change in copies
        )
    )


def _scheduled_with_a_guest():
    officer = UserFactory()
    guest = StakeholderFactory(owner=officer, emails=["ama@example.org"])
    meeting = schedule(officer, [guest], location="Room 4")
    deliver_due()
    return officer, meeting


@pytest.mark.django_db(transaction=True)
def test_two_edits_of_a_meeting_saved_at_once_each_send_their_update():
    """Both edits became version 1, and the outbox, which keeps one message per version and guest, kept
    only the first's update: the guest never heard of the second change. The second also saved its whole
    stale copy, putting the first's place back."""
    officer, meeting = _scheduled_with_a_guest()

    _edit_at_once(meeting, officer, {"location": "Harbour House"}, {"title": "Harbour consultation"})

    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.sequence, meeting.location, meeting.title) == (2, "Harbour House", "Harbour consultation")
    # The invitation, then one update for each change.
    assert OutboundMessage.objects.filter(kind="meeting_invitation", to="ama@example.org").count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_same_edit_saved_twice_at_once_sends_one_update():
    officer, meeting = _scheduled_with_a_guest()

    _edit_at_once(meeting, officer, {"location": "Harbour House"}, {"location": "Harbour House"})

    assert Meeting.objects.get(pk=meeting.pk).sequence == 1
    assert OutboundMessage.objects.filter(kind="meeting_invitation", to="ama@example.org").count() == 2


def _attempt_at_once(*attempts):
    """Runs each attempt in a thread of its own at the same moment; returns the refusals they met."""
    refused = []

    def attempt(work):
        try:
            work()
        except ValidationError as error:
            refused.append(error)

    all_at_once(*(lambda work=work: attempt(work) for work in attempts))
    return refused


@pytest.mark.django_db(transaction=True)
def test_a_meeting_cancelled_twice_at_once_is_cancelled_once():
    """Both read the meeting as planned before either had cancelled it: both went through, and the guest
    was told twice."""
    officer, meeting = _scheduled_with_a_guest()
    copies = [Meeting.objects.get(pk=meeting.pk) for _ in range(2)]

    refused = _attempt_at_once(
        *(lambda copy=copy: services.meeting_cancel(meeting=copy, actor=officer) for copy in copies)
    )

    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.status, meeting.sequence, len(refused)) == (MeetingStatus.CANCELLED, 1, 1)
    assert OutboundMessage.objects.filter(kind="meeting_cancellation").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_meeting_cancelled_while_it_is_recorded_as_held_ends_either_cancelled_or_held():
    """Recorded as held first, the meeting was then cancelled all the same, its interaction left on the
    guest's timeline."""
    officer, meeting = _scheduled_with_a_guest()
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=timezone.now()
    )
    copies = [Meeting.objects.get(pk=meeting.pk) for _ in range(2)]

    refused = _attempt_at_once(
        lambda: services.meeting_cancel(meeting=copies[0], actor=officer),
        lambda: services.meeting_mark_held(meeting=copies[1], actor=officer),
    )

    meeting = Meeting.objects.get(pk=meeting.pk)
    assert len(refused) == 1
    assert (meeting.status, Interaction.objects.count()) in [
        (MeetingStatus.CANCELLED, 0),
        (MeetingStatus.HELD, 1),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_occurrences_cancelled_with_the_following_at_once_each_raise_a_version_once():
    """Each read the series' version and the occurrences before the other saved: the one cancelled by both
    and the series itself were raised to the same next version twice, so calendars kept the first's
    cancellation and ignored the second."""
    from django.contrib.auth.models import Group

    from accounts.models import Role

    for name in Role.values:  # a transactional test starts from empty tables
        Group.objects.get_or_create(name=name)
    officer = UserFactory()
    first = schedule(officer, [StakeholderFactory(owner=officer)], frequency="weekly", count=4)
    second, third = (
        Meeting.objects.select_related("series").get(pk=occurrence.pk)
        for occurrence in first.series.occurrences.order_by("original_start")[1:3]
    )

    refused = _attempt_at_once(
        *(
            lambda copy=copy: services.meeting_cancel(meeting=copy, actor=officer, and_following=True)
            for copy in (second, third)
        )
    )

    occurrences = list(first.series.occurrences.order_by("original_start"))
    assert [(o.status, o.sequence) for o in occurrences] == [
        (MeetingStatus.PLANNED, 0),
        *[(MeetingStatus.CANCELLED, 1)] * 3,
    ]
    first.series.refresh_from_db()
    assert first.series.sequence == 2 - len(refused)


@pytest.mark.django_db(transaction=True)
def test_minutes_corrected_twice_at_once_leave_the_timeline_with_the_last_correction():
    """Both read the minutes before either had saved: the second found the timeline's notes already
    changed by the first, took them for someone's own text and left them, so they disagreed with the
    minutes."""
    officer, meeting = _scheduled_with_a_guest()
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=timezone.now()
    )
    services.meeting_mark_held(meeting=Meeting.objects.get(pk=meeting.pk), actor=officer, minutes="Draft")
    copies = [Meeting.objects.get(pk=meeting.pk) for _ in range(2)]

    queued_behind_a_lock(
        meeting,
        *(
            lambda copy=copy, text=text: services.meeting_minutes_update(
                meeting=copy, actor=officer, minutes=text
            )
            for copy, text in zip(copies, ["Agreed: a second meeting", "Agreed: a site visit"], strict=True)
        ),
    )

    meeting = Meeting.objects.select_related("interaction").get(pk=meeting.pk)
    assert meeting.minutes != "Draft"
    assert meeting.interaction.notes == meeting.minutes


@pytest.mark.django_db(transaction=True)
def test_decisions_added_at_once_are_both_on_the_record_and_the_timeline():
    """Both read the timeline's outcome before either had saved it: the second put back the outcome without
    the first's decision, and both took the same place in the list."""
    officer, meeting = _scheduled_with_a_guest()
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=timezone.now()
    )
    services.meeting_mark_held(meeting=Meeting.objects.get(pk=meeting.pk), actor=officer, minutes="Draft")
    texts = ["Fund the survey", "Meet again in March"]

    queued_behind_a_lock(
        meeting,
        *(
            lambda text=text: services.decision_add(
                meeting=Meeting.objects.get(pk=meeting.pk), actor=officer, text=text
            )
            for text in texts
        ),
    )

    meeting = Meeting.objects.select_related("interaction").get(pk=meeting.pk)
    assert sorted(meeting.decisions.values_list("position", flat=True)) == [0, 1]
    assert all(text in meeting.interaction.outcome for text in texts)


def test_a_meeting_is_marked_held_after_an_attendee_was_archived(officer, guests):
    """Invited, then archived before the meeting was recorded (they left their post the next day): the
    record was refused with "Restore these archived stakeholders before logging with them", so nothing
    of the meeting - minutes, decisions, actions - could be kept. Found by recording a demo meeting held
    in the browser. They were on the meeting's record already; its interaction is theirs too."""
    from contacts.services import stakeholder_archive

    meeting = schedule(officer, guests)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    stakeholder_archive(stakeholder=guests[1], actor=officer)
    meeting = Meeting.objects.get(pk=meeting.pk)

    services.meeting_mark_held(meeting=meeting, actor=officer, decisions=["Publish the map"])

    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD
    assert set(Interaction.objects.get().stakeholders.all()) == set(guests)


def test_an_archived_stakeholder_still_cannot_be_added_to_a_meeting(officer, guests):
    from contacts.services import stakeholder_archive

    meeting = schedule(officer, guests[:1])
    stakeholder_archive(stakeholder=guests[1], actor=officer)
    with pytest.raises(ValidationError):
        services.meeting_update(meeting=meeting, actor=officer, stakeholders=guests)


def test_a_future_meeting_cannot_be_marked_held(officer, guests):
    meeting = schedule(officer, guests)
    with pytest.raises(ValidationError):
        services.meeting_mark_held(meeting=meeting, actor=officer)
    assert not Interaction.objects.exists()


def test_declined_stakeholders_are_not_put_on_the_timeline(officer, guests):
    meeting = schedule(officer, guests)
    declined = Attendee.objects.get(meeting=meeting, stakeholder=guests[1])
    services.attendee_respond(attendee=declined, actor=officer, rsvp=Rsvp.DECLINED)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    services.meeting_mark_held(meeting=Meeting.objects.get(pk=meeting.pk), actor=officer)
    assert list(Interaction.objects.get().stakeholders.all()) == [guests[0]]


def test_staff_answer_their_own_invitation_but_not_a_colleagues(officer, colleague, other_officer, guests):
    meeting = schedule(officer, guests, staff=[colleague, other_officer])
    mine = Attendee.objects.get(meeting=meeting, user=colleague)
    services.attendee_respond(attendee=mine, actor=colleague, rsvp=Rsvp.ACCEPTED)
    with pytest.raises(PermissionDenied):
        services.attendee_respond(
            attendee=Attendee.objects.get(meeting=meeting, user=other_officer),
            actor=colleague,
            rsvp=Rsvp.DECLINED,
        )


@pytest.mark.parametrize(
    "name,content,error",
    [
        ("agenda.exe", b"MZ\x90\x00", "Upload a PDF"),
        ("agenda.pdf", b"not really a pdf", "does not match"),
        ("notes.txt", b"\x00\x01binary", "text file"),
    ],
)
def test_uploads_are_checked_for_type(officer, guests, name, content, error):
    meeting = schedule(officer, guests)
    with pytest.raises(ValidationError, match=error):
        services.document_attach(meeting=meeting, actor=officer, upload=SimpleUploadedFile(name, content))
    assert not meeting.documents.exists()


def test_uploads_are_checked_for_size(officer, guests, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEETING_DOCUMENT_MAX_BYTES = 100
    meeting = schedule(officer, guests)
    with pytest.raises(ValidationError, match="larger than"):
        services.document_attach(
            meeting=meeting, actor=officer, upload=SimpleUploadedFile("a.pdf", b"%PDF" + b"x" * 200)
        )
    document = services.document_attach(
        meeting=meeting, actor=officer, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.7")
    )
    assert document.size == 8


def test_action_owner_moves_the_action_along(officer, colleague, other_officer, guests):
    meeting = schedule(officer, guests)
    action = services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry(description="Draft", owner_user=colleague)
    )
    services.action_item_set_status(action_item=action, actor=colleague, status=ActionStatus.DONE)
    assert ActionItem.objects.get(pk=action.pk).completed_at is not None
    with pytest.raises(PermissionDenied):
        services.action_item_set_status(action_item=action, actor=other_officer, status=ActionStatus.OPEN)


def test_a_cancelled_action_is_dated_and_reopening_it_clears_the_date(officer, colleague, guests):
    meeting = schedule(officer, guests)
    action = services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry(description="Draft", owner_user=colleague)
    )

    services.action_item_set_status(action_item=action, actor=colleague, status=ActionStatus.CANCELLED)
    cancelled = ActionItem.objects.get(pk=action.pk)
    assert cancelled.cancelled_at is not None and cancelled.completed_at is None

    services.action_item_set_status(action_item=cancelled, actor=colleague, status=ActionStatus.IN_PROGRESS)
    assert ActionItem.objects.get(pk=action.pk).cancelled_at is None

    services.action_item_set_status(action_item=cancelled, actor=colleague, status=ActionStatus.CANCELLED)
    services.action_item_set_status(action_item=cancelled, actor=colleague, status=ActionStatus.DONE)
    done = ActionItem.objects.get(pk=action.pk)
    assert done.cancelled_at is None and done.completed_at is not None


@pytest.mark.parametrize("status", [ActionStatus.DONE, ActionStatus.CANCELLED, ActionStatus.IN_PROGRESS])
def test_setting_an_action_to_the_status_it_has_changes_nothing(officer, guests, time_machine, status):
    """Marking a done action done again (a second click, a retried request) moved its completion date."""
    meeting = schedule(officer, guests)
    action = services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry(description="Draft", owner_user=officer)
    )
    services.action_item_set_status(action_item=action, actor=officer, status=status)
    before = ActionItem.objects.get(pk=action.pk)
    events = ActionItemEvent.objects.filter(pgh_obj_id=action.pk).count()

    time_machine.move_to(timezone.now() + dt.timedelta(days=2))
    services.action_item_set_status(
        action_item=ActionItem.objects.get(pk=action.pk), actor=officer, status=status
    )

    after = ActionItem.objects.get(pk=action.pk)
    assert (after.completed_at, after.cancelled_at, after.updated_at) == (
        before.completed_at,
        before.cancelled_at,
        before.updated_at,
    )
    assert ActionItemEvent.objects.filter(pgh_obj_id=action.pk).count() == events


def test_an_action_needs_exactly_one_owner(officer, colleague, guests):
    meeting = schedule(officer, guests)
    with pytest.raises(ValidationError):
        services.action_item_add(
            meeting=meeting,
            actor=officer,
            entry=services.ActionEntry(description="Both", owner_user=colleague, owner_stakeholder=guests[0]),
        )


def test_adding_a_guest_keeps_everyone_elses_reminders(officer, guests, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests[:1], reminder_minutes=[60])
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=meeting, actor=officer, stakeholders=guests)

    pending = OutboundMessage.objects.filter(kind="meeting_reminder", status="pending")
    assert sorted(m.to for m in pending) == ["ama@example.org", "kenji@example.jp"]


def test_removing_a_guest_withdraws_only_their_reminders(officer, guests, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, reminder_minutes=[60])
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=meeting, actor=officer, stakeholders=guests[:1])

    pending = OutboundMessage.objects.filter(kind="meeting_reminder", status="pending")
    assert [m.to for m in pending] == ["ama@example.org"]


def test_a_guest_removed_and_added_again_is_reminded_once(
    officer, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, reminder_minutes=[60])
    for stakeholders in (guests[:1], guests):
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_update(meeting=meeting, actor=officer, stakeholders=stakeholders)

    pending = OutboundMessage.objects.filter(kind="meeting_reminder", status="pending")
    assert sorted(m.to for m in pending) == ["ama@example.org", "kenji@example.jp"]


def test_saving_a_meeting_with_its_agenda_unchanged_sends_no_update(
    officer, colleague, guests, django_capture_on_commit_callbacks
):
    agenda = [services.AgendaEntry(title="Budget", owner=colleague, minutes_allotted=20)]
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests[:1], agenda=agenda)
    # The edit page sends the whole form back: the same agenda, with one more guest.
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            meeting=meeting, actor=officer, stakeholders=guests, agenda=list(agenda), title=meeting.title
        )

    meeting.refresh_from_db()
    assert meeting.sequence == 0
    invitations = OutboundMessage.objects.filter(kind="meeting_invitation")
    assert sorted((m.to, m.subject.split(":")[0]) for m in invitations) == [
        ("ama@example.org", "Invitation"),
        ("kenji@example.jp", "Invitation"),
    ]


def test_changing_the_agenda_sends_everyone_an_update(officer, guests, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, agenda=[services.AgendaEntry(title="Budget")])
    deliver_due()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            meeting=meeting, actor=officer, agenda=[services.AgendaEntry(title="Budget, second reading")]
        )

    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert [a.title for a in meeting.agenda_items.all()] == ["Budget, second reading"]
    updates = OutboundMessage.objects.filter(kind="meeting_invitation", subject__startswith="Updated")
    assert sorted(m.to for m in updates) == ["ama@example.org", "kenji@example.jp"]


def test_a_guest_taken_off_a_meeting_is_told_and_their_calendar_entry_withdrawn(
    officer, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests)
    deliver_due()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=meeting, actor=officer, stakeholders=guests[:1])

    (removal,) = OutboundMessage.objects.filter(kind="meeting_removal")
    assert removal.to == "kenji@example.jp"
    assert removal.subject.startswith("No longer invited: Quarterly partnership review")
    assert "no longer" in removal.body
    ics = icalendar.Calendar.from_ical(removal.attachment_list[0].content)
    (event,) = ics.walk("VEVENT")
    assert ics["METHOD"] == "CANCEL"
    assert str(event["UID"]) == meeting.ical_uid
    assert event["SEQUENCE"] == 1
    assert str(event["ATTENDEE"]) == "mailto:kenji@example.jp"
    # Nothing changed for those still invited.
    assert not OutboundMessage.objects.filter(to="ama@example.org", kind="meeting_removal").exists()
    assert OutboundMessage.objects.filter(to="ama@example.org", kind="meeting_invitation").count() == 1


def test_a_guest_taken_off_a_meeting_is_not_sent_its_video_link(
    officer, guests, django_capture_on_commit_callbacks
):
    """The notice and its .ics repeated the link to a meeting that goes on without them."""
    link = "https://meet.example.org/harbour-review"
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, video_url=link)
    deliver_due()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=meeting, actor=officer, stakeholders=guests[:1])

    (removal,) = OutboundMessage.objects.filter(kind="meeting_removal")
    assert link not in removal.body
    assert link.encode() not in removal.attachment_list[0].content
    assert link in OutboundMessage.objects.get(kind="meeting_invitation", to="ama@example.org").body


def test_one_edit_that_moves_a_meeting_and_takes_a_guest_off_raises_its_sequence_once(
    officer, colleague, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, staff=[colleague])
    deliver_due()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            meeting=meeting,
            actor=officer,
            starts_at=soon_at(15),
            ends_at=soon_at(16),
            stakeholders=guests[:1],
        )

    meeting.refresh_from_db()
    assert meeting.sequence == 1
    updates = OutboundMessage.objects.filter(kind="meeting_invitation", subject__startswith="Updated")
    assert sorted(m.to for m in updates) == sorted(["ama@example.org", colleague.email])
    (removal,) = OutboundMessage.objects.filter(kind="meeting_removal")
    for message in [*updates, removal]:
        (event,) = icalendar.Calendar.from_ical(message.attachment_list[0].content).walk("VEVENT")
        assert event["SEQUENCE"] == 1


def test_a_guest_taken_off_and_invited_again_gets_a_fresh_invitation(
    officer, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests)
    deliver_due()
    for stakeholders in (guests[:1], guests):
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_update(meeting=meeting, actor=officer, stakeholders=stakeholders)

    kenji = OutboundMessage.objects.filter(to="kenji@example.jp").order_by("pk")
    assert [m.kind for m in kenji if m.kind != "meeting_reminder"] == [
        "meeting_invitation",
        "meeting_removal",
        "meeting_invitation",
    ]


def test_a_colleague_who_declines_is_not_reminded_and_one_who_changes_their_mind_is(
    officer, colleague, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, staff=[colleague], reminder_minutes=[60])
    mine = Attendee.objects.get(meeting=meeting, user=colleague)
    reminders = OutboundMessage.objects.filter(kind="meeting_reminder", to=colleague.email, status="pending")

    with django_capture_on_commit_callbacks(execute=True):
        services.attendee_respond(attendee=mine, actor=colleague, rsvp=Rsvp.DECLINED)
    assert not reminders.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.attendee_respond(attendee=mine, actor=colleague, rsvp=Rsvp.ACCEPTED)
    assert reminders.count() == 1
    assert OutboundMessage.objects.filter(kind="meeting_reminder", status="pending").count() == 3


def test_a_guest_added_to_one_occurrence_of_a_series_is_invited_to_that_one_only(
    officer, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = schedule(officer, guests[:1], frequency="weekly", count=3)
    second = first.series.occurrences.order_by("original_start")[1]
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=second, actor=officer, stakeholders=guests)

    (invitation,) = OutboundMessage.objects.filter(kind="meeting_invitation", to="kenji@example.jp")
    (event,) = icalendar.Calendar.from_ical(invitation.attachment_list[0].content).walk("VEVENT")
    assert "RRULE" not in event
    assert event["RECURRENCE-ID"].dt == second.original_start
    assert "Repeats" not in invitation.body


def test_a_guest_added_after_the_meeting_moved_gets_an_invitation_not_an_update(
    officer, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests[:1])
        services.meeting_update(meeting=meeting, actor=officer, starts_at=soon_at(15), ends_at=soon_at(16))
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=meeting, actor=officer, stakeholders=guests)

    (invitation,) = OutboundMessage.objects.filter(kind="meeting_invitation", to="kenji@example.jp")
    assert invitation.subject.startswith("Invitation: ")
    assert "invites you to a meeting" in invitation.body
    assert "changed" not in invitation.body


def test_a_meeting_moved_to_earlier_today_tells_its_attendees_of_the_new_time(
    officer, guests, django_capture_on_commit_callbacks
):
    """Moved from next week to a time already past, it said "nothing to send to attendees": the invitation
    for next week, rendered when it was queued, was the last they heard, and their calendars kept it."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests[:1], starts_at=soon_at(10) + dt.timedelta(days=4))
    deliver_due()
    earlier = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=2)

    with django_capture_on_commit_callbacks(execute=True):
        update = services.meeting_update(
            meeting=meeting, actor=officer, starts_at=earlier, ends_at=earlier + dt.timedelta(hours=1)
        )

    assert update.attendees_told
    invitations = OutboundMessage.objects.filter(kind="meeting_invitation", to="ama@example.org")
    updated = invitations.get(subject__startswith="Updated invitation: ")
    (event,) = icalendar.Calendar.from_ical(updated.attachment_list[0].content).walk("VEVENT")
    assert event.decoded("dtstart") == earlier and event["sequence"] == 1


def test_a_held_meeting_keeps_its_time_place_and_attendees(officer, manager, guests):
    """A held meeting could still be moved or given new guests (its edit page or a PATCH), rewriting a
    record already on the attendees' timelines and sending "updated" invitations for a meeting in the past."""
    meeting = schedule(officer, guests[:1])
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    services.meeting_mark_held(meeting=Meeting.objects.get(pk=meeting.pk), actor=officer)
    held = Meeting.objects.get(pk=meeting.pk)

    for actor, change in [
        (officer, {"starts_at": soon_at(10), "ends_at": soon_at(11)}),
        (officer, {"stakeholders": guests}),
        (manager, {"title": "Renamed afterwards"}),
    ]:
        with pytest.raises(ValidationError, match="was held"):
            services.meeting_update(meeting=Meeting.objects.get(pk=meeting.pk), actor=actor, **change)

    after = Meeting.objects.get(pk=meeting.pk)
    assert (after.starts_at, after.title, after.sequence) == (held.starts_at, held.title, held.sequence)
    assert [a.stakeholder for a in after.attendees.all()] == guests[:1]


@pytest.fixture
def held_meeting(officer, guests):
    start = timezone.now() - dt.timedelta(days=1)
    meeting = schedule(officer, guests, starts_at=start)
    return services.meeting_mark_held(meeting=meeting, actor=officer, minutes="Agred", decisions=["Go"])


def test_adding_to_a_held_meetings_record_tells_syncs_it_changed(officer, held_meeting, guests):
    stamps = [Meeting.objects.get(pk=held_meeting.pk).updated_at]
    services.action_item_add(
        meeting=held_meeting,
        actor=officer,
        entry=services.ActionEntry(description="Send the map", owner_stakeholder=guests[0]),
    )
    stamps.append(Meeting.objects.get(pk=held_meeting.pk).updated_at)
    services.decision_add(meeting=held_meeting, actor=officer, text="Meet in May")
    stamps.append(Meeting.objects.get(pk=held_meeting.pk).updated_at)
    services.meeting_minutes_update(meeting=held_meeting, actor=officer, minutes="Agreed")
    stamps.append(Meeting.objects.get(pk=held_meeting.pk).updated_at)
    assert stamps == sorted(set(stamps))


def test_only_the_organiser_or_their_manager_adds_to_the_record(colleague, manager, held_meeting):
    with pytest.raises(PermissionDenied):
        services.decision_add(meeting=held_meeting, actor=colleague, text="Mine")
    services.decision_add(meeting=held_meeting, actor=manager, text="Theirs")
    assert [d.text for d in held_meeting.decisions.all()] == ["Go", "Theirs"]


def test_an_action_goes_to_one_of_the_meetings_own_stakeholders(officer, held_meeting):
    with pytest.raises(ValidationError) as refused:
        services.action_item_add(
            meeting=held_meeting,
            actor=officer,
            entry=services.ActionEntry(description="x", owner_stakeholder=StakeholderFactory(owner=officer)),
        )
    assert "owner_stakeholder" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        services.action_item_add(
            meeting=held_meeting, actor=officer, entry=services.ActionEntry(description="x")
        )
    assert "owner_user" in refused.value.error_dict


def test_an_empty_decision_is_refused(officer, held_meeting):
    with pytest.raises(ValidationError) as refused:
        services.decision_add(meeting=held_meeting, actor=officer, text="  ")
    assert "text" in refused.value.error_dict


def test_decisions_and_minutes_wait_until_the_meeting_is_held_and_a_cancelled_one_takes_nothing(
    officer, guests
):
    meeting = schedule(officer, guests)
    with pytest.raises(ValidationError, match="once the meeting is held"):
        services.decision_add(meeting=meeting, actor=officer, text="Early")
    services.action_item_add(
        meeting=meeting,
        actor=officer,
        entry=services.ActionEntry(description="Book a room", owner_user=officer),
    )
    services.meeting_cancel(meeting=meeting, actor=officer)
    with pytest.raises(ValidationError, match="cancelled"):
        services.action_item_add(
            meeting=meeting, actor=officer, entry=services.ActionEntry(description="x", owner_user=officer)
        )
    with pytest.raises(ValidationError, match="cancelled"):
        services.meeting_minutes_update(meeting=meeting, actor=officer, minutes="x")


def test_corrected_minutes_leave_timeline_notes_alone_once_edited_there(officer, held_meeting):
    Interaction.objects.filter(pk=held_meeting.interaction_id).update(notes="Agred, and a call after")
    services.meeting_minutes_update(meeting=held_meeting, actor=officer, minutes="Agreed")
    assert Interaction.objects.get(pk=held_meeting.interaction_id).notes == "Agred, and a call after"


@pytest.fixture
def held_by_admin(officer, admin_user, guests):
    """Organised by `officer`, recorded held by an administrator: the interaction is the administrator's."""
    meeting = schedule(officer, guests, starts_at=timezone.now() - dt.timedelta(days=1))
    return services.meeting_mark_held(meeting=meeting, actor=admin_user, minutes="Agred", decisions=["Go"])


def test_the_organiser_records_decisions_and_minutes_but_not_in_an_interaction_they_may_not_edit(
    officer, held_by_admin
):
    before = Interaction.objects.values("outcome", "notes", "updated_at").get(pk=held_by_admin.interaction_id)

    services.decision_add(meeting=held_by_admin, actor=officer, text="Meet in May")
    services.meeting_minutes_update(meeting=held_by_admin, actor=officer, minutes="Agreed")

    held_by_admin.refresh_from_db()
    assert [d.text for d in held_by_admin.decisions.all()] == ["Go", "Meet in May"]
    assert held_by_admin.minutes == "Agreed"
    after = Interaction.objects.values("outcome", "notes", "updated_at").get(pk=held_by_admin.interaction_id)
    assert after == before


def test_whoever_may_edit_the_interaction_carries_decisions_and_minutes_into_it(admin_user, held_by_admin):
    services.decision_add(meeting=held_by_admin, actor=admin_user, text="Meet in May")
    services.meeting_minutes_update(meeting=held_by_admin, actor=admin_user, minutes="Agreed")

    interaction = Interaction.objects.get(pk=held_by_admin.interaction_id)
    assert (interaction.outcome, interaction.notes) == ("Decided: Go\nDecided: Meet in May", "Agreed")


def test_a_colleague_who_has_left_stays_invited_but_gets_no_more_of_its_email(
    officer, colleague, guests, django_capture_on_commit_callbacks
):
    """Their mailbox no longer reads the CRM's mail: moving the meeting tells the others, not them."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, staff=[colleague], reminder_minutes=[60])
    colleague.is_active = False
    colleague.save()
    before = OutboundMessage.objects.order_by("pk").last().pk
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=meeting, actor=officer, starts_at=soon_at(15), ends_at=soon_at(16))

    assert colleague in {attendee.person for attendee in meeting.attendees.all()}
    since = OutboundMessage.objects.filter(pk__gt=before)
    assert {"ama@example.org", "kenji@example.jp"} <= {message.to for message in since}
    assert not since.filter(to=colleague.email).exists()
    assert not OutboundMessage.objects.filter(
        to=colleague.email, status="pending", kind="meeting_reminder"
    ).exists()


def _description(message) -> str:
    (event,) = icalendar.Calendar.from_ical(message.attachment_list[0].content).walk("VEVENT")
    return str(event["DESCRIPTION"])


def test_only_staff_are_sent_the_link_to_the_meetings_page_in_the_crm(
    officer, colleague, guests, django_capture_on_commit_callbacks
):
    """Outside stakeholders cannot sign in to the CRM: the link only led them to a login page."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, staff=[colleague], purpose="Review the year")
    deliver_due()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, actor=officer)

    page = meeting.get_absolute_url()
    for kind in ("meeting_invitation", "meeting_cancellation"):
        to_guest = OutboundMessage.objects.get(kind=kind, to="ama@example.org")
        to_colleague = OutboundMessage.objects.get(kind=kind, to=colleague.email)
        assert "Review the year" in _description(to_guest)
        assert page not in _description(to_guest) and page not in to_guest.body
        assert page in _description(to_colleague)


def test_subjects_name_the_zone_of_the_time_they_give(officer, guests, django_capture_on_commit_callbacks):
    """A guest abroad read "10:00" alone and could not tell whose 10:00 it was."""
    in_dubai = StakeholderFactory(owner=officer, emails=["noor@example.ae"], time_zone="Asia/Dubai")
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, [*guests, in_dubai])

    def local_time(zone):
        return timezone.localtime(meeting.starts_at, zoneinfo.ZoneInfo(zone)).strftime("%H:%M")

    subjects = dict(OutboundMessage.objects.filter(kind="meeting_invitation").values_list("to", "subject"))
    assert subjects["kenji@example.jp"].endswith(f"{local_time('Asia/Tokyo')} JST")
    assert subjects["ama@example.org"].endswith(f"{local_time('Africa/Accra')} GMT")
    # Dubai's zone has no abbreviation of its own: its offset, read as one.
    assert subjects["noor@example.ae"].endswith(f"{local_time('Asia/Dubai')} UTC+04")


def _span(starts, ends, zone) -> str:
    starts, ends = (timezone.localtime(moment, zoneinfo.ZoneInfo(zone)) for moment in (starts, ends))
    return f"{starts:%a} {starts.day} {starts:%b %Y, %H:%M}\N{EN DASH}{ends:%H:%M}"


def test_an_update_says_what_changed_with_the_old_and_new_time_in_each_readers_zone(
    officer, guests, django_capture_on_commit_callbacks
):
    """The update showed the meeting as it now was: a guest had to compare it with the first email to find
    what had moved."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, location="Room 4")
    deliver_due()
    was = (meeting.starts_at, meeting.ends_at)
    now = (soon_at(15) + dt.timedelta(days=1), soon_at(16) + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            meeting=meeting, actor=officer, starts_at=now[0], ends_at=now[1], location="Harbour House"
        )

    for guest in guests:
        update = OutboundMessage.objects.get(
            kind="meeting_invitation", to=guest.emails[0], subject__startswith="Updated"
        )
        zone = guest.time_zone
        assert f"Time:   was {_span(*was, zone)}, now {_span(*now, zone)} ({zone})" in update.body
        assert "Place:  was Room 4, now Harbour House" in update.body
        assert "Agenda changed" not in update.body


def test_an_update_of_the_agenda_alone_says_the_agenda_changed(
    officer, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, agenda=[services.AgendaEntry(title="Budget")])
    deliver_due()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            meeting=meeting, actor=officer, agenda=[services.AgendaEntry(title="Budget, second reading")]
        )

    update = OutboundMessage.objects.get(
        kind="meeting_invitation", to="ama@example.org", subject__startswith="Updated"
    )
    assert "Agenda changed." in update.body
    assert "was" not in update.body


def test_a_guest_taken_off_is_shown_the_meeting_as_they_knew_it_not_the_edits_other_changes(
    officer, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, location="Room 4")
    deliver_due()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            meeting=meeting,
            actor=officer,
            starts_at=soon_at(15),
            ends_at=soon_at(16),
            location="Harbour House",
            stakeholders=guests[:1],
        )

    to_kenji = OutboundMessage.objects.filter(to="kenji@example.jp").exclude(kind="meeting_reminder")
    assert [m.kind for m in to_kenji.order_by("pk")] == ["meeting_invitation", "meeting_removal"]
    removal = to_kenji.get(kind="meeting_removal")
    assert "Harbour House" not in removal.body and "Room 4" in removal.body
    tokyo_start = timezone.localtime(soon_at(10), zoneinfo.ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
    assert tokyo_start in removal.body and tokyo_start in removal.subject
    assert "was" not in removal.body


def test_a_guest_added_in_the_edit_that_moves_the_meeting_gets_an_invitation_not_what_changed(
    officer, guests, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests[:1])
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            meeting=meeting, actor=officer, starts_at=soon_at(15), ends_at=soon_at(16), stakeholders=guests
        )

    (invitation,) = OutboundMessage.objects.filter(kind="meeting_invitation", to="kenji@example.jp")
    assert invitation.subject.startswith("Invitation: ")
    assert "invites you to a meeting" in invitation.body and "was" not in invitation.body


def test_a_guest_told_of_two_place_edits_only_by_the_second_is_not_told_a_place_they_never_had(
    officer, guests, django_capture_on_commit_callbacks
):
    """The second edit's messages were written first, then the first's, whose change no longer held, found
    Ama told by them and wrote her nothing: her only update said "was Harbour House", a place she was never
    sent, of a meeting her calendar had in Room 4."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests[:1], location="Room 4")
    deliver_due()
    with django_capture_on_commit_callbacks() as first_edits_callbacks:
        services.meeting_update(meeting=meeting, actor=officer, location="Harbour House")
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=meeting, actor=officer, location="Town Hall")
    with django_capture_on_commit_callbacks(execute=True):
        for callback in first_edits_callbacks:
            callback()

    (update,) = OutboundMessage.objects.filter(
        kind="meeting_invitation", to="ama@example.org", subject__startswith="Updated"
    )
    assert "The details of this meeting have changed" in update.body and "was" not in update.body
    assert "Town Hall" in update.body and "Harbour House" not in update.body


def test_emails_give_the_end_date_of_a_meeting_that_runs_past_midnight_for_their_reader(
    officer, guests, django_capture_on_commit_callbacks
):
    """22:00 to 01:00 read as a meeting ending before it starts."""
    day = timezone.localdate() + dt.timedelta(days=3)
    starts = dt.datetime.combine(day, dt.time(22), tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(officer, guests, starts_at=starts, ends_at=starts + dt.timedelta(hours=3))
    deliver_due()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, actor=officer)

    def long_day(day):
        return f"{day:%A} {day.day} {day:%B %Y}"

    next_day = day + dt.timedelta(days=1)
    # In Accra (UTC) it runs past midnight; in Tokyo (UTC+9) it is 07:00 to 10:00 on one day.
    in_accra = f"When:   {long_day(day)}, 22:00\N{EN DASH}{long_day(next_day)}, 01:00 (Africa/Accra)"
    in_tokyo = f"When:   {long_day(next_day)}, 07:00\N{EN DASH}10:00 (Asia/Tokyo)"
    for kind in ("meeting_invitation", "meeting_cancellation"):
        bodies = dict(OutboundMessage.objects.filter(kind=kind).values_list("to", "body"))
        assert in_accra in bodies["ama@example.org"], kind
        assert in_tokyo in bodies["kenji@example.jp"], kind


def _planned(officer, guest):
    return MeetingFactory(organiser=officer)


def _started(officer, guest):
    meeting = MeetingFactory(organiser=officer, starts_at=timezone.now() - dt.timedelta(hours=2))
    meeting.attendees.create(stakeholder=guest)
    return meeting


def _held(officer, guest):
    return MeetingFactory(organiser=officer, status=MeetingStatus.HELD, held_at=timezone.now())


@pytest.mark.parametrize(
    "make,change",
    [
        (
            _planned,
            lambda meeting, actor: services.meeting_update(meeting=meeting, actor=actor, title="Mine"),
        ),
        (_planned, lambda meeting, actor: services.meeting_cancel(meeting=meeting, actor=actor)),
        (_started, lambda meeting, actor: services.meeting_mark_held(meeting=meeting, actor=actor)),
        (_held, lambda meeting, actor: services.decision_add(meeting=meeting, actor=actor, text="Go ahead")),
        (
            _held,
            lambda meeting, actor: services.meeting_minutes_update(meeting=meeting, actor=actor, minutes="x"),
        ),
    ],
    ids=["update", "cancel", "mark_held", "decision_add", "minutes_update"],
)
def test_who_may_change_a_meeting_is_asked_of_the_row_as_locked_not_as_first_read(
    officer, other_officer, guests, make, change
):
    """Handed over to another organiser between the page's read and the save, the meeting was changed by
    its former organiser: the permission was asked of the row as first read, before the lock."""
    meeting = make(officer, guests[0])
    before = Meeting.objects.values().get(pk=meeting.pk)
    Meeting.objects.filter(pk=meeting.pk).update(organiser=other_officer)

    with pytest.raises(PermissionDenied):
        change(meeting, officer)

    assert Meeting.objects.values().get(pk=meeting.pk) == {**before, "organiser_id": other_officer.pk}


def test_scheduling_with_a_stakeholder_merged_meanwhile_is_refused_with_a_message(officer, guests):
    merge_away(guests[0])
    with pytest.raises(ValidationError) as refused:
        schedule(officer, guests)
    assert refused_as_merged(refused, "stakeholders")
    assert not Meeting.objects.exists()


def test_inviting_a_stakeholder_merged_meanwhile_is_refused_with_a_message(officer, guests):
    meeting = schedule(officer, guests[:1])
    merge_away(guests[1])
    with pytest.raises(ValidationError) as refused:
        services.meeting_update(meeting=meeting, actor=officer, stakeholders=guests)
    assert refused_as_merged(refused, "stakeholders")
    assert meeting.attendees.count() == 1


def test_an_action_for_a_stakeholder_merged_meanwhile_is_refused_with_a_message(officer, guests):
    meeting = schedule(officer, guests)
    merge_away(guests[0])
    entry = services.ActionEntry(description="Send the minutes", owner_stakeholder=guests[0])
    with pytest.raises(ValidationError) as refused:
        services.action_item_add(meeting=meeting, actor=officer, entry=entry)
    assert refused_as_merged(refused, "owner_stakeholder")
    assert not ActionItem.objects.exists()


def test_handing_an_action_to_a_stakeholder_merged_meanwhile_is_refused_with_a_message(officer, guests):
    meeting = schedule(officer, guests)
    action = services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry(description="Send it", owner_user=officer)
    )
    merge_away(guests[0])
    with pytest.raises(ValidationError) as refused:
        services.action_item_reassign(action_item=action, actor=officer, owner_stakeholder=guests[0])
    assert refused_as_merged(refused, "owner_stakeholder")
    action.refresh_from_db()
    assert action.owner_user == officer


# A merge locks both stakeholders, then changes every meeting the duplicate attends. A change that locked the
# meeting first and then a stakeholder held what the merge waited for, and waited for what the merge held:
# PostgreSQL broke the deadlock by failing the change.


@pytest.mark.django_db(transaction=True)
def test_inviting_the_record_kept_while_its_duplicate_is_merged_waits_for_the_merge(officer, guests):
    duplicate, keep = guests
    meeting = schedule(officer, [duplicate])

    outcome = merged_during(
        lambda: services.meeting_update(meeting=meeting, actor=officer, stakeholders=[keep]),
        keep=keep,
        duplicate=duplicate,
    )

    assert isinstance(outcome, services.MeetingUpdate), outcome
    assert [a.stakeholder for a in meeting.attendees.all()] == [keep]


@pytest.mark.django_db(transaction=True)
def test_taking_a_guest_off_while_they_are_merged_waits_for_the_merge(officer, guests):
    """The edit marks the guest it takes off changed (their health card): it holds them before the meeting,
    as the merge does, instead of each holding what the other waits for."""
    duplicate, other = guests
    keep = StakeholderFactory(owner=officer)
    meeting = schedule(officer, [duplicate, other])

    outcome = merged_during(
        lambda: services.meeting_update(meeting=meeting, actor=officer, stakeholders=[other]),
        keep=keep,
        duplicate=duplicate,
    )

    assert isinstance(outcome, services.MeetingUpdate), outcome
    assert [a.stakeholder for a in meeting.attendees.all()] == [other]


@pytest.mark.django_db(transaction=True)
def test_recording_a_meeting_while_a_guest_is_merged_waits_for_the_merge_and_is_refused_with_a_message(
    officer, guests
):
    duplicate, keep = guests
    meeting = schedule(officer, [duplicate], starts_at=timezone.now() - dt.timedelta(hours=2))

    outcome = merged_during(
        lambda: services.meeting_mark_held(meeting=meeting, actor=officer, minutes="Agreed"),
        keep=keep,
        duplicate=duplicate,
    )

    assert isinstance(outcome, ValidationError), outcome
    assert outcome.message_dict["actions"][0].startswith("Ama Owusu was merged into another record")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert [a.stakeholder for a in meeting.attendees.all()] == [keep]


def test_an_action_is_handed_only_to_a_stakeholder_the_meeting_still_has(officer, guests):
    """Asked under the meeting's lock: the API's serializer asked before it, of a meeting an edit may then
    have taken the stakeholder off."""
    meeting = schedule(officer, guests[:1])
    action = services.action_item_add(
        meeting=meeting, actor=officer, entry=services.ActionEntry(description="Send it", owner_user=officer)
    )
    with pytest.raises(ValidationError) as refused:
        services.action_item_reassign(action_item=action, actor=officer, owner_stakeholder=guests[1])
    assert refused.value.message_dict == {"owner_stakeholder": ["Choose one of this meeting's stakeholders."]}
    action.refresh_from_db()
    assert (action.owner_user, action.owner_stakeholder) == (officer, None)


def test_an_action_recorded_with_the_meeting_is_owned_by_one_of_its_stakeholders(officer, guests):
    """As for an action added later: the API's serializer limited the choice, the service did not."""
    meeting = schedule(officer, guests[:1], starts_at=timezone.now() - dt.timedelta(hours=2))
    entry = services.ActionEntry(description="Send the minutes", owner_stakeholder=guests[1])
    with pytest.raises(ValidationError) as refused:
        services.meeting_mark_held(meeting=meeting, actor=officer, actions=[entry])
    assert refused.value.message_dict == {"actions": ["Choose one of this meeting's stakeholders."]}


def test_recording_an_action_for_a_stakeholder_merged_meanwhile_is_refused_with_a_message(officer, guests):
    meeting = schedule(officer, guests[:2], starts_at=timezone.now() - dt.timedelta(hours=2))
    merge_away(guests[1])
    entry = services.ActionEntry(description="Send the minutes", owner_stakeholder=guests[1])
    with pytest.raises(ValidationError) as refused:
        services.meeting_mark_held(meeting=meeting, actor=officer, actions=[entry])
    assert refused_as_merged(refused, "actions")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


@pytest.mark.parametrize(
    "change",
    [
        lambda records, actor: services.attendee_respond(
            attendee=records["attendee"], actor=actor, rsvp=Rsvp.ACCEPTED
        ),
        lambda records, actor: services.document_attach(
            meeting=records["meeting"], actor=actor, upload=SimpleUploadedFile("b.pdf", b"%PDF-1.7")
        ),
        lambda records, actor: services.document_remove(document=records["document"], actor=actor),
        lambda records, actor: services.action_item_add(
            meeting=records["meeting"], actor=actor, entry=services.ActionEntry("Call back", owner_user=actor)
        ),
        lambda records, actor: services.action_item_set_status(
            action_item=records["action"], actor=actor, status=ActionStatus.DONE
        ),
        lambda records, actor: services.action_item_reassign(
            action_item=records["action"], actor=actor, owner_user=actor
        ),
    ],
    ids=["respond", "document_attach", "document_remove", "action_add", "action_status", "action_reassign"],
)
def test_who_may_change_a_meetings_replies_papers_and_actions_is_asked_of_the_meeting_as_locked(
    officer, other_officer, guests, settings, tmp_path, change
):
    """As for the meeting itself: handed over between the page's read and the save, its former organiser
    no longer answers for its stakeholders, adds or removes its papers, or moves along the actions a
    colleague chases."""
    settings.MEDIA_ROOT = tmp_path
    meeting = MeetingFactory(organiser=officer)
    records = {
        "meeting": meeting,
        "attendee": meeting.attendees.create(stakeholder=guests[0]),
        "document": services.document_attach(
            meeting=meeting, actor=officer, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.7")
        ),
        "action": services.action_item_add(
            meeting=meeting,
            actor=officer,
            entry=services.ActionEntry("Send the figures", owner_stakeholder=guests[0], chaser=other_officer),
        ),
    }

    def stored():
        return [
            list(model.objects.filter(meeting=meeting).order_by("pk").values())
            for model in (Attendee, MeetingDocument, ActionItem)
        ]

    before = stored()
    meeting_before = Meeting.objects.values().get(pk=meeting.pk)
    Meeting.objects.filter(pk=meeting.pk).update(organiser=other_officer)

    with pytest.raises(PermissionDenied):
        change(records, officer)

    assert stored() == before
    assert Meeting.objects.values().get(pk=meeting.pk) == {**meeting_before, "organiser_id": other_officer.pk}


def test_cancelling_a_series_and_adding_to_a_held_record_never_take_the_key_lock(
    officer, guests, held_meeting
):
    """FOR NO KEY UPDATE throughout, as liaison_crm.row_locks: rows pointing at the meetings and the logged
    interaction (replies, papers, links) are not held up; none of these writes deletes what it locks."""
    first = schedule(officer, guests, frequency="weekly", count=3)

    with CaptureQueriesContext(connection) as queries:
        services.meeting_cancel(meeting=first, actor=officer, and_following=True)
        services.decision_add(meeting=held_meeting, actor=officer, text="Fund it")
        services.meeting_minutes_update(meeting=held_meeting, actor=officer, minutes="Agreed")

    locks = [query["sql"] for query in queries if " FOR " in query["sql"]]
    assert len(locks) >= 5
    assert all(" FOR NO KEY UPDATE" in sql for sql in locks), locks

"""A meeting's messages still waiting in the outbox when it changes again are withdrawn, not sent stale."""

import datetime as dt
import smtplib
import threading

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends import locmem
from django.db import connection
from django.db.models import F
from django.utils import timezone

from contacts.models import Stakeholder
from contacts.services import stakeholder_merge
from meetings import notifications, services
from meetings.models import Meeting, MeetingSeries, MeetingStatus
from outbox.models import OutboundMessage
from outbox.services import message_cancel, message_enqueue, message_retry, message_rewrite, message_send

from ..concurrency import wait_until_waiting_for_a_lock
from ..factories import StakeholderFactory, UserFactory
from ..mail import deliver_due
from ..merges import merged_during

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status


def soon_at(hour, minute=0):
    day = timezone.localdate() + dt.timedelta(days=3)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def guests(officer):
    return [
        StakeholderFactory(name="Ama Owusu", owner=officer, emails=["ama@example.org"], time_zone="UTC"),
        StakeholderFactory(name="Kenji Sato", owner=officer, emails=["kenji@example.jp"], time_zone="UTC"),
    ]


@pytest.fixture
def scheduled(officer, guests, django_capture_on_commit_callbacks):
    """A meeting at 10:00 whose invitations are queued, and not yet sent."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.meeting_schedule(
            organiser=officer,
            stakeholders=guests,
            title="Harbour review",
            starts_at=soon_at(10),
            ends_at=soon_at(11),
            location="Room 4",
        )


@pytest.fixture
def edit(officer, django_capture_on_commit_callbacks):
    def saved(meeting, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_update(meeting=meeting, actor=officer, **fields)

    return saved


def invitations_to(address):
    return OutboundMessage.objects.filter(kind="meeting_invitation", to=address).order_by("pk")


def event_of(message):
    (event,) = icalendar.Calendar.from_ical(message.attachment_list[0].content).walk("VEVENT")
    return event


def test_an_invitation_still_waiting_when_the_meeting_moves_is_withdrawn_for_one_at_the_new_time(
    scheduled, edit, mailoutbox
):
    """The guest was sent the invitation for 10:00, then an update moving it to 15:00 and saying what
    changed from a version they had only just received."""
    edit(scheduled, starts_at=soon_at(15), ends_at=soon_at(16))

    first, second = invitations_to("ama@example.org")
    assert first.status == Status.CANCELLED
    assert (
        first.cancelled_because == "Withdrawn before it was sent: a later message on its topic replaced it."
    )
    assert second.subject.startswith("Invitation: Harbour review")
    assert "invites you to a meeting" in second.body and "was" not in second.body
    event = event_of(second)
    assert (event.decoded("dtstart"), event["SEQUENCE"]) == (soon_at(15), 1)

    deliver_due()
    to_ama = [email for email in mailoutbox if email.to == ["ama@example.org"]]
    assert [email.subject for email in to_ama] == [second.subject]


def test_an_invitation_sent_before_the_meeting_moved_is_followed_by_an_update(scheduled, edit):
    deliver_due()
    edit(scheduled, starts_at=soon_at(15), ends_at=soon_at(16))

    sent, update = invitations_to("ama@example.org")
    assert (sent.status, sent.cancelled_because) == (Status.SENT, "")
    assert update.subject.startswith("Updated invitation: Harbour review")
    assert "Time:   was" in update.body


def test_an_update_still_waiting_when_the_meeting_changes_again_is_withdrawn_for_the_next(
    scheduled, edit, mailoutbox
):
    """The guest has the 10:00 invitation: an update saying only "place: was Room 4, now Harbour House"
    would leave them thinking the time stands."""
    deliver_due()
    edit(scheduled, starts_at=soon_at(15), ends_at=soon_at(16))
    edit(scheduled, location="Harbour House")

    sent, first_update, second_update = invitations_to("ama@example.org")
    assert (sent.status, first_update.status) == (Status.SENT, Status.CANCELLED)
    assert second_update.subject.startswith("Updated invitation: Harbour review")
    assert "The details of this meeting have changed" in second_update.body
    assert "was Room 4" not in second_update.body and "Harbour House" in second_update.body
    event = event_of(second_update)
    assert (event.decoded("dtstart"), event["SEQUENCE"]) == (soon_at(15), 2)

    mailoutbox.clear()
    deliver_due()
    assert sorted(email.subject.split(":")[0] for email in mailoutbox) == ["Updated invitation"] * 2


def test_an_update_sent_in_between_makes_the_next_say_its_own_change(scheduled, edit):
    deliver_due()
    edit(scheduled, starts_at=soon_at(15), ends_at=soon_at(16))
    deliver_due()
    edit(scheduled, location="Harbour House")

    *_, latest = invitations_to("ama@example.org")
    assert "Place:  was Room 4, now Harbour House" in latest.body


def test_a_guest_taken_off_and_invited_again_is_invited_afresh_when_that_invitation_is_withdrawn(
    scheduled, edit, guests
):
    """Their calendar dropped the meeting with the removal: an update of it would update nothing."""
    deliver_due()
    edit(scheduled, stakeholders=guests[:1])
    deliver_due()
    edit(scheduled, stakeholders=guests)
    edit(scheduled, starts_at=soon_at(15), ends_at=soon_at(16))

    *_, again, latest = invitations_to("kenji@example.jp")
    assert again.status == Status.CANCELLED
    assert latest.subject.startswith("Invitation: Harbour review")
    assert invitations_to("ama@example.org").last().subject.startswith("Updated invitation")


def test_a_removal_still_waiting_when_the_guest_is_invited_again_is_withdrawn(
    scheduled, edit, guests, mailoutbox
):
    """Refused by the mail server and waiting to be tried again, it would have gone out after the new
    invitation and taken the meeting out of the calendar of someone on it."""
    deliver_due()
    edit(scheduled, stakeholders=guests[:1])
    removal = OutboundMessage.objects.get(kind="meeting_removal")
    edit(scheduled, stakeholders=guests)

    removal.refresh_from_db()
    assert removal.status == Status.CANCELLED
    mailoutbox.clear()
    deliver_due()
    assert [email.subject.split(":")[0] for email in mailoutbox if email.to == ["kenji@example.jp"]] == [
        "Invitation"
    ]


def test_cancelling_a_meeting_whose_invitation_has_not_gone_out_withdraws_it_and_sends_nothing(
    officer, scheduled, mailoutbox, django_capture_on_commit_callbacks
):
    """Kenji was sent a cancellation of a meeting he was never invited to: their invitation was
    withdrawn, and calendars have nothing to take out. Ama, sent hers, is told it is cancelled."""
    message_send(message_id=invitations_to("ama@example.org").get().pk)

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=scheduled, actor=officer)

    (to_kenji,) = OutboundMessage.objects.filter(to="kenji@example.jp").exclude(kind="meeting_reminder")
    assert (to_kenji.kind, to_kenji.status) == ("meeting_invitation", Status.CANCELLED)
    assert to_kenji.cancelled_because
    (cancellation,) = OutboundMessage.objects.filter(kind="meeting_cancellation")
    assert cancellation.to == "ama@example.org"

    deliver_due()
    assert [email.to for email in mailoutbox] == [["ama@example.org"]] * 2


def test_a_guest_taken_off_before_their_invitation_went_out_is_sent_nothing(scheduled, edit, guests):
    edit(scheduled, stakeholders=guests[:1])

    (to_kenji,) = OutboundMessage.objects.filter(to="kenji@example.jp").exclude(kind="meeting_reminder")
    assert (to_kenji.kind, to_kenji.status) == ("meeting_invitation", Status.CANCELLED)
    assert to_kenji.cancelled_because
    assert invitations_to("ama@example.org").get().status == Status.PENDING


def test_a_guest_whose_address_changed_since_their_invitation_is_told_of_the_update_and_cancellation(
    officer, scheduled, edit, guests, django_capture_on_commit_callbacks
):
    """Their calendar holds the meeting from the invitation to their old address: what they were sent is
    theirs whatever address it went to, so the update withdrawn by the cancellation is not all they had."""
    deliver_due()
    Stakeholder.objects.filter(pk=guests[0].pk).update(emails=["ama@harbour.example"])
    edit(scheduled, starts_at=soon_at(15), ends_at=soon_at(16))
    assert invitations_to("ama@harbour.example").get().subject.startswith("Updated invitation")

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=scheduled, actor=officer)

    cancellation = OutboundMessage.objects.get(kind="meeting_cancellation", to="ama@harbour.example")
    assert cancellation.status == Status.PENDING


def invited_before_topics():
    """The meeting's messages as the outbox wrote them before it had topics."""
    OutboundMessage.objects.update(topic="")


def test_a_meeting_invited_before_topics_is_cancelled_for_every_guest(
    officer, scheduled, django_capture_on_commit_callbacks
):
    deliver_due()
    invited_before_topics()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=scheduled, actor=officer)

    cancellations = OutboundMessage.objects.filter(kind="meeting_cancellation")
    assert sorted(cancellations.values_list("to", flat=True)) == ["ama@example.org", "kenji@example.jp"]


def test_a_meeting_invited_before_topics_is_updated_and_its_guest_removal_told(scheduled, edit, guests):
    deliver_due()
    invited_before_topics()

    edit(scheduled, starts_at=soon_at(15), ends_at=soon_at(16), stakeholders=guests[:1])

    update = invitations_to("ama@example.org").last()
    assert update.subject.startswith("Updated invitation") and "Time:   was" in update.body
    assert OutboundMessage.objects.get(kind="meeting_removal").to == "kenji@example.jp"


def test_a_meeting_invited_before_topics_whose_update_is_withdrawn_is_still_cancelled(
    officer, scheduled, edit, django_capture_on_commit_callbacks
):
    """The update withdrawn is the only message on its topic, but the invitation before it went out."""
    deliver_due()
    invited_before_topics()
    edit(scheduled, starts_at=soon_at(15), ends_at=soon_at(16))

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=scheduled, actor=officer)

    assert invitations_to("ama@example.org").last().status == Status.CANCELLED
    assert OutboundMessage.objects.filter(kind="meeting_cancellation").count() == 2


def test_a_guest_taken_off_and_added_back_before_the_removal_was_written_keeps_the_new_invitation(
    officer, scheduled, edit, guests, django_capture_on_commit_callbacks
):
    """The first edit's emails are written last: Kenji is on the meeting again, and its removal would
    withdraw the invitation that says so."""
    deliver_due()
    with django_capture_on_commit_callbacks() as taking_off:
        services.meeting_update(meeting=scheduled, actor=officer, stakeholders=guests[:1])
    edit(scheduled, stakeholders=guests)
    for callback in taking_off:
        callback()

    *_, again = invitations_to("kenji@example.jp")
    assert (again.status, again.subject.split(":")[0]) == (Status.PENDING, "Invitation")
    assert not OutboundMessage.objects.filter(kind="meeting_removal").exists()


def test_a_guest_whose_removal_may_not_have_arrived_is_told_of_the_cancellation(
    officer, scheduled, edit, guests, django_capture_on_commit_callbacks
):
    """The worker sending the removal stopped mid-send: the meeting may still be in Kenji's calendar, so
    withdrawing his new invitation is not enough."""
    deliver_due()
    edit(scheduled, stakeholders=guests[:1])
    OutboundMessage.objects.filter(kind="meeting_removal").update(
        status=Status.INTERRUPTED, claimed_at=timezone.now()
    )
    edit(scheduled, stakeholders=guests)

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=scheduled, actor=officer)

    assert invitations_to("kenji@example.jp").last().status == Status.CANCELLED
    assert OutboundMessage.objects.filter(kind="meeting_cancellation", to="kenji@example.jp").exists()


def test_cancelling_one_occurrence_of_a_series_tells_those_its_series_invitation_reached(
    officer, guests, django_capture_on_commit_callbacks
):
    """The series' own invitation, not the occurrence's, is what put this occurrence in their calendars."""
    with django_capture_on_commit_callbacks(execute=True):
        first = services.meeting_schedule(
            organiser=officer,
            stakeholders=guests,
            title="Weekly stand-up",
            starts_at=soon_at(10),
            ends_at=soon_at(11),
            frequency="weekly",
            count=3,
        )
    deliver_due()
    second = first.series.occurrences.order_by("original_start")[1]

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer)

    assert OutboundMessage.objects.filter(kind="meeting_cancellation").count() == 2
    assert OutboundMessage.objects.filter(kind="meeting_invitation", status=Status.SENT).count() == 2


class MeetingMovedWhileSendingBackend(locmem.EmailBackend):
    """The worker has claimed the invitation and is talking to the mail server when the organiser moves
    the meeting."""

    meanwhile = None

    def send_messages(self, messages):
        MeetingMovedWhileSendingBackend.meanwhile()
        return super().send_messages(messages)


class RefusedAfterAWhileBackend(MeetingMovedWhileSendingBackend):
    """While the mail server takes its time, the organiser changes the meeting; then the server hangs up."""

    def send_messages(self, messages):
        MeetingMovedWhileSendingBackend.meanwhile()
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def send_while(message, meanwhile, settings, *, refused=False):
    """Sends `message` as a worker does, `meanwhile` happening while the mail server has it; `refused`, the
    server then hangs up."""
    backend = RefusedAfterAWhileBackend if refused else MeetingMovedWhileSendingBackend
    settings.EMAIL_BACKEND = f"{__name__}.{backend.__name__}"
    MeetingMovedWhileSendingBackend.meanwhile = meanwhile
    try:
        message_send(message_id=message.pk)
    finally:
        MeetingMovedWhileSendingBackend.meanwhile = None


def test_an_update_to_a_later_occurrence_refused_after_this_and_following_were_cancelled_is_not_retried(
    officer, guests, settings, django_capture_on_commit_callbacks
):
    """The cancellation's own topic is the first occurrence it cancels; the update was to a later one, and
    tried again it would put that occurrence back in the calendar after the cancellation."""
    with django_capture_on_commit_callbacks(execute=True):
        first = services.meeting_schedule(
            organiser=officer,
            stakeholders=guests,
            title="Weekly stand-up",
            starts_at=soon_at(10),
            ends_at=soon_at(11),
            frequency="weekly",
            count=3,
        )
    deliver_due()
    second, third = first.series.occurrences.order_by("original_start")[1:]
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=third, actor=officer, location="Harbour House")
    update = invitations_to("ama@example.org").get(status=Status.PENDING)

    def cancel_this_and_following():
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_cancel(meeting=second, actor=officer, and_following=True)

    send_while(update, cancel_this_and_following, settings, refused=True)

    update.refresh_from_db()
    assert (update.status, update.attempts) == (Status.CANCELLED, 1)
    assert OutboundMessage.objects.filter(kind="meeting_cancellation", to="ama@example.org").exists()


@pytest.mark.django_db(transaction=True)
def test_an_invitation_a_worker_claimed_before_the_meeting_moved_goes_out_followed_by_an_update(
    settings, mailoutbox
):
    """Claimed, it may be on the wire already: it is left to go, and the guest told what changed."""
    officer = UserFactory()
    guest = StakeholderFactory(owner=officer, emails=["ama@example.org"], time_zone="UTC")
    meeting = services.meeting_schedule(
        organiser=officer, stakeholders=[guest], starts_at=soon_at(10), ends_at=soon_at(11), title="Review"
    )
    invitation = invitations_to("ama@example.org").get()
    send_while(
        invitation,
        lambda: services.meeting_update(
            meeting=meeting, actor=officer, starts_at=soon_at(15), ends_at=soon_at(16)
        ),
        settings,
    )

    sent, update = invitations_to("ama@example.org")
    assert (sent.pk, sent.status) == (invitation.pk, Status.SENT)
    assert (update.status, update.subject.split(":")[0]) == (Status.PENDING, "Updated invitation")
    assert "Time:   was" in update.body
    assert [email.subject for email in mailoutbox] == [invitation.subject]


@pytest.fixture
def weekly(officer, guests, django_capture_on_commit_callbacks):
    """Three weekly occurrences with Ama, her series invitation sent; Kenji added to the third occurrence
    alone, his invitation to it sent."""
    ama, kenji = guests
    with django_capture_on_commit_callbacks(execute=True):
        first = services.meeting_schedule(
            organiser=officer,
            stakeholders=[ama],
            title="Weekly stand-up",
            starts_at=soon_at(10),
            ends_at=soon_at(11),
            frequency="weekly",
            count=3,
        )
    third = first.series.occurrences.order_by("original_start")[2]
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=third, actor=officer, stakeholders=[ama, kenji])
    deliver_due()
    return list(first.series.occurrences.order_by("original_start"))


def test_cancelling_this_and_following_tells_a_guest_added_to_a_later_occurrence_alone(
    officer, weekly, django_capture_on_commit_callbacks
):
    _first, second, third = weekly
    assert invitations_to("kenji@example.jp").get().status == Status.SENT

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer, and_following=True)

    to_kenji = OutboundMessage.objects.get(kind="meeting_cancellation", to="kenji@example.jp")
    # His calendar holds the third occurrence alone: that is what the message cancels, and names.
    (event,) = icalendar.Calendar.from_ical(to_kenji.attachment_list[0].content).walk("VEVENT")
    assert event["recurrence-id"].dt == third.original_start
    assert "This meeting is cancelled" in to_kenji.body
    to_ama = OutboundMessage.objects.get(kind="meeting_cancellation", to="ama@example.org")
    cancelled = icalendar.Calendar.from_ical(to_ama.attachment_list[0].content).walk("VEVENT")
    assert [event["recurrence-id"].dt for event in cancelled] == [second.original_start, third.original_start]


def test_an_occurrence_cancelled_on_its_own_before_is_not_cancelled_again_by_this_and_following(
    officer, weekly, django_capture_on_commit_callbacks
):
    _first, second, third = weekly
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=third, actor=officer)
    deliver_due()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer, and_following=True)

    assert OutboundMessage.objects.filter(kind="meeting_cancellation", to="kenji@example.jp").count() == 1
    assert OutboundMessage.objects.filter(kind="meeting_cancellation", to="ama@example.org").count() == 2


def test_cancelling_this_and_following_withdraws_a_later_guests_waiting_invitation_and_tells_him_nothing(
    officer, guests, weekly, django_capture_on_commit_callbacks
):
    _first, second, third = weekly
    jo = StakeholderFactory(name="Jo Park", owner=officer, emails=["jo@example.org"], time_zone="UTC")
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(meeting=third, actor=officer, stakeholders=[*guests, jo])

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer, and_following=True)

    assert invitations_to("jo@example.org").get().status == Status.CANCELLED
    assert not OutboundMessage.objects.filter(kind="meeting_cancellation", to="jo@example.org").exists()
    assert OutboundMessage.objects.filter(kind="meeting_cancellation", to="kenji@example.jp").exists()


def test_a_failed_update_to_one_occurrence_can_be_sent_again_after_another_occurrences_update(
    weekly, admin_user, edit
):
    """A later message about another occurrence does not say what it said: refused, it would be lost."""
    _first, second, third = weekly
    edit(second, location="Room 9")
    update = invitations_to("ama@example.org").last()
    OutboundMessage.objects.filter(pk=update.pk).update(status=Status.FAILED)
    edit(third, location="Harbour House")

    message_retry(message=OutboundMessage.objects.get(pk=update.pk), actor=admin_user)

    assert OutboundMessage.objects.get(pk=update.pk).status == Status.PENDING


def test_cancelling_a_whole_series_withdraws_its_failed_invitation_and_tells_that_guest_nothing(
    officer, weekly, django_capture_on_commit_callbacks
):
    first, _second, _third = weekly
    series_invitation = invitations_to("ama@example.org").first()
    OutboundMessage.objects.filter(pk=series_invitation.pk).update(status=Status.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=first, actor=officer, and_following=True)

    assert OutboundMessage.objects.get(pk=series_invitation.pk).status == Status.CANCELLED
    assert not OutboundMessage.objects.filter(kind="meeting_cancellation", to="ama@example.org").exists()
    assert OutboundMessage.objects.filter(kind="meeting_cancellation", to="kenji@example.jp").exists()


@pytest.fixture
def weekly_waiting(officer, guests, django_capture_on_commit_callbacks):
    """Three weekly occurrences with Ama and Kenji, their series invitations written and not yet sent (a
    busy worker)."""
    with django_capture_on_commit_callbacks(execute=True):
        first = services.meeting_schedule(
            organiser=officer,
            stakeholders=guests,
            title="Weekly stand-up",
            starts_at=soon_at(10),
            ends_at=soon_at(11),
            frequency="weekly",
            count=3,
        )
    return list(first.series.occurrences.order_by("original_start"))


def series_event_of(message):
    """The series' own event in a message's .ics: the one with the rule."""
    events = icalendar.Calendar.from_ical(message.attachment_list[0].content).walk("VEVENT")
    (master,) = [event for event in events if "rrule" in event]
    return master


def excluded(event) -> list[dt.datetime]:
    return [moment.dt for moment in event.get("exdate").dts] if event.get("exdate") else []


def test_cancelling_one_occurrence_rewrites_a_waiting_series_invitation_without_it_and_sends_only_that(
    officer, weekly_waiting, mailoutbox, django_capture_on_commit_callbacks
):
    """The series invitation still waiting named the cancelled occurrence: sent as it was, it put that
    occurrence in the guest's calendar, after (or before) a cancellation of it."""
    _first, second, _third = weekly_waiting
    waiting = invitations_to("ama@example.org").get()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer)

    waiting.refresh_from_db()
    assert waiting.status == Status.CANCELLED
    rewritten = invitations_to("ama@example.org").exclude(pk=waiting.pk).get()
    assert (rewritten.status, rewritten.topic) == (Status.PENDING, waiting.topic)
    assert rewritten.subject.startswith("Invitation:")
    assert excluded(series_event_of(rewritten)) == [second.original_start]
    assert not OutboundMessage.objects.filter(kind="meeting_cancellation").exists()

    deliver_due()
    to_ama = [email for email in mailoutbox if email.to == ["ama@example.org"]]
    assert [email.subject for email in to_ama] == [rewritten.subject]


def test_cancelling_this_and_following_rewrites_a_waiting_series_invitation_with_what_is_left(
    officer, weekly_waiting, django_capture_on_commit_callbacks
):
    first, second, third = weekly_waiting
    waiting = invitations_to("kenji@example.jp").get()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer, and_following=True)

    assert OutboundMessage.objects.get(pk=waiting.pk).status == Status.CANCELLED
    rewritten = invitations_to("kenji@example.jp").get(status=Status.PENDING)
    assert excluded(series_event_of(rewritten)) == [second.original_start, third.original_start]
    # Named by the first occurrence still to take place.
    assert rewritten.group == f"meeting:{first.pk}"
    assert not OutboundMessage.objects.filter(kind="meeting_cancellation").exists()


def test_cancelling_an_occurrence_leaves_a_sent_series_invitation_and_tells_of_the_cancellation(
    officer, weekly_waiting, django_capture_on_commit_callbacks
):
    _first, second, _third = weekly_waiting
    deliver_due()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer)

    assert list(invitations_to("ama@example.org").values_list("status", flat=True)) == [Status.SENT]
    assert OutboundMessage.objects.filter(kind="meeting_cancellation", to="ama@example.org").exists()


def test_cancelling_the_last_occurrence_left_withdraws_a_waiting_series_invitation_and_writes_none(
    officer, weekly_waiting, django_capture_on_commit_callbacks
):
    first, second, _third = weekly_waiting
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer, and_following=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=first, actor=officer)

    assert not invitations_to("ama@example.org").filter(status=Status.PENDING).exists()
    assert not OutboundMessage.objects.filter(kind="meeting_cancellation").exists()


def weekly_to_come(officer, guests, django_capture_on_commit_callbacks):
    """Three weekly occurrences with Ama and Kenji, scheduled and committed; the messages that invite them
    (returned, to run) not yet written: the scheduling request is still writing them."""
    with django_capture_on_commit_callbacks() as invitations:
        first = services.meeting_schedule(
            organiser=officer,
            stakeholders=guests,
            title="Weekly stand-up",
            starts_at=soon_at(10),
            ends_at=soon_at(11),
            frequency="weekly",
            count=3,
        )
    return list(first.series.occurrences.order_by("original_start")), invitations


def test_an_occurrence_cancelled_before_the_series_invitations_are_written_is_left_out_and_never_cancelled(
    officer, guests, mailoutbox, django_capture_on_commit_callbacks
):
    """The organiser cancelled the third occurrence right after scheduling the series: its guests were
    sent a cancellation of an occurrence they were never invited to, before the invitation that left it
    out."""
    (_first, _second, third), invitations = weekly_to_come(
        officer, guests, django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=third, actor=officer)

    for callback in invitations:
        callback()

    assert not OutboundMessage.objects.filter(kind="meeting_cancellation").exists()
    for address in ("ama@example.org", "kenji@example.jp"):
        invitation = series_invitations_to(address).get()
        assert excluded(series_event_of(invitation)) == [third.original_start]
    deliver_due()
    assert sorted(email.subject.split(":")[0] for email in mailoutbox) == ["Invitation", "Invitation"]


def test_cancelling_an_occurrence_tells_each_guest_by_what_their_series_invitation_did(
    officer, guests, admin_user, django_capture_on_commit_callbacks
):
    """Ama's series invitation went out: she is told the occurrence is cancelled. Kenji's is still waiting:
    it is written again without it, and that is all he is sent. Jo's was withdrawn by an administrator
    before it went: nothing put the occurrence in her calendar, and nothing is sent to take it out."""
    jo = StakeholderFactory(name="Jo Park", owner=officer, emails=["jo@example.org"], time_zone="UTC")
    (_first, second, _third), invitations = weekly_to_come(
        officer, [*guests, jo], django_capture_on_commit_callbacks
    )
    for callback in invitations:
        callback()
    message_send(message_id=series_invitations_to("ama@example.org").get().pk)
    message_cancel(message=series_invitations_to("jo@example.org").get(), actor=admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer)

    cancellations = OutboundMessage.objects.filter(kind="meeting_cancellation")
    assert list(cancellations.values_list("to", flat=True)) == ["ama@example.org"]
    (kenjis,) = series_invitations_to("kenji@example.jp").filter(status=Status.PENDING)
    assert excluded(series_event_of(kenjis)) == [second.original_start]
    assert not series_invitations_to("jo@example.org").exclude(status=Status.CANCELLED).exists()


def test_a_meeting_cancelled_before_its_invitations_are_written_sends_nothing(
    officer, guests, mailoutbox, django_capture_on_commit_callbacks
):
    """Neither a cancellation of a meeting its guests were never invited to, nor then an invitation to a
    meeting already cancelled."""
    with django_capture_on_commit_callbacks() as invitations:
        meeting = services.meeting_schedule(
            organiser=officer,
            stakeholders=guests,
            title="Harbour review",
            starts_at=soon_at(10),
            ends_at=soon_at(11),
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, actor=officer)

    for callback in invitations:
        callback()

    assert not OutboundMessage.objects.exclude(kind="meeting_reminder").exists()
    deliver_due()
    assert mailoutbox == []


# --- "Send again with current details" ---------------------------------------------------------------------


def interrupted(message) -> OutboundMessage:
    """Its worker died mid-send: it may or may not have arrived."""
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.INTERRUPTED, attempts=1, claimed_at=timezone.now()
    )
    return OutboundMessage.objects.get(pk=message.pk)


def failed(message) -> OutboundMessage:
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.FAILED, attempts=5, last_error="SMTPRecipientsRefused: 554 recipient refused"
    )
    return OutboundMessage.objects.get(pk=message.pk)


def test_an_interrupted_invitation_a_later_update_replaced_is_sent_again_with_the_meetings_current_details(
    scheduled, edit, admin_user, mailoutbox
):
    """ "Send again" is refused for it: it would arrive after the update and undo it. The update, still
    waiting, tells Ama what changed from an invitation she may never have had."""
    invitation = interrupted(invitations_to("ama@example.org").get())
    edit(scheduled, starts_at=soon_at(15), ends_at=soon_at(16), location="Harbour House")
    update = invitations_to("ama@example.org").last()
    assert update.status == Status.PENDING
    assert not invitation.can_send_again
    assert invitation.can_send_with_current_details

    fresh = message_rewrite(message=invitation, actor=admin_user)

    assert (fresh.status, fresh.topic, fresh.kind) == (Status.PENDING, invitation.topic, "meeting_invitation")
    assert fresh.key not in (invitation.key, update.key)
    assert fresh.subject.startswith("Invitation:")
    assert "Harbour House" in fresh.body and "Room 4" not in fresh.body
    assert event_of(fresh)["dtstart"].dt == soon_at(15)
    assert event_of(fresh)["sequence"] == 1
    invitation = OutboundMessage.objects.get(pk=invitation.pk)
    # It may have arrived: it stays interrupted, superseded, and names what replaced it.
    assert invitation.status == Status.INTERRUPTED and invitation.superseded_at is not None
    assert invitation.replacement == fresh
    # The update says the same from behind: withdrawn, so Ama is told once.
    assert OutboundMessage.objects.get(pk=update.pk).status == Status.CANCELLED

    deliver_due()
    to_ama = [email for email in mailoutbox if email.to == ["ama@example.org"]]
    assert [email.subject for email in to_ama] == [fresh.subject]


def test_a_failed_invitation_sent_again_with_current_details_is_cancelled_naming_the_new_one(
    scheduled, admin_user
):
    invitation = failed(invitations_to("ama@example.org").get())

    fresh = message_rewrite(message=invitation, actor=admin_user)

    invitation.refresh_from_db()
    assert invitation.status == Status.CANCELLED
    assert invitation.cancelled_because == f"Sent again with the current details, as message #{fresh.pk}."
    assert fresh.subject.startswith("Invitation:")


def test_an_interrupted_invitation_sent_again_with_current_details_is_not_offered_it_twice(
    scheduled, admin_user
):
    """A double click, or Back and send again: the second would write another message."""
    invitation = interrupted(invitations_to("ama@example.org").get())
    message_rewrite(message=invitation, actor=admin_user)
    invitation.refresh_from_db()
    assert not invitation.can_send_with_current_details

    with pytest.raises(ValidationError, match="A later message has replaced this one already"):
        message_rewrite(message=invitation, actor=admin_user)

    assert invitations_to("ama@example.org").filter(status=Status.PENDING).count() == 1


def test_a_failed_series_invitation_is_sent_again_with_an_occurrence_moved_since(
    officer, weekly_waiting, admin_user, edit
):
    """The occurrence's update is on its own topic: the series invitation as it was would put the old
    time back."""
    _first, second, _third = weekly_waiting
    series_invitation = failed(invitations_to("ama@example.org").get())
    edit(
        second,
        starts_at=second.starts_at + dt.timedelta(hours=4),
        ends_at=second.ends_at + dt.timedelta(hours=4),
    )
    second.refresh_from_db()

    fresh = message_rewrite(message=series_invitation, actor=admin_user)

    assert fresh.topic == series_invitation.topic
    events = icalendar.Calendar.from_ical(fresh.attachment_list[0].content).walk("VEVENT")
    (moved,) = [event for event in events if "recurrence-id" in event]
    assert (moved["recurrence-id"].dt, moved["dtstart"].dt) == (second.original_start, second.starts_at)
    assert "Repeats: every week, 3 times" in fresh.body


@pytest.mark.parametrize(
    "what_happened, refusal",
    [
        ("cancelled", "This meeting is cancelled"),
        ("guest removed", "The guest this message was for (ama@example.org) is no longer invited"),
    ],
)
def test_sending_again_with_current_details_is_refused_with_nothing_to_invite_to(
    officer, scheduled, guests, admin_user, edit, django_capture_on_commit_callbacks, what_happened, refusal
):
    invitation = interrupted(invitations_to("ama@example.org").get())
    if what_happened == "cancelled":
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_cancel(meeting=scheduled, actor=officer)
    else:
        edit(scheduled, stakeholders=guests[1:])
    before = set(OutboundMessage.objects.values_list("pk", "status"))
    assert not OutboundMessage.objects.get(pk=invitation.pk).can_send_with_current_details

    with pytest.raises(ValidationError) as refused:
        message_rewrite(message=invitation, actor=admin_user)

    assert refusal in " ".join(refused.value.messages)
    assert set(OutboundMessage.objects.values_list("pk", "status")) == before


def test_sending_again_with_current_details_is_refused_for_a_series_with_nothing_left(
    officer, weekly_waiting, admin_user, django_capture_on_commit_callbacks
):
    first, _second, _third = weekly_waiting
    series_invitation = interrupted(invitations_to("ama@example.org").get())
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=first, actor=officer, and_following=True)

    with pytest.raises(ValidationError, match="Nothing of this series is still to take place"):
        message_rewrite(message=OutboundMessage.objects.get(pk=series_invitation.pk), actor=admin_user)


def test_only_administrators_send_again_with_current_details(scheduled, officer):
    invitation = failed(invitations_to("ama@example.org").get())

    with pytest.raises(PermissionDenied):
        message_rewrite(message=invitation, actor=officer)

    assert invitations_to("ama@example.org").get().status == Status.FAILED


# --- A series invitation on its way, or cancelled twice at once --------------------------------------------


def series_invitations_to(address):
    return invitations_to(address).filter(topic__contains=":series:")


def test_a_series_invitation_refused_after_an_occurrence_was_cancelled_on_its_way_is_replaced_without_it(
    officer, weekly_waiting, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """Claimed when the organiser cancelled one occurrence, it was marked superseded and left to go; the
    server then refused it, it was dropped instead of tried again, and nothing was written in its place:
    Ama was sent a cancellation for a series she never had, and nothing of the two occurrences left."""
    _first, second, _third = weekly_waiting
    on_its_way = invitations_to("ama@example.org").get()

    def cancel_the_second():
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_cancel(meeting=second, actor=officer)

    send_while(on_its_way, cancel_the_second, settings, refused=True)

    on_its_way.refresh_from_db()
    assert on_its_way.status == Status.CANCELLED
    (standing,) = series_invitations_to("ama@example.org").exclude(status=Status.CANCELLED)
    assert (standing.status, standing.topic) == (Status.PENDING, on_its_way.topic)
    assert excluded(series_event_of(standing)) == [second.original_start]
    assert standing.replacement is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver_due()
    to_ama = [email.subject for email in mailoutbox if email.to == ["ama@example.org"]]
    assert to_ama.count(standing.subject) == 1
    assert not any(subject.startswith("Invitation:") for subject in to_ama if subject != standing.subject)


def test_a_series_invitation_delivered_after_an_occurrence_was_cancelled_on_its_way_is_followed_by_the_next(
    officer, weekly_waiting, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """It went out naming the cancelled occurrence: the series as it is now follows it, once."""
    _first, second, _third = weekly_waiting
    on_its_way = invitations_to("ama@example.org").get()

    def cancel_the_second():
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_cancel(meeting=second, actor=officer)

    send_while(on_its_way, cancel_the_second, settings)

    on_its_way.refresh_from_db()
    assert on_its_way.status == Status.SENT
    (next_version,) = series_invitations_to("ama@example.org").filter(status=Status.PENDING)
    assert excluded(series_event_of(next_version)) == [second.original_start]
    assert series_event_of(next_version)["sequence"] > series_event_of(on_its_way)["sequence"]


def test_a_series_invitation_rewritten_on_a_cancellation_is_written_though_an_occurrence_update_has_its_key(
    officer, weekly_waiting, edit, django_capture_on_commit_callbacks
):
    """The series' invitation was keyed as its first occurrence's own: that occurrence's update, at the
    same version, was found in its place and no series invitation was written."""
    first, second, _third = weekly_waiting
    series_invitation = failed(invitations_to("ama@example.org").get())
    edit(first, location="Harbour House")
    update = invitations_to("ama@example.org").exclude(pk=series_invitation.pk).get()
    assert update.status == Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer)

    assert OutboundMessage.objects.get(pk=series_invitation.pk).status == Status.CANCELLED
    (rewritten,) = invitations_to("ama@example.org").filter(
        topic=series_invitation.topic, status=Status.PENDING
    )
    assert excluded(series_event_of(rewritten)) == [second.original_start]
    assert rewritten.key != update.key
    assert OutboundMessage.objects.get(pk=update.pk).status == Status.PENDING


def test_two_cancellations_whose_messages_are_written_in_the_reverse_order_leave_one_series_invitation(
    officer, weekly_waiting, django_capture_on_commit_callbacks
):
    """The second cancellation's messages were written first, rewriting the series invitation at the
    series' version; the first's then withdrew that one and wrote its own at the same version, which found
    the one it had just withdrawn: no invitation was left."""
    _first, second, third = weekly_waiting
    with django_capture_on_commit_callbacks() as first_cancellation:
        services.meeting_cancel(meeting=second, actor=officer)
    with django_capture_on_commit_callbacks() as second_cancellation:
        services.meeting_cancel(meeting=third, actor=officer)

    for callback in [*second_cancellation, *first_cancellation]:
        callback()

    for address in ("ama@example.org", "kenji@example.jp"):
        (standing,) = series_invitations_to(address).exclude(status=Status.CANCELLED)
        assert standing.status == Status.PENDING
        assert excluded(series_event_of(standing)) == [second.original_start, third.original_start]


def test_a_guest_whose_series_invitation_is_still_waiting_is_sent_no_cancellation_when_those_come_in_reverse(
    officer, weekly_waiting, mailoutbox, django_capture_on_commit_callbacks
):
    """The second cancellation's messages, written first, wrote the series invitation again without either
    occurrence; the first's then found it waiting, of the series' version, kept it, and sent a cancellation
    of an occurrence the guest was never invited to."""
    _first, second, third = weekly_waiting
    with django_capture_on_commit_callbacks() as first_cancellation:
        services.meeting_cancel(meeting=second, actor=officer)
    with django_capture_on_commit_callbacks() as second_cancellation:
        services.meeting_cancel(meeting=third, actor=officer)

    for callback in [*second_cancellation, *first_cancellation]:
        callback()

    assert not OutboundMessage.objects.filter(kind="meeting_cancellation").exists()
    deliver_due()
    to_ama = [email.subject for email in mailoutbox if email.to == ["ama@example.org"]]
    assert len(to_ama) == 1 and to_ama[0].startswith("Invitation:")


def test_a_series_invitation_on_its_way_when_an_occurrence_is_cancelled_is_followed_by_no_cancellation_of_it(
    officer, weekly_waiting, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """The series' next version, written after it, leaves the occurrence out: a cancellation as well was a
    message too many, and one about an occurrence never received should the server refuse the first."""
    _first, second, _third = weekly_waiting
    on_its_way = invitations_to("ama@example.org").get()

    def cancel_the_second():
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_cancel(meeting=second, actor=officer)

    send_while(on_its_way, cancel_the_second, settings)

    assert not OutboundMessage.objects.filter(kind="meeting_cancellation").exists()
    (next_version,) = series_invitations_to("ama@example.org").filter(status=Status.PENDING)
    assert excluded(series_event_of(next_version)) == [second.original_start]


def test_a_guest_sent_an_update_of_the_occurrence_is_told_of_its_cancellation_though_the_series_is_to_come(
    officer, weekly_waiting, edit, django_capture_on_commit_callbacks
):
    """The update put the occurrence in Ama's calendar, whatever became of her series invitation."""
    _first, second, _third = weekly_waiting
    series_invitation = failed(invitations_to("ama@example.org").get())
    edit(second, location="Harbour House")
    deliver_due()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer)

    assert OutboundMessage.objects.get(pk=series_invitation.pk).status == Status.CANCELLED
    assert series_invitations_to("ama@example.org").filter(status=Status.PENDING).exists()
    assert OutboundMessage.objects.filter(kind="meeting_cancellation", to="ama@example.org").exists()


def test_an_interrupted_series_invitation_is_followed_by_the_series_as_it_is_after_an_occurrence_is_cancelled(
    officer, weekly_waiting, admin_user, django_capture_on_commit_callbacks
):
    """Left as it was, "Send again" sent it naming the occurrence cancelled, after the cancellation."""
    _first, second, _third = weekly_waiting
    series_invitation = interrupted(invitations_to("ama@example.org").get())

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer)

    assert OutboundMessage.objects.get(pk=series_invitation.pk).status == Status.INTERRUPTED
    (next_version,) = series_invitations_to("ama@example.org").filter(status=Status.PENDING)
    assert next_version.topic == series_invitation.topic
    assert excluded(series_event_of(next_version)) == [second.original_start]
    assert not OutboundMessage.objects.filter(kind="meeting_cancellation", to="ama@example.org").exists()
    with pytest.raises(ValidationError, match="replaced this one"):
        message_retry(message=series_invitation, actor=admin_user)


def test_an_interrupted_series_invitation_followed_by_the_series_is_not_rewritten_by_the_next_cancellation(
    officer, weekly_waiting, mailoutbox, django_capture_on_commit_callbacks
):
    """An interrupted message stays interrupted: counted as one "Send again" could still send, every later
    cancellation wrote the series again for its guest, and sent the cancellation too."""
    _first, second, third = weekly_waiting
    interrupted(invitations_to("ama@example.org").get())
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer)
    deliver_due()
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=third, actor=officer)
    deliver_due()

    subjects = {
        to: [e.subject for e in mailoutbox if e.to == [to]] for to in ("ama@example.org", "kenji@example.jp")
    }
    assert subjects["ama@example.org"] == subjects["kenji@example.jp"]
    assert [s.split(":")[0] for s in subjects["ama@example.org"]] == ["Cancelled"]


def test_an_interrupted_series_invitation_sent_again_with_current_details_is_not_rewritten_by_a_cancellation(
    officer, weekly_waiting, mailoutbox, admin_user, django_capture_on_commit_callbacks
):
    _first, second, _third = weekly_waiting
    message_rewrite(message=interrupted(invitations_to("ama@example.org").get()), actor=admin_user)
    deliver_due()
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer)
    deliver_due()

    subjects = {
        to: [e.subject for e in mailoutbox if e.to == [to]] for to in ("ama@example.org", "kenji@example.jp")
    }
    assert subjects["ama@example.org"] == subjects["kenji@example.jp"]
    assert [s.split(":")[0] for s in subjects["ama@example.org"]] == ["Cancelled"]


def test_an_interrupted_series_invitation_is_not_sent_again_once_the_rest_of_the_series_is_cancelled(
    officer, weekly_waiting, mailoutbox, admin_user, django_capture_on_commit_callbacks
):
    """Nothing left planned, nothing was written on its topic after it: "Send again" sent every occurrence,
    planned, after their cancellations."""
    first, _second, _third = weekly_waiting
    series_invitation = interrupted(invitations_to("ama@example.org").get())
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=first, actor=officer, and_following=True)
    deliver_due()
    mailoutbox.clear()

    series_invitation = OutboundMessage.objects.get(pk=series_invitation.pk)
    assert not series_invitation.can_send_again
    assert series_invitation.send_again_refusal.startswith("Nothing of this meeting is still to take place")
    with pytest.raises(ValidationError, match="Nothing of this meeting is still to take place"):
        message_retry(message=series_invitation, actor=admin_user)
    deliver_due()

    assert OutboundMessage.objects.get(pk=series_invitation.pk).status == Status.INTERRUPTED
    assert not mailoutbox


def test_an_interrupted_series_invitation_whose_rewrite_was_cancelled_is_followed_by_the_series(
    officer, weekly_waiting, admin_user, django_capture_on_commit_callbacks
):
    """Counted as replaced, though nothing stood after it: Ama was sent only the cancellation, none of the
    occurrences left if it never arrived, and "Send again" then sent the series naming the one cancelled."""
    _first, second, _third = weekly_waiting
    series_invitation = interrupted(invitations_to("ama@example.org").get())
    message_cancel(message=message_rewrite(message=series_invitation, actor=admin_user), actor=admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer)

    (next_version,) = series_invitations_to("ama@example.org").filter(status=Status.PENDING)
    assert next_version.topic == series_invitation.topic
    assert excluded(series_event_of(next_version)) == [second.original_start]
    assert not OutboundMessage.objects.filter(kind="meeting_cancellation", to="ama@example.org").exists()
    with pytest.raises(ValidationError, match="replaced this one"):
        message_retry(message=series_invitation, actor=admin_user)


def test_an_interrupted_invitation_whose_rewrite_was_cancelled_is_sent_again_only_with_current_details(
    scheduled, admin_user, mailoutbox
):
    """Its rewrite cancelled, plain "Send again" sent what was found stale then, as it was."""
    invitation = interrupted(invitations_to("ama@example.org").get())
    message_cancel(message=message_rewrite(message=invitation, actor=admin_user), actor=admin_user)
    invitation = OutboundMessage.objects.get(pk=invitation.pk)

    assert not invitation.can_send_again
    assert invitation.can_send_with_current_details
    with pytest.raises(ValidationError, match="what replaced it was cancelled since"):
        message_retry(message=invitation, actor=admin_user)
    fresh = message_rewrite(message=invitation, actor=admin_user)
    deliver_due()

    assert OutboundMessage.objects.get(pk=invitation.pk).status == Status.INTERRUPTED
    assert [e.subject for e in mailoutbox if e.to == ["ama@example.org"]] == [fresh.subject]


def addressed_the_old_way(invitation) -> OutboundMessage:
    """Its topic as written before topics named guests by who they are: by the address."""
    meeting_part = invitation.topic.removesuffix(":stakeholder:" + invitation.topic.rsplit(":", 1)[1])
    OutboundMessage.objects.filter(pk=invitation.pk).update(topic=f"{meeting_part}:{invitation.to}")
    return OutboundMessage.objects.get(pk=invitation.pk)


def test_a_meeting_whose_invitations_name_their_guests_by_address_is_cancelled_for_every_guest(
    officer, scheduled, django_capture_on_commit_callbacks
):
    """Nothing stands on the topics naming the guests by who they are, yet the invitations reached them."""
    deliver_due()
    for invitation in OutboundMessage.objects.filter(kind="meeting_invitation"):
        addressed_the_old_way(invitation)

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=scheduled, actor=officer)

    cancellations = OutboundMessage.objects.filter(kind="meeting_cancellation")
    assert sorted(cancellations.values_list("to", flat=True)) == ["ama@example.org", "kenji@example.jp"]


def test_a_failed_invitation_whose_topic_names_its_guest_by_address_is_not_sent_again_once_cancelled(
    officer, scheduled, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    """Its guest cannot be told from its topic, so it is not written again, but sent as it was it put the
    meeting back in Ama's calendar after the cancellation, on the topic naming her by who she is."""
    invitation = failed(addressed_the_old_way(invitations_to("ama@example.org").get()))
    assert notifications.topic_about(invitation.topic) is None

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=scheduled, actor=officer)
    invitation = OutboundMessage.objects.get(pk=invitation.pk)

    assert OutboundMessage.objects.filter(kind="meeting_cancellation", to="ama@example.org").exists()
    assert not invitation.can_send_again
    assert "This meeting is cancelled" in invitation.send_again_refusal
    with pytest.raises(ValidationError, match="This meeting is cancelled"):
        message_retry(message=invitation, actor=admin_user)
    assert OutboundMessage.objects.get(pk=invitation.pk).status == Status.FAILED


def test_a_failed_invitation_whose_topic_names_its_guest_by_address_is_not_sent_again_after_an_update(
    scheduled, edit, admin_user
):
    """The update to Ama, on the topic naming her by who she is, tells the new time: the old invitation
    sent after it would put the old one back."""
    invitation = failed(addressed_the_old_way(invitations_to("ama@example.org").get()))

    edit(scheduled, starts_at=soon_at(15), ends_at=soon_at(16))
    update = invitations_to("ama@example.org").last()
    invitation = OutboundMessage.objects.get(pk=invitation.pk)

    assert update.topic != invitation.topic
    assert not invitation.can_send_again
    with pytest.raises(ValidationError, match=f"A later message about this meeting .*#{update.pk}"):
        message_retry(message=invitation, actor=admin_user)


def test_a_failed_invitation_whose_topic_names_its_guest_by_address_is_sent_again_while_nothing_followed(
    scheduled, admin_user
):
    invitation = failed(addressed_the_old_way(invitations_to("ama@example.org").get()))

    assert (invitation.can_send_again, invitation.send_again_refusal) == (True, "")
    message_retry(message=invitation, actor=admin_user)

    assert OutboundMessage.objects.get(pk=invitation.pk).status == Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_guest_merged_while_a_cancellations_messages_are_written_has_their_series_invitation_written_again(
    officer, guests, weekly_waiting
):
    """The merge changed no version: the series as first read still had the guest under the record merged
    away, their waiting series invitation was withdrawn, and none written in its place."""
    duplicate, _kenji = guests
    keep = StakeholderFactory(name="Ama Owusu", owner=officer, emails=["ama@example.org"], time_zone="UTC")
    _first, second, _third = weekly_waiting
    # As `meeting_cancel` leaves it, its messages still to be written.
    Meeting.objects.filter(pk=second.pk).update(status=MeetingStatus.CANCELLED, sequence=F("sequence") + 1)
    MeetingSeries.objects.filter(pk=second.series_id).update(sequence=F("sequence") + 1)
    second = Meeting.objects.select_related("series").get(pk=second.pk)

    outcome = merged_during(lambda: notifications.cancellations_send(second), keep=keep, duplicate=duplicate)

    assert outcome is None, outcome
    (rewritten,) = series_invitations_to("ama@example.org").filter(status=Status.PENDING)
    assert rewritten.topic.endswith(f":stakeholder:{keep.pk}")
    assert excluded(series_event_of(rewritten)) == [second.original_start]


@pytest.mark.django_db(transaction=True)
def test_a_record_merged_into_a_guest_of_the_cancelled_occurrence_meanwhile_has_its_series_written_again(
    officer, guests, weekly_waiting
):
    """The duplicate was on the other occurrences, not the one cancelled: the series as first read had them
    there, its waiting series invitation, readdressed to the record kept, was withdrawn and none written."""
    duplicate, _kenji = guests
    keep = StakeholderFactory(name="Ama Owusu", owner=officer, emails=["ama@example.org"], time_zone="UTC")
    _first, second, _third = weekly_waiting
    # The record kept is on the second occurrence alone, the duplicate on the first and third.
    second.attendees.filter(stakeholder=duplicate).update(stakeholder=keep)
    # As `meeting_cancel` leaves it, its messages still to be written.
    Meeting.objects.filter(pk=second.pk).update(status=MeetingStatus.CANCELLED, sequence=F("sequence") + 1)
    MeetingSeries.objects.filter(pk=second.series_id).update(sequence=F("sequence") + 1)
    second = Meeting.objects.select_related("series").get(pk=second.pk)

    outcome = merged_during(lambda: notifications.cancellations_send(second), keep=keep, duplicate=duplicate)

    assert outcome is None, outcome
    (rewritten,) = series_invitations_to("ama@example.org").filter(status=Status.PENDING)
    assert rewritten.topic.endswith(f":stakeholder:{keep.pk}")
    assert excluded(series_event_of(rewritten)) == [second.original_start]


def test_a_later_update_written_by_a_process_from_before_guest_keys_is_not_withdrawn_by_an_earlier_one(
    scheduled,
):
    """During a deploy, an old process wrote edit 2's update keyed by the address alone; edit 1's, written
    after it by a new one, withdrew it as stale, and Ama's calendar was left at edit 1."""
    topic = invitations_to("ama@example.org").get().topic
    Meeting.objects.filter(pk=scheduled.pk).update(sequence=2, location="Room 6")
    written_before = message_enqueue(
        key=f"meeting-invitation:{scheduled.ical_uid}::2:ama@example.org",
        kind="meeting_invitation",
        to="ama@example.org",
        subject="Updated invitation: Harbour review",
        body="Now in Room 6.",
        topic=topic,
    )
    meeting = Meeting.objects.select_related("series").get(pk=scheduled.pk)

    first_edit = notifications.MeetingChange(
        version=1, was={"location": "Room 4"}, now={"location": "Room 5"}
    )

    notifications.invitations_send(meeting, change=first_edit)

    assert OutboundMessage.objects.get(pk=written_before.pk).status == Status.PENDING


# --- Another change saved while an edit's messages are written ---------------------------------------------


@pytest.fixture
def meanwhile(monkeypatch):
    """Makes `change` happen, and its messages be written, once the next messages to be written have read
    their meeting and hold its guests' records: as another edit or cancellation committed in between."""

    def then(change):
        as_held = notifications._as_held

        def holding_then_changed(attendees):
            monkeypatch.setattr(notifications, "_as_held", as_held)
            held = as_held(attendees)
            change()
            return held

        monkeypatch.setattr(notifications, "_as_held", holding_then_changed)

    return then


def test_an_edits_update_written_after_the_next_edits_leaves_that_one_and_says_where_the_meeting_is_now(
    scheduled, officer, edit, meanwhile, mailoutbox, django_capture_on_commit_callbacks
):
    """The first edit's messages read the meeting, then the second edit was saved and its update written:
    they took that version for one not yet made, withdrew its update as stale, and sent Ama the meeting in
    Room 4, where it no longer was."""
    deliver_due()
    with django_capture_on_commit_callbacks() as first_edits_messages:
        services.meeting_update(meeting=scheduled, actor=officer, starts_at=soon_at(15), ends_at=soon_at(16))
    meanwhile(lambda: edit(scheduled, location="Harbour House"))

    for callback in first_edits_messages:
        callback()

    _sent, *updates = invitations_to("ama@example.org")
    assert [update.status for update in updates] == [Status.PENDING, Status.PENDING]
    for update in updates:
        assert "Harbour House" in update.body
        assert (event_of(update).decoded("dtstart"), event_of(update)["SEQUENCE"]) == (soon_at(15), 2)
    mailoutbox.clear()
    deliver_due()
    to_ama = [email for email in mailoutbox if email.to == ["ama@example.org"]]
    assert len(to_ama) == 2 and all("Harbour House" in email.body for email in to_ama)


def test_a_removal_written_after_the_next_edit_invited_the_guest_back_is_not_written(
    scheduled, officer, guests, edit, meanwhile, django_capture_on_commit_callbacks
):
    """The edit taking Kenji off read the meeting, then the next edit, moving it to Harbour House, invited
    him back: his invitation to it was withdrawn as stale, and a removal took the meeting out of his
    calendar though he was on it."""
    deliver_due()
    with django_capture_on_commit_callbacks() as removals:
        services.meeting_update(meeting=scheduled, actor=officer, stakeholders=guests[:1])
    meanwhile(lambda: edit(scheduled, stakeholders=guests, location="Harbour House"))

    for callback in removals:
        callback()

    _sent, invited_back = invitations_to("kenji@example.jp")
    assert invited_back.status == Status.PENDING and "Harbour House" in invited_back.body
    assert not OutboundMessage.objects.filter(kind="meeting_removal").exists()


def test_a_series_invitation_written_after_an_occurrence_was_cancelled_leaves_it_out(
    officer, guests, meanwhile, django_capture_on_commit_callbacks
):
    """The series' first invitations read the series, then its third occurrence was cancelled: they were
    written of the version read, the third occurrence in them, and put it back in the guests' calendars
    after its cancellation."""
    with django_capture_on_commit_callbacks() as invitations:
        first = services.meeting_schedule(
            organiser=officer,
            stakeholders=guests,
            title="Weekly stand-up",
            starts_at=soon_at(10),
            ends_at=soon_at(11),
            frequency="weekly",
            count=3,
        )
    third = first.series.occurrences.order_by("original_start")[2]

    def cancel_the_third():
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_cancel(meeting=third, actor=officer)

    meanwhile(cancel_the_third)

    for callback in invitations:
        callback()

    for address in ("ama@example.org", "kenji@example.jp"):
        invitation = series_invitations_to(address).get()
        assert series_event_of(invitation)["SEQUENCE"] == 1
        assert excluded(series_event_of(invitation)) == [third.original_start]
    # Its cancellation's messages, written before any invitation, found nobody it had reached.
    assert not OutboundMessage.objects.filter(kind="meeting_cancellation").exists()


def test_a_removal_written_after_an_edit_that_only_invited_the_guest_back_is_not_written(
    scheduled, officer, guests, edit, meanwhile, django_capture_on_commit_callbacks
):
    """The next edit changed nothing but the guest list, so made no new version: the meeting was not read
    again under its lock, Kenji was taken for still off it, and his removal followed his new invitation."""
    deliver_due()
    with django_capture_on_commit_callbacks() as removals:
        services.meeting_update(meeting=scheduled, actor=officer, stakeholders=guests[:1])
    meanwhile(lambda: edit(scheduled, stakeholders=guests))

    for callback in removals:
        callback()

    _sent, invited_back = invitations_to("kenji@example.jp")
    assert invited_back.status == Status.PENDING
    assert not OutboundMessage.objects.filter(kind="meeting_removal").exists()


def test_an_update_written_after_the_next_edit_took_the_guest_off_is_not_written(
    scheduled, officer, guests, edit, meanwhile, django_capture_on_commit_callbacks
):
    """Kenji's update, written after his removal, put the meeting back in his calendar."""
    deliver_due()
    with django_capture_on_commit_callbacks() as first_edits_messages:
        services.meeting_update(meeting=scheduled, actor=officer, starts_at=soon_at(15), ends_at=soon_at(16))
    meanwhile(lambda: edit(scheduled, stakeholders=guests[:1]))

    for callback in first_edits_messages:
        callback()

    (sent,) = invitations_to("kenji@example.jp")
    assert sent.status == Status.SENT
    assert OutboundMessage.objects.get(kind="meeting_removal", to="kenji@example.jp").status == Status.PENDING
    assert invitations_to("ama@example.org").last().status == Status.PENDING


def test_a_guest_added_and_taken_off_again_before_their_invitation_was_written_is_not_invited(
    scheduled, officer, guests, edit, meanwhile, django_capture_on_commit_callbacks
):
    """Zoe's invitation, written after the next edit took her off, put the meeting in her calendar. Nothing
    of it had reached her when she was taken off, so she is sent nothing at all."""
    deliver_due()
    zoe = StakeholderFactory(name="Zoe Ng", owner=officer, emails=["zoe@example.org"], time_zone="UTC")
    with django_capture_on_commit_callbacks() as first_edits_messages:
        services.meeting_update(meeting=scheduled, actor=officer, stakeholders=[*guests, zoe])
    meanwhile(lambda: edit(scheduled, stakeholders=guests))

    for callback in first_edits_messages:
        callback()

    assert not OutboundMessage.objects.filter(to="zoe@example.org").exists()


def test_an_update_written_after_the_meeting_was_cancelled_is_not_written(
    scheduled, officer, meanwhile, django_capture_on_commit_callbacks
):
    """The update, written after the cancellation, put the cancelled meeting back in Ama's calendar."""
    deliver_due()
    with django_capture_on_commit_callbacks() as first_edits_messages:
        services.meeting_update(meeting=scheduled, actor=officer, starts_at=soon_at(15), ends_at=soon_at(16))

    def cancel():
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_cancel(meeting=Meeting.objects.get(pk=scheduled.pk), actor=officer)

    meanwhile(cancel)

    for callback in first_edits_messages:
        callback()

    (sent,) = invitations_to("ama@example.org")
    assert sent.status == Status.SENT
    cancellation = OutboundMessage.objects.get(kind="meeting_cancellation", to="ama@example.org")
    assert cancellation.status == Status.PENDING


def test_an_edits_update_written_after_the_next_edits_moved_the_meeting_again_is_not_written(
    scheduled, officer, edit, meanwhile, mailoutbox, django_capture_on_commit_callbacks
):
    """Sent last, it said "was 10:00, now 15:00" of a meeting at 17:00, after the update that said so."""
    deliver_due()
    with django_capture_on_commit_callbacks() as first_edits_messages:
        services.meeting_update(meeting=scheduled, actor=officer, starts_at=soon_at(15), ends_at=soon_at(16))
    meanwhile(lambda: edit(scheduled, starts_at=soon_at(17), ends_at=soon_at(18)))

    for callback in first_edits_messages:
        callback()

    _sent, update = invitations_to("ama@example.org")
    assert update.status == Status.PENDING
    assert (event_of(update).decoded("dtstart"), event_of(update)["SEQUENCE"]) == (soon_at(17), 2)
    mailoutbox.clear()
    deliver_due()
    assert len([email for email in mailoutbox if email.to == ["ama@example.org"]]) == 1


def test_an_edits_update_written_before_those_of_the_next_edit_moving_it_again_says_only_that_it_changed(
    scheduled, officer, meanwhile, django_capture_on_commit_callbacks
):
    """Written of the meeting at 17:00, it said "was 10:00, now 15:00"; the next edit's update, once
    written, withdraws it, but a worker may send it first."""
    deliver_due()
    with django_capture_on_commit_callbacks() as first_edits_messages:
        services.meeting_update(meeting=scheduled, actor=officer, starts_at=soon_at(15), ends_at=soon_at(16))

    def move_again():
        with django_capture_on_commit_callbacks() as next_edits_messages:
            services.meeting_update(
                meeting=Meeting.objects.get(pk=scheduled.pk),
                actor=officer,
                starts_at=soon_at(17),
                ends_at=soon_at(18),
            )
        later.extend(next_edits_messages)

    later = []
    meanwhile(move_again)

    for callback in first_edits_messages:
        callback()

    _sent, update = invitations_to("ama@example.org")
    assert "The details of this meeting have changed" in update.body and "was" not in update.body
    assert (event_of(update).decoded("dtstart"), event_of(update)["SEQUENCE"]) == (soon_at(17), 2)

    for callback in later:
        callback()

    # Keyed by the version it tells of, the next edit's own: that edit's messages find it, and add none.
    statuses = [message.status for message in invitations_to("ama@example.org")]
    assert statuses == [Status.SENT, Status.PENDING]


def test_an_outdated_update_sent_before_the_next_edits_messages_are_written_is_the_only_update_sent(
    scheduled, officer, meanwhile, mailoutbox, django_capture_on_commit_callbacks
):
    """Keyed by its own edit's version, the first edit's update (saying only that the meeting changed, now
    at 17:00) left the next edit's key free: a worker sent it, then the next edit's update was written too,
    and told Ama the meeting "was" at 15:00, a time she was never sent."""
    deliver_due()
    with django_capture_on_commit_callbacks() as first_edits_messages:
        services.meeting_update(meeting=scheduled, actor=officer, starts_at=soon_at(15), ends_at=soon_at(16))

    def move_again():
        with django_capture_on_commit_callbacks() as next_edits_messages:
            services.meeting_update(
                meeting=Meeting.objects.get(pk=scheduled.pk),
                actor=officer,
                starts_at=soon_at(17),
                ends_at=soon_at(18),
            )
        later.extend(next_edits_messages)

    later = []
    meanwhile(move_again)
    for callback in first_edits_messages:
        callback()
    mailoutbox.clear()
    deliver_due()
    for callback in later:
        callback()
    deliver_due()

    (update,) = [
        email
        for email in mailoutbox
        if email.to == ["ama@example.org"] and email.subject.startswith("Updated invitation")
    ]
    assert "was" not in update.body


def test_an_edit_moving_the_meeting_into_the_past_is_announced_though_it_was_recorded_held_first(
    scheduled, officer, django_capture_on_commit_callbacks
):
    """Its update, written after the meeting was recorded as held, was not written at all: Ama's calendar
    kept the meeting at 10:00, in days to come."""
    deliver_due()
    earlier_start = (timezone.now() - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    with django_capture_on_commit_callbacks() as update_messages:
        services.meeting_update(
            meeting=scheduled,
            actor=officer,
            starts_at=earlier_start,
            ends_at=earlier_start + dt.timedelta(hours=1),
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_mark_held(meeting=Meeting.objects.get(pk=scheduled.pk), actor=officer)

    for callback in update_messages:
        callback()

    _sent, update = invitations_to("ama@example.org")
    assert event_of(update).decoded("dtstart") == earlier_start


def test_a_guest_added_to_a_meeting_recorded_as_held_before_their_invitation_was_written_is_not_invited(
    scheduled, officer, guests, edit, django_capture_on_commit_callbacks
):
    """Lea was added while the meeting was under way, and it was recorded as held before her invitation was
    written: she was invited to a meeting already over."""
    started = (timezone.now() - dt.timedelta(minutes=30)).replace(second=0, microsecond=0)
    edit(scheduled, starts_at=started, ends_at=started + dt.timedelta(hours=1))
    lea = StakeholderFactory(name="Lea Martin", owner=officer, emails=["lea@example.org"], time_zone="UTC")
    with django_capture_on_commit_callbacks() as invitation_messages:
        services.meeting_update(
            meeting=Meeting.objects.get(pk=scheduled.pk), actor=officer, stakeholders=[*guests, lea]
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_mark_held(meeting=Meeting.objects.get(pk=scheduled.pk), actor=officer)

    for callback in invitation_messages:
        callback()

    assert not invitations_to("lea@example.org").exists()


def test_an_edit_after_one_that_only_took_another_guest_off_says_how_the_time_changed(
    scheduled, guests, edit, mailoutbox
):
    """Taking Kenji off made version 1 and wrote Ama nothing: moved next, her update said only that the
    meeting had changed, as if she had missed an update of version 1."""
    deliver_due()
    edit(scheduled, stakeholders=guests[:1])
    deliver_due()
    edit(Meeting.objects.get(pk=scheduled.pk), starts_at=soon_at(15), ends_at=soon_at(16))

    _sent, update = invitations_to("ama@example.org")
    assert update.subject.startswith("Updated invitation: Harbour review")
    (time,) = [line for line in update.body.splitlines() if line.startswith("Time:   was")]
    assert "10:00\N{EN DASH}11:00, now" in time and time.endswith("15:00\N{EN DASH}16:00 (UTC)")


def test_an_edit_after_one_that_only_took_another_guest_off_says_how_the_place_changed(
    scheduled, guests, edit
):
    deliver_due()
    edit(scheduled, stakeholders=guests[:1])
    deliver_due()
    edit(Meeting.objects.get(pk=scheduled.pk), location="Harbour House")

    _sent, update = invitations_to("ama@example.org")
    assert "Place:  was Room 4, now Harbour House" in update.body


def test_an_invitation_to_a_place_a_merge_folded_into_the_guests_own_since_is_not_written_again(
    scheduled, officer, guests, django_capture_on_commit_callbacks
):
    """Ama's second record was added, and merged into hers before its invitation was written: its place
    on the meeting, gone, was still found among the attendees read before the lock (the version did not
    move), and Ama, sent her invitation already, was written one again."""
    deliver_due()
    second_record = StakeholderFactory(
        name="Ama O.", owner=officer, emails=["ama.o@example.org"], time_zone="UTC"
    )
    with django_capture_on_commit_callbacks():
        services.meeting_update(meeting=scheduled, actor=officer, stakeholders=[*guests, second_record])
    meeting = Meeting.objects.as_told().get(pk=scheduled.pk)
    added = [a for a in meeting.attendees.all() if a.stakeholder_id == second_record.pk]
    stakeholder_merge(keep=guests[0], duplicate=second_record, actor=officer)

    assert notifications.invitations_send(meeting, attendees=added) == []
    assert invitations_to("ama@example.org").count() == 1


# --- Two guests sharing one address -------------------------------------------------------------------------


@pytest.fixture
def sharing_an_address(officer):
    """Two people whose records give their team's mailbox."""
    return [
        StakeholderFactory(name="Ama Owusu", owner=officer, emails=["office@example.org"], time_zone="UTC"),
        StakeholderFactory(name="Kofi Mensah", owner=officer, emails=["office@example.org"], time_zone="UTC"),
    ]


@pytest.mark.parametrize("frequency", [None, "weekly"], ids=["meeting", "series"])
def test_two_guests_sharing_an_address_are_each_sent_their_own_invitation(
    officer, sharing_an_address, frequency, django_capture_on_commit_callbacks
):
    """Keyed by the address alone, the second guest's invitation was the first's found again: never written,
    and the first's, addressed to Ama by name, was all their mailbox got."""
    series = {"frequency": frequency, "count": 3} if frequency else {}
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_schedule(
            organiser=officer,
            stakeholders=sharing_an_address,
            title="Weekly stand-up",
            starts_at=soon_at(10),
            ends_at=soon_at(11),
            **series,
        )

    invitations = list(invitations_to("office@example.org"))
    assert len(invitations) == 2
    assert len({invitation.topic for invitation in invitations}) == 2
    assert sorted(invitation.body.splitlines()[0] for invitation in invitations) == [
        "Hello Ama Owusu,",
        "Hello Kofi Mensah,",
    ]


def test_two_guests_sharing_an_address_each_have_their_series_invitation_rewritten_on_a_cancellation(
    officer, sharing_an_address, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.meeting_schedule(
            organiser=officer,
            stakeholders=sharing_an_address,
            title="Weekly stand-up",
            starts_at=soon_at(10),
            ends_at=soon_at(11),
            frequency="weekly",
            count=3,
        )
    second = first.series.occurrences.order_by("original_start")[1]

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=second, actor=officer)

    rewritten = list(series_invitations_to("office@example.org").filter(status=Status.PENDING))
    assert len({invitation.topic for invitation in rewritten}) == 2
    assert all(excluded(series_event_of(invitation)) == [second.original_start] for invitation in rewritten)


# --- "Send again with current details" when what it would say has reached the guest -------------------------


def test_an_invitation_a_later_update_was_sent_after_is_not_written_again(scheduled, edit, admin_user):
    """The update carried the current details to Ama: the invitation written again would tell her twice."""
    invitation = interrupted(invitations_to("ama@example.org").get())
    edit(scheduled, location="Harbour House")
    deliver_due()
    update = invitations_to("ama@example.org").get(status=Status.SENT)
    invitation = OutboundMessage.objects.get(pk=invitation.pk)
    before = set(OutboundMessage.objects.values_list("pk", "status"))

    assert not invitation.can_send_with_current_details
    assert f"(#{update.pk})" in invitation.current_details_refusal
    with pytest.raises(ValidationError, match="A later message on its topic was sent"):
        message_rewrite(message=invitation, actor=admin_user)

    assert set(OutboundMessage.objects.values_list("pk", "status")) == before


def test_an_invitation_a_later_update_is_on_its_way_after_is_not_written_again(scheduled, edit, admin_user):
    """A worker has claimed the update, with the current details: written again, the invitation would follow
    it with the same calendar entry."""
    invitation = interrupted(invitations_to("ama@example.org").get())
    edit(scheduled, location="Harbour House")
    update = invitations_to("ama@example.org").exclude(pk=invitation.pk).get()
    OutboundMessage.objects.filter(pk=update.pk).update(status=Status.SENDING, claimed_at=timezone.now())
    invitation = OutboundMessage.objects.get(pk=invitation.pk)
    before = set(OutboundMessage.objects.values_list("pk", "status"))

    assert not invitation.can_send_with_current_details
    assert f"(#{update.pk})" in invitation.current_details_refusal
    with pytest.raises(ValidationError, match="A later message on its topic was sent, or is being sent"):
        message_rewrite(message=invitation, actor=admin_user)

    assert set(OutboundMessage.objects.values_list("pk", "status")) == before


def test_an_invitation_whose_guest_was_taken_off_and_told_is_not_written_again_for_that_reason(
    scheduled, edit, guests, admin_user
):
    """The removal that went out was taken for a later message with the current details: the refusal said
    the guest had them, when they are no longer invited."""
    invitation = interrupted(invitations_to("ama@example.org").get())
    edit(scheduled, stakeholders=[guests[1]])
    deliver_due()
    assert OutboundMessage.objects.get(kind="meeting_removal", to="ama@example.org").status == Status.SENT
    invitation = OutboundMessage.objects.get(pk=invitation.pk)
    before = set(OutboundMessage.objects.values_list("pk", "status"))

    assert not invitation.can_send_with_current_details
    assert invitation.current_details_refusal.startswith("Nothing of this meeting is still to take place")
    with pytest.raises(ValidationError, match="is no longer invited to this meeting"):
        message_rewrite(message=invitation, actor=admin_user)

    assert set(OutboundMessage.objects.values_list("pk", "status")) == before


def test_an_invitation_to_a_guest_with_no_address_now_is_not_offered_again_and_says_why(
    scheduled, guests, admin_user
):
    invitation = failed(invitations_to("ama@example.org").get())
    Stakeholder.objects.filter(pk=guests[0].pk).update(emails=[])
    invitation = OutboundMessage.objects.get(pk=invitation.pk)

    assert not invitation.can_send_with_current_details
    assert invitation.current_details_refusal == (
        "Ama Owusu has no email address now: add one to their record to send them the meeting."
    )
    with pytest.raises(ValidationError, match="Ama Owusu has no email address now"):
        message_rewrite(message=invitation, actor=admin_user)


@pytest.mark.django_db(transaction=True)
def test_sending_again_with_current_details_while_an_edits_messages_are_written_waits_instead_of_deadlocking(
    officer, guests, admin_user, monkeypatch
):
    """ "Send again with current details" locked the message it rewrites, then the topic's other rows; the
    edit's writer locked them in id order: each waited for the other, PostgreSQL aborted the edit's, and
    every guest's update was lost."""
    meeting = services.meeting_schedule(
        organiser=officer,
        stakeholders=guests,
        title="Harbour review",
        starts_at=soon_at(10),
        ends_at=soon_at(11),
        location="Room 4",
    )
    earlier = interrupted(invitations_to("ama@example.org").get())
    services.meeting_update(meeting=meeting, actor=officer, location="Harbour House")
    rewritten = failed(invitations_to("ama@example.org").exclude(pk=earlier.pk).get())
    assert earlier.pk < rewritten.pk and earlier.topic == rewritten.topic
    # Another edit commits; its messages are written just after, as the administrator clicks.
    later = []
    monkeypatch.setattr(services, "_after_commit", lambda cb, *args, **kw: later.append((cb, args, kw)))
    services.meeting_update(meeting=meeting, actor=officer, location="Town Hall")
    monkeypatch.undo()
    ((write, args, kwargs),) = [(cb, args, kw) for cb, args, kw in later if cb is services._announce]

    # The rewrite pauses once it holds the guest's record, as the edit's writer would hold it next.
    paused, go = threading.Event(), threading.Event()
    as_held = notifications._as_held

    def pausing(attendees):
        held = as_held(attendees)
        if threading.current_thread().name == "rewrite":
            paused.set()
            go.wait(30)
        return held

    monkeypatch.setattr(notifications, "_as_held", pausing)
    errors = {}

    def run(name, work):
        def body():
            try:
                work()
            except Exception as error:
                errors[name] = error
            finally:
                connection.close()

        return threading.Thread(target=body, name=name)

    rewrite = run("rewrite", lambda: message_rewrite(message=rewritten, actor=admin_user))
    edits_messages = run("edit", lambda: write(*args, **kwargs))
    rewrite.start()
    assert paused.wait(30)
    edits_messages.start()
    wait_until_waiting_for_a_lock(1)
    go.set()
    rewrite.join(60)
    edits_messages.join(60)

    assert not errors
    # The edit's messages were written, to both guests; what waits for Ama says where it is now.
    waiting = invitations_to("ama@example.org").filter(status=Status.PENDING)
    assert waiting and all("Town Hall" in message.body for message in waiting)
    assert "Town Hall" in invitations_to("kenji@example.jp").get(status=Status.PENDING).body


@pytest.mark.django_db(transaction=True)
def test_a_cancellations_messages_read_the_series_as_another_cancellation_committed_meanwhile_left_it(
    officer, guests, monkeypatch
):
    """The writer read the series before taking any lock. Another occurrence was cancelled, and its messages
    written (the series invitation again, without either occurrence), before this one's went on: they
    withdrew that invitation as stale and wrote one, of the version read, naming the other occurrence."""
    first = services.meeting_schedule(
        organiser=officer,
        stakeholders=guests,
        title="Weekly stand-up",
        starts_at=soon_at(10),
        ends_at=soon_at(11),
        frequency="weekly",
        count=3,
    )
    _first, second, third = first.series.occurrences.order_by("original_start")
    later = []
    monkeypatch.setattr(services, "_after_commit", lambda cb, *args, **kw: later.append((cb, args, kw)))
    services.meeting_cancel(meeting=second, actor=officer)
    monkeypatch.undo()
    announce = services._announce_cancellation
    ((write, args, kwargs),) = [(cb, args, kw) for cb, args, kw in later if cb is announce]

    # The second's messages have read the meeting and hold its guests' records when the third is cancelled,
    # and its messages written, in another connection.
    as_held = notifications._as_held
    errors = []

    def cancel_the_third():
        try:
            services.meeting_cancel(meeting=third, actor=officer)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def meanwhile(attendees):
        held = as_held(attendees)
        if threading.current_thread() is threading.main_thread() and not errors:
            other = threading.Thread(target=cancel_the_third)
            other.start()
            other.join(60)
            errors.append(None)
        return held

    monkeypatch.setattr(notifications, "_as_held", meanwhile)
    write(*args, **kwargs)

    assert errors == [None]
    for address in ("ama@example.org", "kenji@example.jp"):
        # The one the third's cancellation wrote, of the series' version now, stands; only the first was
        # withdrawn.
        (standing,) = series_invitations_to(address).exclude(status=Status.CANCELLED)
        assert (standing.status, series_event_of(standing)["sequence"]) == (Status.PENDING, 2)
        assert excluded(series_event_of(standing)) == [second.original_start, third.original_start]
        assert series_invitations_to(address).filter(status=Status.CANCELLED).count() == 1
    assert not OutboundMessage.objects.filter(kind="meeting_cancellation").exists()

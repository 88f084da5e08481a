import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from contacts.models import Stakeholder
from meetings import services as meeting_services
from meetings.models import Meeting
from outbox import services
from outbox.models import OutboundMessage
from outbox.services import Attachment

from ..conftest import login
from ..factories import StakeholderFactory

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status
STALE = "Withdrawn before it was sent: a later message on its topic replaced it."


@pytest.fixture
def reminder():
    return services.message_enqueue(
        key="meeting-reminder:42:ama@example.org",
        kind="meeting_reminder",
        to="ama@example.org",
        subject="Reminder: quarterly review",
        body="The quarterly review starts at 10:00.",
        attachments=[Attachment("invite.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")],
        group="meeting:42:reminders",
    )


def failed(message) -> OutboundMessage:
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.FAILED, attempts=5, last_error="SMTPRecipientsRefused: 554 recipient refused"
    )
    message.refresh_from_db()
    return message


def test_administrator_sees_the_outbox_newest_first(client, admin_user, reminder):
    digest = services.message_enqueue(
        key="daily-digest:officer:2026-03-02",
        kind="daily_digest",
        to="officer@example.org",
        subject="Your day",
        body="Three follow-ups are due today.",
    )
    response = login(client, admin_user).get(reverse("outbox:message_list"))
    assert response.status_code == 200
    assert [m.pk for m in response.context["page"]] == [digest.pk, reminder.pk]
    assert "Reminder: quarterly review" in response.content.decode()


def test_administrator_filters_the_outbox_by_status_and_kind(client, admin_user, reminder):
    failed(
        services.message_enqueue(
            key="daily-digest:x", kind="daily_digest", to="x@example.org", subject="Digest", body="…"
        )
    )
    client = login(client, admin_user)
    by_status = client.get(reverse("outbox:message_list"), {"status": "failed"}).context["page"]
    by_kind = client.get(reverse("outbox:message_list"), {"kind": "meeting_reminder"}).context["page"]
    assert [m.kind for m in by_status] == ["daily_digest"]
    assert [m.pk for m in by_kind] == [reminder.pk]


def test_the_filters_answer_htmx_with_the_rows_only(client, admin_user, reminder):
    response = login(client, admin_user).get(
        reverse("outbox:message_list"), {"status": "pending"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "Reminder: quarterly review" in body and "<html" not in body


def test_administrator_reads_a_message_with_its_headers_and_attachments(client, admin_user, reminder):
    response = login(client, admin_user).get(reminder.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "The quarterly review starts at 10:00." in body
    assert "invite.ics" in body
    assert reminder.message_id_header.replace("<", "&lt;").replace(">", "&gt;") in body
    assert "Cancel" in body and "Send again" not in body


def test_a_failed_message_shows_its_error_and_can_be_sent_again(client, admin_user, reminder):
    failed(reminder)
    client = login(client, admin_user)
    page = client.get(reminder.get_absolute_url()).content.decode()
    assert "554 recipient refused" in page and "Send again" in page

    response = client.post(reverse("outbox:message_send_again", args=[reminder.pk]))

    assert response.status_code == 302 and response.url == reminder.get_absolute_url()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.PENDING, 0)


def test_a_withdrawn_message_says_why_and_lists_its_topic(client, admin_user):
    """A message a later one replaced before it went out shows as cancelled, with the reason, in the list
    and on its page; its topic lists every message on it."""
    topic = "meeting:42@liaison-crm::ama@example.org"
    first, second = (
        services.message_enqueue(
            key=f"meeting-invitation:42:{version}:ama@example.org",
            kind="meeting_invitation",
            to="ama@example.org",
            subject=f"Invitation, version {version}",
            body="…",
            topic=topic,
        )
        for version in (0, 1)
    )
    with transaction.atomic():
        services.messages_withdraw(
            topics=[topic],
            kinds=["meeting_invitation"],
            keep=[second.key],
        )
    services.message_enqueue(
        key="digest:ama", kind="daily_digest", to="ama@example.org", subject="Digest", body="…"
    )
    client = login(client, admin_user)

    listed = client.get(reverse("outbox:message_list"), {"topic": topic})
    page = client.get(first.get_absolute_url()).content.decode()

    assert [m.pk for m in listed.context["page"]] == [second.pk, first.pk]
    assert STALE in listed.content.decode()
    assert "Cancelled because" in page and STALE in page
    assert "Cancel</button>" not in page


def test_administrator_cancels_a_pending_message(client, admin_user, reminder):
    login(client, admin_user).post(reverse("outbox:message_cancel", args=[reminder.pk]))
    reminder.refresh_from_db()
    assert reminder.status == Status.CANCELLED


def test_sending_a_sent_message_again_is_refused_with_a_message(client, admin_user, reminder):
    OutboundMessage.objects.filter(pk=reminder.pk).update(status=Status.SENT, sent_at=timezone.now())
    response = login(client, admin_user).post(
        reverse("outbox:message_send_again", args=[reminder.pk]), follow=True
    )
    assert "Only a failed or interrupted message can be sent again." in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.status == Status.SENT


def test_sending_again_needs_a_post(client, admin_user, reminder):
    failed(reminder)
    response = login(client, admin_user).get(reverse("outbox:message_send_again", args=[reminder.pk]))
    assert response.status_code == 405


@pytest.mark.parametrize("role", ["officer", "manager", "other_manager"])
def test_only_administrators_may_see_or_touch_the_outbox(client, request, role, reminder):
    client = login(client, request.getfixturevalue(role))
    failed_reminder = failed(reminder)
    assert client.get(reverse("outbox:message_list")).status_code == 403
    assert client.get(reminder.get_absolute_url()).status_code == 403
    assert client.post(reverse("outbox:message_send_again", args=[reminder.pk])).status_code == 403
    assert client.post(reverse("outbox:message_cancel", args=[reminder.pk])).status_code == 403
    failed_reminder.refresh_from_db()
    assert failed_reminder.status == Status.FAILED


def test_signed_out_visitors_are_sent_to_the_login_page(client, reminder):
    response = client.get(reverse("outbox:message_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_outbox_link_is_shown_to_administrators_only(client, admin_user, officer):
    outbox_url = reverse("outbox:message_list")
    assert (
        f'href="{outbox_url}"' in login(client, admin_user).get(reverse("home"), follow=True).content.decode()
    )
    assert (
        f'href="{outbox_url}"'
        not in login(client, officer).get(reverse("home"), follow=True).content.decode()
    )


@pytest.mark.parametrize("rows", [3, 12])
def test_the_outbox_list_runs_a_fixed_number_of_queries(
    client, admin_user, django_assert_max_num_queries, rows
):
    for number in range(rows):
        services.message_enqueue(
            key=f"digest:{number}",
            kind="daily_digest",
            to=f"person{number}@example.org",
            subject=f"Digest {number}",
            body="…",
        )
    client = login(client, admin_user)
    # the session, the user, the user's groups (administrators only), one page of messages (no count).
    with django_assert_max_num_queries(4):
        response = client.get(reverse("outbox:message_list"))
    assert len(response.context["page"]) == rows


def test_cancelling_a_message_asks_first(client, admin_user, reminder):
    """Cancelled, it is never sent: one click did it."""
    page = (
        login(client, admin_user).get(reverse("outbox:message_detail", args=[reminder.pk])).content.decode()
    )

    assert 'data-confirm="Cancel this message? It will not be sent."' in page


def test_a_message_a_later_one_replaced_offers_no_send_again_and_links_the_later_one(client, admin_user):
    stale = services.message_enqueue(
        key="meeting-invitation:a:0:ama@example.org",
        kind="meeting_invitation",
        to="ama@example.org",
        subject="Invitation: review",
        body="…",
        topic="meeting:a:stakeholder:1",
    )
    failed(stale)
    newer = services.message_enqueue(
        key="meeting-invitation:a:1:ama@example.org",
        kind="meeting_invitation",
        to="ama@example.org",
        subject="Updated invitation: review",
        body="…",
        topic=stale.topic,
    )

    page = login(client, admin_user).get(stale.get_absolute_url()).content.decode()

    assert reverse("outbox:message_send_again", args=[stale.pk]) not in page
    assert newer.get_absolute_url() in page


@pytest.fixture
def invitation(officer, django_capture_on_commit_callbacks):
    """Ama's invitation to a meeting in three days, whose worker stopped mid-send: it may not have gone."""
    guest = StakeholderFactory(name="Ama Owusu", owner=officer, emails=["ama@example.org"], time_zone="UTC")
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = meeting_services.meeting_schedule(
            organiser=officer,
            stakeholders=[guest],
            title="Harbour review",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            location="Room 4",
        )
    OutboundMessage.objects.filter(kind="meeting_invitation").update(
        status=Status.INTERRUPTED, attempts=1, claimed_at=timezone.now()
    )
    message = OutboundMessage.objects.get(kind="meeting_invitation")
    message.meeting = meeting
    return message


def test_an_interrupted_meeting_invitation_offers_sending_again_with_current_details(
    client, admin_user, invitation
):
    page = login(client, admin_user).get(invitation.get_absolute_url()).content.decode()

    assert reverse("outbox:message_send_current", args=[invitation.pk]) in page
    assert "Send again with current details" in page
    assert reverse("outbox:message_send_again", args=[invitation.pk]) in page


def test_a_message_no_app_can_write_again_offers_only_sending_it_as_it_was(client, admin_user, reminder):
    failed(reminder)

    page = login(client, admin_user).get(reminder.get_absolute_url()).content.decode()

    assert reverse("outbox:message_send_current", args=[reminder.pk]) not in page
    assert reverse("outbox:message_send_again", args=[reminder.pk]) in page


def test_sending_again_with_current_details_opens_the_new_message(
    client, admin_user, officer, invitation, django_capture_on_commit_callbacks
):
    """The update that followed would tell Ama what changed from an invitation she may never have had."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_update(meeting=invitation.meeting, actor=officer, location="Harbour House")
    update = OutboundMessage.objects.filter(kind="meeting_invitation").latest("pk")
    client = login(client, admin_user)

    response = client.post(reverse("outbox:message_send_current", args=[invitation.pk]), follow=True)

    fresh = OutboundMessage.objects.filter(kind="meeting_invitation").latest("pk")
    assert response.redirect_chain == [(fresh.get_absolute_url(), 302)]
    page = response.content.decode()
    assert f"in place of message #{invitation.pk}" in page
    assert "Harbour House" in page and fresh.status == Status.PENDING
    assert OutboundMessage.objects.get(pk=update.pk).status == Status.CANCELLED
    old = client.get(invitation.get_absolute_url()).content.decode()
    assert fresh.get_absolute_url() in old
    assert reverse("outbox:message_send_current", args=[invitation.pk]) not in old


def test_sending_again_with_current_details_a_cancelled_meeting_is_refused_with_a_message(
    client, admin_user, officer, invitation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_cancel(meeting=invitation.meeting, actor=officer)
    before = list(OutboundMessage.objects.order_by("pk").values_list("pk", "status"))

    response = login(client, admin_user).post(
        reverse("outbox:message_send_current", args=[invitation.pk]), follow=True
    )

    assert response.redirect_chain == [(invitation.get_absolute_url(), 302)]
    page = response.content.decode()
    assert "This meeting is cancelled" in page
    # Not offered any more: the page asked the meeting.
    assert reverse("outbox:message_send_current", args=[invitation.pk]) not in page
    assert list(OutboundMessage.objects.order_by("pk").values_list("pk", "status")) == before


@pytest.mark.parametrize("role", ["officer", "manager", "other_manager"])
def test_only_administrators_send_again_with_current_details(client, request, role, invitation):
    client = login(client, request.getfixturevalue(role))

    response = client.post(reverse("outbox:message_send_current", args=[invitation.pk]))

    assert response.status_code == 403
    assert OutboundMessage.objects.filter(kind="meeting_invitation").count() == 1


def test_sending_again_with_current_details_needs_a_post(client, admin_user, invitation):
    response = login(client, admin_user).get(reverse("outbox:message_send_current", args=[invitation.pk]))
    assert response.status_code == 405


def test_the_page_of_a_replaced_invitation_runs_a_fixed_number_of_queries(
    client, admin_user, invitation, django_assert_max_num_queries
):
    services.message_enqueue(
        key=f"{invitation.key}:later",
        kind="meeting_invitation",
        to=invitation.to,
        subject="Updated invitation: Harbour review",
        body="…",
        topic=invitation.topic,
    )
    client = login(client, admin_user)
    # the session, the user, the user's groups, the message (with its staff recipient), its replacement,
    # whether its meeting is still to take place with its guest on it ("Send again with current details").
    with django_assert_max_num_queries(6):
        response = client.get(invitation.get_absolute_url())
    assert "Updated invitation: Harbour review" in response.content.decode()


def test_an_invitation_to_a_guest_with_no_address_now_says_why_it_is_not_sent_with_current_details(
    client, admin_user, invitation, django_assert_max_num_queries
):
    """The button was offered, and the click refused: the guest's only address had been removed."""
    Stakeholder.objects.filter(emails__contains=["ama@example.org"]).update(emails=[])
    client = login(client, admin_user)

    # the session, the user, the user's groups, the message, the later messages on its topic (none), the
    # guest's place on the meeting still to take place, with their addresses.
    with django_assert_max_num_queries(6):
        page = client.get(invitation.get_absolute_url()).content.decode()

    assert reverse("outbox:message_send_current", args=[invitation.pk]) not in page
    assert "Ama Owusu has no email address now: add one to their record to send them the meeting." in page


def test_an_invitation_whose_meeting_is_over_says_why_it_is_not_sent_again_at_all(
    client, admin_user, invitation
):
    """Sent again as it was, it invited Ama to a meeting that has taken place."""
    Meeting.objects.filter(pk=invitation.meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )

    page = login(client, admin_user).get(invitation.get_absolute_url()).content.decode()

    assert reverse("outbox:message_send_again", args=[invitation.pk]) not in page
    assert reverse("outbox:message_send_current", args=[invitation.pk]) not in page
    assert "Not offered “Send again” nor “Send again with current details”: Nothing of this meeting" in page


def test_an_invitation_a_later_message_on_its_topic_was_sent_after_is_not_sent_with_current_details(
    client, admin_user, officer, invitation, django_capture_on_commit_callbacks
):
    """The update that followed went out with the current details: a new invitation would repeat them."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_update(meeting=invitation.meeting, actor=officer, location="Harbour House")
    update = OutboundMessage.objects.filter(kind="meeting_invitation").latest("pk")
    OutboundMessage.objects.filter(pk=update.pk).update(status=Status.SENT, sent_at=timezone.now())
    client = login(client, admin_user)

    page = client.get(invitation.get_absolute_url()).content.decode()
    assert reverse("outbox:message_send_current", args=[invitation.pk]) not in page
    assert (
        f"A later message on its topic was sent, or is being sent: “{update.subject}” (#{update.pk})" in page
    )

    response = client.post(reverse("outbox:message_send_current", args=[invitation.pk]), follow=True)
    assert response.redirect_chain == [(invitation.get_absolute_url(), 302)]
    assert OutboundMessage.objects.filter(kind="meeting_invitation").count() == 2

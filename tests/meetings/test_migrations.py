"""Migration 0010 dates the actions already cancelled from their history; 0018 gives the series
invitations already in the outbox the series' own key; 0019 keys the meeting messages there by their guest."""

import pytest
from django.utils import timezone

from ..factories import MeetingFactory, StakeholderFactory, UserFactory
from ..migrations import migrate, migrate_to_latest

BEFORE = [("meetings", "0009_decision_baselines")]
AFTER = [("meetings", "0010_action_cancelled_at")]


# Migrations change the schema: outside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_actions_already_cancelled_are_dated_by_the_change_that_last_cancelled_them():
    old = migrate(BEFORE)
    ActionItem = old.get_model("meetings", "ActionItem")
    ActionItemEvent = old.get_model("meetings", "ActionItemEvent")
    officer, colleague = UserFactory(username="organiser"), UserFactory(username="colleague")
    meeting = MeetingFactory(organiser=officer)  # the meetings' table is as it is now

    def action(description):
        return ActionItem.objects.create(
            meeting_id=meeting.pk, description=description, owner_user_id=officer.pk, created_by_id=officer.pk
        )

    def set_fields(row, **fields):
        # As an UPDATE that leaves `updated_at` as it was, so that only the history can tell the time.
        ActionItem.objects.filter(pk=row.pk).update(**fields)

    reassigned_since = action("Book the hall")
    set_fields(reassigned_since, status="cancelled")
    set_fields(reassigned_since, owner_user_id=colleague.pk)
    cancelled_twice = action("Print the leaflets")
    set_fields(cancelled_twice, status="cancelled")
    set_fields(cancelled_twice, status="open")
    set_fields(cancelled_twice, status="cancelled")
    without_history = action("Order the banners")
    set_fields(without_history, status="cancelled")
    ActionItemEvent.objects.filter(pgh_obj_id=without_history.pk).delete()
    still_open = action("Draft the letter")
    cancellations = {
        row.pk: list(
            ActionItemEvent.objects.filter(pgh_obj_id=row.pk, status="cancelled")
            .order_by("pgh_id")
            .values_list("pgh_created_at", flat=True)
        )
        for row in (reassigned_since, cancelled_twice)
    }
    try:
        new = migrate(AFTER)
        migrated = {row.pk: row for row in new.get_model("meetings", "ActionItem").objects.all()}

        assert migrated[reassigned_since.pk].cancelled_at == cancellations[reassigned_since.pk][0]
        assert migrated[cancelled_twice.pk].cancelled_at == cancellations[cancelled_twice.pk][1]
        assert migrated[without_history.pk].cancelled_at == without_history.updated_at
        assert migrated[still_open.pk].cancelled_at is None
    finally:
        migrate_to_latest()


# Migrations change the schema: outside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_meetings_held_before_attendance_was_asked_keep_everyone_who_had_not_declined_as_present():
    old = migrate([("meetings", "0011_search_covers_place")])
    Meeting, Attendee = old.get_model("meetings", "Meeting"), old.get_model("meetings", "Attendee")
    officer = UserFactory(username="organiser")
    held = MeetingFactory(organiser=officer)
    planned = MeetingFactory(organiser=officer)
    Meeting.objects.filter(pk=held.pk).update(status="held", held_at=held.ends_at)
    came = Attendee.objects.create(meeting_id=held.pk, stakeholder_id=StakeholderFactory().pk)
    declined = Attendee.objects.create(meeting_id=held.pk, user_id=officer.pk, rsvp="declined")
    invited = Attendee.objects.create(meeting_id=planned.pk, stakeholder_id=StakeholderFactory().pk)
    try:
        new = migrate([("meetings", "0012_attendance_recorded")])
        attended = dict(new.get_model("meetings", "Attendee").objects.values_list("pk", "attended"))

        assert attended == {came.pk: True, declined.pk: False, invited.pk: None}
    finally:
        migrate_to_latest()


# Migrations change the data: outside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_series_invitations_already_in_the_outbox_take_the_series_key_and_nothing_else_changes():
    """Keyed as the series' first occurrence's own, a series invitation was found in place of that
    occurrence's update at the same version, and the update was never written."""
    apps = migrate([("meetings", "0017_meeting_people"), ("outbox", "0004_message_topic_reversed_index")])
    message = apps.get_model("outbox", "OutboundMessage")
    uid, start = "3f1c2a9e-0000-4000-8000-000000000001@liaison-crm", "2026-11-30T10:00:00+00:00"
    series_topic = f"meeting:{uid}:series:stakeholder:7"
    rows = {
        "series": (f"meeting-invitation:{uid}:{start}:1:ama@example.org", series_topic),
        "again": (f"meeting-invitation:{uid}:{start}:2:ama@example.org:again-of-12", series_topic),
        "occurrence": (
            f"meeting-invitation:{uid}:{start}:1:kenji@example.jp",
            f"meeting:{uid}:{start}:user:3",
        ),
        "before topics": (f"meeting-invitation:{uid}:{start}:0:lena@example.org", ""),
        # Two guests sharing an address, each sent the series at version 3 named by their own first
        # occurrence: one series key for both, which the first takes.
        "shared address": (f"meeting-invitation:{uid}:{start}:3:office@example.org", series_topic),
        "shared address too": (
            f"meeting-invitation:{uid}:2026-12-07T10:00:00+00:00:3:office@example.org",
            f"meeting:{uid}:series:stakeholder:8",
        ),
    }
    ids = {
        name: message.objects.create(
            key=key,
            kind="meeting_invitation",
            topic=topic,
            to="x@example.org",
            subject="Invitation",
            body="…",
            message_id_header=f"<{name}@example.org>",
            scheduled_for=timezone.now(),
            next_attempt_at=timezone.now(),
            created_at=timezone.now(),
        ).pk
        for name, (key, topic) in rows.items()
    }
    try:
        migrate([("meetings", "0018_series_invitation_keys")])
        keys = dict(message.objects.filter(pk__in=ids.values()).values_list("pk", "key"))
        headers = set(message.objects.filter(pk__in=ids.values()).values_list("message_id_header", flat=True))
    finally:
        message.objects.filter(pk__in=ids.values()).delete()
        migrate_to_latest()

    assert keys[ids["series"]] == f"meeting-invitation:{uid}:series:1:ama@example.org"
    assert keys[ids["again"]] == f"meeting-invitation:{uid}:series:2:ama@example.org:again-of-12"
    assert keys[ids["occurrence"]] == rows["occurrence"][0]
    assert keys[ids["before topics"]] == rows["before topics"][0]
    assert keys[ids["shared address"]] == f"meeting-invitation:{uid}:series:3:office@example.org"
    assert keys[ids["shared address too"]] == rows["shared address too"][0]
    assert headers == {f"<{name}@example.org>" for name in rows}


# Migrations change the data: outside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_meeting_messages_already_in_the_outbox_are_keyed_by_the_guest_their_topic_names():
    """Written again at the same version, a message keyed by the address alone would find no row under its
    new key, and go out a second time."""
    apps = migrate([("meetings", "0018_series_invitation_keys")])
    message = apps.get_model("outbox", "OutboundMessage")
    uid, start = "3f1c2a9e-0000-4000-8000-000000000002@liaison-crm", "2026-11-30T10:00:00+00:00"
    rows = {
        "series": (
            "meeting_invitation",
            f"meeting-invitation:{uid}:series:1:ama@example.org:again-of-12",
            f"meeting:{uid}:series:stakeholder:7",
        ),
        "occurrence": (
            "meeting_invitation",
            f"meeting-invitation:{uid}:{start}:1:kenji@example.jp",
            f"meeting:{uid}:{start}:user:3",
        ),
        "cancellation": (
            "meeting_cancellation",
            f"meeting-cancellation:{uid}:{start}:2:ama@example.org",
            f"meeting:{uid}:{start}:stakeholder:7",
        ),
        "removal": (
            "meeting_removal",
            f"meeting-removal:{uid}::4:lena@example.org",
            f"meeting:{uid}::user:5",
        ),
        "before topics": ("meeting_invitation", f"meeting-invitation:{uid}:{start}:0:lena@example.org", ""),
        # The second of two guests sharing an address, which 0018 could not give the series' key.
        "shared address too": (
            "meeting_invitation",
            f"meeting-invitation:{uid}:2026-12-07T10:00:00+00:00:3:office@example.org",
            f"meeting:{uid}:series:stakeholder:8",
        ),
        "shared address": (
            "meeting_invitation",
            f"meeting-invitation:{uid}:series:3:office@example.org",
            f"meeting:{uid}:series:stakeholder:9",
        ),
        "reminder": ("meeting_reminder", "meeting-reminder:4:0:15:en:UTC:ama@example.org", ""),
        # Written by the new code before the migration ran (a deploy): keyed by its guest already.
        "new code": (
            "meeting_cancellation",
            f"meeting-cancellation:{uid}:{start}:5:stakeholder:7:ama@example.org",
            f"meeting:{uid}:{start}:stakeholder:7",
        ),
    }
    ids = {
        name: message.objects.create(
            key=key,
            kind=kind,
            topic=topic,
            to="x@example.org",
            subject="Invitation",
            body="…",
            message_id_header=f"<{name}@example.org>",
            scheduled_for=timezone.now(),
            next_attempt_at=timezone.now(),
            created_at=timezone.now(),
        ).pk
        for name, (kind, key, topic) in rows.items()
    }
    try:
        migrate([("meetings", "0019_guest_message_keys")])
        keys = dict(message.objects.filter(pk__in=ids.values()).values_list("pk", "key"))
        headers = set(message.objects.filter(pk__in=ids.values()).values_list("message_id_header", flat=True))
        migrate([("meetings", "0018_series_invitation_keys")])
        keys_back = dict(message.objects.filter(pk__in=ids.values()).values_list("pk", "key"))
        migrate([("meetings", "0019_guest_message_keys")])
        keys_again = dict(message.objects.filter(pk__in=ids.values()).values_list("pk", "key"))
    finally:
        message.objects.filter(pk__in=ids.values()).delete()
        migrate_to_latest()

    series, occurrence = f"meeting-invitation:{uid}:series", f"{uid}:{start}"
    assert keys[ids["series"]] == f"{series}:1:stakeholder:7:ama@example.org:again-of-12"
    assert keys[ids["occurrence"]] == f"meeting-invitation:{occurrence}:1:user:3:kenji@example.jp"
    assert keys[ids["cancellation"]] == f"meeting-cancellation:{occurrence}:2:stakeholder:7:ama@example.org"
    assert keys[ids["removal"]] == f"meeting-removal:{uid}::4:user:5:lena@example.org"
    assert keys[ids["before topics"]] == rows["before topics"][1]
    assert keys[ids["shared address too"]] == f"{series}:3:stakeholder:8:office@example.org"
    assert keys[ids["shared address"]] == f"{series}:3:stakeholder:9:office@example.org"
    assert keys[ids["reminder"]] == rows["reminder"][1]
    assert keys[ids["new code"]] == rows["new code"][1]
    assert headers == {f"<{name}@example.org>" for name in rows}
    # Back, each takes the address alone again; of the two sharing one, the older, which is the series' now.
    assert keys_back == {
        **{ids[name]: key for name, (_kind, key, _topic) in rows.items()},
        ids["shared address too"]: f"{series}:3:office@example.org",
        ids["shared address"]: f"{series}:3:stakeholder:9:office@example.org",
        ids["new code"]: f"meeting-cancellation:{occurrence}:5:ama@example.org",
    }
    # And forward again, each names its guest once: the younger of the two kept its guest's key back.
    assert keys_again == keys

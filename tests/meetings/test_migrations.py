"""Migration 0010 dates the actions already cancelled from their history."""

import pytest

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

"""The meetings' shared reads: who was recorded absent, and which actions are still wanted."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.models import Organisation
from meetings import services
from meetings.models import ActionItem, ActionStatus, Attendee, Meeting

from ..factories import AffiliationFactory, MeetingFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def test_only_those_said_not_to_have_come_are_recorded_absent_and_an_unrecorded_invitation_is_not(officer):
    meeting = MeetingFactory(organiser=officer)
    came, stayed_away, not_recorded = (
        meeting.attendees.create(stakeholder=StakeholderFactory(owner=officer), attended=attended)
        for attended in (True, False, None)
    )

    assert list(Attendee.objects.recorded_absent()) == [stayed_away]
    assert list(Attendee.objects.not_recorded_absent()) == [came, not_recorded]


@pytest.mark.parametrize("reader_zone", ["Europe/London", "UTC"])
def test_an_organisation_misses_a_meeting_by_who_worked_there_on_its_day_on_the_readers_calendar(
    officer, reader_zone
):
    """At half past midnight in London on 10 June, 23:30 on the 9th in UTC: to a reader in London, one whose
    position there ended on the 9th had left, and the one still there (until the 10th) missed it; to a reader
    in UTC, both worked there that day and one of them came."""
    harbour = OrganisationFactory(name="Harbour Trust")
    left, stayed = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=left, organisation=harbour, end_date=dt.date(2026, 6, 9))
    AffiliationFactory(stakeholder=stayed, organisation=harbour, end_date=dt.date(2026, 6, 10))
    starts = dt.datetime(2026, 6, 9, 23, 30, tzinfo=dt.UTC)
    meeting = MeetingFactory(organiser=officer, starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
    meeting.attendees.create(stakeholder=left, attended=True)
    meeting.attendees.create(stakeholder=stayed, attended=False)

    with timezone.override(reader_zone):
        (annotated,) = Meeting.objects.with_missed_by_people_at(Organisation.objects.filter(pk=harbour.pk))

    assert annotated.missed is (reader_zone == "Europe/London")


def test_an_action_taken_on_before_a_meeting_that_is_then_cancelled_stays_open_but_is_not_outstanding(
    officer,
):
    """The case is real: an action can be added to a planned meeting, and cancelling it leaves the action
    open. Nobody expects it any more, but it can still be closed from the meeting's page."""
    person = StakeholderFactory(owner=officer)
    meeting, going_ahead = MeetingFactory(organiser=officer), MeetingFactory(organiser=officer)
    for planned in (meeting, going_ahead):
        planned.attendees.create(stakeholder=person)
    entry = services.ActionEntry(description="Circulate the briefing", owner_stakeholder=person)
    called_off = services.action_item_add(meeting=meeting, actor=officer, entry=entry)
    still_wanted = services.action_item_add(meeting=going_ahead, actor=officer, entry=entry)

    services.meeting_cancel(meeting=meeting, actor=officer)

    called_off.refresh_from_db()
    assert called_off.status == ActionStatus.OPEN
    assert set(ActionItem.objects.open()) == {called_off, still_wanted}
    assert list(ActionItem.objects.outstanding()) == [still_wanted]


def test_an_organisations_meetings_include_those_with_a_unit_two_levels_down(officer):
    ministry = OrganisationFactory(name="Ministry of Transport")
    bridges = OrganisationFactory(name="Bridges Unit", parent=OrganisationFactory(parent=ministry))
    with_the_unit = MeetingFactory(organiser=officer, organisation=bridges)
    MeetingFactory(organiser=officer, organisation=OrganisationFactory(name="Ministry of Health"))

    assert list(Meeting.objects.for_organisation(ministry)) == [with_the_unit]

"""The meetings' shared reads: who was recorded absent, and which actions are still wanted."""

import pytest

from meetings.models import Attendee

from ..factories import MeetingFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def test_only_those_said_not_to_have_come_are_recorded_absent_and_an_unrecorded_invitation_is_not(officer):
    meeting = MeetingFactory(organiser=officer)
    came, stayed_away, not_recorded = (
        meeting.attendees.create(stakeholder=StakeholderFactory(owner=officer), attended=attended)
        for attended in (True, False, None)
    )

    assert list(Attendee.objects.recorded_absent()) == [stayed_away]
    assert list(Attendee.objects.not_recorded_absent()) == [came, not_recorded]

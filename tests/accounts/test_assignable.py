"""Who can be given work to chase: people, never a service account (another tool using the API)."""

import pytest

from accounts.services import service_account_create
from commitments.forms import CommitmentForm
from concerns.forms import ConcernForm
from contacts.forms import StakeholderForm
from meetings.forms import AgendaItemForm, owner_options

from ..factories import MeetingFactory, StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tool(team):
    return service_account_create(username="events-sync", actor=None, team=team)


@pytest.fixture
def leaver(team):
    return UserFactory(username="leaver", team=team, is_active=False)


def test_the_owner_pickers_offer_active_people_only(officer, tool, leaver):
    pickers = [
        StakeholderForm().fields["owner"],
        CommitmentForm(user=officer).fields["owner"],
        ConcernForm(user=officer).fields["owner"],
        AgendaItemForm().fields["owner"],
    ]
    for field in pickers:
        assert list(field.queryset) == [officer]


def test_a_meetings_actions_are_offered_to_people_and_its_stakeholders(officer, tool, leaver):
    meeting = MeetingFactory(organiser=officer)
    assert set(owner_options(meeting)) == {f"user:{officer.pk}"}


def test_a_record_a_tool_made_as_itself_can_still_be_edited_on_the_page(officer, tool):
    stakeholder = StakeholderFactory(owner=tool)
    form = StakeholderForm(instance=stakeholder)
    assert set(form.fields["owner"].queryset) == {officer, tool}

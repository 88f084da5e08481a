"""The names of each meeting's people (`MeetingPeople`), which the search box finds meetings by, stay right
whatever changes them: PostgreSQL's triggers write them, not the services."""

import pytest
from django.db import connection

from contacts.search import prefix_query
from contacts.services import stakeholder_merge
from meetings.models import Attendee, Meeting, MeetingPeople

from ..factories import MeetingFactory, StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db


def names_of(meeting):
    return MeetingPeople.objects.get(meeting=meeting).names


def found(text):
    return sorted(Meeting.objects.search(text).values_list("title", flat=True))


@pytest.fixture
def grace():
    return UserFactory(first_name="Grace", last_name="Hopper")


def test_a_new_meeting_holds_its_organisers_name_and_then_everyone_invited(grace):
    meeting = MeetingFactory(organiser=grace, title="Budget review")
    assert names_of(meeting) == "Grace Hopper"

    Attendee.objects.bulk_create(
        [
            Attendee(meeting=meeting, stakeholder=StakeholderFactory(name="Ama Owusu")),
            Attendee(meeting=meeting, user=UserFactory(first_name="", last_name="", username="jmoreau")),
        ]
    )
    assert names_of(meeting) == "Grace Hopper Ama Owusu jmoreau"
    assert found("owusu") == found("jmoreau") == found("hopper") == ["Budget review"]


def test_an_invitation_withdrawn_takes_the_name_away(grace):
    meeting = MeetingFactory(organiser=grace, title="Budget review")
    invitation = Attendee.objects.create(meeting=meeting, stakeholder=StakeholderFactory(name="Ama Owusu"))

    invitation.delete()

    assert names_of(meeting) == "Grace Hopper" and found("owusu") == []


def test_a_renamed_stakeholder_or_member_of_staff_is_found_by_the_new_name(grace):
    meeting = MeetingFactory(organiser=grace, title="Budget review")
    ama = StakeholderFactory(name="Ama Owusu")
    Attendee.objects.create(meeting=meeting, stakeholder=ama)

    ama.name = "Ama Mensah"
    ama.save(update_fields=["name"])
    grace.last_name = "Murray"
    grace.save(update_fields=["last_name"])

    assert names_of(meeting) == "Grace Murray Ama Mensah"
    assert found("mensah") == found("murray") == ["Budget review"]
    assert found("owusu") == found("hopper") == []


def test_a_new_organiser_replaces_the_last(grace):
    meeting = MeetingFactory(organiser=grace, title="Budget review")

    meeting.organiser = UserFactory(first_name="Kofi", last_name="Annan")
    meeting.save(update_fields=["organiser"])

    assert names_of(meeting) == "Kofi Annan"


def test_a_merge_moves_the_duplicates_invitations_and_their_names(grace, officer):
    keep = StakeholderFactory(name="Ama Owusu", owner=officer)
    duplicate = StakeholderFactory(name="Ama Owusu-Boateng", owner=officer)
    meeting = MeetingFactory(organiser=grace, title="Budget review")
    Attendee.objects.create(meeting=meeting, stakeholder=duplicate)

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    assert names_of(meeting) == "Grace Hopper Ama Owusu"
    assert found("boateng") == []


def test_a_deleted_meeting_takes_its_names_with_it(grace):
    meeting = MeetingFactory(organiser=grace, title="Budget review")
    Attendee.objects.create(meeting=meeting, stakeholder=StakeholderFactory(name="Ama Owusu"))

    meeting.delete()

    assert not MeetingPeople.objects.exists()


def test_names_are_found_without_reading_every_meeting(grace):
    """The search asks the names' GIN index, not every meeting's invitations."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        queryset = MeetingPeople.objects.filter(names_vector=prefix_query("owusu"))
        plan = queryset.explain()
    assert "meeting_people_search_gin" in plan

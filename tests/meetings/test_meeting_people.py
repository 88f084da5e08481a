"""The names of each meeting's people (`MeetingPeople`), which the search box finds meetings by, stay right
whatever changes them: PostgreSQL's triggers write them, not the services."""

import threading

import pytest
from django.db import connection, transaction

from contacts.models import Stakeholder
from contacts.search import prefix_query
from contacts.services import stakeholder_merge, stakeholder_update
from meetings.models import Attendee, Meeting, MeetingPeople
from meetings.services import meeting_update

from ..concurrency import finished_or_waiting_for_a_lock
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


def test_someone_named_so_outside_any_meeting_keeps_their_namesakes_meetings_out(grace, colleague):
    """Rachel Fletcher is in no meeting: "rachel fletc" does not bring Rachel Smith's by resemblance."""
    StakeholderFactory(name="Rachel Fletcher")
    meeting = MeetingFactory(organiser=grace, title="Budget review")
    Attendee.objects.create(meeting=meeting, stakeholder=StakeholderFactory(name="Rachel Smith"))

    assert found("rachel fletc") == []
    assert found("rachel smth") == ["Budget review"]


def _one_waits_for_the_other(first, second):
    """`first` writes and keeps its transaction open while `second` starts and waits for it; then both end."""
    first_wrote, release = threading.Event(), threading.Event()
    errors = []

    def run(step, before=None, after=None):
        try:
            if before:
                before.wait(30)
            with transaction.atomic():
                step()
                if after:
                    after.set()
                    release.wait(30)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(first, None, first_wrote)),
        threading.Thread(target=run, args=(second, first_wrote)),
    ]
    for thread in threads:
        thread.start()
    first_wrote.wait(30)
    finished_or_waiting_for_a_lock(threads[1])
    release.set()
    for thread in threads:
        thread.join()
    assert not errors, errors


def rename(stakeholder, name):
    return lambda: stakeholder_update(
        stakeholder=Stakeholder.objects.get(pk=stakeholder.pk), actor=stakeholder.owner, name=name
    )


def invite(meeting, actor, stakeholders):
    return lambda: meeting_update(
        meeting=Meeting.objects.get(pk=meeting.pk), actor=actor, stakeholders=stakeholders
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "order",
    [
        "renames",
        "rename then invitation",
        "invitation then rename",
        "invitation then the invitee's rename",
        "rename then the renamed one's invitation",
    ],
)
def test_changes_to_one_meetings_people_at_once_are_all_kept(grace, order):
    """The second change waits for the first and writes the names from what the first committed."""
    meeting = MeetingFactory(organiser=grace, title="Budget review")
    ama, kofi = StakeholderFactory(name="Ama Owusu"), StakeholderFactory(name="Kofi Mensah")
    Attendee.objects.create(meeting=meeting, stakeholder=ama)
    if order == "renames":
        Attendee.objects.create(meeting=meeting, stakeholder=kofi)
        steps = rename(ama, "Ama Boateng"), rename(kofi, "Kofi Annan")
        expected = "Grace Hopper Ama Boateng Kofi Annan"
    elif order == "rename then invitation":
        steps = rename(ama, "Ama Boateng"), invite(meeting, grace, [ama, kofi])
        expected = "Grace Hopper Ama Boateng Kofi Mensah"
    elif order == "invitation then rename":
        steps = invite(meeting, grace, [ama, kofi]), rename(ama, "Ama Boateng")
        expected = "Grace Hopper Ama Boateng Kofi Mensah"
    else:
        # The rename cannot see an invitation not yet committed, nor the invitation the new name: they wait.
        steps = invite(meeting, grace, [ama, kofi]), rename(kofi, "Kofi Boateng")
        if order == "rename then the renamed one's invitation":
            steps = steps[::-1]
        expected = "Grace Hopper Ama Owusu Kofi Boateng"

    _one_waits_for_the_other(*steps)

    assert names_of(meeting) == expected
    assert found("boateng") == ["Budget review"]

"""Writes at the same moment: a stale write is refused (412) instead of overwriting someone else's change, and
a write racing a merge of a stakeholder it names waits for the merge instead of deadlocking with it."""

import datetime as dt

import pytest
from django.utils import timezone

from interactions.models import Interaction
from meetings.models import ActionItem, Attendee, MeetingStatus

from ..concurrency import all_at_once
from ..factories import (
    AffiliationFactory,
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    StakeholderFactory,
    UserFactory,
)
from ..merges import merged_during
from .conftest import client_with_token, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def stakeholder(officer):
    return StakeholderFactory(owner=officer, notes="first")


def url(stakeholder):
    return f"/api/v1/stakeholders/{stakeholder.pk}/"


def test_each_object_has_an_etag_that_changes_with_it(officer_api, stakeholder):
    first = officer_api.get(url(stakeholder))["ETag"]
    assert first == officer_api.get(url(stakeholder))["ETag"]
    officer_api.patch(url(stakeholder), {"notes": "second"})
    assert officer_api.get(url(stakeholder))["ETag"] != first


def test_write_with_the_current_etag_succeeds(officer_api, stakeholder):
    etag = officer_api.get(url(stakeholder))["ETag"]
    response = officer_api.patch(url(stakeholder), {"notes": "mine"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_write_with_a_stale_etag_gets_412_and_changes_nothing(officer_api, api_as, stakeholder):
    stale = officer_api.get(url(stakeholder))["ETag"]
    api_as("manager").patch(url(stakeholder), {"notes": "the manager's change"})
    response = officer_api.put(
        url(stakeholder), {"name": stakeholder.name, "notes": "mine"}, HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    assert "changed" in response.json()["detail"]
    stakeholder.refresh_from_db()
    assert stakeholder.notes == "the manager's change"


def test_stale_etag_also_stops_workflows_and_deletes(officer_api, officer):
    interaction = InteractionFactory(logged_by=officer)
    detail = f"/api/v1/interactions/{interaction.pk}/"
    stale = officer_api.get(detail)["ETag"]
    officer_api.patch(detail, {"outcome": "changed"})
    assert officer_api.delete(detail, HTTP_IF_MATCH=stale).status_code == 412
    stakeholder = interaction.stakeholders.get()
    stale = officer_api.get(url(stakeholder))["ETag"]
    officer_api.patch(url(stakeholder), {"notes": "changed"})
    assert officer_api.post(f"{url(stakeholder)}archive/", HTTP_IF_MATCH=stale).status_code == 412


def test_if_none_match_answers_304_while_unchanged(officer_api, stakeholder):
    etag = officer_api.get(url(stakeholder))["ETag"]
    response = officer_api.get(url(stakeholder), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    officer_api.patch(url(stakeholder), {"notes": "new"})
    assert officer_api.get(url(stakeholder), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_no_permission_is_reported_before_a_stale_etag(api_as, stakeholder):
    response = api_as("colleague").patch(url(stakeholder), {"notes": "x"}, HTTP_IF_MATCH='"stale"')
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (lambda stakeholder: url(stakeholder), {"name": ""}),
        # An update naming a stakeholder is read once before any lock to take theirs first; still 412 first.
        (
            lambda stakeholder: f"/api/v1/commitments/{CommitmentFactory(stakeholder=stakeholder).pk}/",
            {"stakeholder": 0},
        ),
    ],
    ids=["stakeholder", "commitment"],
)
def test_a_stale_etag_is_reported_before_what_is_wrong_with_the_body(officer_api, stakeholder, path, body):
    """The client refetches on 412; errors about a version it has not seen would be for nothing."""
    address = path(stakeholder)
    etag = officer_api.get(address)["ETag"]
    officer_api.patch(address, {"notes": "changed by someone else"})
    assert officer_api.patch(address, body, HTTP_IF_MATCH=etag).status_code == 412


def test_our_etags_are_strong(officer_api, stakeholder):
    assert not officer_api.get(url(stakeholder))["ETag"].startswith("W/")


def test_a_weak_etag_in_if_match_never_matches_so_the_write_gets_412_and_changes_nothing(
    officer_api, stakeholder
):
    """If-Match compares strongly (RFC 9110): a weak tag, even of the current representation, is refused."""
    etag = officer_api.get(url(stakeholder))["ETag"]
    response = officer_api.patch(url(stakeholder), {"notes": "mine"}, HTTP_IF_MATCH=f"W/{etag}")
    assert response.status_code == 412
    stakeholder.refresh_from_db()
    assert stakeholder.notes == "first"


def test_a_weak_etag_in_if_none_match_still_answers_304(officer_api, stakeholder):
    """If-None-Match compares weakly: `W/"x"` names the representation `"x"`."""
    etag = officer_api.get(url(stakeholder))["ETag"]
    assert officer_api.get(url(stakeholder), HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304


@pytest.mark.django_db(transaction=True)
def test_two_writes_with_the_same_if_match_at_once_the_second_is_refused():
    """The ETag is compared under the row lock, so the second compares with what the first saved."""
    officer = UserFactory()
    stakeholder = StakeholderFactory(owner=officer, notes="first")
    key = token_for(officer)
    etag = client_with_token(key).get(url(stakeholder))["ETag"]
    answers = []

    def write(notes):
        return lambda: answers.append(
            client_with_token(key).patch(url(stakeholder), {"notes": notes}, HTTP_IF_MATCH=etag)
        )

    all_at_once(write("one"), write("two"))

    assert sorted(answer.status_code for answer in answers) == [200, 412]
    saved = next(answer for answer in answers if answer.status_code == 200).json()["notes"]
    stakeholder.refresh_from_db()
    assert stakeholder.notes == saved


@pytest.fixture
def two_records_of_one_person():
    """The duplicate and the record kept, both one officer's, and that officer's API client."""
    officer = UserFactory()
    keep = StakeholderFactory(owner=officer, name="Ama Owusu")
    duplicate = StakeholderFactory(owner=officer, name="Ama Owusu (2)")
    return duplicate, keep, client_with_token(token_for(officer))


def _meeting_attended_by(*stakeholders, **fields):
    meeting = MeetingFactory(organiser=stakeholders[0].owner, **fields)
    Attendee.objects.bulk_create([Attendee(meeting=meeting, stakeholder=s) for s in stakeholders])
    return meeting


def _action_owned_by(duplicate, keep):
    """Agreed at a meeting both records attend, so it may be handed to either."""
    return ActionItem.objects.create(
        meeting=_meeting_attended_by(duplicate, keep),
        description="Send the figures",
        owner_stakeholder=duplicate,
        chaser=duplicate.owner,
        created_by=duplicate.owner,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("record_of", "endpoint", "field"),
    [
        (_action_owned_by, "action-items", "owner_stakeholder"),
        (lambda duplicate, keep: CommitmentFactory(stakeholder=duplicate), "commitments", "stakeholder"),
        (lambda duplicate, keep: ConcernFactory(stakeholder=duplicate), "concerns", "stakeholder"),
    ],
)
def test_a_record_handed_to_a_stakeholder_while_their_duplicate_is_merged_waits_for_the_merge(
    two_records_of_one_person, record_of, endpoint, field
):
    """A merge locks both stakeholders, then moves what points at the duplicate. An update that locked its
    record first and then the stakeholder it names held what the merge waited for, and waited for what the
    merge held: PostgreSQL broke the deadlock by failing one of them, and the update answered 503."""
    duplicate, keep, api = two_records_of_one_person
    record = record_of(duplicate, keep)

    answer = merged_during(
        lambda: api.patch(f"/api/v1/{endpoint}/{record.pk}/", {field: keep.pk}),
        keep=keep,
        duplicate=duplicate,
    )

    assert answer.status_code == 200, answer.content
    record.refresh_from_db()
    assert getattr(record, f"{field}_id") == keep.pk


def _action_owned_by_with(duplicate, third):
    """Agreed at a meeting the duplicate and a third person attend, owned by the duplicate."""
    return ActionItem.objects.create(
        meeting=_meeting_attended_by(duplicate, third),
        description="Send the figures",
        owner_stakeholder=duplicate,
        chaser=duplicate.owner,
        created_by=duplicate.owner,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("record_of", "endpoint", "field"),
    [
        (_action_owned_by_with, "action-items", "owner_stakeholder"),
        (lambda duplicate, third: CommitmentFactory(stakeholder=duplicate), "commitments", "stakeholder"),
        (lambda duplicate, third: ConcernFactory(stakeholder=duplicate), "concerns", "stakeholder"),
    ],
)
def test_a_record_moved_off_a_stakeholder_while_they_are_merged_waits_for_the_merge(
    two_records_of_one_person, record_of, endpoint, field
):
    """The person a record leaves is marked changed (their health card), so the update holds them too, and
    before the record: held after it, a merge of that person and the update each waited for the other."""
    duplicate, keep, api = two_records_of_one_person
    third = StakeholderFactory(owner=duplicate.owner, name="Kofi Mensah")
    record = record_of(duplicate, third)

    answer = merged_during(
        lambda: api.patch(f"/api/v1/{endpoint}/{record.pk}/", {field: third.pk}),
        keep=keep,
        duplicate=duplicate,
    )

    assert answer.status_code == 200, answer.content
    record.refresh_from_db()
    assert getattr(record, f"{field}_id") == third.pk


@pytest.mark.django_db(transaction=True)
def test_a_guest_taken_off_a_meeting_while_they_are_merged_waits_for_the_merge(two_records_of_one_person):
    duplicate, keep, api = two_records_of_one_person
    third = StakeholderFactory(owner=duplicate.owner, name="Kofi Mensah")
    meeting = _meeting_attended_by(duplicate, third)

    answer = merged_during(
        lambda: api.patch(f"/api/v1/meetings/{meeting.pk}/", {"stakeholders": [third.pk]}),
        keep=keep,
        duplicate=duplicate,
    )

    assert answer.status_code == 200, answer.content
    assert [a.stakeholder for a in meeting.attendees.all()] == [third]


# A merge locks both stakeholders, then changes every meeting the duplicate attends. A write that locked the
# meeting first and then a stakeholder held what the merge waited for, and waited for what the merge held:
# PostgreSQL broke the deadlock by failing the write, which answered 503.


@pytest.mark.django_db(transaction=True)
def test_an_action_for_the_record_kept_added_while_its_duplicate_is_merged_waits_for_the_merge(
    two_records_of_one_person,
):
    duplicate, keep, api = two_records_of_one_person
    meeting = _meeting_attended_by(duplicate, keep)
    body = {"meeting": meeting.pk, "description": "Send the figures", "owner_stakeholder": keep.pk}

    answer = merged_during(lambda: api.post("/api/v1/action-items/", body), keep=keep, duplicate=duplicate)

    assert answer.status_code == 201, answer.content
    assert ActionItem.objects.get().owner_stakeholder == keep


@pytest.mark.django_db(transaction=True)
def test_inviting_the_record_kept_while_its_duplicate_is_merged_waits_for_the_merge(
    two_records_of_one_person,
):
    duplicate, keep, api = two_records_of_one_person
    meeting = _meeting_attended_by(duplicate)

    answer = merged_during(
        lambda: api.patch(f"/api/v1/meetings/{meeting.pk}/", {"stakeholders": [keep.pk]}),
        keep=keep,
        duplicate=duplicate,
    )

    assert answer.status_code == 200, answer.content
    assert [a.stakeholder for a in meeting.attendees.all()] == [keep]


@pytest.mark.django_db(transaction=True)
def test_recording_a_meeting_while_a_guest_is_merged_waits_for_the_merge_and_is_refused_with_a_message(
    two_records_of_one_person,
):
    duplicate, keep, api = two_records_of_one_person
    meeting = _meeting_attended_by(duplicate, starts_at=timezone.now() - dt.timedelta(hours=2))

    answer = merged_during(
        lambda: api.post(f"/api/v1/meetings/{meeting.pk}/mark-held/", {"minutes": "Agreed"}),
        keep=keep,
        duplicate=duplicate,
    )

    assert answer.status_code == 400, answer.content
    assert answer.json()["actions"][0].startswith("Ama Owusu (2) was merged into another record")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert [a.stakeholder for a in meeting.attendees.all()] == [keep]


@pytest.mark.django_db(transaction=True)
def test_a_position_changed_while_its_person_is_merged_waits_for_the_merge_and_is_changed_where_it_went(
    two_records_of_one_person,
):
    """A merge locks both people, then moves the duplicate's positions. A change that locked the position
    first and then its person held what the merge waited for, and waited for what it held."""
    duplicate, keep, api = two_records_of_one_person
    position = AffiliationFactory(stakeholder=duplicate, role="Adviser")

    answer = merged_during(
        lambda: api.patch(f"/api/v1/affiliations/{position.pk}/", {"role": "Director"}),
        keep=keep,
        duplicate=duplicate,
    )

    assert answer.status_code == 200, answer.content
    position.refresh_from_db()
    assert (position.stakeholder_id, position.role) == (keep.pk, "Director")


@pytest.mark.django_db(transaction=True)
def test_an_interaction_edited_while_one_of_its_people_is_merged_waits_for_the_merge(
    two_records_of_one_person,
):
    duplicate, keep, api = two_records_of_one_person
    interaction = InteractionFactory(logged_by=duplicate.owner, stakeholders=[duplicate])

    answer = merged_during(
        lambda: api.patch(f"/api/v1/interactions/{interaction.pk}/", {"notes": "Agreed the dates"}),
        keep=keep,
        duplicate=duplicate,
    )

    assert answer.status_code == 200, answer.content
    assert [person["id"] for person in answer.json()["stakeholders"]] == [keep.pk]


@pytest.mark.django_db(transaction=True)
def test_a_position_ended_while_its_person_is_merged_waits_for_the_merge_and_is_ended_where_it_went(
    two_records_of_one_person,
):
    """An action (…/end/) holds the person before the position, as a change does."""
    duplicate, keep, api = two_records_of_one_person
    position = AffiliationFactory(stakeholder=duplicate, role="Adviser")

    answer = merged_during(
        lambda: api.post(f"/api/v1/affiliations/{position.pk}/end/"),
        keep=keep,
        duplicate=duplicate,
    )

    assert answer.status_code == 200, answer.content
    position.refresh_from_db()
    assert position.stakeholder_id == keep.pk
    assert position.end_date is not None


@pytest.mark.django_db(transaction=True)
def test_an_interaction_deleted_while_one_of_its_people_is_merged_waits_for_the_merge(
    two_records_of_one_person,
):
    duplicate, keep, api = two_records_of_one_person
    interaction = InteractionFactory(logged_by=duplicate.owner, stakeholders=[duplicate])

    answer = merged_during(
        lambda: api.delete(f"/api/v1/interactions/{interaction.pk}/"), keep=keep, duplicate=duplicate
    )

    assert answer.status_code == 204, answer.content
    assert not Interaction.objects.filter(pk=interaction.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_interaction_given_a_person_while_they_are_merged_is_refused_with_a_message(
    two_records_of_one_person,
):
    """The people the input names are held with the interaction's own: one merged away meanwhile is named."""
    duplicate, keep, api = two_records_of_one_person
    interaction = InteractionFactory(logged_by=duplicate.owner, stakeholders=[keep])

    answer = merged_during(
        lambda: api.patch(f"/api/v1/interactions/{interaction.pk}/", {"stakeholders": [duplicate.pk]}),
        keep=keep,
        duplicate=duplicate,
    )

    assert answer.status_code == 400, answer.content
    assert answer.json()["stakeholders"][0].startswith("Ama Owusu (2) was merged into another record")
    assert [person.pk for person in interaction.stakeholders.all()] == [keep.pk]

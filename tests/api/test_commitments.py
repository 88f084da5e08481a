"""The commitments register through the API: the same services and rules as its pages."""

import datetime as dt

import pytest
from django.utils import timezone

from commitments.models import Commitment, CommitmentStatus

from ..factories import (
    AffiliationFactory,
    CommitmentFactory,
    InteractionFactory,
    MeetingFactory,
    StakeholderFactory,
)
from .conftest import CAST

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"


def detail(commitment, action=""):
    return f"{LIST}{commitment.pk}/{action + '/' if action else ''}"


@pytest.fixture
def commitment(officer, other_officer):
    """Chased by `officer`, made to a stakeholder `other_officer` owns."""
    return CommitmentFactory(owner=officer, stakeholder=StakeholderFactory(owner=other_officer))


@pytest.fixture
def confidential_call(colleague):
    """A confidential call `colleague` logged about their own stakeholder."""
    return InteractionFactory(
        logged_by=colleague,
        stakeholders=[StakeholderFactory(owner=colleague)],
        is_confidential=True,
        summary="Board tension over the merger",
    )


def body(stakeholder, **fields):
    return {
        "description": "Send the revised timetable",
        "direction": "we_promised",
        "stakeholder": stakeholder.pk,
        **fields,
    }


@pytest.mark.parametrize("who", [None, *CAST])
def test_everyone_on_the_staff_reads_the_register(api_as, commitment, who):
    expected = 401 if who is None else 200
    assert api_as(who).get(LIST).status_code == expected
    assert api_as(who).get(detail(commitment)).status_code == expected


@pytest.mark.parametrize("who", CAST)
def test_anyone_on_the_staff_records_a_commitment_and_chases_it(api_as, request, officer, who):
    stakeholder = StakeholderFactory(owner=officer)
    position = AffiliationFactory(stakeholder=stakeholder)
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = api_as(who).post(LIST, body(stakeholder, due_on=due), HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["owner"] == data["created_by"] == request.getfixturevalue(who).pk
    assert data["organisation"] == position.organisation_id
    assert data["stakeholder"] == {"id": stakeholder.pk, "name": stakeholder.name}
    assert (data["status"], data["due_on"], data["is_overdue"]) == ("open", due, False)
    assert response["ETag"]


def test_anonymous_cannot_record(api_as, officer):
    assert api_as(None).post(LIST, body(StakeholderFactory(owner=officer))).status_code == 401
    assert not Commitment.objects.exists()


def test_a_service_account_records_as_itself(service_api, service_account, officer):
    response = service_api.post(LIST, body(StakeholderFactory(owner=officer)))
    assert response.status_code == 201
    assert response.json()["owner"] == service_account.pk


def test_a_service_account_is_never_given_a_commitment_to_chase(officer_api, officer, service_account):
    response = officer_api.post(LIST, body(StakeholderFactory(owner=officer), owner=service_account.pk))
    assert response.status_code == 400
    assert "never to a service account" in response.json()["owner"][0]


def test_retrying_with_the_same_key_records_once(officer_api, officer):
    stakeholder = StakeholderFactory(owner=officer)
    first = officer_api.post(LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="same")
    again = officer_api.post(LIST, body(stakeholder), HTTP_IDEMPOTENCY_KEY="same")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Commitment.objects.count() == 1


def test_recording_where_it_was_promised(officer_api, officer):
    stakeholder = StakeholderFactory(owner=officer)
    call = InteractionFactory(logged_by=officer, stakeholders=[stakeholder], summary="Phone call")
    response = officer_api.post(LIST, body(stakeholder, source_interaction=call.pk))
    assert response.status_code == 201, response.content
    assert response.json()["source_interaction"]["summary"] == "Phone call"


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"direction": "sideways"}, {"direction"}),
        ({"description": ""}, {"description"}),
        ({"stakeholder": 999999}, {"stakeholder"}),
        ({"due_on": "next week"}, {"due_on"}),
        ({"owner": 999999}, {"owner"}),
        ({"source_meeting": 999999}, {"source_meeting"}),
        ({"source_interaction": "confidential"}, {"source_interaction"}),  # one the officer may not read
        ({"source_interaction": "unrelated"}, {"stakeholder"}),  # the stakeholder was not in it
        ({"source_interaction": "theirs", "source_meeting": "theirs"}, {"non_field_errors"}),
        ({"source_meeting": "cancelled"}, {"source_meeting"}),  # it did not take place
    ],
)
def test_bad_input_is_a_400_with_field_messages_and_records_nothing(
    officer_api, officer, confidential_call, change, fields
):
    stakeholder = StakeholderFactory(owner=officer)
    theirs_call = InteractionFactory(logged_by=officer, stakeholders=[stakeholder])
    theirs_meeting = MeetingFactory(organiser=officer)
    theirs_meeting.attendees.create(stakeholder=stakeholder)
    cancelled_meeting = MeetingFactory(organiser=officer, status="cancelled")
    cancelled_meeting.attendees.create(stakeholder=stakeholder)
    sources = {
        "cancelled": cancelled_meeting.pk,
        "confidential": confidential_call.pk,
        "unrelated": InteractionFactory(logged_by=officer).pk,
        "theirs": None,
    }
    for name, value in change.items():
        if value in sources:
            change[name] = sources[value] or (
                theirs_call.pk if name == "source_interaction" else theirs_meeting.pk
            )
    response = officer_api.post(LIST, {**body(stakeholder), **change})
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    assert not Commitment.objects.exists()


def test_an_archived_stakeholder_is_refused(officer_api, officer):
    archived = StakeholderFactory(owner=officer, is_archived=True, archived_at=timezone.now())
    response = officer_api.post(LIST, body(archived))
    assert response.status_code == 400 and set(response.json()) == {"stakeholder"}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("officer", 200),  # chases it
        ("other_officer", 200),  # owns the stakeholder
        ("colleague", 403),
        ("manager", 200),  # the chaser's manager
        ("other_manager", 403),
        ("admin_user", 200),
    ],
)
def test_the_chaser_the_stakeholders_owner_their_manager_and_admins_edit(api_as, commitment, who, status):
    response = api_as(who).patch(detail(commitment), {"notes": "Chased by phone"})
    assert response.status_code == status, response.content
    commitment.refresh_from_db()
    assert (commitment.notes == "Chased by phone") is (status == 200)


def test_a_service_account_cannot_edit_someone_elses_commitment(service_api, commitment):
    assert service_api.patch(detail(commitment), {"notes": "x"}).status_code == 403
    assert service_api.post(detail(commitment, "fulfil")).status_code == 403


def test_the_source_is_fixed_once_recorded(officer_api, commitment, officer):
    call = InteractionFactory(logged_by=officer, stakeholders=[commitment.stakeholder])
    response = officer_api.patch(detail(commitment), {"source_interaction": call.pk, "notes": "x"})
    assert response.status_code == 200
    assert response.json()["source_interaction"] is None


def test_status_moves_only_by_actions(officer_api, commitment):
    response = officer_api.patch(detail(commitment), {"status": "fulfilled"})
    assert response.status_code == 200
    assert response.json()["status"] == "open"


@pytest.mark.parametrize(
    ("action", "status"),
    [("fulfil", "fulfilled"), ("cancel", "cancelled"), ("break", "broken")],
)
def test_closing_and_reopening(officer_api, commitment, action, status):
    closed = officer_api.post(detail(commitment, action))
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == status
    dates = {"fulfilled": "fulfilled_at", "broken": "broken_at", "cancelled": "cancelled_at"}
    assert {name for name in dates.values() if closed.json()[name] is not None} == {dates[status]}
    reopened = officer_api.post(detail(commitment, "reopen")).json()
    assert reopened["status"] == "open" and [reopened[name] for name in dates.values()] == [None, None, None]


def test_the_cancellation_date_is_read_only(officer_api, commitment):
    officer_api.post(detail(commitment, "cancel"))
    cancelled_at = officer_api.get(detail(commitment)).json()["cancelled_at"]
    officer_api.post(detail(commitment, "reopen"))

    response = officer_api.patch(detail(commitment), {"cancelled_at": cancelled_at})

    assert response.status_code == 200, response.content
    assert response.json()["cancelled_at"] is None and response.json()["status"] == "open"


def test_reopening_an_open_commitment_changes_nothing(officer_api, commitment):
    """As the page says: nothing changed. A retried request is not an error."""
    before = officer_api.get(detail(commitment)).json()

    response = officer_api.post(detail(commitment, "reopen"))

    assert response.status_code == 200
    assert response.json() == before


@pytest.mark.parametrize("action", ["fulfil", "cancel", "break"])
def test_a_closed_commitment_is_reopened_before_it_is_edited(officer_api, commitment, action):
    officer_api.post(detail(commitment, action))
    response = officer_api.patch(detail(commitment), {"description": "Changed"})
    assert response.status_code == 400
    assert "reopen it to change it" in response.json()["non_field_errors"][0]
    assert Commitment.objects.get(pk=commitment.pk).description != "Changed"


def test_closing_a_closed_commitment_another_way_is_a_400(officer_api, commitment):
    officer_api.post(detail(commitment, "fulfil"))
    response = officer_api.post(detail(commitment, "break"))
    assert response.status_code == 400
    assert "reopen it first" in response.json()["non_field_errors"][0]
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.FULFILLED


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("other_manager", 403), ("manager", 200)])
def test_actions_follow_the_edit_rule(api_as, commitment, who, status):
    assert api_as(who).post(detail(commitment, "fulfil")).status_code == status


def test_commitments_are_never_deleted(api_as, commitment):
    assert api_as("admin_user").delete(detail(commitment)).status_code == 405
    assert Commitment.objects.filter(pk=commitment.pk).exists()


def test_a_stale_etag_stops_an_action(officer_api, api_as, commitment):
    stale = officer_api.get(detail(commitment))["ETag"]
    api_as("manager").patch(detail(commitment), {"notes": "the manager's"})
    assert officer_api.post(detail(commitment, "fulfil"), HTTP_IF_MATCH=stale).status_code == 412
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN


SEES_CONFIDENTIAL = [
    ("colleague", True),  # logged it
    ("officer", False),
    ("other_officer", False),
    ("manager", True),
    ("other_manager", False),
    ("admin_user", True),
]


@pytest.mark.parametrize(("who", "sees"), SEES_CONFIDENTIAL)
def test_a_confidential_source_shows_only_to_those_who_may_read_it(api_as, confidential_call, who, sees):
    commitment = CommitmentFactory(
        stakeholder=confidential_call.stakeholders.get(), source_interaction=confidential_call
    )
    client = api_as(who)
    shown = client.get(detail(commitment)).json()["source_interaction"]
    assert (shown is not None) is sees
    listed = client.get(LIST).json()["results"][0]["source_interaction"]
    assert (listed is not None) is sees
    assert ("merger" in client.get(LIST).content.decode()) is sees


def test_filters_are_the_registers_filters(officer_api, officer, colleague):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    late = CommitmentFactory(owner=officer, stakeholder=StakeholderFactory(owner=officer), due_on=yesterday)
    theirs = CommitmentFactory(
        owner=colleague, stakeholder=StakeholderFactory(owner=colleague), direction="they_promised"
    )
    kept = CommitmentFactory(
        owner=officer,
        stakeholder=StakeholderFactory(owner=officer),
        description="Share the survey results",
        status=CommitmentStatus.FULFILLED,
        fulfilled_at=timezone.now(),
    )

    def ids(**query):
        return [row["id"] for row in officer_api.get(LIST, query).json()["results"]]

    assert ids(overdue="true") == [late.pk]
    assert ids(owner=colleague.pk) == [theirs.pk]
    assert ids(direction="they_promised") == [theirs.pk]
    assert ids(status="fulfilled") == [kept.pk]
    assert ids(search="survey") == [kept.pk]
    assert ids(stakeholder=late.stakeholder_id) == [late.pk]
    Commitment.objects.exclude(pk=theirs.pk).update(updated_at="2020-01-01T00:00Z")
    assert ids(updated_since="2025-01-01T00:00Z") == [theirs.pk]


def test_a_new_due_date_is_reported_again_when_missed(officer_api, commitment):
    Commitment.objects.filter(pk=commitment.pk).update(overdue_notified_at=timezone.now())
    officer_api.patch(detail(commitment), {"notes": "No change of date"})
    commitment.refresh_from_db()
    assert commitment.overdue_notified_at is not None
    later = (commitment.due_on + dt.timedelta(days=7)).isoformat()
    assert officer_api.patch(detail(commitment), {"due_on": later}).json()["overdue_notified_at"] is None


def test_sending_back_a_commitment_whose_chaser_has_left_asks_who_takes_it_over(api_as, colleague):
    commitment = CommitmentFactory(owner=colleague, stakeholder=StakeholderFactory(owner=colleague))
    colleague.is_active = False
    colleague.save()

    response = api_as("manager").patch(detail(commitment), {"owner": colleague.pk, "description": "Changed"})

    assert response.status_code == 400
    assert response.json()["owner"] == [f"{colleague} has left; choose who takes this over."]
    commitment.refresh_from_db()
    assert commitment.description != "Changed"


@pytest.mark.parametrize("had_one", [False, True])
def test_a_null_organisation_is_where_the_stakeholder_works_now_only_when_it_clears_one(
    officer_api, commitment, had_one
):
    """As on the edit page: a commitment that never had an organisation is not given one by an edit."""
    position = AffiliationFactory(stakeholder=commitment.stakeholder)
    if had_one:
        Commitment.objects.filter(pk=commitment.pk).update(organisation=AffiliationFactory().organisation)

    response = officer_api.patch(detail(commitment), {"organisation": None, "notes": "Chased"}, format="json")

    assert response.status_code == 200
    commitment.refresh_from_db()
    assert commitment.organisation == (position.organisation if had_one else None)

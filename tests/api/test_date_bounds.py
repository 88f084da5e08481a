"""Dates sent to the API fall within the years a record can hold (liaison_crm.typed_dates), as on the pages:
checked on creation, and on an update only when the date changes."""

import datetime as dt

import pytest
from django.utils import timezone

from commitments.models import Commitment
from concerns.models import Concern
from interactions.models import Interaction
from meetings.models import ActionItem, Meeting

from ..factories import (
    AffiliationFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    StakeholderFactory,
)
from ..typed_dates import latest_year, refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def stakeholder(officer):
    return StakeholderFactory(owner=officer)


@pytest.mark.parametrize("typed", ["1899-12-31", "next-century"])
def test_a_concern_raised_outside_the_years_is_a_400_and_nothing_is_recorded(
    officer_api, stakeholder, django_assert_max_num_queries, typed
):
    if typed == "next-century":
        typed = f"{latest_year() + 1}-01-01"
    body = {"title": "Dust from the quarry", "stakeholder": stakeholder.pk, "raised_on": typed}

    # The token with its user, the history context, the stakeholder named: the date costs none, and is
    # refused before any service runs.
    with django_assert_max_num_queries(3):
        response = officer_api.post("/api/v1/concerns/", body)

    assert response.status_code == 400
    assert response.json() == {"raised_on": [refusal()]}
    assert not Concern.objects.exists()


# The years officers reported refused by the attempt on the models, and one outside the bounds altogether:
# stored before they existed, or by inbound mail, which takes any date.
@pytest.mark.parametrize("year", [1940, 1880])
def test_an_old_concern_keeps_its_date_through_an_edit_of_its_title(officer_api, stakeholder, year):
    concern = ConcernFactory(stakeholder=stakeholder, raised_on=dt.date(year, 5, 2))

    response = officer_api.patch(
        f"/api/v1/concerns/{concern.pk}/", {"title": "Wartime requisition", "raised_on": f"{year}-05-02"}
    )

    assert response.status_code == 200, response.content
    concern.refresh_from_db()
    assert (concern.title, concern.raised_on) == ("Wartime requisition", dt.date(year, 5, 2))


def test_moving_a_concerns_date_to_1899_is_a_400(officer_api, stakeholder):
    concern = ConcernFactory(stakeholder=stakeholder, raised_on=dt.date(1940, 5, 2))

    response = officer_api.patch(f"/api/v1/concerns/{concern.pk}/", {"raised_on": "1899-05-02"})

    assert response.status_code == 400
    assert response.json() == {"raised_on": [refusal()]}
    concern.refresh_from_db()
    assert concern.raised_on == dt.date(1940, 5, 2)


@pytest.mark.parametrize("year", [1940, 1880])
def test_an_old_interaction_is_sent_back_whole_with_a_new_summary(officer_api, officer, stakeholder, year):
    occurred = dt.datetime(year, 5, 2, 10, 15, 37, tzinfo=dt.UTC)
    interaction = InteractionFactory(logged_by=officer, stakeholders=[stakeholder], occurred_at=occurred)
    shown = officer_api.get(f"/api/v1/interactions/{interaction.pk}/").json()
    body = {
        "kind": shown["kind"],
        "direction": shown["direction"],
        "occurred_at": shown["occurred_at"],
        "stakeholders": [stakeholder.pk],
        "summary": "Requisition talks",
    }

    response = officer_api.put(f"/api/v1/interactions/{interaction.pk}/", body)

    assert response.status_code == 200, response.content
    interaction.refresh_from_db()
    assert (interaction.summary, interaction.occurred_at) == ("Requisition talks", occurred)


def test_an_interaction_logged_in_the_year_226_is_a_400(officer_api, stakeholder):
    body = {
        "kind": "call",
        "occurred_at": "0226-03-05T10:00:00Z",
        "stakeholders": [stakeholder.pk],
        "summary": "Typo",
        "follow_up_on": "3020-01-01",
    }

    response = officer_api.post("/api/v1/interactions/", body)

    assert response.status_code == 400
    assert response.json() == {"occurred_at": [refusal()], "follow_up_on": [refusal()]}
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("year", [226, 3020, 9999])
def test_a_meeting_in_an_absurd_year_is_a_400_saying_which_years_are_taken(officer_api, stakeholder, year):
    starts = dt.datetime(year, 3, 5, 10, tzinfo=dt.UTC)
    body = {
        "title": "Site visit planning",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
        "stakeholders": [stakeholder.pk],
    }

    response = officer_api.post("/api/v1/meetings/", body)

    assert response.status_code == 400
    assert response.json() == {"starts_at": [refusal()], "ends_at": [refusal()]}
    assert not Meeting.objects.exists()


def test_an_action_due_in_3020_is_a_400(officer_api, officer):
    meeting = MeetingFactory(organiser=officer)

    response = officer_api.post(
        "/api/v1/action-items/",
        {
            "meeting": meeting.pk,
            "description": "Send the map",
            "owner_user": officer.pk,
            "due_on": "3020-01-10",
        },
    )

    assert response.status_code == 400
    assert response.json() == {"due_on": [refusal()]}
    assert not ActionItem.objects.exists()


def test_a_position_begun_in_1945_is_ended_and_not_before_1900(officer_api, stakeholder):
    position = AffiliationFactory(stakeholder=stakeholder, start_date=dt.date(1945, 9, 1))

    refused = officer_api.post(f"/api/v1/affiliations/{position.pk}/end/", {"end_date": "0226-01-01"})
    ended = officer_api.post(f"/api/v1/affiliations/{position.pk}/end/", {})

    assert refused.status_code == 400 and refused.json() == {"end_date": [refusal()]}
    assert ended.status_code == 200, ended.content
    position.refresh_from_db()
    assert (position.start_date, position.end_date) == (dt.date(1945, 9, 1), timezone.localdate())


def test_a_commitments_99_year_renewal_stays_through_an_edit_of_its_notes(officer_api, stakeholder):
    recorded = officer_api.post(
        "/api/v1/commitments/",
        {"description": "Lease of the depot", "direction": "we_promised", "stakeholder": stakeholder.pk},
    ).json()
    Commitment.objects.filter(pk=recorded["id"]).update(renews_on=dt.date(2120, 1, 1))

    kept = officer_api.patch(
        f"/api/v1/commitments/{recorded['id']}/", {"notes": "Signed", "renews_on": "2120-01-01"}
    )
    refused = officer_api.patch(f"/api/v1/commitments/{recorded['id']}/", {"renews_on": "2121-01-01"})

    assert kept.status_code == 200, kept.content
    assert refused.status_code == 400 and refused.json() == {"renews_on": [refusal()]}
    assert Commitment.objects.get(pk=recorded["id"]).renews_on == dt.date(2120, 1, 1)


def test_a_position_begun_before_1900_is_sent_back_with_a_new_role(officer_api, stakeholder):
    position = AffiliationFactory(stakeholder=stakeholder, start_date=dt.date(1880, 9, 1))

    response = officer_api.patch(
        f"/api/v1/affiliations/{position.pk}/", {"role": "Honorary chair", "start_date": "1880-09-01"}
    )

    assert response.status_code == 200, response.content
    position.refresh_from_db()
    assert (position.role, position.start_date) == ("Honorary chair", dt.date(1880, 9, 1))

"""Dates typed on the pages fall within the years a record can hold (liaison_crm.typed_dates), checked only
when they change: an edit that leaves an old date as it was still saves."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.models import Commitment
from concerns.models import Concern
from contacts.models import Affiliation
from meetings.models import Meeting

from .edit_forms import as_the_page_shows_it
from .factories import (
    AffiliationFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    StakeholderFactory,
)
from .typed_dates import latest_year, refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def stakeholder(officer):
    return StakeholderFactory(owner=officer)


@pytest.mark.parametrize("typed", ["1899-12-31", "next-century"])
def test_a_concern_raised_outside_the_years_is_refused_and_nothing_is_recorded(
    officer_client, officer, stakeholder, typed
):
    if typed == "next-century":
        typed = f"{latest_year() + 1}-01-01"
    data = {
        "title": "Dust from the quarry",
        "stakeholder": stakeholder.pk,
        "severity": 3,
        "owner": officer.pk,
        "raised_on": typed,
    }

    response = officer_client.post(reverse("concerns:create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"raised_on": [refusal()]}
    assert not Concern.objects.exists()


def test_the_last_day_of_the_latest_year_is_accepted(officer_client, officer, stakeholder):
    data = {
        "description": "Renew the data-sharing agreement",
        "direction": "we_promised",
        "stakeholder": stakeholder.pk,
        "owner": officer.pk,
        "renews_on": f"{latest_year()}-12-31",
    }

    response = officer_client.post(reverse("commitments:create"), data)

    assert response.status_code == 302, response.context["form"].errors
    assert Commitment.objects.get().renews_on == dt.date(latest_year(), 12, 31)


# The years officers reported refused by the attempt on the models, and one outside the bounds altogether:
# stored before they existed, or by inbound mail, which takes any date.
@pytest.mark.parametrize("year", [1940, 1880])
def test_editing_an_old_concern_without_touching_its_date_saves(officer_client, stakeholder, year):
    concern = ConcernFactory(stakeholder=stakeholder, raised_on=dt.date(year, 5, 2))
    url = reverse("concerns:edit", args=[concern.pk])

    response = officer_client.post(
        url, as_the_page_shows_it(officer_client.get(url).context["form"], title="Wartime requisition")
    )

    assert response.status_code == 302, response.context["form"].errors
    concern.refresh_from_db()
    assert (concern.title, concern.raised_on) == ("Wartime requisition", dt.date(year, 5, 2))


def test_editing_a_concerns_date_to_1899_is_refused(officer_client, stakeholder):
    concern = ConcernFactory(stakeholder=stakeholder, raised_on=dt.date(1940, 5, 2))
    url = reverse("concerns:edit", args=[concern.pk])

    response = officer_client.post(
        url, as_the_page_shows_it(officer_client.get(url).context["form"], raised_on="1899-05-02")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"raised_on": [refusal()]}
    concern.refresh_from_db()
    assert concern.raised_on == dt.date(1940, 5, 2)


@pytest.mark.parametrize("zone", ["Europe/London", "Europe/Paris", "Asia/Kolkata"])
@pytest.mark.parametrize("year", [1940, 1880])
def test_editing_an_old_interaction_logged_to_the_second_without_touching_its_time_saves(
    officer_client, officer, stakeholder, year, zone
):
    """The form shows minutes; the time it sends back at the same minute is the stored one, unchanged. Paris
    and Kolkata kept their local mean time's offset, in seconds, in 1880."""
    officer.time_zone = zone
    officer.save(update_fields=["time_zone"])
    occurred = dt.datetime(year, 5, 2, 10, 15, 37, 500000, tzinfo=dt.UTC)
    interaction = InteractionFactory(logged_by=officer, stakeholders=[stakeholder], occurred_at=occurred)
    url = reverse("interactions:edit", args=[interaction.pk])

    response = officer_client.post(
        url, as_the_page_shows_it(officer_client.get(url).context["form"], summary="Requisition talks")
    )

    assert response.status_code == 302, response.context["form"].errors
    interaction.refresh_from_db()
    assert (interaction.summary, interaction.occurred_at) == ("Requisition talks", occurred)


def test_a_follow_up_due_in_3020_is_refused(officer_client, officer, stakeholder):
    interaction = InteractionFactory(logged_by=officer, stakeholders=[stakeholder])
    url = reverse("interactions:edit", args=[interaction.pk])

    response = officer_client.post(
        url, as_the_page_shows_it(officer_client.get(url).context["form"], follow_up_on="3020-01-10")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"follow_up_on": [refusal()]}
    interaction.refresh_from_db()
    assert interaction.follow_up_on is None


@pytest.mark.parametrize("year", [1945, 1880])
def test_ending_an_old_position_saves(officer_client, stakeholder, year):
    position = AffiliationFactory(stakeholder=stakeholder, start_date=dt.date(year, 9, 1))
    url = reverse("contacts:affiliation_edit", args=[stakeholder.pk, position.pk])
    today = timezone.localdate()

    response = officer_client.post(
        url, as_the_page_shows_it(officer_client.get(url).context["form"], end_date=today.isoformat())
    )

    assert response.status_code == 302, response.context["form"].errors
    position.refresh_from_db()
    assert (position.start_date, position.end_date) == (dt.date(year, 9, 1), today)


def test_a_position_begun_in_the_year_226_is_refused(officer_client, stakeholder):
    url = reverse("contacts:affiliation_create", args=[stakeholder.pk])
    data = {"organisation": AffiliationFactory().organisation_id, "role": "Chair", "start_date": "0226-01-01"}

    response = officer_client.post(url, data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"start_date": [refusal()]}
    assert not Affiliation.objects.filter(stakeholder=stakeholder).exists()


@pytest.mark.parametrize("year", [1945, 1880, 2990])
def test_editing_an_old_meeting_without_touching_its_times_saves(officer_client, officer, year):
    london = zoneinfo.ZoneInfo("Europe/London")
    starts = dt.datetime(year, 5, 8, 15, 0, 37, tzinfo=london)
    meeting = MeetingFactory(
        organiser=officer, time_zone="Europe/London", starts_at=starts, ends_at=starts + dt.timedelta(hours=1)
    )
    url = reverse("meetings:edit", args=[meeting.pk])
    data = as_the_page_shows_it(
        officer_client.get(url).context["form"], title="Victory in Europe", **{"agenda-TOTAL_FORMS": "0"}
    )
    data["agenda-INITIAL_FORMS"] = "0"

    response = officer_client.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    meeting.refresh_from_db()
    # The page shows and sends back the minute.
    assert (meeting.title, meeting.starts_at) == ("Victory in Europe", starts.replace(second=0))


def test_a_meeting_typed_in_the_year_226_is_refused(officer_client, stakeholder):
    data = {
        "title": "Community forum",
        "time_zone": "Europe/London",
        "starts_at": "0226-03-05T14:00",
        "ends_at": "2026-03-05T15:00",
        "stakeholders": [stakeholder.pk],
        "agenda-TOTAL_FORMS": "0",
        "agenda-INITIAL_FORMS": "0",
    }

    response = officer_client.post(reverse("meetings:create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"starts_at": [refusal()]}
    assert not Meeting.objects.exists()


def test_an_action_due_in_3020_is_refused_with_the_meeting_held_unchanged(
    officer_client, officer, stakeholder
):
    two_hours_ago = timezone.now() - dt.timedelta(hours=2)
    meeting = MeetingFactory(
        organiser=officer, starts_at=two_hours_ago, ends_at=two_hours_ago + dt.timedelta(hours=1)
    )
    data = {
        "minutes": "Agreed the timetable",
        "decisions": "",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-description": "Send the timetable",
        "actions-0-owner": f"user:{officer.pk}",
        "actions-0-due_on": "3020-01-10",
    }

    response = officer_client.post(reverse("meetings:mark_held", args=[meeting.pk]), data)

    assert response.status_code == 200
    assert refusal() in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.held_at is None and not meeting.action_items.exists()


def test_an_objective_targeted_in_3020_is_refused(officer_client, stakeholder):
    response = officer_client.post(
        reverse("contacts:objective_add", args=[stakeholder.pk]),
        {"description": "Win their support", "target_on": "3020-06-30"},
    )

    assert response.status_code == 200
    assert refusal() in response.content.decode()
    assert not stakeholder.objectives.exists()

"""A position is current from its start date (or always, undated) through its end date, the last day held:
everywhere that lists who works where, one rule (`contacts.querysets.held_on`)."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Affiliation, Stakeholder

from ..api.conftest import client_with_token, token_for
from ..factories import AffiliationFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    "starts,ends,current",
    [
        (None, None, True),
        (-400, None, True),
        (-400, 30, True),
        (-400, 0, True),
        (0, None, True),
        (-400, -1, False),
        (1, None, False),
        (None, -1, False),
    ],
)
def test_a_position_is_current_from_its_start_through_its_end_date(starts, ends, current):
    today = timezone.localdate()
    position = AffiliationFactory(
        start_date=None if starts is None else today + starts * DAY,
        end_date=None if ends is None else today + ends * DAY,
    )
    position.refresh_from_db()

    assert position.is_current is current
    assert Affiliation.objects.held_now().filter(pk=position.pk).exists() is current
    assert Affiliation.objects.current().filter(pk=position.pk).exists() is current


@pytest.fixture
def leaving_next_month(officer):
    """A person whose primary position at Harbour Authority ends in a month: they still work there."""
    harbour = OrganisationFactory(name="Harbour Authority")
    person = StakeholderFactory(owner=officer, name="Ines Moreau")
    return AffiliationFactory(
        stakeholder=person,
        organisation=harbour,
        role="Port Director",
        is_primary=True,
        start_date=dt.date(2020, 1, 1),
        end_date=timezone.localdate() + 30 * DAY,
    )


def test_the_stakeholder_page_shows_a_position_that_ends_later(officer_client, leaving_next_month):
    response = officer_client.get(leaving_next_month.stakeholder.get_absolute_url())

    assert response.context["current_positions"] == [leaving_next_month]
    assert leaving_next_month.stakeholder.current_primary_organisation() == leaving_next_month.organisation


def test_the_organisation_page_lists_people_whose_position_ends_later(officer_client, leaving_next_month):
    organisation = leaving_next_month.organisation
    response = officer_client.get(reverse("contacts:organisation_detail", args=[organisation.pk]))

    assert list(response.context["positions"]) == [leaving_next_month]
    assert organisation._meta.model.objects.with_people_count().get(pk=organisation.pk).people_count == 1


def test_the_stakeholder_list_and_its_filters_count_a_position_that_ends_later(leaving_next_month):
    person = leaving_next_month.stakeholder
    organisation = leaving_next_month.organisation

    row = Stakeholder.objects.for_list_rows().get(pk=person.pk)
    assert row.current_position["organisation_name"] == "Harbour Authority"
    assert Stakeholder.objects.at_organisation(organisation).filter(pk=person.pk).exists()
    assert Stakeholder.objects.of_organisation_kind(organisation.kind).filter(pk=person.pk).exists()


def test_the_api_calls_a_position_that_ends_later_current(officer, leaving_next_month):
    api = client_with_token(token_for(officer))
    person = leaving_next_month.stakeholder

    listed = api.get("/api/v1/stakeholders/", {"id": person.pk}).json()["results"]
    shown = api.get(f"/api/v1/affiliations/{leaving_next_month.pk}/").json()

    assert [p["is_current"] for s in listed if s["id"] == person.pk for p in s["affiliations"]] == [True]
    assert shown["is_current"] is True


def test_the_stakeholder_export_names_the_organisation_of_a_position_that_ends_later(
    officer_client, leaving_next_month
):
    response = officer_client.get(reverse("dashboards:export", args=["stakeholders"]))
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    organisation_column = table[0].index("Organisation")
    assert [row[organisation_column] for row in table[1:]] == ["Harbour Authority"]


def test_the_vcard_names_the_organisation_of_a_position_that_ends_later(officer_client, leaving_next_month):
    person = leaving_next_month.stakeholder
    response = officer_client.get(reverse("contacts:stakeholder_vcard", args=[person.pk]))
    card = b"".join(response.streaming_content).decode()

    assert "ORG:Harbour Authority" in card


def test_the_stakeholder_page_greys_out_only_positions_that_are_over(officer_client, officer):
    """A post taken up next month was drawn as a past one, with "now" after its start."""
    stakeholder = StakeholderFactory(owner=officer)
    today = timezone.localdate()
    AffiliationFactory(stakeholder=stakeholder, role="Harbour Master", start_date=today + 30 * DAY)
    AffiliationFactory(stakeholder=stakeholder, role="Pilot", end_date=today - DAY)
    AffiliationFactory(stakeholder=stakeholder, role="Board Member", end_date=today)

    body = officer_client.get(stakeholder.get_absolute_url()).content.decode()
    positions = body[body.index('id="positions-heading"') :]
    items = {
        role: item
        for item in positions[: positions.index("</ul>")].split("<li")[1:]
        for role in ["Harbour Master", "Pilot", "Board Member"]
        if role in item
    }

    assert 'class="past"' in items["Pilot"]
    assert 'class="past"' not in items["Harbour Master"] and 'class="past"' not in items["Board Member"]
    starts = (today + 30 * DAY).strftime("%-d %b %Y")
    assert f"starts {starts}" in items["Harbour Master"] and "now" not in items["Harbour Master"]


def test_a_primary_position_ending_later_is_the_current_one_shown_before_an_open_ended_one(officer):
    """Positions with no end date sorted first: the list, export and lookup named a secondary post."""
    person = StakeholderFactory(owner=officer)
    AffiliationFactory(
        stakeholder=person, role="Trustee", organisation=OrganisationFactory(name="Charity"), is_primary=False
    )
    AffiliationFactory(
        stakeholder=person,
        role="Port Director",
        organisation=OrganisationFactory(name="Harbour Authority"),
        is_primary=True,
        end_date=timezone.localdate() + 30 * DAY,
    )

    row = Stakeholder.objects.filter(pk=person.pk).for_list_rows().get()
    listed = Stakeholder.objects.filter(pk=person.pk).for_list().get()

    assert row.current_position["role"] == "Port Director"
    assert [p.role for p in listed.current_positions] == ["Port Director", "Trustee"]
    assert person.current_primary_organisation().name == "Harbour Authority"


def test_a_post_taken_up_later_can_be_marked_primary_without_unmarking_todays(officer):
    """Today's primary, ending when the new post starts, kept no mark: until then they worked nowhere."""
    from contacts import services

    person = StakeholderFactory(owner=officer)
    today = timezone.localdate()
    harbour = OrganisationFactory(name="Harbour Authority")
    AffiliationFactory(stakeholder=person, organisation=harbour, is_primary=True, end_date=today + 30 * DAY)
    services.affiliation_save(
        affiliation=Affiliation(stakeholder=person),
        actor=officer,
        organisation=OrganisationFactory(name="Ports Board"),
        start_date=today + 31 * DAY,
        is_primary=True,
    )

    assert person.current_primary_organisation() == harbour
    assert person.affiliations.filter(is_primary=True).count() == 2


def test_the_relationship_map_draws_a_post_taken_up_later_as_a_position_not_a_past_one(officer):
    from dashboards import relationship_map

    person = StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=person, start_date=timezone.localdate() + 30 * DAY)

    graph = relationship_map.stakeholder_graph(person).as_json()

    assert [edge["kind"] for edge in graph["edges"]] == ["position"]

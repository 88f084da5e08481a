"""Each list page runs the same small number of queries however many rows it shows; so does a log."""

import pytest
from django.urls import reverse

from dashboards.services import health_snapshot_take
from interactions.models import Interaction
from meetings.models import ActionItem

from .conftest import login
from .factories import (
    AffiliationFactory,
    InteractionFactory,
    MeetingFactory,
    ObjectiveFactory,
    OrganisationFactory,
    StakeholderFactory,
)
from .interactions.test_views import log_data

pytestmark = pytest.mark.django_db

# Every signed-in page starts with: the session, the user.
REQUEST_OVERHEAD = 2


def populate(officer, organisation, rows):
    for _ in range(rows):
        stakeholder = StakeholderFactory(owner=officer)
        AffiliationFactory(stakeholder=stakeholder, organisation=organisation)
        stakeholder.tags.create(name=f"tag-{stakeholder.pk}")
        InteractionFactory(logged_by=officer, stakeholders=[stakeholder], organisation=organisation)


@pytest.mark.parametrize("rows", [3, 12])
def test_stakeholder_list(officer_client, officer, django_assert_max_num_queries, rows):
    populate(officer, OrganisationFactory(), rows)
    # stakeholders page with each one's tags and current position (with organisation) in it; the filter
    # form's owner, team and tag choices; the user's groups (the navigation shows administrators the outbox).
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 5):
        response = officer_client.get(reverse("contacts:stakeholder_list"))
    assert len(response.context["page"]) == rows


@pytest.mark.parametrize("snapshot", [False, True], ids=["live", "written-since-snapshot"])
@pytest.mark.parametrize("rows", [3, 12])
def test_stakeholder_page_with_timeline(
    officer_client, officer, django_assert_max_num_queries, rows, snapshot
):
    stakeholder = StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=stakeholder)
    if snapshot:
        health_snapshot_take()
    for number in range(rows):
        InteractionFactory(
            logged_by=officer, stakeholders=[stakeholder, StakeholderFactory()], follow_up_on="2030-01-01"
        )
        ObjectiveFactory(stakeholder=stakeholder, closed=bool(number % 2))
    # the user's groups, the stakeholder, tags, positions with organisations; timeline page, its authors,
    # organisations, stakeholders and topics; open follow-ups; the log form's chosen stakeholder, staff
    # choices and follow-up owner choices; open commitments; open concerns; the actions they owe; upcoming
    # meetings; the engagement plan's objectives; relationship health over the 90 days before (snapshots),
    # today (live, with its parts) and the day it last changed band. Given today's snapshot, one more:
    # whether anything it was computed from was written since (here, yes: it is then computed live).
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 18 + snapshot):
        response = officer_client.get(stakeholder.get_absolute_url())
    assert len(response.context["timeline"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_organisation_page(officer_client, officer, django_assert_max_num_queries, rows):
    organisation = OrganisationFactory()
    # Its family is a subquery however deep it goes: a unit two levels down adds no query.
    unit = OrganisationFactory(parent=OrganisationFactory(parent=organisation))
    populate(officer, organisation, rows)
    populate(officer, unit, rows // 3)
    # the organisation and its tags; timeline page, its authors, organisations, stakeholders and topics;
    # current people; departments, and the people of their families; people in departments; the user's
    # groups; open commitments and open concerns (each with its stakeholder).
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 14):
        response = officer_client.get(organisation.get_absolute_url())
    assert len(response.context["timeline"]) == rows + rows // 3
    assert len(response.context["department_positions"]) == rows // 3


@pytest.mark.parametrize("rows", [3, 12])
def test_organisation_list(officer_client, officer, django_assert_max_num_queries, rows):
    for _ in range(rows):
        populate(officer, OrganisationFactory(), 1)
        # Each family is walked in the one query for the whole page, however deep it goes.
        populate(officer, OrganisationFactory(parent=OrganisationFactory(parent=OrganisationFactory())), 1)
    # organisations; the people of their families (contacts.querysets.people_counts); the filter form's tag
    # choices; the user's groups (navigation).
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 4):
        officer_client.get(reverse("contacts:organisation_list"))


@pytest.mark.parametrize("rows", [3, 12])
def test_follow_ups(officer_client, officer, django_assert_max_num_queries, rows):
    for _ in range(rows):
        InteractionFactory(logged_by=officer, follow_up_on="2030-01-01")
    # the user's groups (visibility); the chaser asked for (the reader); follow-ups with who logged and
    # chases each (whether the reader may mark it done); their stakeholders; the filter form's chaser and
    # team choices.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 6):
        response = officer_client.get(reverse("interactions:follow_ups"))
    assert len(response.context["page"]) == rows


@pytest.mark.parametrize("rows", [2, 8])
@pytest.mark.parametrize("whose", ["anyone", "team"])
def test_action_list(client, manager, officer, colleague, team, django_assert_max_num_queries, rows, whose):
    for index in range(rows):
        # Half an officer's own, half a stakeholder's from a colleague's meeting: each asks the organiser,
        # and the owner's team, whether the manager may move it along.
        meeting = MeetingFactory(organiser=colleague if index % 2 else officer)
        ActionItem.objects.create(
            meeting=meeting,
            description=f"Action {index}",
            owner_user=None if index % 2 else officer,
            owner_stakeholder=StakeholderFactory(owner=officer) if index % 2 else None,
            chaser=meeting.organiser if index % 2 else None,
            created_by=meeting.organiser,
        )
    chosen = {"owner": ""} if whose == "anyone" else {"team": team.pk}
    login(client, manager)
    # the team asked for (none for anyone); the page of actions with their meetings, organisers and owners;
    # the user's groups (the navigation shows administrators the outbox); the filter form's chaser and team
    # choices.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 5):
        response = client.get(reverse("meetings:my_actions"), chosen)
    assert len(response.context["page"]) == rows


def test_logging_an_interaction(officer_client, officer, django_assert_max_num_queries):
    stakeholder = StakeholderFactory(owner=officer)
    # Sent from the stakeholder's page, as the inline form is.
    data = log_data(stakeholder, from_stakeholder=stakeholder.pk)
    officer_client.post(reverse("interactions:log"), data)  # the tag exists from now on
    # The form: the chosen stakeholders (the page's stakeholder among them, not read again); no constraint
    # left to ask about (its sentiment's choices keep the one on its fields). The service, in a savepoint (2)
    # because the test runs in a transaction: the stakeholders' primary organisation; the INSERT (PostgreSQL
    # checks the constraints, nothing asks first); its stakeholder and topic links; the topic by name; the
    # stakeholder's last contact. No endpoint listens for the event: the cache says so, PostgreSQL is not
    # asked.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 9):
        response = officer_client.post(reverse("interactions:log"), data)
    assert response.status_code == 302
    assert Interaction.objects.count() == 2


@pytest.mark.parametrize("rows", [3, 12])
def test_logging_an_interaction_on_the_stakeholder_page_redraws_its_cards(
    officer_client, officer, django_assert_max_num_queries, rows
):
    stakeholder = StakeholderFactory(owner=officer)
    for _ in range(rows):
        InteractionFactory(logged_by=officer, stakeholders=[stakeholder], follow_up_on="2030-01-01")
    data = log_data(stakeholder, from_stakeholder=stakeholder.pk)
    url = reverse("interactions:log") + f"?stakeholder={stakeholder.pk}"
    officer_client.post(url, data, headers={"HX-Request": "true"})  # the tag exists from now on
    # The log, as in test_logging_an_interaction (9). Its answer: the stakeholder read again as their page
    # reads them (with tags and positions), as the log changed their last contact; the user's groups
    # (visibility); the timeline's first page and its authors; the fresh form's chosen stakeholder, staff
    # choices and follow-up owner choices; relationship health over the 90 days before, today (live, with
    # its parts) and the day it last changed band; open follow-ups.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 9 + 13):
        response = officer_client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200

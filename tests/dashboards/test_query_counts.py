"""The dashboards run the same small number of queries however much there is to show."""

import datetime as dt

import pytest
from django.urls import reverse

from dashboards import queries, services

from ..factories import (
    AffiliationFactory,
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    OrganisationFactory,
    StakeholderFactory,
    UserFactory,
)
from .conftest import TODAY, days_ago

pytestmark = pytest.mark.django_db

# Every signed-in page starts with: the session, the user.
REQUEST_OVERHEAD = 2


def populate(team, rows):
    for _ in range(rows):
        officer = UserFactory(team=team)
        stakeholder = StakeholderFactory(owner=officer, contact_cadence_days=7)
        InteractionFactory(
            logged_by=officer,
            stakeholders=[stakeholder],
            occurred_at=days_ago(3),
            follow_up_on=TODAY,
            topics=[f"Topic {officer.pk}"],
        )
        InteractionFactory(
            logged_by=officer,
            stakeholders=[stakeholder],
            occurred_at=days_ago(30),
            is_confidential=True,
            topics=[f"Topic {officer.pk}", "Funding"],
        )
        CommitmentFactory(stakeholder=stakeholder, due_on=TODAY.replace(day=1))
        ConcernFactory(stakeholder=stakeholder, raised_on=TODAY.replace(day=1))
    services.figures_refresh(full=True)


@pytest.mark.parametrize("rows", [3, 12])
def test_dashboard(client, manager, team, django_assert_max_num_queries, rows):
    populate(team, rows)
    client.force_login(manager)
    # the user's groups; when the figures were refreshed; the team's officers (the filter) and the team's
    # name; health by band, and week by week; stale relationships (with stakeholders and owners), and how
    # many there are (counted up to a bound); overdue work by officer; interactions by week and channel, by
    # week, by week and officer; organisations by sentiment and their names; topics by sentiment, with their
    # names; open concerns by age, and the oldest.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 17):
        response = client.get(reverse("dashboards:dashboard"))
    assert len(response.context["overdue"]["rows"]) == rows
    assert len(response.context["topics"]["topics"]) == min(rows + 1, queries.TOP_TOPICS)


@pytest.mark.parametrize("rows", [3, 12])
def test_my_day(officer_client, officer, django_assert_max_num_queries, rows):
    for _ in range(rows):
        stakeholder = StakeholderFactory(owner=officer, contact_cadence_days=1)
        InteractionFactory(
            logged_by=officer, stakeholders=[stakeholder], occurred_at=days_ago(5), follow_up_on=TODAY
        )
        CommitmentFactory(stakeholder=stakeholder, owner=officer, due_on=TODAY)
        ConcernFactory(stakeholder=stakeholder, owner=officer)
    services.figures_refresh()
    # the user's groups; the newest health snapshot's day; today's meetings; follow-ups due and their
    # stakeholders; actions due; commitments due; concerns handled; stakeholders going stale with their
    # health.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 9):
        response = officer_client.get(reverse("dashboards:my_day"))
    assert len(response.context["follow_ups"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_grid(officer_client, officer, django_assert_max_num_queries, rows):
    StakeholderFactory.create_batch(rows, owner=officer)
    services.health_snapshot_take()
    # the user's groups; the newest health snapshot's day; the grid's stakeholders with their health.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 3):
        officer_client.get(reverse("dashboards:grid"))


@pytest.mark.parametrize("rows", [3, 12])
def test_report(officer_client, officer, django_assert_max_num_queries, rows):
    for _ in range(rows):
        InteractionFactory(logged_by=officer, occurred_at=days_ago(2))
    # the user's groups; the officer chosen; figures: interactions, meetings, actions, commitments,
    # concerns, by channel; the form's officers; the lists: interactions (their authors, stakeholders and
    # topics), meetings, decisions, actions, commitments, concerns.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 18):
        response = officer_client.get(reverse("dashboards:report"), {"officer": officer.pk})
    assert len(response.context["interactions"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_stakeholder_report(officer_client, officer, django_assert_max_num_queries, rows):
    person = StakeholderFactory(owner=officer)
    for index in range(rows):
        meeting = MeetingFactory(organiser=officer, starts_at=days_ago(2))
        meeting.attendees.create(stakeholder=person, attended=index % 2 == 0)
    # the user's groups; the form's officers; the stakeholder chosen, and their name for its picker; figures:
    # by channel, meetings (those missed too), actions, commitments, objectives, concerns; the lists:
    # interactions, meetings with those missed (one read), decisions, actions, commitments, objectives,
    # concerns.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 17):
        response = officer_client.get(reverse("dashboards:report"), {"stakeholder": person.pk})
    assert len(response.context["meetings"]) + len(response.context["missed_meetings"]) == rows


@pytest.mark.parametrize("rows", [3, 12])
def test_organisation_report(officer_client, officer, django_assert_max_num_queries, rows):
    organisation = OrganisationFactory()
    # Its family is a subquery however deep it goes: half the work is with a unit two levels down.
    unit = OrganisationFactory(parent=OrganisationFactory(parent=organisation))
    person, leaver = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=person, organisation=unit)
    # Worked there when the meetings were held: each is judged by its own day, in the same query.
    AffiliationFactory(stakeholder=leaver, organisation=organisation, end_date=TODAY - dt.timedelta(days=1))
    for index in range(rows):
        with_whom = unit if index % 2 else organisation
        meeting = MeetingFactory(organiser=officer, organisation=with_whom, starts_at=days_ago(2))
        meeting.attendees.create(stakeholder=person, attended=index % 2 == 0)
        meeting.attendees.create(stakeholder=leaver, attended=False)
    # the user's groups; the form's officers; the organisation chosen, and its name for its picker; figures:
    # by channel, meetings (those missed too), actions, commitments, objectives, concerns; the lists:
    # interactions, meetings with those missed (one read), decisions, actions, commitments, objectives,
    # concerns.
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 17):
        response = officer_client.get(reverse("dashboards:report"), {"organisation": organisation.pk})
    assert len(response.context["missed_meetings"]) == rows // 2
    assert len(response.context["meetings"]) + len(response.context["missed_meetings"]) == rows

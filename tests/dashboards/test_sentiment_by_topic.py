"""Sentiment by topic: the weekly topic rollup, kept up to date by the refresh, and the dashboard's panel."""

import datetime as dt

import pytest
from django.urls import reverse

from contacts.models import OrganisationKind, Tag
from contacts.services import tag_delete, tag_rename
from dashboards import queries, services
from dashboards.models import TopicWeek
from interactions.services import interaction_delete, interaction_update

from ..conftest import login
from ..factories import InteractionFactory, OrganisationFactory
from ..migrations import migrate, migrate_to_latest
from .conftest import days_ago

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 6, 8)  # this week
LAST_MONDAY = dt.date(2026, 6, 1)
APRIL = dt.date(2026, 4, 6)  # the week of 60 days ago


def rollup():
    return {
        (row.week, row.topic.name, row.officer_id, row.organisation_kind, row.is_confidential): (
            row.interactions,
            row.sentiment_sum,
        )
        for row in TopicWeek.objects.select_related("topic")
    }


def later(time_machine, frozen, minutes=15):
    time_machine.move_to(frozen + dt.timedelta(minutes=minutes), tick=False)


# The rollup ------------------------------------------------------------------------------------------------


def test_the_rollup_counts_each_topic_of_an_interaction_by_officer_kind_and_confidentiality(
    officer, colleague
):
    agency = OrganisationFactory(kind=OrganisationKind.GOVERNMENT_AGENCY)
    InteractionFactory(
        logged_by=officer,
        occurred_at=days_ago(1),
        topics=["Water", "Housing"],
        sentiment=2,
        organisation=agency,
    )
    InteractionFactory(logged_by=officer, occurred_at=days_ago(1), topics=["Water"], sentiment=-1)
    InteractionFactory(
        logged_by=officer, occurred_at=days_ago(1), topics=["Water"], sentiment=-2, is_confidential=True
    )
    InteractionFactory(logged_by=colleague, occurred_at=days_ago(8), topics=["Housing"], sentiment=1)
    InteractionFactory(logged_by=colleague, occurred_at=days_ago(8), sentiment=2)  # no topic

    services.activity_refresh(full=True)

    assert rollup() == {
        (MONDAY, "Water", officer.pk, OrganisationKind.GOVERNMENT_AGENCY, False): (1, 2),
        (MONDAY, "Water", officer.pk, "", False): (1, -1),
        (MONDAY, "Water", officer.pk, "", True): (1, -2),
        (MONDAY, "Housing", officer.pk, OrganisationKind.GOVERNMENT_AGENCY, False): (1, 2),
        (LAST_MONDAY, "Housing", colleague.pk, "", False): (1, 1),
    }
    assert set(TopicWeek.objects.values_list("team", flat=True)) == {officer.team_id}


def test_an_incremental_refresh_follows_topics_and_sentiment_changed_on_an_old_interaction(
    officer, time_machine, frozen
):
    old = InteractionFactory(logged_by=officer, occurred_at=days_ago(60), topics=["Water"], sentiment=-1)
    services.activity_refresh(full=True)
    later(time_machine, frozen)

    interaction_update(interaction=old, actor=officer, topics=["Housing", "Funding"], sentiment=2)
    services.activity_refresh()

    assert rollup() == {
        (APRIL, "Housing", officer.pk, "", False): (1, 2),
        (APRIL, "Funding", officer.pk, "", False): (1, 2),
    }


def test_an_incremental_refresh_takes_a_moved_or_deleted_interaction_out_of_its_topics_old_week(
    officer, time_machine, frozen
):
    moved = InteractionFactory(logged_by=officer, occurred_at=days_ago(60), topics=["Water"])
    deleted = InteractionFactory(logged_by=officer, occurred_at=days_ago(30), topics=["Housing"])
    services.activity_refresh(full=True)
    later(time_machine, frozen)

    interaction_update(interaction=moved, actor=officer, occurred_at=days_ago(0.1))
    interaction_delete(interaction=deleted, actor=officer)
    services.activity_refresh()

    assert list(TopicWeek.objects.values_list("week", "topic__name", "interactions")) == [
        (MONDAY, "Water", 1)
    ]


def test_a_deleted_topic_leaves_the_rollup_at_the_next_refresh_and_the_panel_at_once(
    client, manager, officer, time_machine, frozen
):
    InteractionFactory(logged_by=officer, occurred_at=days_ago(60), topics=["Water", "Housing"])
    services.activity_refresh(full=True)
    later(time_machine, frozen)

    tag_delete(tag=Tag.objects.get(name="Water"), actor=manager)
    assert names(dashboard(client, manager, weeks=12)) == ["Housing"]

    services.activity_refresh()
    assert list(TopicWeek.objects.values_list("topic__name", flat=True)) == ["Housing"]


def test_a_renamed_topic_is_shown_by_its_new_name(client, manager, officer):
    InteractionFactory(logged_by=officer, occurred_at=days_ago(1), topics=["Water"])
    services.activity_refresh(full=True)

    tag_rename(tag=Tag.objects.get(name="Water"), actor=manager, name="Waterways")

    assert names(dashboard(client, manager)) == ["Waterways"]


# Migration 0003 fills the table for every week, as the nightly refresh would.
@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_topic_rollup_for_every_week(officer):
    migrate([("dashboards", "0002_healthsnapshot_drop_stale_index")])
    try:
        InteractionFactory(logged_by=officer, occurred_at=days_ago(200), topics=["Water"], sentiment=1)
        InteractionFactory(logged_by=officer, occurred_at=days_ago(1), topics=["Water"], sentiment=-2)
        migrate([("dashboards", "0003_topicweek")])
        filled = rollup()
        services.activity_refresh(full=True)
        assert filled == rollup()
        assert len(filled) == 2
    finally:
        migrate_to_latest()


# The panel -------------------------------------------------------------------------------------------------


def dashboard(client, user, **params):
    response = login(client, user).get(reverse("dashboards:dashboard"), params)
    assert response.status_code == 200
    return response


def names(response):
    return [row["name"] for row in response.context["topics"]["topics"]]


@pytest.fixture
def topics_world(officer, colleague, other_officer):
    """This period (12 weeks): officer on Water twice (+2, 0) and Housing once (-2), colleague on Water once
    (+1) with an agency; the 12 weeks before: Water once (-1). The other team: a confidential interaction on
    a topic nobody else uses, and an open one on Water."""
    agency = OrganisationFactory(kind=OrganisationKind.GOVERNMENT_AGENCY)
    InteractionFactory(logged_by=officer, occurred_at=days_ago(1), topics=["Water"], sentiment=2)
    InteractionFactory(logged_by=officer, occurred_at=days_ago(40), topics=["Water", "Housing"], sentiment=0)
    InteractionFactory(logged_by=officer, occurred_at=days_ago(2), topics=["Housing"], sentiment=-2)
    InteractionFactory(
        logged_by=colleague, occurred_at=days_ago(3), topics=["Water"], sentiment=1, organisation=agency
    )
    InteractionFactory(logged_by=officer, occurred_at=days_ago(120), topics=["Water"], sentiment=-1)
    InteractionFactory(
        logged_by=other_officer,
        occurred_at=days_ago(1),
        topics=["Takeover talks"],
        sentiment=-2,
        is_confidential=True,
    )
    InteractionFactory(logged_by=other_officer, occurred_at=days_ago(1), topics=["Water"], sentiment=2)
    services.activity_refresh(full=True)


def test_a_manager_sees_their_teams_topics_most_discussed_first_against_the_period_before(
    client, manager, topics_world
):
    response = dashboard(client, manager)
    rows = {row["name"]: row for row in response.context["topics"]["topics"]}
    assert names(response) == ["Water", "Housing"]
    water, housing = rows["Water"], rows["Housing"]
    assert (water["n"], water["sentiment"], water["n_before"], water["sentiment_before"]) == (3, 1.0, 1, -1.0)
    assert water["change"] == 2.0
    assert (housing["n"], housing["sentiment"], housing["sentiment_before"], housing["change"]) == (
        2,
        -1.0,
        None,
        None,
    )
    text = response.content.decode()
    assert "▲ +2.0 better" in text


def test_a_topic_worse_than_before_says_so_in_words(client, manager, officer, topics_world):
    InteractionFactory(logged_by=officer, occurred_at=days_ago(100), topics=["Housing"], sentiment=1)
    services.activity_refresh(full=True)
    response = dashboard(client, manager)
    housing = next(row for row in response.context["topics"]["topics"] if row["name"] == "Housing")
    assert housing["change"] == -2.0
    assert "▼ \u22122.0 worse" in response.content.decode()  # a true minus sign


def test_a_topic_only_on_another_teams_confidential_interactions_is_neither_counted_nor_named(
    client, manager, other_manager, admin_user, topics_world
):
    assert "Takeover talks" not in dashboard(client, manager).content.decode()
    assert "Takeover talks" not in dashboard(client, admin_user, team=manager.team_id).content.decode()
    # Those who may open it count it: its author's manager, and administrators.
    assert "Takeover talks" in names(dashboard(client, other_manager))
    assert "Takeover talks" in names(dashboard(client, admin_user))


def test_a_reader_of_the_rollup_counts_and_names_only_topics_of_interactions_they_may_open(
    officer, colleague
):
    """As the weekly digest or any other reader of the rollup would: an officer is not a manager."""
    InteractionFactory(
        logged_by=colleague, occurred_at=days_ago(1), topics=["Takeover talks"], is_confidential=True
    )
    InteractionFactory(logged_by=officer, occurred_at=days_ago(1), topics=["Water"], is_confidential=True)
    InteractionFactory(logged_by=colleague, occurred_at=days_ago(1), topics=["Water"])
    services.activity_refresh(full=True)
    every_team = queries.Scope(team_id=None)

    def seen_by(reader):
        return [(row["topic__name"], row["n"]) for row in queries.sentiment_by_topic(every_team, reader)]

    assert seen_by(officer) == [("Water", 2)]
    assert seen_by(colleague) == [("Takeover talks", 1), ("Water", 1)]


def test_the_officer_team_kind_and_period_filters_narrow_the_topics(
    client, manager, officer, colleague, admin_user, other_team, topics_world
):
    by_officer = dashboard(client, manager, officer=colleague.pk).context["topics"]["topics"]
    assert [(row["name"], row["n"]) for row in by_officer] == [("Water", 1)]
    by_kind = dashboard(client, manager, organisation_kind=OrganisationKind.GOVERNMENT_AGENCY)
    assert [(row["name"], row["n"]) for row in by_kind.context["topics"]["topics"]] == [("Water", 1)]
    last_four_weeks = dashboard(client, manager, weeks=4).context["topics"]["topics"]
    assert [(row["name"], row["n"]) for row in last_four_weeks] == [("Water", 2), ("Housing", 1)]
    other = dashboard(client, admin_user, team=other_team.pk).context["topics"]["topics"]
    assert [(row["name"], row["n"]) for row in other] == [("Takeover talks", 1), ("Water", 1)]


def test_a_team_with_no_topics_in_the_period_is_told_so(client, manager, officer):
    InteractionFactory(logged_by=officer, occurred_at=days_ago(1))
    services.activity_refresh(full=True)
    response = dashboard(client, manager)
    assert response.context["topics"]["topics"] == []
    assert "No interactions on a topic in this period." in response.content.decode()

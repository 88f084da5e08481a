"""The manager dashboard: every figure against a hand-counted world of two teams, and who sees what."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from accounts.models import Role
from concerns.models import Severity
from contacts.models import OrganisationKind, Stakeholder
from dashboards import queries, services
from interactions.services import stakeholders_refresh_last_contact
from meetings.models import ActionItem, MeetingStatus
from meetings.services import action_item_set_chaser, meeting_cancel

from ..conftest import login
from ..factories import (
    AffiliationFactory,
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    OrganisationFactory,
    StakeholderFactory,
    TeamFactory,
    UserFactory,
)
from .conftest import TODAY, days_ago

pytestmark = pytest.mark.django_db


def person(owner, *, last_contact_days, cadence=30, influence=3, organisation=None):
    stakeholder = StakeholderFactory(owner=owner, contact_cadence_days=cadence, influence=influence)
    Stakeholder.objects.filter(pk=stakeholder.pk).update(created_at=days_ago(400))
    InteractionFactory(logged_by=owner, stakeholders=[stakeholder], occurred_at=days_ago(last_contact_days))
    if organisation:
        AffiliationFactory(stakeholder=stakeholder, organisation=organisation)
    return stakeholder


@pytest.fixture
def world(officer, colleague, other_officer, manager, other_manager, admin_user):
    """Government relations: officer, colleague and their manager. Partnerships: other_officer.

    Health today:
      officer's   healthy  (influence 2)  contacted 3 days ago ................... 100 green
      officer's   lapsing  (influence 5)  30 days overdue on 30 ..................  60 amber
      colleague's troubled (influence 4)  overdue on 7 (-40), a high concern open 20 days (-20),
                                          a follow-up and a commitment late (-16)   24 red
      other's     distant  (influence 5)  overdue (-40), two follow-ups late (-16)  44 amber
    Interactions this week: officer 2 calls (one confidential), colleague 1 email (with an agency);
      other_officer 3 meetings, one confidential about the officer's healthy stakeholder.
    Overdue now: officer none; colleague a follow-up and a commitment; other_officer two follow-ups.
    """
    agency = OrganisationFactory(name="Harbour Authority", kind=OrganisationKind.GOVERNMENT_AGENCY)
    healthy = person(officer, last_contact_days=3, influence=2)
    lapsing = person(officer, last_contact_days=60, influence=5, organisation=agency)
    troubled = person(colleague, last_contact_days=60, cadence=7, influence=4)
    InteractionFactory(
        logged_by=colleague,
        stakeholders=[troubled],
        occurred_at=days_ago(60),
        follow_up_on=TODAY - dt.timedelta(days=10),
    )
    ConcernFactory(stakeholder=troubled, severity=Severity.HIGH, raised_on=TODAY - dt.timedelta(days=20))
    CommitmentFactory(stakeholder=troubled, owner=colleague, due_on=TODAY - dt.timedelta(days=3))
    distant = person(other_officer, last_contact_days=90, influence=5)
    for days in (5, 6):
        InteractionFactory(
            logged_by=other_officer,
            stakeholders=[distant],
            occurred_at=days_ago(40),
            follow_up_on=TODAY - dt.timedelta(days=days),
        )
    ConcernFactory(stakeholder=distant, severity=Severity.LOW, raised_on=TODAY - dt.timedelta(days=3))
    stakeholders_refresh_last_contact(stakeholder_ids=[healthy.pk, lapsing.pk, troubled.pk, distant.pk])
    # This week's interactions (Monday 8 June onwards); last contact stays as set above.
    InteractionFactory(logged_by=officer, stakeholders=[healthy], occurred_at=days_ago(1), sentiment=2)
    InteractionFactory(
        logged_by=officer, stakeholders=[healthy], occurred_at=days_ago(1), sentiment=-1, is_confidential=True
    )
    InteractionFactory(
        logged_by=colleague,
        stakeholders=[troubled],
        occurred_at=days_ago(2),
        kind="email",
        organisation=agency,
    )
    for confidential in (False, False, True):
        InteractionFactory(
            logged_by=other_officer,
            stakeholders=[healthy if confidential else distant],
            occurred_at=days_ago(1),
            kind="meeting",
            is_confidential=confidential,
        )
    services.figures_refresh(full=True)
    return {
        "healthy": healthy,
        "lapsing": lapsing,
        "troubled": troubled,
        "distant": distant,
        "agency": agency,
    }


def dashboard(client, user, **params):
    response = login(client, user).get(reverse("dashboards:dashboard"), params)
    assert response.status_code == 200
    return response.context


def bands(context):
    return {band["band"]: band["stakeholders"] for band in context["health"]["bands"]}


def this_week(context):
    row = context["activity"]["channel_rows"][-1]
    return dict(zip([kind.value for kind in context["activity"]["kinds"]], row["counts"], strict=True))


def test_officers_have_no_dashboard(client, officer, world):
    assert login(client, officer).get(reverse("dashboards:dashboard")).status_code == 403


def test_a_manager_sees_the_health_of_their_teams_portfolio_only(client, manager, world):
    context = dashboard(client, manager)
    assert bands(context) == {"green": 1, "amber": 1, "red": 1, "no_contact": 0}
    assert context["health"]["stale"] == 2
    assert context["health"]["average"] == round((100 + 60 + 24) / 3)


def test_the_other_manager_sees_the_other_team(client, other_manager, world):
    assert bands(dashboard(client, other_manager)) == {"green": 0, "amber": 1, "red": 0, "no_contact": 0}


def test_stakeholders_never_contacted_are_counted_as_no_contact_yet_not_good(client, manager, officer, world):
    StakeholderFactory(owner=officer, contact_cadence_days=30)
    StakeholderFactory(owner=officer, contact_cadence_days=None)
    services.figures_refresh()

    context = dashboard(client, manager)

    assert bands(context) == {"green": 1, "amber": 1, "red": 1, "no_contact": 2}
    assert [row["bands"] for row in context["health"]["trend"]][-1] == [1, 1, 1, 2]
    page = html.unescape(login(client, manager).get(reverse("dashboards:dashboard")).content.decode())
    assert "No contact yet" in page


def test_stale_relationships_come_most_influential_first(client, manager, world):
    stale = list(dashboard(client, manager)["stale"]["rows"])
    assert list(stale) == [world["lapsing"], world["troubled"]]
    assert [row.days_overdue for row in stale] == [30, 53]


def test_stale_relationships_say_how_many_there_are_when_they_do_not_all_fit(client, manager, officer, world):
    for _ in range(15):  # with the team's two already overdue: 17
        person(officer, last_contact_days=60)

    response = login(client, manager).get(reverse("dashboards:dashboard"))

    assert len(response.context["stale"]["rows"]) == queries.STALE_SHOWN == 15
    assert "Showing 15 of 17." in response.content.decode()


def test_stale_relationships_are_counted_no_further_than_the_bound(client, manager, monkeypatch, world):
    monkeypatch.setattr(queries, "STALE_COUNTED", 1)
    monkeypatch.setattr(queries, "STALE_SHOWN", 1)

    page = login(client, manager).get(reverse("dashboards:dashboard")).content.decode()

    assert "Showing 1 of 1+." in page


def test_stale_relationships_that_all_fit_are_not_counted_again(client, manager, world):
    assert "Showing" not in login(client, manager).get(reverse("dashboards:dashboard")).content.decode()


def link_to(response, text, to=""):
    """The address of the link reading `text` (to a page whose address starts with `to`, if given)."""
    page = response.content.decode()
    return html.unescape(
        re.search(rf'<a href="({re.escape(to)}[^"]*)"(?: aria-label="[^"]*")?>{text}', page).group(1)
    )


def follow_ups_link(response, row):
    """Where a row's overdue follow-ups figure leads: the follow-ups of its officer (or team)."""
    chaser = "team" if response.context["overdue"]["by_team"] else "owner"
    to = f"{reverse('interactions:follow_ups')}?{chaser}={row['key']}&amp;"
    return link_to(response, rf"{row['follow_ups']}<", to=to)


def test_all_overdue_stakeholders_lists_the_teams_as_the_panel_does(client, manager, world):
    response = login(client, manager).get(reverse("dashboards:dashboard"))

    listed = client.get(link_to(response, "All overdue stakeholders")).context["page"]

    assert {person.pk for person in listed} == {world["lapsing"].pk, world["troubled"].pk}


def test_an_officers_overdue_commitments_link_keeps_the_kind_of_organisation_chosen(
    client, manager, colleague, world
):
    late = {"owner": colleague, "due_on": TODAY - dt.timedelta(days=1)}
    CommitmentFactory(stakeholder=world["troubled"], organisation=world["agency"], **late)
    CommitmentFactory(stakeholder=world["troubled"], organisation=OrganisationFactory(), **late)
    response = login(client, manager).get(
        reverse("dashboards:dashboard"), {"organisation_kind": OrganisationKind.GOVERNMENT_AGENCY}
    )
    [row] = response.context["overdue"]["rows"]

    listed = client.get(link_to(response, row["commitments"])).context["page"]

    assert row["commitments"] == len(listed) == 1


def test_the_stale_relationships_link_keeps_the_kind_of_organisation_chosen(client, manager, world):
    response = login(client, manager).get(
        reverse("dashboards:dashboard"), {"organisation_kind": OrganisationKind.GOVERNMENT_AGENCY}
    )

    listed = client.get(link_to(response, "All overdue stakeholders")).context["page"]

    assert list(response.context["stale"]["rows"]) == [world["lapsing"]]
    assert [person.pk for person in listed] == [world["lapsing"].pk]


def test_the_concerns_link_lists_the_teams_open_concerns_as_the_panel_counts_them(client, manager, world):
    response = login(client, manager).get(reverse("dashboards:dashboard"))

    listed = client.get(link_to(response, "Concerns")).context["page"]

    assert response.context["concerns"]["total"] == 1
    assert [concern.stakeholder for concern in listed] == [world["troubled"]]


def test_the_concerns_link_keeps_the_officer_and_kind_chosen(client, manager, officer, colleague, world):
    ConcernFactory(stakeholder=world["lapsing"], owner=officer, organisation=world["agency"])
    ConcernFactory(stakeholder=world["lapsing"], owner=officer)
    response = login(client, manager).get(
        reverse("dashboards:dashboard"),
        {"officer": officer.pk, "organisation_kind": OrganisationKind.GOVERNMENT_AGENCY},
    )

    listed = client.get(link_to(response, "Concerns")).context["page"]

    assert response.context["concerns"]["total"] == len(listed) == 1


def test_each_officers_overdue_follow_ups_link_to_the_list_showing_as_many(
    client, manager, officer, colleague, world
):
    """Colleague's follow-up on troubled is late; so is a confidential one of officer's, which their
    manager reads and counts."""
    InteractionFactory(
        logged_by=officer,
        stakeholders=[world["lapsing"]],
        occurred_at=days_ago(20),
        follow_up_on=TODAY - dt.timedelta(days=4),
        is_confidential=True,
    )
    response = login(client, manager).get(reverse("dashboards:dashboard"))
    rows = {row["key"]: row for row in response.context["overdue"]["rows"]}

    for chaser in (officer, colleague):
        listed = list(client.get(follow_ups_link(response, rows[chaser.pk])).context["page"])
        assert len(listed) == rows[chaser.pk]["follow_ups"] == 1
        assert {item.follow_up_owner for item in listed} == {chaser}
        # A screen reader reads the link as what it counts, not as a bare "1".
        assert f'aria-label="1 overdue follow-up: {rows[chaser.pk]["label"]}"' in response.content.decode()


def test_the_overdue_follow_ups_link_keeps_the_kind_of_organisation_chosen(client, manager, colleague, world):
    late = {"logged_by": colleague, "occurred_at": days_ago(20), "follow_up_on": TODAY - dt.timedelta(days=2)}
    InteractionFactory(stakeholders=[world["troubled"]], organisation=world["agency"], **late)
    InteractionFactory(stakeholders=[world["troubled"]], organisation=OrganisationFactory(), **late)
    response = login(client, manager).get(
        reverse("dashboards:dashboard"), {"organisation_kind": OrganisationKind.GOVERNMENT_AGENCY}
    )
    [row] = response.context["overdue"]["rows"]

    listed = client.get(follow_ups_link(response, row)).context["page"]

    assert len(listed) == row["follow_ups"] == 1


def test_each_teams_overdue_follow_ups_link_to_the_list_showing_as_many(
    client, admin_user, team, other_team, world
):
    response = login(client, admin_user).get(reverse("dashboards:dashboard"))
    rows = {row["key"]: row for row in response.context["overdue"]["rows"]}

    for each in (team, other_team):
        listed = client.get(follow_ups_link(response, rows[each.pk])).context["page"]
        assert len(listed) == rows[each.pk]["follow_ups"]
    assert rows[other_team.pk]["follow_ups"] == 2


def test_each_teams_overdue_commitments_link_to_the_register_showing_as_many(
    client, admin_user, other_officer, team, other_team, world
):
    late = TODAY - dt.timedelta(days=1)
    CommitmentFactory.create_batch(2, stakeholder=world["distant"], owner=other_officer, due_on=late)
    response = login(client, admin_user).get(reverse("dashboards:dashboard"))
    rows = {row["key"]: row for row in response.context["overdue"]["rows"]}

    for each in (team, other_team):
        row = rows[each.pk]
        to = f"{reverse('commitments:list')}?team={each.pk}&amp;"
        listed = client.get(link_to(response, rf"{row['commitments']}<", to=to)).context["page"]
        assert len(listed) == row["commitments"]
        assert {commitment.owner.team_id for commitment in listed} == {each.pk}
    assert (rows[team.pk]["commitments"], rows[other_team.pk]["commitments"]) == (1, 2)


def test_an_empty_team_is_told_it_has_no_stakeholders_not_to_refresh(client, world):
    newcomer = UserFactory(team=TeamFactory(name="New ventures"), role=Role.MANAGER)

    page = login(client, newcomer).get(reverse("dashboards:dashboard")).content.decode()

    assert "This team has no stakeholders yet." in page
    assert "No snapshots yet" not in page


def test_before_the_first_snapshot_the_dashboard_asks_for_a_refresh(client, manager, officer):
    person(officer, last_contact_days=3)

    page = login(client, manager).get(reverse("dashboards:dashboard")).content.decode()

    assert "No snapshots yet: press Refresh" in page


def officer_choices(context):
    return [label for value, label in context["form"].fields["officer"].choices if value]


def test_an_officer_who_left_is_offered_after_the_others_while_their_work_remains(
    client, manager, officer, colleague, world
):
    colleague.is_active = False
    colleague.save()

    choices = officer_choices(dashboard(client, manager))
    assert choices[-1] == f"{colleague} (left)"
    assert str(officer) in choices[:-1] and not any("(left)" in label for label in choices[:-1])
    context = dashboard(client, manager, officer=colleague.pk)
    assert context["scope"].officer_id == colleague.pk
    assert bands(context) == {"green": 0, "amber": 0, "red": 1, "no_contact": 0}
    assert [row["key"] for row in context["overdue"]["rows"]] == [colleague.pk]


def test_an_officer_who_left_with_nothing_to_hand_over_is_not_offered(client, manager, team, world):
    idle = UserFactory(team=team, is_active=False)
    still_promising = UserFactory(team=team, is_active=False)
    CommitmentFactory(stakeholder=world["healthy"], owner=still_promising)

    choices = officer_choices(dashboard(client, manager))

    assert choices[-1] == f"{still_promising} (left)"
    assert not any(str(idle) in label for label in choices)


def test_overdue_work_is_counted_per_officer_of_the_team(client, manager, colleague, world):
    rows = dashboard(client, manager)["overdue"]["rows"]
    assert [(row["key"], row["follow_ups"], row["actions"], row["commitments"]) for row in rows] == [
        (colleague.pk, 1, 0, 1)
    ]


def overdue_action(meeting, *, owner_user=None, owner_stakeholder=None):
    return ActionItem.objects.create(
        meeting=meeting,
        description="Overdue",
        owner_user=owner_user,
        owner_stakeholder=owner_stakeholder,
        chaser=meeting.organiser if owner_stakeholder else None,
        due_on=TODAY - dt.timedelta(days=2),
        created_by=meeting.organiser,
    )


def test_the_teams_overdue_actions_are_the_same_on_the_dashboard_and_in_its_report(
    client, manager, other_manager, officer, colleague, other_officer, world
):
    """The team's overdue actions are what its officers answer for: their own, and a stakeholder's from a
    meeting one of them organised (counted for that organiser), wherever the officer's own was agreed."""
    ours = MeetingFactory(organiser=officer, starts_at=days_ago(20))
    theirs = MeetingFactory(organiser=other_officer, starts_at=days_ago(20))
    overdue_action(ours, owner_user=officer)
    overdue_action(ours, owner_stakeholder=world["healthy"])
    overdue_action(theirs, owner_user=colleague)
    period = {"since": (TODAY - dt.timedelta(days=30)).isoformat(), "until": TODAY.isoformat()}

    rows = dashboard(client, manager)["overdue"]["rows"]
    assert {row["key"]: row["actions"] for row in rows} == {officer.pk: 2, colleague.pk: 1}
    report = login(client, manager).get(reverse("dashboards:report"), period).context
    assert report["totals"]["actions_overdue"] == sum(row["actions"] for row in rows) == 3

    other_rows = dashboard(client, other_manager)["overdue"]["rows"]
    other_report = login(client, other_manager).get(reverse("dashboards:report"), period).context
    assert other_report["totals"]["actions_overdue"] == sum(row["actions"] for row in other_rows) == 0


def test_an_overdue_action_of_a_cancelled_meeting_is_counted_nowhere_a_held_meetings_is(
    client, manager, officer, world
):
    """Nobody expects the action of a meeting called off: the dashboard, the team's report and the action
    list its figure links to agree on one overdue action, the held meeting's."""
    held = MeetingFactory(
        organiser=officer, starts_at=days_ago(20), status=MeetingStatus.HELD, held_at=days_ago(19)
    )
    called_off = MeetingFactory(organiser=officer, starts_at=days_ago(20))
    chased = overdue_action(held, owner_user=officer)
    overdue_action(called_off, owner_user=officer)
    overdue_action(called_off, owner_stakeholder=world["healthy"])
    meeting_cancel(meeting=called_off, actor=officer)
    period = {"since": (TODAY - dt.timedelta(days=30)).isoformat(), "until": TODAY.isoformat()}

    response = login(client, manager).get(reverse("dashboards:dashboard"))
    rows = {row["key"]: row for row in response.context["overdue"]["rows"]}
    report = client.get(reverse("dashboards:report"), period).context
    listed = client.get(
        link_to(response, r"1<", to=f"{reverse('meetings:my_actions')}?owner={officer.pk}&amp;")
    )

    assert rows[officer.pk]["actions"] == 1
    assert report["totals"]["actions_overdue"] == 1
    assert [action.overdue_at_end for action in report["actions"] if action.meeting == called_off] == [
        False,
        False,
    ]
    assert list(listed.context["page"]) == [chased]


def test_each_officers_overdue_actions_link_to_the_action_list_showing_as_many(
    client, manager, officer, colleague, other_officer, world, django_assert_max_num_queries
):
    """The overdue actions were a bare figure, where follow-ups and commitments link to their lists."""
    ours = MeetingFactory(organiser=officer, starts_at=days_ago(20))
    theirs = MeetingFactory(organiser=other_officer, starts_at=days_ago(20))
    overdue_action(ours, owner_user=officer)
    overdue_action(ours, owner_stakeholder=world["healthy"])
    overdue_action(theirs, owner_user=colleague)
    response = login(client, manager).get(reverse("dashboards:dashboard"))
    rows = {row["key"]: row for row in response.context["overdue"]["rows"]}

    for chaser, meeting in ((officer, ours), (colleague, theirs)):
        row = rows[chaser.pk]
        to = f"{reverse('meetings:my_actions')}?owner={chaser.pk}&amp;"
        link = link_to(response, rf"{row['actions']}<", to=to)
        # Session and user, the page of actions with their meetings, organisers and owners, and its count;
        # the chaser and team pickers' people and teams.
        with django_assert_max_num_queries(8):
            listed = list(client.get(link).context["page"])
        assert len(listed) == row["actions"]
        assert {action.meeting for action in listed} == {meeting}
        assert f'aria-label="{row["actions"]} overdue action' in response.content.decode()


def test_an_officer_who_left_chasing_a_stakeholders_action_links_to_the_action_list_showing_it(
    client, manager, officer, team
):
    """The dashboard counts a stakeholder's action against the meeting's organiser; once they had left, the
    action list refused them as a choice ("Select a valid choice") and listed nothing."""
    leaver = UserFactory(username="leaver", team=team)
    meeting = MeetingFactory(organiser=leaver, starts_at=days_ago(20))
    overdue_action(meeting, owner_stakeholder=StakeholderFactory(owner=officer))
    leaver.is_active = False
    leaver.save()
    services.figures_refresh(full=True)
    response = login(client, manager).get(reverse("dashboards:dashboard"))
    row = {row["key"]: row for row in response.context["overdue"]["rows"]}[leaver.pk]

    to = f"{reverse('meetings:my_actions')}?owner={leaver.pk}&amp;"
    listed = client.get(link_to(response, rf"{row['actions']}<", to=to))

    assert not listed.context["filter"].errors
    assert [action.meeting for action in listed.context["page"]] == [meeting]


def test_each_teams_overdue_actions_link_to_the_action_list_showing_as_many(
    client, admin_user, officer, other_officer, team, other_team, world
):
    overdue_action(MeetingFactory(organiser=officer, starts_at=days_ago(20)), owner_user=officer)
    theirs = MeetingFactory(organiser=other_officer, starts_at=days_ago(20))
    overdue_action(theirs, owner_user=other_officer)
    overdue_action(theirs, owner_stakeholder=world["distant"])
    response = login(client, admin_user).get(reverse("dashboards:dashboard"))
    rows = {row["key"]: row for row in response.context["overdue"]["rows"]}

    for each in (team, other_team):
        row = rows[each.pk]
        to = f"{reverse('meetings:my_actions')}?team={each.pk}&amp;"
        listed = client.get(link_to(response, rf"{row['actions']}<", to=to)).context["page"]
        assert len(listed) == row["actions"]
    assert (rows[team.pk]["actions"], rows[other_team.pk]["actions"]) == (1, 2)


def test_interactions_per_week_count_the_teams_own_including_its_confidential_ones(client, manager, world):
    context = dashboard(client, manager)
    assert this_week(context) == {
        "call": 2, "email": 1, "meeting": 0, "visit": 0, "event": 0, "letter": 0, "message": 0,
    }  # fmt: skip
    assert context["activity"]["channel_rows"][-1]["total"] == 3


def test_the_other_team_does_not_count_in_a_managers_figures(client, other_manager, world):
    assert this_week(dashboard(client, other_manager))["meeting"] == 3


def officers(context):
    return {person["label"]: person["total"] for person in context["activity"]["officers"]}


def test_interactions_per_week_by_officer(client, manager, officer, colleague, world):
    # 12 weeks: officer's contacts 3 and 60 days ago and two this week; colleague's two 60 days ago and one.
    assert officers(dashboard(client, manager)) == {str(officer): 4, str(colleague): 3}


def test_the_period_filter(client, manager, officer, colleague, world):
    assert officers(dashboard(client, manager, weeks=4)) == {str(officer): 3, str(colleague): 1}


def test_the_officer_filter_narrows_every_figure(client, manager, officer, world):
    context = dashboard(client, manager, officer=officer.pk)
    assert bands(context) == {"green": 1, "amber": 1, "red": 0, "no_contact": 0}
    assert list(context["stale"]["rows"]) == [world["lapsing"]]
    assert this_week(context)["email"] == 0
    assert context["overdue"]["rows"] == []
    assert context["concerns"]["total"] == 0


def test_a_manager_cannot_filter_by_an_officer_of_another_team(client, manager, other_officer, world):
    context = dashboard(client, manager, officer=other_officer.pk)
    assert context["scope"].officer_id is None
    assert bands(context) == {"green": 1, "amber": 1, "red": 1, "no_contact": 0}


def test_the_kind_of_organisation_filter(client, manager, world):
    context = dashboard(client, manager, organisation_kind=OrganisationKind.GOVERNMENT_AGENCY)
    assert bands(context) == {"green": 0, "amber": 1, "red": 0, "no_contact": 0}
    assert this_week(context) == {
        "call": 0, "email": 1, "meeting": 0, "visit": 0, "event": 0, "letter": 0, "message": 0,
    }  # fmt: skip
    assert [row["name"] for row in context["sentiment"]["organisations"]] == ["Harbour Authority"]


def test_open_concerns_by_age_and_severity(client, manager, world):
    context = dashboard(client, manager)["concerns"]
    assert context["total"] == 1
    by_age = {row["label"]: row["counts"] for row in context["rows"]}
    # Severities run critical, high, medium, low.
    assert by_age["15-30"] == [0, 1, 0, 0]
    assert [concern.stakeholder for concern in context["oldest"]] == [world["troubled"]]


def test_an_administrator_sees_every_team_by_team(client, admin_user, team, other_team, world):
    context = dashboard(client, admin_user)
    assert bands(context) == {"green": 1, "amber": 2, "red": 1, "no_contact": 0}
    assert context["overdue"]["by_team"] is True
    assert {row["label"]: row["overdue"] for row in context["overdue"]["rows"]} == {
        team.name: 2,
        other_team.name: 2,
    }
    assert this_week(context)["meeting"] == 3


def test_an_administrator_can_pick_a_team(client, admin_user, other_team, world):
    assert bands(dashboard(client, admin_user, team=other_team.pk)) == {
        "green": 0,
        "amber": 1,
        "red": 0,
        "no_contact": 0,
    }


def test_rollups_count_confidential_interactions_only_where_the_reader_may_see_them(
    officer, colleague, world
):
    """The weekly rollup keeps confidential interactions apart: an officer reading it (as the weekly digest
    may) counts their own confidential ones, not a colleague's."""
    scope = queries.Scope(team_id=None, weeks=1)
    InteractionFactory(logged_by=colleague, occurred_at=days_ago(1), is_confidential=True)
    services.activity_refresh()

    def total(user):
        return sum(row["n"] for row in queries.activity_totals(scope, user))

    # Everyone's non-confidential this week: officer's call, colleague's email, two meetings.
    assert total(officer) == 4 + 1
    assert total(colleague) == 4 + 1


def test_the_page_says_how_fresh_the_figures_are_and_offers_a_refresh(client, manager, world):
    page = login(client, manager).get(reverse("dashboards:dashboard")).content.decode()
    assert "Figures as of 10 Jun, 12:00" in page
    assert reverse("dashboards:refresh") in page


def test_pressing_refresh_queues_a_refresh(client, manager, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = login(client, manager).post(reverse("dashboards:refresh"), {"next": "/dashboard/?weeks=4"})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/?weeks=4"
    assert len(queued) == 1
    assert "refreshing" in login(client, manager).get(reverse("dashboards:freshness")).content.decode()


def test_the_refresh_button_never_sends_anyone_elsewhere(client, manager, world):
    response = login(client, manager).post(reverse("dashboards:refresh"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("dashboards:dashboard")


def test_an_overdue_follow_up_counts_for_whoever_chases_it_not_whoever_logged_it(
    client, manager, officer, colleague, world
):
    InteractionFactory(
        logged_by=colleague,
        follow_up_on=TODAY - dt.timedelta(days=3),
        follow_up_owner=officer,
        stakeholders=[StakeholderFactory(owner=colleague)],
    )
    rows = dashboard(client, manager)["overdue"]["rows"]
    counted = {row["key"]: (row["follow_ups"], row["actions"], row["commitments"]) for row in rows}
    assert counted == {colleague.pk: (1, 0, 1), officer.pk: (1, 0, 0)}


def test_a_reader_ahead_of_london_sees_the_week_still_running_there(client, manager, world, time_machine):
    """Monday 03:00 in Tokyo is Sunday evening in London: the summaries' week (London's) is not over."""
    manager.time_zone = "Asia/Tokyo"
    manager.save()
    time_machine.move_to(dt.datetime(2026, 6, 14, 18, 0, tzinfo=dt.UTC), tick=False)

    response = login(client, manager).get(reverse("dashboards:dashboard"))

    assert response.context["activity"]["weeks"][-1] == dt.date(2026, 6, 8)
    assert sum(this_week(response.context).values()) == 3
    assert "Weeks run Monday to Sunday, Europe/London time." in response.content.decode()


def test_stale_relationships_count_days_on_the_readers_calendar_as_the_list_does(
    client, manager, officer, world, time_machine
):
    """Contacted on 11 May (in London and in Tokyo) on a 30-day cadence: due on 10 June. At 01:00 on
    11 June in Tokyo (17:00 on the 10th in London) a manager there sees it a day overdue, in the panel as
    in the list its link opens."""
    due_in_london_today = person(officer, last_contact_days=30, influence=1)
    stakeholders_refresh_last_contact(stakeholder_ids=[due_in_london_today.pk])
    services.figures_refresh(full=True)
    manager.time_zone = "Asia/Tokyo"
    manager.save()
    time_machine.move_to(dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC), tick=False)

    response = login(client, manager).get(reverse("dashboards:dashboard"))
    stale = {row.pk: row.days_overdue for row in response.context["stale"]["rows"]}
    listed = client.get(link_to(response, "All overdue stakeholders")).context["page"]

    assert stale[due_in_london_today.pk] == 1
    assert set(stale) == {person.pk for person in listed}


def test_an_officer_who_left_is_marked_with_a_link_to_hand_their_portfolio_over(
    client, manager, officer, colleague, world
):
    colleague.is_active = False
    colleague.save()
    response = login(client, manager).get(reverse("dashboards:dashboard"))

    handover = f"{reverse('contacts:stakeholder_handover')}?from_officer={colleague.pk}"
    marked = f'{html.escape(str(colleague))} (left) <a href="{handover}">Hand over →</a>'
    page = response.content.decode()
    assert page.count(marked) == 3  # their overdue work, their stale relationship, their concern open longest
    assert f"{html.escape(str(colleague))} (left)</th>" in page  # their interactions week by week
    assert f"{html.escape(str(officer))} (left)" not in page
    chosen = client.get(handover).context["form"]["from_officer"].value()
    assert str(chosen) == str(colleague.pk)


def test_the_links_from_a_leavers_figures_list_what_they_left_behind(client, manager, colleague, world):
    colleague.is_active = False
    colleague.save()
    response = login(client, manager).get(reverse("dashboards:dashboard"), {"officer": colleague.pk})
    [row] = response.context["overdue"]["rows"]

    def listed(text, to=""):
        return list(client.get(link_to(response, text, to)).context["page"])

    assert listed("All overdue stakeholders") == [world["troubled"]]
    assert [concern.stakeholder for concern in listed("Concerns")] == [world["troubled"]]
    assert len(listed(row["commitments"], reverse("commitments:list"))) == row["commitments"] == 1
    assert len(list(client.get(follow_ups_link(response, row)).context["page"])) == row["follow_ups"] == 1


def test_a_stakeholders_overdue_action_counts_for_whoever_chases_it_now(
    client, manager, admin_user, officer, colleague, other_officer, team, other_team, world
):
    """It counted against the meeting's organiser for good; handed on, it counts against the colleague
    chasing it, and their team, on the dashboard, in the report and on the action list it links to."""
    meeting = MeetingFactory(organiser=officer, starts_at=days_ago(20))
    action = overdue_action(meeting, owner_stakeholder=world["healthy"])
    action_item_set_chaser(action_item=action, actor=officer, chaser=colleague)
    period = {"since": (TODAY - dt.timedelta(days=30)).isoformat(), "until": TODAY.isoformat()}

    response = login(client, manager).get(reverse("dashboards:dashboard"))
    rows = {row["key"]: row["actions"] for row in response.context["overdue"]["rows"]}
    assert (rows.get(officer.pk, 0), rows[colleague.pk]) == (0, 1)
    link = link_to(response, r"1<", to=f"{reverse('meetings:my_actions')}?owner={colleague.pk}&amp;")
    assert list(client.get(link).context["page"]) == [action]
    report = client.get(reverse("dashboards:report"), period).context
    assert report["totals"]["actions_overdue"] == 1

    action_item_set_chaser(action_item=action, actor=officer, chaser=other_officer)

    rows = {row["key"]: row["actions"] for row in dashboard(client, admin_user)["overdue"]["rows"]}
    assert (rows.get(team.pk, 0), rows[other_team.pk]) == (0, 1)
    report = login(client, manager).get(reverse("dashboards:report"), period).context
    assert report["totals"]["actions_overdue"] == 0

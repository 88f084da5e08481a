"""Reports: communications, decisions and action plans for a subject over a period, as the reader may see."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from commitments.models import Commitment
from contacts.models import Objective, Stakeholder
from dashboards.reports import Report
from meetings.models import ActionItem, Decision, Meeting, MeetingStatus

from ..conftest import login
from ..factories import (
    AffiliationFactory,
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    ObjectiveFactory,
    OrganisationFactory,
    StakeholderFactory,
)
from .conftest import TODAY, days_ago
from .test_exports import rows

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def council(officer, colleague):
    """Over the last 90 days: three interactions with the council (one the colleague's, confidential), one
    from last year, a held meeting with a decision and two actions, a commitment and a concern."""
    council = OrganisationFactory(name="Riverside Council")
    person = StakeholderFactory(owner=colleague, name="Cllr Amara Obi")
    AffiliationFactory(stakeholder=person, organisation=council)
    InteractionFactory(
        logged_by=officer, stakeholders=[person], occurred_at=days_ago(10), sentiment=2, summary="Budget call"
    )
    InteractionFactory(
        logged_by=officer, stakeholders=[person], occurred_at=days_ago(20), sentiment=-1, summary="Site visit"
    )
    InteractionFactory(
        logged_by=colleague,
        stakeholders=[person],
        occurred_at=days_ago(5),
        sentiment=-2,
        is_confidential=True,
        summary="Private word about the chair",
    )
    InteractionFactory(
        logged_by=officer, stakeholders=[person], occurred_at=days_ago(400), summary="Long ago"
    )
    meeting = MeetingFactory(
        organiser=officer,
        organisation=council,
        title="Joint working group",
        starts_at=days_ago(15),
        ends_at=days_ago(15) + dt.timedelta(hours=1),
        status=MeetingStatus.HELD,
        held_at=days_ago(15),
    )
    Decision.objects.create(meeting=meeting, text="Publish the consultation in April")
    overdue = TODAY - dt.timedelta(days=1)
    ActionItem.objects.create(
        meeting=meeting,
        description="Draft the leaflet",
        owner_user=officer,
        due_on=overdue,
        created_by=officer,
    )
    ActionItem.objects.create(
        meeting=meeting, description="Book the hall", owner_user=officer, status="done",
        completed_at=days_ago(3), created_by=officer,
    )  # fmt: skip
    CommitmentFactory(stakeholder=person, organisation=council, description="Send the traffic survey")
    ConcernFactory(stakeholder=person, organisation=council, title="Lorries on Mill Lane", raised_on=TODAY)
    return council


def report(client, user, **params):
    response = login(client, user).get(reverse("dashboards:report"), params)
    assert response.status_code == 200, response.status_code
    return response


def test_an_organisation_report_covers_the_period_for_what_the_reader_may_see(client, officer, council):
    response = report(client, officer, organisation=council.pk)

    totals = response.context["totals"]
    assert totals["interactions"] == 2  # not the colleague's confidential one, not last year's
    assert totals["average_sentiment"] == 0.5
    assert (totals["meetings"], totals["meetings_held"]) == (1, 1)
    assert (totals["actions"], totals["actions_done"], totals["actions_overdue"]) == (2, 1, 1)
    assert (totals["commitments_open"], totals["concerns_raised"], totals["concerns_open"]) == (1, 1, 1)
    page = response.content.decode()
    for text in ("Budget call", "Site visit", "Publish the consultation in April", "Draft the leaflet",
                 "Send the traffic survey", "Lorries on Mill Lane"):  # fmt: skip
        assert text in page
    assert "Private word" not in page
    assert "Long ago" not in page


def test_an_organisations_report_includes_the_work_and_people_of_a_unit_two_levels_down(client, officer):
    """Ministry → directorate → unit: the unit's work was in the directorate's report but not the
    ministry's."""
    ministry = OrganisationFactory(name="Ministry of Transport")
    roads = OrganisationFactory(name="Roads Directorate", parent=ministry)
    bridges = OrganisationFactory(name="Bridges Unit", parent=roads)
    inspector = StakeholderFactory(owner=officer, name="Kofi Mensah")
    AffiliationFactory(stakeholder=inspector, organisation=bridges)
    # Recorded against the unit with someone from elsewhere: found by the organisation alone.
    outsider = StakeholderFactory(owner=officer)
    InteractionFactory(
        logged_by=officer, stakeholders=[outsider], organisation=bridges, occurred_at=days_ago(3),
        summary="Load test",
    )  # fmt: skip
    InteractionFactory(
        logged_by=officer, stakeholders=[inspector], occurred_at=days_ago(4), summary="Inspection walk"
    )
    meeting = MeetingFactory(
        organiser=officer, organisation=bridges, title="Bridge safety board", starts_at=days_ago(6),
        ends_at=days_ago(6) + dt.timedelta(hours=1), status=MeetingStatus.HELD, held_at=days_ago(6),
    )  # fmt: skip
    meeting.attendees.create(stakeholder=inspector, attended=True)
    Decision.objects.create(meeting=meeting, text="Close the old bridge to lorries")
    CommitmentFactory(stakeholder=outsider, organisation=bridges, description="Send the load test report")
    ConcernFactory(
        stakeholder=outsider, organisation=bridges, title="Cracks in the river bridge", raised_on=TODAY
    )
    ObjectiveFactory(stakeholder=inspector, description="Agree the inspection calendar")

    response = report(client, officer, organisation=ministry.pk)

    totals = response.context["totals"]
    assert totals["interactions"] == 2
    assert (totals["meetings"], totals["meetings_held"]) == (1, 1)
    assert (totals["commitments_open"], totals["concerns_raised"], totals["objectives_open"]) == (1, 1, 1)
    page = response.content.decode()
    shown = ["Load test", "Inspection walk", "Bridge safety board", "Close the old bridge to lorries"]
    shown += ["Send the load test report", "Cracks in the river bridge", "Agree the inspection calendar"]
    assert [text for text in shown if text not in page] == []


def test_an_organisations_report_leaves_out_work_filed_against_another_organisation_by_one_of_its_people(
    client, officer
):
    """A council officer who is also a trustee of a savings collective: the collective's report counted the
    site visit to the council, filed against the council, because the trustee was there. Work filed against
    no organisation counts for each organisation its people worked at."""
    umoja = OrganisationFactory(name="Umoja Women's Savings Collective")
    northbridge = OrganisationFactory(name="Northbridge City Council")
    planner = StakeholderFactory(owner=officer, name="Grace Njeri")
    AffiliationFactory(stakeholder=planner, organisation=northbridge, role="Planning Officer")
    AffiliationFactory(stakeholder=planner, organisation=umoja, role="Trustee", is_primary=False)
    InteractionFactory(
        logged_by=officer, stakeholders=[planner], organisation=northbridge, occurred_at=days_ago(3),
        kind="visit", sentiment=-2, summary="Site visit to Northbridge City Council depot",
    )  # fmt: skip
    InteractionFactory(
        logged_by=officer, stakeholders=[planner], occurred_at=days_ago(5), kind="call", sentiment=2,
        summary="Call about the savings groups",
    )  # fmt: skip

    umoja_report = report(client, officer, organisation=umoja.pk)
    northbridge_report = report(client, officer, organisation=northbridge.pk)

    totals = umoja_report.context["totals"]
    assert (totals["interactions"], totals["average_sentiment"], totals["negative"]) == (1, 2, 0)
    assert [(row["kind"], row["n"]) for row in umoja_report.context["by_kind"]] == [("Call", 1)]
    assert "Site visit to Northbridge" not in umoja_report.content.decode()
    assert northbridge_report.context["totals"]["interactions"] == 2


def test_an_organisations_report_counts_the_work_of_the_people_who_worked_there_on_its_day(client, officer):
    """Who works there now decided: a leaver's calls while there went missing from the report, and a
    newcomer's calls from before they joined were counted. The day is the reader's: a call at half past
    midnight in London is the next day's, though it is still the day before in UTC."""
    trust = OrganisationFactory(name="Harbour Trust")
    leaver, joiner = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=leaver, organisation=trust, end_date=TODAY - dt.timedelta(days=30))
    AffiliationFactory(stakeholder=joiner, organisation=trust, start_date=TODAY - dt.timedelta(days=10))
    last_day = dt.datetime.combine(TODAY - dt.timedelta(days=30), dt.time(23, 30), tzinfo=LONDON)
    for person, when, summary in (
        (leaver, days_ago(40), "Leaver's call while there"),
        (leaver, last_day, "Leaver's call on their last evening"),
        (leaver, last_day + dt.timedelta(hours=1), "Leaver's call after midnight"),
        (leaver, days_ago(20), "Leaver's call from their new job"),
        (joiner, days_ago(20), "Joiner's call before they joined"),
        (joiner, days_ago(5), "Joiner's call since"),
    ):
        InteractionFactory(logged_by=officer, stakeholders=[person], occurred_at=when, summary=summary)

    response = report(client, officer, organisation=trust.pk)

    assert sorted(interaction.summary for interaction in response.context["interactions"]) == [
        "Joiner's call since",
        "Leaver's call on their last evening",
        "Leaver's call while there",
    ]
    assert response.context["totals"]["interactions"] == 3


def test_the_stakeholders_owner_sees_the_confidential_interaction_in_the_report(client, colleague, council):
    response = report(client, colleague, organisation=council.pk)
    assert response.context["totals"]["interactions"] == 3
    assert "Private word about the chair" in response.content.decode()


def test_the_period_can_be_chosen(client, officer, council):
    since = (TODAY - dt.timedelta(days=12)).isoformat()
    response = report(client, officer, organisation=council.pk, since=since, until=TODAY.isoformat())
    assert response.context["totals"]["interactions"] == 1


def test_a_period_ending_on_the_last_day_of_the_calendar_is_refused_not_a_server_error(client, officer):
    """The period runs to the start of the day after its end, and 31 December 9999 has none: the page
    answered 500."""
    refused = report(client, officer, since="9999-12-01", until="9999-12-31")
    assert "report" not in refused.context
    assert refused.context["form"].errors["until"] == ["This date is too far in the future."]


def test_an_officers_report_is_for_them_and_their_managers(
    client, officer, colleague, manager, other_manager
):
    assert report(client, officer, officer=officer.pk).context["report"].officer == officer
    assert report(client, manager, officer=officer.pk).context["report"].officer == officer
    for reader in (colleague, other_manager):
        refused = report(client, reader, officer=officer.pk)
        assert "report" not in refused.context and refused.context["form"].errors["officer"]


def test_a_refused_officer_is_explained_on_the_page_not_only_in_the_form(client, officer, other_manager):
    """The officer's and team's lists are drawn by the `select` tag, which left their errors out: a manager
    following a link to another team's officer got the empty form back and no reason."""
    page = report(client, other_manager, officer=officer.pk).content.decode()

    assert (
        '<div id="id_officer_error" role="alert"><p class="error">'
        "You can report on your own work and on the officers you manage only.</p></div>"
    ) in page


def test_without_a_subject_a_manager_gets_their_team_and_an_officer_their_own_work(
    client, officer, manager, team
):
    assert report(client, manager, since=TODAY.isoformat()).context["report"].team == team
    assert report(client, officer, since=TODAY.isoformat()).context["report"].officer == officer


def test_an_administrator_can_choose_a_teams_report_and_without_a_subject_gets_every_team(
    client, officer, other_officer, admin_user, team, other_team
):
    """The team report an administrator could read (Report.readable_by) had no way to be asked for, and the
    form told them that choosing nobody reported on their own work."""
    for author, text in ((officer, "Team call"), (other_officer, "Another team's call")):
        InteractionFactory(logged_by=author, stakeholders=[StakeholderFactory(owner=author)], summary=text,
                           occurred_at=days_ago(2))  # fmt: skip
    since = days_ago(7).date().isoformat()

    chosen = report(client, admin_user, team=team.pk, since=since)
    assert chosen.context["report"].team == team
    assert chosen.context["totals"]["interactions"] == 1
    everyone = report(client, admin_user, since=since)
    assert everyone.context["report"].kind == "all"
    assert everyone.context["totals"]["interactions"] == 2
    page = report(client, admin_user).content.decode()
    assert "Choose nobody for a report on every team." in page
    assert "your own work" not in page


def test_only_an_administrator_is_offered_a_choice_of_team(client, manager, other_team):
    form = report(client, manager).context["form"]
    assert "team" not in form.fields
    chosen_elsewhere = report(client, manager, team=other_team.pk, since=TODAY.isoformat())
    assert chosen_elsewhere.context["report"].team == manager.team


def test_a_report_has_one_subject_a_team_or_one_of_its_records(client, officer, admin_user, team):
    refused = report(client, admin_user, team=team.pk, officer=officer.pk)
    assert "report" not in refused.context
    assert refused.context["form"].non_field_errors() == [
        "Choose one of organisation, stakeholder, officer or team."
    ]


def test_the_report_prints_without_its_controls(client, officer, council):
    page = report(client, officer, organisation=council.pk).content.decode()
    assert 'class="report"' in page
    assert "data-print" in page
    assert "js/report.js" in page


def test_the_report_form_comes_first(client, officer):
    response = login(client, officer).get(reverse("dashboards:report"))
    assert "form" in response.context
    assert reverse("dashboards:export", args=["stakeholders"]) in response.content.decode()


def test_communications_by_channel_show_each_channels_average_sentiment(client, officer):
    person = StakeholderFactory(owner=officer)
    for kind, sentiment in (("call", 2), ("call", -1), ("visit", 1)):
        InteractionFactory(
            logged_by=officer, stakeholders=[person], occurred_at=days_ago(3), kind=kind, sentiment=sentiment
        )

    response = report(client, officer, stakeholder=person.pk)

    assert [(row["kind"], row["n"], row["average_sentiment"]) for row in response.context["by_kind"]] == [
        ("Call", 2, 0.5),
        ("Visit", 1, 1.0),
    ]
    totals = response.context["totals"]
    assert (totals["interactions"], totals["average_sentiment"], totals["negative"]) == (3, 2 / 3, 1)
    page = response.content.decode()
    assert (
        '<td data-label="Channel">Call</td><td class="num" data-label="Interactions">2</td>'
        '<td class="num" data-label="Average sentiment">+0.5</td>'
    ) in page


def test_a_managers_team_report_counts_the_teams_interactions_only(
    client, officer, colleague, manager, other_officer, django_assert_max_num_queries
):
    for author in (officer, colleague, other_officer):
        InteractionFactory(
            logged_by=author, stakeholders=[StakeholderFactory(owner=author)], occurred_at=days_ago(2)
        )

    login(client, manager)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("dashboards:report"), {"since": days_ago(7).date().isoformat()})

    assert response.context["report"].team == manager.team
    assert response.context["totals"]["interactions"] == 2


def test_the_report_shows_the_engagement_plans_of_its_subject(client, officer, colleague):
    mine, theirs = StakeholderFactory(owner=officer), StakeholderFactory(owner=colleague)
    today = timezone.localdate()
    ObjectiveFactory(
        stakeholder=mine, description="Co-host the spring forum", target_on=today - dt.timedelta(days=2)
    )
    ObjectiveFactory(stakeholder=mine, description="Renew the agreement", closed=True)
    dropped = ObjectiveFactory(
        stakeholder=mine, description="Long since dropped", status="dropped", closed_on=dt.date(2020, 1, 1)
    )
    Objective.objects.filter(pk=dropped.pk).update(created_at=timezone.now() - dt.timedelta(days=2000))
    ObjectiveFactory(stakeholder=theirs, description="A colleague's aim")
    login(client, officer)
    response = client.get(
        reverse("dashboards:report"),
        {
            "officer": officer.pk,
            "since": (today - dt.timedelta(days=30)).isoformat(),
            "until": today.isoformat(),
        },
    )
    listed = [objective.description for objective in response.context["objectives"]]
    assert listed == ["Co-host the spring forum", "Renew the agreement"]
    totals = response.context["totals"]
    assert (totals["objectives_open"], totals["objectives_overdue"], totals["objectives_achieved"]) == (
        1,
        1,
        1,
    )


def test_a_manager_can_report_on_an_officer_who_has_left(client, colleague, manager):
    InteractionFactory(
        logged_by=colleague,
        stakeholders=[StakeholderFactory(owner=colleague)],
        occurred_at=days_ago(30),
        summary="Handover call",
    )
    colleague.is_active = False
    colleague.save()
    login(client, manager)

    form_page = client.get(reverse("dashboards:report")).content.decode()
    assert f'<option value="{colleague.pk}">{colleague} (left)</option>' in form_page
    response = report(client, manager, officer=colleague.pk)

    assert response.context["report"].officer == colleague
    assert response.context["totals"]["interactions"] == 1
    assert "Handover call" in response.content.decode()


def test_an_archived_stakeholders_page_leads_to_their_report(client, officer):
    person = StakeholderFactory(owner=officer, is_archived=True, archived_at=timezone.now())
    InteractionFactory(logged_by=officer, stakeholders=[person], occurred_at=days_ago(4), summary="Last call")
    login(client, officer)
    link = f'href="{reverse("dashboards:report")}?stakeholder={person.pk}"'
    assert link in client.get(person.get_absolute_url()).content.decode()

    response = report(client, officer, stakeholder=person.pk)

    assert response.context["totals"]["interactions"] == 1
    assert "Last call" in response.content.decode()


def held_meeting_with(person, officer, *, title, days, attended, decision, action):
    starts = days_ago(days)
    meeting = MeetingFactory(
        organiser=officer, title=title, starts_at=starts, ends_at=starts + dt.timedelta(hours=1),
        status=MeetingStatus.HELD, held_at=starts,
    )  # fmt: skip
    meeting.attendees.create(stakeholder=person, attended=attended)
    Decision.objects.create(meeting=meeting, text=decision)
    ActionItem.objects.create(meeting=meeting, description=action, owner_user=officer, created_by=officer)
    return meeting


def test_a_stakeholders_report_lists_the_meetings_they_missed_apart_and_counts_only_those_they_had(
    client, officer
):
    person = StakeholderFactory(owner=officer, name="Kofi Boateng")
    came = held_meeting_with(
        person, officer, title="Lane walkabout", days=10, attended=True, decision="Widen the path",
        action="Send the plan",
    )  # fmt: skip
    missed = held_meeting_with(
        person, officer, title="Residents' forum", days=5, attended=False, decision="Close the lane",
        action="Draft the letter",
    )  # fmt: skip

    response = report(client, officer, stakeholder=person.pk)

    totals = response.context["totals"]
    assert (totals["meetings"], totals["meetings_held"], totals["meetings_missed"]) == (1, 1, 1)
    assert list(response.context["meetings"]) == [came]
    assert list(response.context["missed_meetings"]) == [missed]
    assert totals["actions"] == 1
    page = response.content.decode()
    assert "Meetings missed" in page and "Missed: invited, recorded absent" in page
    # What was decided and agreed without them is not theirs.
    assert "Widen the path" in page and "Send the plan" in page
    assert "Close the lane" not in page and "Draft the letter" not in page


def test_a_stakeholder_who_missed_every_meeting_is_not_told_there_were_none(client, officer):
    person = StakeholderFactory(owner=officer, name="Kofi Boateng")
    missed = held_meeting_with(
        person, officer, title="Residents' forum", days=5, attended=False, decision="Close the lane",
        action="Draft the letter",
    )  # fmt: skip

    response = report(client, officer, stakeholder=person.pk)

    assert list(response.context["meetings"]) == [] and list(response.context["missed_meetings"]) == [missed]
    page = response.content.decode()
    assert "Missed: invited, recorded absent" in page and "Residents&#x27; forum" in page
    assert "No meetings in this period." not in page


def test_a_stakeholder_with_no_meetings_had_or_missed_is_told_there_were_none(client, officer):
    person = StakeholderFactory(owner=officer, name="Kofi Boateng")

    page = report(client, officer, stakeholder=person.pk).content.decode()

    assert "No meetings in this period." in page and "Missed: invited, recorded absent" not in page


def test_an_organisation_report_lists_apart_the_meetings_its_people_invited_all_missed(
    client, officer, council
):
    """As a stakeholder's report does: a meeting with the council that a guest from elsewhere came to, but
    every councillor invited was recorded absent from, is one the council missed."""
    councillors = Stakeholder.objects.filter(affiliations__organisation=council)
    (councillor,) = councillors
    other = StakeholderFactory(owner=officer, name="Ben Ade")
    AffiliationFactory(stakeholder=StakeholderFactory(owner=officer), organisation=council)
    came = held_meeting_with(
        councillor, officer, title="Lane walkabout", days=10, attended=True, decision="Widen the path",
        action="Send the plan",
    )  # fmt: skip
    missed = held_meeting_with(
        councillor, officer, title="Residents' forum", days=5, attended=False, decision="Close the lane",
        action="Draft the letter",
    )  # fmt: skip
    missed.attendees.create(stakeholder=councillors.exclude(pk=councillor.pk).get(), attended=False)
    missed.attendees.create(stakeholder=other, attended=True)
    Meeting.objects.filter(pk__in=[came.pk, missed.pk]).update(organisation=council)

    response = report(client, officer, organisation=council.pk)

    totals = response.context["totals"]
    # The fixture's working group, which no councillor was invited to, and the walkabout.
    assert (totals["meetings"], totals["meetings_held"], totals["meetings_missed"]) == (2, 2, 1)
    assert [meeting.title for meeting in response.context["meetings"]] == [
        "Joint working group",
        "Lane walkabout",
    ]
    assert list(response.context["missed_meetings"]) == [missed]
    page = response.content.decode()
    assert "Meetings missed" in page and "Missed: everyone invited from there recorded absent" in page
    assert "Widen the path" in page and "Send the plan" in page
    # The forum was the council's meeting all the same: what was decided and agreed there is its business.
    assert "Close the lane" in page and "Draft the letter" in page


def held_meeting_at(organisation, officer, *, title, days, attendance, action):
    """A meeting with `organisation` held `days` ago, its people (stakeholder: attended) recorded, and a staff
    action due two days ago."""
    starts = days_ago(days)
    meeting = MeetingFactory(
        organiser=officer, organisation=organisation, title=title, starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1), status=MeetingStatus.HELD, held_at=starts,
    )  # fmt: skip
    for person, attended in attendance.items():
        meeting.attendees.create(stakeholder=person, attended=attended)
    ActionItem.objects.create(
        meeting=meeting, description=action, owner_user=officer, created_by=officer,
        due_on=TODAY - dt.timedelta(days=2),
    )  # fmt: skip
    return meeting


def test_an_organisation_report_judges_a_meeting_by_who_worked_there_on_the_day(client, officer):
    """One who has left since came for the harbour board, and the board was not missed; one who has left
    since was the harbour's only guest at the tour, and their absence made it missed."""
    harbour = OrganisationFactory(name="Harbour Trust")
    former, current = (StakeholderFactory(owner=officer, name=name) for name in ("Former", "Current"))
    AffiliationFactory(stakeholder=former, organisation=harbour, end_date=TODAY - dt.timedelta(days=1))
    AffiliationFactory(stakeholder=current, organisation=harbour)
    board = held_meeting_at(
        harbour, officer, title="Board", days=10, attendance={former: True, current: False},
        action="Send the board papers",
    )  # fmt: skip
    tour = held_meeting_at(
        harbour, officer, title="Quay tour", days=20, attendance={former: False}, action="Book the launch"
    )

    response = report(client, officer, organisation=harbour.pk)

    totals = response.context["totals"]
    assert (totals["meetings"], totals["meetings_held"], totals["meetings_missed"]) == (1, 1, 1)
    assert list(response.context["meetings"]) == [board]
    assert list(response.context["missed_meetings"]) == [tour]
    assert (totals["actions"], totals["actions_overdue"]) == (2, 2)


def test_someone_who_joined_an_organisation_since_does_not_make_its_earlier_meeting_missed(client, officer):
    """Absent from the board while they worked for the council, the joiner was not the harbour's guest; absent
    from the tour after joining, they were."""
    harbour, council = OrganisationFactory(name="Harbour Trust"), OrganisationFactory(name="Council")
    joiner = StakeholderFactory(owner=officer, name="Joiner")
    AffiliationFactory(stakeholder=joiner, organisation=council, end_date=TODAY - dt.timedelta(days=6))
    AffiliationFactory(stakeholder=joiner, organisation=harbour, start_date=TODAY - dt.timedelta(days=5))
    board = held_meeting_at(
        harbour, officer, title="Board", days=10, attendance={joiner: False}, action="Send the board papers"
    )
    tour = held_meeting_at(
        harbour, officer, title="Quay tour", days=2, attendance={joiner: False}, action="Book the launch"
    )

    response = report(client, officer, organisation=harbour.pk)

    totals = response.context["totals"]
    assert (totals["meetings"], totals["meetings_missed"]) == (1, 1)
    assert list(response.context["meetings"]) == [board]
    assert list(response.context["missed_meetings"]) == [tour]


def test_an_organisations_report_keeps_what_was_agreed_at_its_meeting_its_people_all_missed(client, officer):
    """The meeting moves to the missed list and out of the count of meetings had; its decisions and its
    staff's actions, agreed on the harbour's business, stay in the report, an overdue one counted so."""
    harbour = OrganisationFactory(name="Harbour Trust")
    current = StakeholderFactory(owner=officer, name="Current")
    AffiliationFactory(stakeholder=current, organisation=harbour)
    board = held_meeting_at(
        harbour, officer, title="Board", days=10, attendance={current: False}, action="Send the board papers"
    )
    Decision.objects.create(meeting=board, text="Dredge the outer basin")

    response = report(client, officer, organisation=harbour.pk)

    totals = response.context["totals"]
    assert (totals["meetings"], totals["meetings_missed"]) == (0, 1)
    assert list(response.context["missed_meetings"]) == [board]
    assert [decision.text for decision in response.context["decisions"]] == ["Dredge the outer basin"]
    assert [action.description for action in response.context["actions"]] == ["Send the board papers"]
    assert (totals["actions"], totals["actions_overdue"]) == (1, 1)


def test_an_organisation_report_has_no_missed_meetings_when_its_people_came(client, officer, council):
    response = report(client, officer, organisation=council.pk)
    assert response.context["totals"]["meetings_missed"] == 0
    assert list(response.context["missed_meetings"]) == []
    assert "Missed: everyone invited from there recorded absent" not in response.content.decode()


def test_the_period_is_whole_days_in_the_readers_time_zone_and_the_page_says_which(client, officer):
    """The period ends with 10 June in Sydney: 23:30 there is in it, 00:30 on the 11th (still the 10th in
    London) is not. The printed page names the zone, since a reader elsewhere counts other days."""
    officer.time_zone = "Australia/Sydney"
    officer.save()
    person = StakeholderFactory(owner=officer)
    sydney = zoneinfo.ZoneInfo("Australia/Sydney")
    for moment, summary in (
        (dt.datetime(2026, 6, 10, 23, 30, tzinfo=sydney), "Late call"),
        (dt.datetime(2026, 6, 11, 0, 30, tzinfo=sydney), "After midnight"),
    ):
        InteractionFactory(logged_by=officer, stakeholders=[person], occurred_at=moment, summary=summary)

    response = report(client, officer, stakeholder=person.pk, since="2026-06-01", until="2026-06-10")

    assert response.context["totals"]["interactions"] == 1
    page = response.content.decode()
    assert "Late call" in page and "After midnight" not in page
    assert "1 June 2026 to 10 June 2026 <small>(Australia/Sydney)</small>" in page


def test_the_action_plan_counts_an_earlier_meetings_action_done_in_the_period(client, officer, council):
    """The joint working group met 15 days ago; "Book the hall" was done 3 days ago, in a 10-day period."""
    since = (TODAY - dt.timedelta(days=10)).isoformat()

    for params in ({"organisation": council.pk}, {"officer": officer.pk}):
        response = report(client, officer, since=since, until=TODAY.isoformat(), **params)

        assert [action.description for action in response.context["actions"]] == [
            "Draft the leaflet",
            "Book the hall",
        ]
        totals = response.context["totals"]
        assert (totals["actions"], totals["actions_done"], totals["actions_overdue"]) == (2, 1, 1)


def test_a_report_counts_the_promises_broken_in_its_period(client, officer, council):
    """Not every promise made in the period and broken since, nor one made earlier and broken now."""
    person = council.affiliations.get().stakeholder
    broken_in_period = CommitmentFactory(
        stakeholder=person, organisation=council, created_at=days_ago(200), status="broken",
        broken_at=days_ago(20),
    )  # fmt: skip
    CommitmentFactory(
        stakeholder=person, organisation=council, created_at=days_ago(200), status="broken",
        broken_at=days_ago(120),
    )  # fmt: skip
    CommitmentFactory(
        stakeholder=person, organisation=council, created_at=days_ago(10), status="fulfilled",
        fulfilled_at=days_ago(2),
    )  # fmt: skip

    response = report(client, officer, organisation=council.pk)

    totals = response.context["totals"]
    assert (totals["commitments_fulfilled"], totals["commitments_broken"]) == (1, 1)
    assert broken_in_period.description in response.content.decode()
    assert "What is open or overdue is counted, and listed as open, as it stood at the end of" in (
        response.content.decode()
    )


def test_a_past_periods_report_leaves_out_what_began_after_it(client, officer, council):
    """The council's meeting (and its actions), commitment, concern and objective are of the last fortnight:
    a report on the month before lists none of them, in its lists or its figures. What was begun before that
    month and is still open is listed."""
    person = council.affiliations.get().stakeholder
    earlier = CommitmentFactory(stakeholder=person, organisation=council, description="Share the survey")
    noise = {"title": "Noise at night", "raised_on": TODAY - dt.timedelta(days=50)}
    ConcernFactory(stakeholder=person, organisation=council, **noise)
    ObjectiveFactory(stakeholder=person, description="Win their support")
    long_held = ObjectiveFactory(stakeholder=person, description="Meet their new chief executive")
    Objective.objects.filter(pk=long_held.pk).update(created_at=days_ago(50))
    Commitment.objects.filter(pk=earlier.pk).update(created_at=days_ago(50))
    since, until = (TODAY - dt.timedelta(days=45)).isoformat(), (TODAY - dt.timedelta(days=16)).isoformat()

    response = report(client, officer, organisation=council.pk, since=since, until=until)

    assert list(response.context["actions"]) == []
    assert [c.description for c in response.context["commitments"]] == ["Share the survey"]
    assert [c.title for c in response.context["concerns"]] == ["Noise at night"]
    assert [o.description for o in response.context["objectives"]] == ["Meet their new chief executive"]
    totals = response.context["totals"]
    assert (totals["actions"], totals["actions_overdue"]) == (0, 0)
    assert (totals["commitments_open"], totals["concerns_open"], totals["objectives_open"]) == (1, 1, 1)


def test_a_past_periods_report_lists_what_was_open_at_its_end_as_open_though_closed_since(
    client, officer, council
):
    """A report on a month that ended 16 days ago, prepared today: what was open at the end of that month and
    has been done, fulfilled, cancelled, resolved or achieved since is listed, and counted, as open then. What
    was closed before the month began is not there."""
    person = council.affiliations.get().stakeholder
    earlier_meeting = MeetingFactory(
        organiser=officer, organisation=council, title="Autumn liaison", starts_at=days_ago(60),
        ends_at=days_ago(60) + dt.timedelta(hours=1), status=MeetingStatus.HELD, held_at=days_ago(60),
    )  # fmt: skip
    ActionItem.objects.create(
        meeting=earlier_meeting, description="Map the bus routes", owner_user=officer, status="done",
        completed_at=days_ago(5), due_on=TODAY - dt.timedelta(days=30), created_by=officer,
    )  # fmt: skip
    ActionItem.objects.create(
        meeting=earlier_meeting, description="Order the banners", owner_user=officer, status="done",
        completed_at=days_ago(50), created_by=officer,
    )  # fmt: skip
    kept_since = CommitmentFactory(
        stakeholder=person, organisation=council, description="Share the survey", status="fulfilled",
        fulfilled_at=days_ago(5), due_on=TODAY - dt.timedelta(days=20),
    )  # fmt: skip
    cancelled_since = CommitmentFactory(
        stakeholder=person, organisation=council, description="Lend the projector", status="cancelled",
        cancelled_at=days_ago(3), due_on=TODAY - dt.timedelta(days=10),
    )  # fmt: skip
    kept_before = CommitmentFactory(
        stakeholder=person, organisation=council, description="Send the agenda", status="fulfilled",
        fulfilled_at=days_ago(55),
    )  # fmt: skip
    Commitment.objects.filter(pk__in=[kept_since.pk, cancelled_since.pk, kept_before.pk]).update(
        created_at=days_ago(70)
    )
    ConcernFactory(
        stakeholder=person, organisation=council, title="Noise at night",
        raised_on=TODAY - dt.timedelta(days=50), status="resolved", resolution="Quiet hours agreed",
        resolved_at=days_ago(4),
    )  # fmt: skip
    achieved = ObjectiveFactory(stakeholder=person, description="Win their support")
    Objective.objects.filter(pk=achieved.pk).update(
        created_at=days_ago(50), status="achieved", closed_on=TODAY - dt.timedelta(days=2)
    )
    since, until = (TODAY - dt.timedelta(days=45)).isoformat(), (TODAY - dt.timedelta(days=16)).isoformat()

    response = report(client, officer, organisation=council.pk, since=since, until=until)

    assert [a.description for a in response.context["actions"]] == ["Map the bus routes"]
    commitments = [c.description for c in response.context["commitments"]]
    assert commitments == ["Share the survey", "Lend the projector"]
    assert [c.title for c in response.context["concerns"]] == ["Noise at night"]
    assert [o.description for o in response.context["objectives"]] == ["Win their support"]
    totals = response.context["totals"]
    # Done since the period ended: open and overdue then, not done in it.
    assert (totals["actions"], totals["actions_done"], totals["actions_overdue"]) == (1, 0, 1)
    assert (totals["commitments_open"], totals["commitments_overdue"]) == (2, 1)  # the projector: due later
    assert (totals["commitments_fulfilled"], totals["commitments_cancelled"]) == (0, 0)
    assert (totals["concerns_open"], totals["objectives_open"]) == (1, 1)
    page = response.content.decode()
    assert page.count("Open at the period's end") == 5
    assert "(fulfilled since)" in page and "(resolved since)" in page and "(achieved since)" in page


def test_a_report_counts_the_promises_cancelled_in_its_period(client, officer, council):
    """As broken ones: those cancelled in the period, not one made earlier and cancelled before it."""
    person = council.affiliations.get().stakeholder
    in_period = CommitmentFactory(
        stakeholder=person, organisation=council, description="Lend the projector", status="cancelled",
        cancelled_at=days_ago(20),
    )  # fmt: skip
    before = CommitmentFactory(
        stakeholder=person, organisation=council, description="Print the leaflets", status="cancelled",
        cancelled_at=days_ago(120),
    )  # fmt: skip
    Commitment.objects.filter(pk__in=[in_period.pk, before.pk]).update(created_at=days_ago(200))
    since, until = (TODAY - dt.timedelta(days=30)).isoformat(), TODAY.isoformat()

    response = report(client, officer, organisation=council.pk, since=since, until=until)

    assert response.context["totals"]["commitments_cancelled"] == 1
    page = response.content.decode()
    assert "Lend the projector" in page and "Print the leaflets" not in page
    assert "Commitments kept / broken / cancelled" in page


def test_a_team_report_offers_its_interactions_as_csv_with_the_same_rows(
    client, officer, colleague, manager, other_officer
):
    person = StakeholderFactory(owner=officer)
    for author, days, text in (
        (officer, 3, "Team call"),
        (colleague, 4, "Colleague's visit"),
        (other_officer, 5, "Another team's call"),
        (officer, 120, "Before the period"),
    ):
        InteractionFactory(logged_by=author, stakeholders=[person], occurred_at=days_ago(days), summary=text)

    response = report(client, manager, since=(TODAY - dt.timedelta(days=30)).isoformat())

    url = response.context["report"].interactions_csv_url()
    assert url and f'href="{escape(url)}"' in response.content.decode()
    exported = rows(client.get(url))
    summary = exported[0].index("Summary")
    assert sorted(row[summary] for row in exported[1:]) == ["Colleague's visit", "Team call"]


def test_the_report_form_offers_only_the_officers_the_reader_may_report_on(
    client, officer, colleague, manager, other_officer
):
    """An officer's report is for them and their managers: the form offers no officer it would refuse."""

    def offered(user):
        form = login(client, user).get(reverse("dashboards:report")).context["form"]
        return {pk for pk, _label in form.fields["officer"].choices if pk}

    assert offered(officer) == {officer.pk}
    assert offered(manager) == {officer.pk, colleague.pk, manager.pk}
    assert other_officer.pk not in offered(manager)
    chosen_elsewhere = login(client, manager).get(reverse("dashboards:report"), {"officer": other_officer.pk})
    assert chosen_elsewhere.status_code == 200 and chosen_elsewhere.context["form"].errors["officer"]


def _marked_overdue(page: str, text: str) -> bool:
    """Whether the report's row holding `text` shows its date in red."""
    (row,) = [row for row in page.split("<tr")[1:] if text in row]
    return 'class="status red"' in row


def test_a_past_periods_report_marks_overdue_what_was_overdue_at_its_end_not_today(client, officer, council):
    """A month that ended 16 days ago: what was due before its end and open then is marked overdue, though
    done, kept or achieved since; what fell due after it is not, though it is overdue today. The marks are
    the rows the figures count."""
    person = council.affiliations.get().stakeholder
    earlier_meeting = MeetingFactory(
        organiser=officer, organisation=council, title="Autumn liaison", starts_at=days_ago(60),
        ends_at=days_ago(60) + dt.timedelta(hours=1), status=MeetingStatus.HELD, held_at=days_ago(60),
    )  # fmt: skip
    overdue_then, due_since = TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=10)
    ActionItem.objects.create(
        meeting=earlier_meeting, description="Map the bus routes", owner_user=officer, status="done",
        completed_at=days_ago(5), due_on=overdue_then, created_by=officer,
    )  # fmt: skip
    ActionItem.objects.create(
        meeting=earlier_meeting, description="Count the lorries", owner_user=officer, due_on=due_since,
        created_by=officer,
    )  # fmt: skip
    kept_since = CommitmentFactory(
        stakeholder=person, organisation=council, description="Share the survey", status="fulfilled",
        fulfilled_at=days_ago(5), due_on=overdue_then,
    )  # fmt: skip
    still_open = CommitmentFactory(
        stakeholder=person, organisation=council, description="Lend the projector", due_on=due_since
    )
    Commitment.objects.filter(pk__in=[kept_since.pk, still_open.pk]).update(created_at=days_ago(70))
    achieved = ObjectiveFactory(stakeholder=person, description="Win their support", target_on=overdue_then)
    open_objective = ObjectiveFactory(stakeholder=person, description="Meet the chair", target_on=due_since)
    Objective.objects.filter(pk=achieved.pk).update(
        created_at=days_ago(50), status="achieved", closed_on=TODAY - dt.timedelta(days=2)
    )
    Objective.objects.filter(pk=open_objective.pk).update(created_at=days_ago(50))
    since, until = (TODAY - dt.timedelta(days=45)).isoformat(), (TODAY - dt.timedelta(days=16)).isoformat()

    response = report(client, officer, organisation=council.pk, since=since, until=until)

    page = response.content.decode()
    marked = {
        text: _marked_overdue(page, text)
        for text in (
            "Map the bus routes",
            "Count the lorries",
            "Share the survey",
            "Lend the projector",
            "Win their support",
            "Meet the chair",
        )
    }
    assert marked == {
        "Map the bus routes": True,
        "Count the lorries": False,
        "Share the survey": True,
        "Lend the projector": False,
        "Win their support": True,
        "Meet the chair": False,
    }
    totals = response.context["totals"]
    assert (totals["actions_overdue"], totals["commitments_overdue"], totals["objectives_overdue"]) == (
        1,
        1,
        1,
    )


def test_a_past_periods_report_marks_agreements_up_for_renewal_at_its_end_not_today(client, officer, council):
    """A month that ended 16 days ago: an agreement renewing 10 days after its end was up for renewal then
    (amber), one renewing in 40 days' time was not, though it is within the notice today."""
    person = council.affiliations.get().stakeholder
    soon_after_end = CommitmentFactory(
        stakeholder=person, organisation=council, description="Data-sharing agreement",
        renews_on=TODAY - dt.timedelta(days=6),
    )  # fmt: skip
    later = CommitmentFactory(
        stakeholder=person, organisation=council, description="Memorandum of understanding",
        renews_on=TODAY + dt.timedelta(days=25),
    )  # fmt: skip
    Commitment.objects.filter(pk__in=[soon_after_end.pk, later.pk]).update(created_at=days_ago(70))
    since, until = (TODAY - dt.timedelta(days=45)).isoformat(), (TODAY - dt.timedelta(days=16)).isoformat()

    page = report(client, officer, organisation=council.pk, since=since, until=until).content.decode()

    def amber(text):
        (row,) = [row for row in page.split("<tr")[1:] if text in row]
        return 'class="status amber"' in row

    assert amber("Data-sharing agreement")
    assert not amber("Memorandum of understanding")


def test_a_past_periods_report_lists_an_action_cancelled_since_as_open_at_its_end(client, officer, council):
    """A month that ended 16 days ago: an action cancelled 5 days ago was open at its end, and one cancelled
    in the month belongs to its action plan as done ones do; one cancelled before the month does not."""
    earlier_meeting = MeetingFactory(
        organiser=officer, organisation=council, title="Autumn liaison", starts_at=days_ago(60),
        ends_at=days_ago(60) + dt.timedelta(hours=1), status=MeetingStatus.HELD, held_at=days_ago(60),
    )  # fmt: skip
    for description, cancelled_days_ago in [
        ("Map the bus routes", 5),
        ("Hire a minibus", 30),
        ("Order the banners", 50),
    ]:
        ActionItem.objects.create(
            meeting=earlier_meeting, description=description, owner_user=officer, status="cancelled",
            cancelled_at=days_ago(cancelled_days_ago), due_on=TODAY - dt.timedelta(days=30),
            created_by=officer,
        )  # fmt: skip
    since, until = (TODAY - dt.timedelta(days=45)).isoformat(), (TODAY - dt.timedelta(days=16)).isoformat()

    response = report(client, officer, organisation=council.pk, since=since, until=until)

    actions = {action.description: action.open_at_end for action in response.context["actions"]}
    assert actions == {"Map the bus routes": True, "Hire a minibus": False}
    totals = response.context["totals"]
    assert (totals["actions"], totals["actions_done"], totals["actions_overdue"]) == (2, 0, 1)
    page = response.content.decode()
    assert "(cancelled since)" in page and _marked_overdue(page, "Map the bus routes")


def test_a_report_marks_a_leaver_who_holds_its_actions_and_commitments(client, manager, colleague, council):
    person = council.affiliations.get().stakeholder
    meeting = MeetingFactory(organiser=colleague, organisation=council, starts_at=days_ago(3))
    ActionItem.objects.create(
        meeting=meeting, description="Map the bus routes", owner_user=colleague, created_by=colleague
    )
    CommitmentFactory(stakeholder=person, organisation=council, owner=colleague, description="Share it")
    colleague.is_active = False
    colleague.save()

    page = report(client, manager, organisation=council.pk).content.decode()

    assert f'<td data-label="Owner">{colleague} (left)</td>' in page
    assert f"we promised · {colleague} (left)</small>" in page


def test_a_list_cut_short_says_so_so_that_a_printed_report_does_not_pass_for_the_whole(
    client, officer, council, monkeypatch
):
    """Each list stops at ROWS_SHOWN rows: the page said so under the communications only, and a printed
    report silently left out the rest of the commitments, actions or concerns its figures counted."""
    from dashboards import views

    monkeypatch.setattr(views, "ROWS_SHOWN", 2)
    for description in ("Send the minutes", "Share the draft budget"):
        CommitmentFactory(
            stakeholder=council.commitments.first().stakeholder, organisation=council, description=description
        )

    page = report(client, officer, organisation=council.pk).content.decode()

    commitments = page.split('id="report-commitments-heading"')[1].split("</section>")[0]
    concerns = page.split('id="report-concerns-heading"')[1].split("</section>")[0]
    assert commitments.count('data-label="What was promised"') == 2
    assert "Only the first 2 are listed." in commitments
    assert "Only the first" not in concerns


def test_a_list_of_exactly_as_many_rows_as_are_shown_is_not_said_to_be_cut_short(
    client, officer, council, monkeypatch
):
    """A list holding exactly ROWS_SHOWN rows is complete: the note claimed it was the first of more."""
    from dashboards import views

    monkeypatch.setattr(views, "ROWS_SHOWN", 1)

    page = report(client, officer, organisation=council.pk).content.decode()

    concerns = page.split('id="report-concerns-heading"')[1].split("</section>")[0]
    actions = page.split('id="actions-heading"')[1].split("</section>")[0]
    assert concerns.count('data-label="Concern"') == 1
    assert "Only the first" not in concerns
    assert "Only the first 1 are listed." in actions


@pytest.mark.parametrize(("shown", "cut_short"), [(1, True), (2, False)])
def test_the_communications_are_said_to_be_cut_short_only_when_more_were_left_out(
    client, officer, council, monkeypatch, shown, cut_short
):
    """The officer may see two of the council's interactions in the period."""
    from dashboards import views

    monkeypatch.setattr(views, "INTERACTIONS_SHOWN", shown)

    page = report(client, officer, organisation=council.pk).content.decode()

    communications = page.split('id="communications-heading"')[1].split("</section>")[0]
    assert communications.count('data-label="Summary and outcome"') == shown
    assert (f"The first {shown} are shown; the CSV holds them all." in communications) is cut_short


def test_an_organisation_reports_meetings_and_those_missed_are_each_cut_at_the_rows_shown(officer):
    """Read together, each list still has its own cap, and says so only when it has more than it shows."""
    harbour = OrganisationFactory(name="Harbour Trust")
    current = StakeholderFactory(owner=officer, name="Current")
    AffiliationFactory(stakeholder=current, organisation=harbour)
    had = [
        held_meeting_at(
            harbour, officer, title=f"Board {days}", days=days, attendance={current: True}, action="x"
        )
        for days in (30, 20, 10)
    ]
    missed = [
        held_meeting_at(
            harbour, officer, title=f"Tour {days}", days=days, attendance={current: False}, action="x"
        )
        for days in (25, 15)
    ]
    subject = Report(reader=officer, since=TODAY - dt.timedelta(days=60), until=TODAY, organisation=harbour)

    meetings, missed_meetings = subject.meeting_lists(2)

    assert (list(meetings), meetings.cut_short) == (had[:2], True)
    assert (list(missed_meetings), missed_meetings.cut_short) == (missed, False)

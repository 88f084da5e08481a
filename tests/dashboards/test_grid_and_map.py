"""The power-interest grid and the relationship map."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Organisation, OrganisationKind
from dashboards import relationship_map, services
from meetings import services as meeting_services
from meetings.models import Attendee, MeetingStatus, Rsvp

from ..factories import AffiliationFactory, MeetingFactory, OrganisationFactory, StakeholderFactory
from ..organisation_loops import fails_instead_of_hanging, loop_of_two

pytestmark = pytest.mark.django_db


def test_the_grid_places_my_stakeholders_by_influence_and_interest_with_their_health(
    officer_client, officer, colleague
):
    key_player = StakeholderFactory(owner=officer, influence=5, interest=4, name="Ada Key")
    bystander = StakeholderFactory(owner=officer, influence=1, interest=1, name="Ben Quiet")
    StakeholderFactory(owner=colleague, influence=5, interest=4, name="Colleague's person")
    services.health_snapshot_take()

    response = officer_client.get(reverse("dashboards:grid"))

    cells = {
        (row["influence"], cell["interest"]): [person.name for person in cell["people"]]
        for row in response.context["grid"]
        for cell in row["cells"]
    }
    assert cells[(5, 4)] == [key_player.name]
    assert cells[(1, 1)] == [bystander.name]
    assert sum(len(people) for people in cells.values()) == 2
    page = response.content.decode()
    assert f'href="{key_player.get_absolute_url()}"' in page
    assert "band-green" in page


def test_a_crowded_cell_shows_the_least_healthy_first_and_links_to_all(officer_client, officer):
    people = [StakeholderFactory(owner=officer, influence=4, interest=4) for _ in range(10)]
    services.health_snapshot_take()

    grid = officer_client.get(reverse("dashboards:grid")).context["grid"]

    cell = grid[1]["cells"][3]
    assert (cell["count"], len(cell["people"])) == (10, 8)
    page = officer_client.get(reverse("dashboards:grid")).content.decode()
    assert 'href="?cell=4-4"' in page, "the cell's “all 10” link opens that cell"
    listing = officer_client.get(reverse("dashboards:grid"), {"cell": "4-4"})
    assert len(listing.context["page"]) == 10
    assert {person.pk for person in listing.context["page"]} == {person.pk for person in people}


def test_the_grid_of_one_kind_of_organisation_places_those_whose_current_primary_position_is_there(
    officer_client, officer
):
    agency = OrganisationFactory(kind=OrganisationKind.GOVERNMENT_AGENCY)
    works_there = StakeholderFactory(owner=officer, influence=3, interest=3)
    AffiliationFactory(stakeholder=works_there, organisation=agency)
    AffiliationFactory(stakeholder=works_there, organisation=OrganisationFactory(), is_primary=False)
    left_it = StakeholderFactory(owner=officer, influence=3, interest=3)
    AffiliationFactory(stakeholder=left_it, organisation=agency, end_date="2020-01-01")
    advises_it = StakeholderFactory(owner=officer, influence=3, interest=3)
    AffiliationFactory(stakeholder=advises_it, organisation=agency, is_primary=False)

    response = officer_client.get(
        reverse("dashboards:grid"), {"organisation_kind": OrganisationKind.GOVERNMENT_AGENCY}
    )

    placed = [
        person for row in response.context["grid"] for cell in row["cells"] for person in cell["people"]
    ]
    assert placed == [works_there]


def test_a_stakeholders_map_reaches_two_steps_out(officer):
    council = OrganisationFactory(name="Council")
    planning = OrganisationFactory(name="Planning", parent=council)
    centre = StakeholderFactory(owner=officer, name="Centre")
    AffiliationFactory(stakeholder=centre, organisation=planning)
    colleague_at_planning = StakeholderFactory(owner=officer, name="Colleague at planning")
    AffiliationFactory(stakeholder=colleague_at_planning, organisation=planning)
    met = StakeholderFactory(owner=officer, name="Met at the forum")
    elsewhere = OrganisationFactory(name="Their charity")
    AffiliationFactory(stakeholder=met, organisation=elsewhere)
    meeting = MeetingFactory(organiser=officer, starts_at=timezone.now() - dt.timedelta(days=3))
    meeting.attendees.create(stakeholder=centre)
    meeting.attendees.create(stakeholder=met)
    far = StakeholderFactory(owner=officer, name="Three steps away")
    AffiliationFactory(stakeholder=far, organisation=OrganisationFactory(name="Unrelated"))

    graph = relationship_map.stakeholder_graph(centre).as_json()

    names = {node["label"]: node["hop"] for node in graph["nodes"]}
    assert names == {
        "Centre": 0,
        "Planning": 1,
        "Met at the forum": 1,
        "Colleague at planning": 2,
        "Their charity": 2,
    }
    kinds = {(edge["source"], edge["target"]): edge["kind"] for edge in graph["edges"]}
    assert kinds[tuple(sorted((f"s{centre.pk}", f"s{met.pk}")))] == "meeting"
    assert "Three steps away" not in names


def test_a_stakeholder_recorded_absent_from_a_meeting_met_nobody_there(officer):
    centre = StakeholderFactory(owner=officer, name="Centre")
    absent = StakeholderFactory(owner=officer, name="Stayed away")
    came = StakeholderFactory(owner=officer, name="Came")
    meeting = MeetingFactory(organiser=officer)
    meeting.attendees.create(stakeholder=centre, attended=True)
    meeting.attendees.create(stakeholder=absent, attended=False)
    meeting.attendees.create(stakeholder=came, attended=True)

    names = {node["label"] for node in relationship_map.stakeholder_graph(centre).as_json()["nodes"]}
    from_absent = {node["label"] for node in relationship_map.stakeholder_graph(absent).as_json()["nodes"]}

    assert names == {"Centre", "Came"}
    assert from_absent == {"Stayed away"}


def meeting_with(officer, people, *, days_from_now, status=MeetingStatus.PLANNED):
    meeting = MeetingFactory(
        organiser=officer, starts_at=timezone.now() + dt.timedelta(days=days_from_now), status=status
    )
    for person in people:
        meeting.attendees.create(stakeholder=person)
    return meeting


def test_stakeholders_invited_to_a_cancelled_meeting_met_nobody_there(officer):
    centre = StakeholderFactory(owner=officer, name="Centre")
    other = StakeholderFactory(owner=officer, name="Also invited")
    meeting_with(officer, [centre, other], days_from_now=-3, status=MeetingStatus.CANCELLED)

    names = {node["label"] for node in relationship_map.stakeholder_graph(centre).as_json()["nodes"]}

    assert names == {"Centre"}
    assert not Attendee.objects.met().exists()


def test_stakeholders_invited_to_a_meeting_still_to_come_meet_once_it_has_started(officer, time_machine):
    centre = StakeholderFactory(owner=officer, name="Centre")
    other = StakeholderFactory(owner=officer, name="Also invited")
    meeting_with(officer, [centre, other], days_from_now=2)

    before = {node["label"] for node in relationship_map.stakeholder_graph(centre).as_json()["nodes"]}
    time_machine.move_to(timezone.now() + dt.timedelta(days=2, minutes=1))
    after = {node["label"] for node in relationship_map.stakeholder_graph(centre).as_json()["nodes"]}

    assert before == {"Centre"}
    assert after == {"Centre", "Also invited"}


def test_one_who_declined_a_meeting_not_yet_recorded_met_nobody_there_as_recording_it_will_say(officer):
    centre = StakeholderFactory(owner=officer, name="Centre")
    declined = StakeholderFactory(owner=officer, name="Declined")
    unanswered = StakeholderFactory(owner=officer, name="Never replied")
    meeting = MeetingFactory(organiser=officer, starts_at=timezone.now() - dt.timedelta(days=1))
    meeting.attendees.create(stakeholder=centre, rsvp=Rsvp.ACCEPTED)
    meeting.attendees.create(stakeholder=declined, rsvp=Rsvp.DECLINED)
    meeting.attendees.create(stakeholder=unanswered)

    def maps():
        return {
            person.name: {
                node["label"] for node in relationship_map.stakeholder_graph(person).as_json()["nodes"]
            }
            for person in (centre, declined)
        }

    presumed = maps()
    # Recorded held without saying who came: those who had not declined are recorded present.
    meeting_services.meeting_mark_held(meeting=meeting, actor=officer)
    recorded = maps()

    assert presumed == {"Centre": {"Centre", "Never replied"}, "Declined": {"Declined"}}
    assert recorded == presumed


def test_an_organisations_map_links_only_the_people_who_met(officer):
    harbour = OrganisationFactory(name="Harbour Board")
    ama, kofi, efua = (StakeholderFactory(owner=officer, name=name) for name in ("Ama", "Kofi", "Efua"))
    for person in (ama, kofi, efua):
        AffiliationFactory(stakeholder=person, organisation=harbour)
    meeting_with(officer, [ama, kofi], days_from_now=-1)  # not recorded as held yet
    meeting_with(officer, [kofi, efua], days_from_now=-1, status=MeetingStatus.CANCELLED)
    meeting_with(officer, [ama, efua], days_from_now=5)

    edges = relationship_map.organisation_graph(harbour).as_json()["edges"]

    met_together = {
        frozenset((edge["source"], edge["target"])) for edge in edges if edge["kind"] == "meeting"
    }
    assert met_together == {frozenset((f"s{ama.pk}", f"s{kofi.pk}"))}


def test_an_organisations_map_draws_its_departments_at_any_depth_with_their_people(officer):
    """The map drew the directorates of a ministry but not their units, whose people its page lists."""
    government = OrganisationFactory(name="Government")
    ministry = OrganisationFactory(name="Ministry of Transport", parent=government)
    roads = OrganisationFactory(name="Roads Directorate", parent=ministry)
    bridges = OrganisationFactory(name="Bridges Unit", parent=roads)
    inspector = StakeholderFactory(name="Kofi Mensah")
    AffiliationFactory(stakeholder=inspector, organisation=bridges, role="Bridge Inspector")

    graph = relationship_map.organisation_graph(ministry).as_json()

    hops = {node["label"]: node["hop"] for node in graph["nodes"]}
    edges = {(frozenset((edge["source"], edge["target"])), edge["kind"]) for edge in graph["edges"]}
    assert hops == {
        "Ministry of Transport": 0,
        "Government": 1,
        "Roads Directorate": 1,
        "Bridges Unit": 2,
        "Kofi Mensah": 2,
    }
    assert (frozenset((f"o{bridges.pk}", f"o{roads.pk}")), "department") in edges
    assert (frozenset((f"o{bridges.pk}", f"s{inspector.pk}")), "position") in edges
    assert graph["truncated"] is False


def test_an_organisations_map_draws_its_nearest_departments_first_up_to_its_bound(officer):
    ministry = OrganisationFactory(name="Ministry")
    directorates = [OrganisationFactory(name=f"Directorate {n}", parent=ministry) for n in range(3)]
    for directorate in directorates:
        for n in range(8):
            OrganisationFactory(name=f"{directorate.name}, unit {n}", parent=directorate)

    graph = relationship_map.organisation_graph(ministry).as_json()

    departments = [node["label"] for node in graph["nodes"] if node["label"] != "Ministry"]
    assert len(departments) == relationship_map.MAX_DEPARTMENTS
    assert {directorate.name for directorate in directorates} <= set(departments)
    assert graph["truncated"] is True


def test_an_organisations_map_draws_its_parent_and_nearest_departments_however_large_its_family(officer):
    """The map read the first thousand of the family by name and walked them: in a family of more, the
    parent and the directorates, whose names sort after their area offices', were not among them, and the
    map drew the centre alone."""
    government = OrganisationFactory(name="Zeta Government")
    ministry = OrganisationFactory(name="Ministry", parent=government)
    directorates = [OrganisationFactory(name=f"Directorate {n}", parent=ministry) for n in range(3)]
    Organisation.objects.bulk_create(
        Organisation(name=f"Area office {n:04}", kind=ministry.kind, parent=directorates[n % 3])
        for n in range(1000)
    )

    graph = relationship_map.organisation_graph(ministry).as_json()

    hops = {node["label"]: node["hop"] for node in graph["nodes"]}
    assert hops["Zeta Government"] == 1
    assert {directorate.name: hops.get(directorate.name) for directorate in directorates} == {
        "Directorate 0": 1,
        "Directorate 1": 1,
        "Directorate 2": 1,
    }
    assert sorted(label for label, hop in hops.items() if hop == 2) == [
        f"Area office {n:04}" for n in range(relationship_map.MAX_DEPARTMENTS - 3)
    ]
    assert graph["truncated"] is True


def test_departments_deeper_than_two_levels_are_drawn_in_the_outermost_ring(officer):
    """The map is drawn in three rings; a unit three levels down said it was three steps away."""
    ministry = OrganisationFactory(name="Ministry")
    directorate = OrganisationFactory(name="Directorate", parent=ministry)
    unit = OrganisationFactory(name="Unit", parent=directorate)
    OrganisationFactory(name="Team", parent=unit)

    graph = relationship_map.organisation_graph(ministry).as_json()

    hops = {node["label"]: node["hop"] for node in graph["nodes"]}
    assert hops == {"Ministry": 0, "Directorate": 1, "Unit": 2, "Team": 2}


def test_where_an_organisations_people_also_work_is_drawn_before_the_people_of_its_departments(officer):
    """The map keeps room for where the organisation's own people also work and whom they meet; the people
    of its departments, ten for each, took all of it first."""
    ministry = OrganisationFactory(name="Ministry")
    minister = StakeholderFactory(name="Ama Owusu")
    AffiliationFactory(stakeholder=minister, organisation=ministry)
    AffiliationFactory(
        stakeholder=minister, organisation=OrganisationFactory(name="Harbour Board"), is_primary=False
    )
    adviser = StakeholderFactory(name="Kofi Mensah")
    meeting = MeetingFactory(starts_at=timezone.now() - dt.timedelta(days=3))
    meeting.attendees.create(stakeholder=minister)
    meeting.attendees.create(stakeholder=adviser)
    for n in range(6):
        directorate = OrganisationFactory(name=f"Directorate {n}", parent=ministry)
        for m in range(10):
            AffiliationFactory(
                stakeholder=StakeholderFactory(name=f"Officer {n}-{m}"), organisation=directorate
            )

    graph = relationship_map.organisation_graph(ministry).as_json()

    labels = [node["label"] for node in graph["nodes"]]
    assert {"Harbour Board", "Kofi Mensah"} <= set(labels)
    assert len(labels) == relationship_map.MAX_NODES
    assert graph["truncated"] is True


def test_an_organisations_map_is_drawn_when_its_parents_loop(officer):
    looped = loop_of_two()

    with fails_instead_of_hanging():
        graph = relationship_map.organisation_graph(looped).as_json()

    assert sorted(node["label"] for node in graph["nodes"]) == ["A", "B"]


def test_a_map_never_holds_more_than_sixty_nodes(officer_client, officer):
    big = OrganisationFactory(name="Big employer")
    for _ in range(80):
        person = StakeholderFactory(owner=officer)
        AffiliationFactory(stakeholder=person, organisation=big)
        AffiliationFactory(stakeholder=person, organisation=OrganisationFactory(), is_primary=False)

    data = officer_client.get(reverse("dashboards:organisation_map_data", args=[big.pk])).json()

    assert len(data["nodes"]) == relationship_map.MAX_NODES
    assert data["truncated"] is True
    node_ids = {node["id"] for node in data["nodes"]}
    assert all(edge["source"] in node_ids and edge["target"] in node_ids for edge in data["edges"])


def test_the_map_page_lists_the_connections_and_loads_its_script(officer_client, officer):
    organisation = OrganisationFactory(name="Harbour Trust")
    person = StakeholderFactory(owner=officer, name="Pat Harbour")
    AffiliationFactory(stakeholder=person, organisation=organisation, role="Chair")

    page = officer_client.get(reverse("dashboards:stakeholder_map", args=[person.pk])).content.decode()

    assert "Harbour Trust" in page
    assert reverse("dashboards:stakeholder_map_data", args=[person.pk]) in page
    assert "js/relationship-map.js" in page
    assert "<script>" not in page

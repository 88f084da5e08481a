"""Who is connected to whom around one stakeholder or organisation: a small graph, two hops deep.

Stakeholders connect to the organisations where they hold (or held) a position, departments to the
organisation they belong to, and stakeholders to each other when they attended the same meetings. The graph
is built breadth-first from the centre with a fixed number of queries and never holds more than MAX_NODES
nodes: the centre, then its direct connections, then theirs, each list capped and most-connected first.
The stakeholder and organisation registers and the meetings are shared by all staff, so the graph is the
same for every reader.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from contacts.models import Affiliation, Organisation, Stakeholder
from contacts.querysets import departments_nearest_first
from meetings.models import Attendee
from meetings.querysets import met

from .models import HealthSnapshot

MAX_NODES = 60
PEOPLE_PER_ORGANISATION = 10
# An organisation's map draws this many of its departments at most, the nearest levels first: a third of
# the map, room for a ministry's directorates and the first of their units.
MAX_DEPARTMENTS = 20
# The map is drawn in rings around the centre, the outermost for anything two steps away or more.
OUTERMOST_HOP = 2
CO_ATTENDEES = 15


@dataclass
class Graph:
    centre: str
    nodes: dict[str, dict] = field(default_factory=dict)
    edges: dict[tuple[str, str], dict] = field(default_factory=dict)
    truncated: bool = False

    def add_stakeholder(self, pk: int, name: str, hop: int, detail: str = "") -> bool:
        return self._add(
            f"s{pk}",
            {
                "kind": "stakeholder",
                "label": name,
                "detail": detail,
                "hop": hop,
                "url": reverse("contacts:stakeholder_detail", args=[pk]),
                "map_url": reverse("dashboards:stakeholder_map", args=[pk]),
            },
        )

    def add_organisation(self, organisation: Organisation, hop: int) -> bool:
        return self._add(
            f"o{organisation.pk}",
            {
                "kind": "organisation",
                "label": organisation.name,
                "detail": organisation.get_kind_display(),
                "hop": hop,
                "url": organisation.get_absolute_url(),
                "map_url": reverse("dashboards:organisation_map", args=[organisation.pk]),
            },
        )

    def _add(self, key: str, node: dict) -> bool:
        if key in self.nodes:
            return True
        if len(self.nodes) >= MAX_NODES:
            self.truncated = True
            return False
        self.nodes[key] = {"id": key, **node}
        return True

    def connect(self, a: str, b: str, kind: str, label: str = "", weight: int = 1) -> None:
        if a in self.nodes and b in self.nodes and a != b:
            self.edges.setdefault(tuple(sorted((a, b))), {"kind": kind, "label": label, "weight": weight})

    def as_json(self) -> dict:
        return {
            "centre": self.centre,
            "nodes": list(self.nodes.values()),
            "edges": [{"source": a, "target": b, **edge} for (a, b), edge in self.edges.items()],
            "truncated": self.truncated,
        }

    def neighbours(self) -> list[dict]:
        """The centre's direct connections, for the list beside the picture."""
        linked = {
            a if b == self.centre else b: edge for (a, b), edge in self.edges.items() if self.centre in (a, b)
        }
        return [{**self.nodes[key], "edge": edge} for key, edge in linked.items()]


def _position_label(position: Affiliation) -> str:
    return ", ".join(part for part in (position.role, position.department) if part)


def _co_attendees(stakeholder_ids, exclude_ids, limit):
    """Stakeholders who attended meetings with any of `stakeholder_ids`, most shared meetings first; one
    recorded absent met nobody there."""
    return (
        Attendee.objects.met()
        .filter(
            met("meeting__attendees__"),
            meeting__attendees__stakeholder__in=stakeholder_ids,
            stakeholder__isnull=False,
            stakeholder__is_archived=False,
        )
        .exclude(stakeholder__in=exclude_ids)
        .values("stakeholder", name=F("stakeholder__name"))
        .annotate(meetings=Count("meeting", distinct=True))
        .order_by("-meetings", "name")[:limit]
    )


def _people_at(organisation_ids, exclude_ids, per_organisation):
    """Current positions at each organisation, up to `per_organisation` people each."""
    return (
        Affiliation.objects.current()
        .filter(organisation__in=organisation_ids)
        .exclude(stakeholder__in=exclude_ids)
        .annotate(
            place=Window(
                RowNumber(), partition_by=[F("organisation_id")], order_by=[F("stakeholder__name").asc()]
            )
        )
        .filter(place__lte=per_organisation)
        .select_related("stakeholder")
        .order_by("organisation_id", "place")
    )


def _colour(graph: Graph, day) -> None:
    ids = [int(key[1:]) for key, node in graph.nodes.items() if node["kind"] == "stakeholder"]
    if day is None or not ids:
        return
    for pk, score, band in HealthSnapshot.objects.filter(day=day, stakeholder__in=ids).values_list(
        "stakeholder", "score", "band"
    ):
        graph.nodes[f"s{pk}"].update(score=score, band=band)


def stakeholder_graph(stakeholder: Stakeholder, *, day=None) -> Graph:
    graph = Graph(centre=f"s{stakeholder.pk}")
    graph.add_stakeholder(stakeholder.pk, stakeholder.name, 0)
    # Hop 1: where they hold or held positions, and who they meet.
    positions = list(
        stakeholder.affiliations.select_related("organisation").order_by("end_date", "-is_primary")
    )
    for position in positions:
        if graph.add_organisation(position.organisation, 1):
            graph.connect(
                graph.centre,
                f"o{position.organisation_id}",
                "past_position" if position.has_ended else "position",
                _position_label(position),
            )
    co_attendees = list(_co_attendees([stakeholder.pk], [stakeholder.pk], CO_ATTENDEES))
    for row in co_attendees:
        if graph.add_stakeholder(row["stakeholder"], row["name"], 1):
            graph.connect(graph.centre, f"s{row['stakeholder']}", "meeting", "", row["meetings"])
    # Hop 2: colleagues at those organisations, and where the people they meet work.
    current_orgs = [position.organisation_id for position in positions if position.is_current]
    for position in _people_at(current_orgs, [stakeholder.pk], PEOPLE_PER_ORGANISATION):
        if graph.add_stakeholder(
            position.stakeholder_id, position.stakeholder.name, 2, _position_label(position)
        ):
            graph.connect(f"s{position.stakeholder_id}", f"o{position.organisation_id}", "position")
    met = [row["stakeholder"] for row in co_attendees]
    for position in (
        Affiliation.objects.held_now()
        .filter(stakeholder__in=met, is_primary=True)
        .select_related("organisation")
    ):
        if graph.add_organisation(position.organisation, 2):
            graph.connect(f"s{position.stakeholder_id}", f"o{position.organisation_id}", "position")
    _link_departments(graph)
    _colour(graph, day)
    return graph


def organisation_graph(organisation: Organisation, *, day=None) -> Graph:
    graph = Graph(centre=f"o{organisation.pk}")
    graph.add_organisation(organisation, 0)
    # Hop 1: the organisation it belongs to and its departments, at any depth as its page reads them (a unit
    # two levels down drawn beside its directorate, a step further out), and the people working there now.
    parent = Organisation.objects.only("name", "kind").filter(pk=organisation.parent_id).first()
    if parent is not None:
        graph.add_organisation(parent, 1)
    departments = departments_nearest_first(organisation, limit=MAX_DEPARTMENTS + 1)
    if len(departments) > MAX_DEPARTMENTS:
        graph.truncated = True
        departments = departments[:MAX_DEPARTMENTS]
    for department in departments:
        graph.add_organisation(department, min(department.depth, OUTERMOST_HOP))
    # Half the map at most for the people working there, so there is room left for where else they work.
    people = list(_people_at([organisation.pk], [], MAX_NODES // 2 + 1))
    if len(people) > MAX_NODES // 2:
        graph.truncated = True
        people = people[: MAX_NODES // 2]
    for position in people:
        if graph.add_stakeholder(
            position.stakeholder_id, position.stakeholder.name, 1, _position_label(position)
        ):
            graph.connect(graph.centre, f"s{position.stakeholder_id}", "position", _position_label(position))
    # Hop 2: the other organisations the people working there work at, and the people they meet most; then,
    # in the room left, the people of its departments, as its page lists them.
    ids = [position.stakeholder_id for position in people]
    for position in (
        Affiliation.objects.held_now()
        .filter(stakeholder__in=ids)
        .exclude(organisation=organisation)
        .select_related("organisation")
    ):
        if graph.add_organisation(position.organisation, 2):
            graph.connect(f"s{position.stakeholder_id}", f"o{position.organisation_id}", "position")
    for row in _co_attendees(ids, ids, CO_ATTENDEES):
        graph.add_stakeholder(row["stakeholder"], row["name"], 2)
    for position in _people_at([department.pk for department in departments], [], PEOPLE_PER_ORGANISATION):
        if graph.add_stakeholder(
            position.stakeholder_id, position.stakeholder.name, 2, _position_label(position)
        ):
            graph.connect(f"s{position.stakeholder_id}", f"o{position.organisation_id}", "position")
    if ids:
        _link_meetings(graph, ids)
    _link_departments(graph)
    _colour(graph, day)
    return graph


def _link_meetings(graph: Graph, ids) -> None:
    """Meeting edges between people in the graph: a pair who attended the same meetings."""
    in_graph = [int(key[1:]) for key, node in graph.nodes.items() if node["kind"] == "stakeholder"]
    pairs = (
        Attendee.objects.met()
        .filter(
            met("meeting__attendees__"), stakeholder__in=ids, meeting__attendees__stakeholder__in=in_graph
        )
        .values("stakeholder", other=F("meeting__attendees__stakeholder"))
        .annotate(meetings=Count("meeting", distinct=True))
        .order_by()
    )
    for row in pairs:
        # Each attendee also shares every meeting with themselves; connect() ignores those.
        graph.connect(f"s{row['stakeholder']}", f"s{row['other']}", "meeting", "", row["meetings"])


def _link_departments(graph: Graph) -> None:
    ids = [int(key[1:]) for key, node in graph.nodes.items() if node["kind"] == "organisation"]
    for pk, parent in Organisation.objects.filter(pk__in=ids, parent__in=ids).values_list("pk", "parent"):
        graph.connect(f"o{pk}", f"o{parent}", "department")

"""Reads that reach beyond a queryset's own methods: a stakeholder's engagement plan, and what a portfolio
handover would move.

The handover's preview (contacts.views) and the handover itself (contacts.services.portfolio_handover) read
the same rows from here, so what the manager is shown is what moves.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery

from .models import Objective, ObjectiveStatus, Organisation, Stakeholder

# A stakeholder's page shows this many of the objectives achieved or dropped, the latest first.
CLOSED_OBJECTIVES_SHOWN = 10


@dataclass
class EngagementPlan:
    open: list[Objective]
    closed: list[Objective]


def engagement_plan(stakeholder: Stakeholder) -> EngagementPlan:
    """The stakeholder's open objectives (soonest target first) and the latest closed ones, in one query."""
    theirs = Objective.objects.filter(stakeholder=stakeholder)
    latest_closed = (theirs.exclude(status=ObjectiveStatus.OPEN).order_by("-closed_on", "-pk").values("pk"))[
        :CLOSED_OBJECTIVES_SHOWN
    ]
    objectives = list(theirs.filter(Q(status=ObjectiveStatus.OPEN) | Q(pk__in=latest_closed)))
    closed = sorted((o for o in objectives if not o.is_open), key=lambda o: (o.closed_on, o.pk), reverse=True)
    return EngagementPlan(open=[o for o in objectives if o.is_open], closed=closed)


# The preview names this many of the stakeholders that would move.
HANDOVER_NAMES_SHOWN = 20


def handover_stakeholders(*, from_officer, organisation: Organisation | None = None) -> QuerySet:
    """The officer's stakeholders, archived ones included; with an organisation, only those with a current
    position there or in one of its departments (as the stakeholder list's organisation filter)."""
    stakeholders = Stakeholder.objects.filter(owner=from_officer)
    return stakeholders.at_organisation(organisation) if organisation is not None else stakeholders


def handover_open_work(*, from_officer, stakeholders) -> dict[str, QuerySet]:
    """The open work the officer holds on `stakeholders` (a queryset of them, or their ids), by kind.

    Commitments they chase and concerns they handle about these people; action items they own from
    meetings these people were invited to (a stakeholder's actions, as their report counts them); open
    follow-ups they own of interactions with any of these people.
    """
    from commitments.models import Commitment
    from concerns.models import Concern
    from interactions.models import Interaction
    from meetings.models import ActionItem, Attendee

    attended = Attendee.objects.filter(meeting=OuterRef("meeting_id"), stakeholder__in=stakeholders)
    with_them = Interaction.stakeholders.through.objects.filter(
        interaction=OuterRef("pk"), stakeholder__in=stakeholders
    )
    return {
        "commitments": Commitment.objects.open().filter(owner=from_officer, stakeholder__in=stakeholders),
        "concerns": Concern.objects.unresolved().filter(owner=from_officer, stakeholder__in=stakeholders),
        "actions": ActionItem.objects.open().owned_by(from_officer).filter(Exists(attended)),
        "follow_ups": Interaction.objects.open_follow_ups().filter(
            Exists(with_them), follow_up_owner=from_officer
        ),
    }


def _count(queryset: QuerySet) -> Subquery:
    # COUNT(*) as a scalar subquery: Func, unlike Count, adds no GROUP BY to the inner query.
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


@dataclass(frozen=True)
class HandoverPreview:
    counts: dict[str, int]
    # The first HANDOVER_NAMES_SHOWN stakeholders by name: dicts of pk, name and is_archived.
    stakeholders: list[dict]

    @property
    def more(self) -> int:
        """How many stakeholders move beyond those named."""
        return self.counts["stakeholders"] - len(self.stakeholders)


def handover_preview(*, from_officer, organisation: Organisation | None = None) -> HandoverPreview:
    """What handing over the officer's portfolio (or its part at `organisation`) would move. Two queries,
    whatever its size: every count in one, the first names in the other."""
    stakeholders = handover_stakeholders(from_officer=from_officer, organisation=organisation)
    ids = stakeholders.values("pk")
    work = handover_open_work(from_officer=from_officer, stakeholders=ids)
    figures = (
        get_user_model()
        .objects.filter(pk=from_officer.pk)
        # Named apart from the user's own relations ("commitments", "concerns").
        .values(
            n_stakeholders=_count(stakeholders),
            **{f"n_{kind}": _count(queryset) for kind, queryset in work.items()},
        )
        .get()
    )
    figures = {name.removeprefix("n_"): count for name, count in figures.items()}
    first = stakeholders.order_by("name", "pk").values("pk", "name", "is_archived")[:HANDOVER_NAMES_SHOWN]
    return HandoverPreview(counts=figures, stakeholders=list(first))

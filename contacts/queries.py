"""Reads that reach beyond a queryset's own methods: a stakeholder's engagement plan, and what a portfolio
handover would move.

The handover's preview (contacts.views) and the handover itself (contacts.services.portfolio_handover) read
the same rows from here, so what the manager is shown is what moves.
"""

from collections.abc import Collection
from dataclasses import dataclass, replace

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery

from .models import Objective, ObjectiveStatus, Organisation, Stakeholder, Tag

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


@dataclass(frozen=True)
class OpenWork:
    """A kind of open work an officer chases, and who chases it."""

    # The field naming the member of staff who holds it: a handover writes the new holder there.
    owner_field: str
    # Its rows while open, whoever holds them.
    rows: QuerySet


def open_work() -> dict[str, OpenWork]:
    """The kinds of open work an officer holds: the commitments they chase, the concerns they handle, the
    action items they own, the stakeholders' action items they chase and the follow-ups they own, while
    open.

    The one list: who counts as still holding work (accounts UserQuerySet.active_or_holding_work) and what a
    handover moves both read it, so a kind added here is found on a leaver and handed over alike. An action
    of a cancelled meeting is among it while open: no longer chased or counted as overdue
    (ActionItemQuerySet.outstanding), but whoever cancelled the meeting chose to keep it open, and it waits
    on its holder's list to be closed or handed on.
    """
    # The registers build on contacts: their models are read when asked, not at import.
    from commitments.models import Commitment
    from concerns.models import Concern
    from interactions.models import Interaction
    from meetings.models import ActionItem

    return {
        "commitments": OpenWork("owner", Commitment.objects.open()),
        "concerns": OpenWork("owner", Concern.objects.unresolved()),
        "actions": OpenWork("owner_user", ActionItem.objects.open()),
        "chased_actions": OpenWork("chaser", ActionItem.objects.open()),
        "follow_ups": OpenWork("follow_up_owner", Interaction.objects.open_follow_ups()),
    }


def open_work_held(officer) -> dict[str, OpenWork]:
    """Everything `officer` (a user, or an OuterRef to one) is chasing, by kind, whoever's stakeholders it is
    on."""
    return {
        kind: replace(work, rows=work.rows.filter(**{work.owner_field: officer}))
        for kind, work in open_work().items()
    }


def _on_stakeholders(stakeholders) -> dict[str, Q]:
    """By kind, what makes a piece of work on `stakeholders`: a commitment or concern about one of them, an
    action item from a meeting one of them was invited to and not recorded absent from (as their health card
    counts them), an action item one of them owes, a follow-up of an interaction with one of them."""
    from interactions.models import Interaction
    from meetings.models import Attendee

    attended = Attendee.objects.not_recorded_absent().filter(
        meeting=OuterRef("meeting_id"), stakeholder__in=stakeholders
    )
    with_them = Interaction.stakeholders.through.objects.filter(
        interaction=OuterRef("pk"), stakeholder__in=stakeholders
    )
    return {
        "commitments": Q(stakeholder__in=stakeholders),
        "concerns": Q(stakeholder__in=stakeholders),
        "actions": Q(Exists(attended)),
        "chased_actions": Q(owner_stakeholder__in=stakeholders),
        "follow_ups": Q(Exists(with_them)),
    }


def handover_open_work(*, from_officer, stakeholders, everywhere: bool) -> dict[str, OpenWork]:
    """The open work that moves with `stakeholders` (a queryset of them, or their ids), by kind.

    `everywhere` (a whole portfolio handed over): everything the officer is chasing, on their stakeholders
    or anyone else's, so nothing is left with an officer who has gone. Otherwise (the people at one
    organisation): only the work the officer holds on these stakeholders; the rest stays with them.
    """
    held = open_work_held(from_officer)
    if everywhere:
        return held
    on_them = _on_stakeholders(stakeholders)
    return {kind: replace(work, rows=work.rows.filter(on_them[kind])) for kind, work in held.items()}


def _count(queryset: QuerySet) -> Subquery:
    # COUNT(*) as a scalar subquery: Func, unlike Count, adds no GROUP BY to the inner query.
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


@dataclass(frozen=True)
class HandoverPreview:
    # How many of each kind move: stakeholders, commitments, concerns, actions, chased actions, follow-ups.
    counts: dict[str, int]
    # Of the open work, how many of each kind are not on the officer's own stakeholders (a colleague's, or
    # none: an internal meeting's actions); only a whole portfolio moves those.
    elsewhere: dict[str, int]
    # Of the follow-ups, how many are of confidential interactions: their new owner may read them.
    confidential_follow_ups: int
    # The first HANDOVER_NAMES_SHOWN stakeholders by name: dicts of pk, name and is_archived.
    stakeholders: list[dict]

    @property
    def more(self) -> int:
        """How many stakeholders move beyond those named."""
        return self.counts["stakeholders"] - len(self.stakeholders)

    @property
    def anything(self) -> bool:
        return any(self.counts.values())


def handover_preview(*, from_officer, organisation: Organisation | None = None) -> HandoverPreview:
    """What handing over the officer's portfolio (or its part at `organisation`) would move. Two queries,
    whatever its size: every count in one, the first names in the other.

    The counts are of the rows that move, not of those the manager may read: a confidential follow-up moves
    whoever looks, and the preview says how many there are."""
    stakeholders = handover_stakeholders(from_officer=from_officer, organisation=organisation)
    ids = stakeholders.values("pk")
    everywhere = organisation is None
    work = handover_open_work(from_officer=from_officer, stakeholders=ids, everywhere=everywhere)
    figures = {"stakeholders": _count(stakeholders)}
    figures |= {kind: _count(held.rows) for kind, held in work.items()}
    figures["confidential"] = _count(work["follow_ups"].rows.filter(is_confidential=True))
    if everywhere:
        on_them = _on_stakeholders(ids)
        figures |= {
            f"elsewhere_{kind}": _count(held.rows.exclude(on_them[kind])) for kind, held in work.items()
        }
    counted = (
        get_user_model()
        .objects.filter(pk=from_officer.pk)
        # Named apart from the user's own relations ("commitments", "concerns").
        .values(**{f"n_{name}": count for name, count in figures.items()})
        .get()
    )
    counted = {name.removeprefix("n_"): count for name, count in counted.items()}
    first = stakeholders.order_by("name", "pk").values("pk", "name", "is_archived")[:HANDOVER_NAMES_SHOWN]
    return HandoverPreview(
        counts={kind: counted[kind] for kind in ["stakeholders", *work]},
        elsewhere={kind: counted.get(f"elsewhere_{kind}", 0) for kind in work},
        confidential_follow_ups=counted["confidential"],
        stakeholders=list(first),
    )


def tag_keys(names: Collection[str]) -> dict[str, tuple[str, Tag | None]]:
    """{name: (the key tags are told apart by, the tag of that key if there is one)}, in one query.

    The key is PostgreSQL's lower(), as the unique index on tag names has it. Python's lower() is not that
    key: it gives a Greek word's last sigma its final form and "İ" a combining dot, where PostgreSQL's gives
    neither, so a name keyed in Python can miss its tag or pass for another.
    """
    if not names:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT given.name, lower(given.name), tag.id, tag.name
            FROM unnest(%s::text[]) AS given(name)
            LEFT JOIN contacts_tag tag ON lower(tag.name) = lower(given.name)
            """,
            [list(names)],
        )
        return {
            name: (key, Tag.from_db(connection.alias, ["id", "name"], (tag_id, tag_name)) if tag_id else None)
            for name, key, tag_id, tag_name in cursor.fetchall()
        }

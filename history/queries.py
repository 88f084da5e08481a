"""Reading the change history: one record's events, and the recent changes across the registers.

Events are the rows django-pghistory's triggers write (history/tracking.py). Each query fetches a page of
events with, in the same row, the event before it for the same record (`_prev`), so a page's field-by-field
changes cost no query per event. Names behind foreign keys (owners, organisations, …) are then looked up
once per related model for the whole page, through that model's `visible_to(user)`: a confidential
interaction a commitment came from stays unnamed for those who may not see it.

Many-to-many links (tags, an interaction's stakeholders, topics and staff present, a concern's interactions)
are kept as "add" and "remove" events of their own (history/tracking.py `links_tracked`). They are read
grouped: one row per record, moment and context, with the ids added and removed, and shown in the record's
history as one line ("Tags: added Research, removed Health"), merged with the record's own events in time
order.

A record made before its history was kept starts with a "baseline" event (history migration 0001): shown on
its page as the record as it was when history began, it gives the first change something to compare with. It
is no change, so the recent changes leave it out.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison_crm.array_lookups import AnyOf

from .tracking import BASELINE

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)
# Columns every event carries that say nothing about the change itself.
HIDDEN_COLUMNS = {"id"}


@dataclass(frozen=True)
class Stream:
    """One event table, and the record page that shows it.

    `parent` names the record whose page lists these events and whose visibility guards them; `parent_field`
    is the event's field pointing at it (the tracked row itself for the registers, the stakeholder for a
    position, the meeting for an action item or a decision). `title_fields` name each event's row: the first
    of them that has a value, a related row by its name (an attendee is a stakeholder or a member of staff).
    `team` picks a manager's team's events, given its members' ids: from the event's own snapshot wherever it
    can, so that deleted records are still found.
    """

    key: str
    event_model: str
    parent: str
    parent_field: str
    title_fields: tuple[str, ...]
    team: object  # (member_ids) -> Q
    name: str | None = None  # what a person calls the record, when the model's name is not it

    @property
    def model(self):
        return apps.get_model(self.event_model)

    @property
    def tracked_model(self):
        return self.model.pgh_tracked_model

    @property
    def verbose_name(self):
        return self.name or self.tracked_model._meta.verbose_name


def _acted_by(members) -> Q:
    return Q(pgh_context__metadata__user__in=list(members))


def _team_mail(members) -> Q:
    """A team's captured email, and the mail no officer sent in, as the queue shows them to its manager
    (mailin.querysets): a manager without a team sees neither."""
    theirs = Q(author_id__in=members)
    return theirs | Q(author_id__isnull=True) if members else theirs


STREAMS = {
    stream.key: stream
    for stream in [
        Stream("stakeholder", "contacts.StakeholderEvent", "stakeholder", "pgh_obj", ("name",),
               lambda members: Q(owner_id__in=members)),
        Stream("position", "contacts.AffiliationEvent", "stakeholder", "stakeholder", ("role",),
               lambda members: Q(stakeholder__owner_id__in=members) | _acted_by(members),
               gettext_lazy("position")),
        # The organisation register is shared by all staff: a team's part in it is the changes it made.
        Stream("organisation", "contacts.OrganisationEvent", "organisation", "pgh_obj", ("name",), _acted_by),
        Stream("interaction", "interactions.InteractionEvent", "interaction", "pgh_obj", ("summary",),
               lambda members: Q(logged_by_id__in=members)),
        Stream("meeting", "meetings.MeetingEvent", "meeting", "pgh_obj", ("title",),
               lambda members: Q(organiser_id__in=members)),
        Stream("action", "meetings.ActionItemEvent", "meeting", "meeting", ("description",),
               lambda members: Q(owner_user_id__in=members) | Q(chaser_id__in=members)
               | Q(created_by_id__in=members)),
        Stream("decision", "meetings.DecisionEvent", "meeting", "meeting", ("text",),
               lambda members: Q(meeting__organiser_id__in=members) | _acted_by(members)),
        Stream("commitment", "commitments.CommitmentEvent", "commitment", "pgh_obj", ("description",),
               lambda members: Q(owner_id__in=members)),
        Stream("concern", "concerns.ConcernEvent", "concern", "pgh_obj", ("title",),
               lambda members: Q(owner_id__in=members)),
        Stream("objective", "contacts.ObjectiveEvent", "stakeholder", "stakeholder", ("description",),
               lambda members: Q(stakeholder__owner_id__in=members) | _acted_by(members),
               gettext_lazy("engagement objective")),
        Stream("inbound", "mailin.InboundMessageEvent", "inbound", "pgh_obj", ("subject",), _team_mail,
               gettext_lazy("captured email")),
        Stream("attendance", "meetings.AttendeeEvent", "meeting", "meeting", ("stakeholder", "user"),
               lambda members: Q(meeting__organiser_id__in=members) | _acted_by(members),
               gettext_lazy("attendee")),
    ]
}  # fmt: skip


@dataclass(frozen=True)
class LinkStream:
    """The additions to and removals from one many-to-many field, shown in its owner's history.

    `owner` is the key of the owner's stream; `field` the many-to-many field on the owner's model; `team`
    as for `Stream`, applied to the link events (the owner is reached by a join, so a deleted owner's
    links are found only through who changed them).
    """

    key: str
    event_model: str
    owner: str
    field: str
    team: object  # (member_ids) -> Q

    @property
    def model(self):
        return apps.get_model(self.event_model)

    @property
    def owner_stream(self) -> Stream:
        return STREAMS[self.owner]

    @property
    def m2m_field(self):
        return self.owner_stream.tracked_model._meta.get_field(self.field)

    @property
    def owner_column(self) -> str:
        return self.m2m_field.m2m_field_name() + "_id"

    @property
    def target_column(self) -> str:
        return self.m2m_field.m2m_reverse_field_name() + "_id"


LINK_STREAMS = {
    stream.key: stream
    for stream in [
        LinkStream("stakeholder_tags", "contacts.StakeholderTagLinkEvent", "stakeholder", "tags",
                   lambda members: Q(stakeholder__owner_id__in=members) | _acted_by(members)),
        LinkStream("organisation_tags", "contacts.OrganisationTagLinkEvent", "organisation", "tags",
                   _acted_by),
        LinkStream("interaction_stakeholders", "interactions.ParticipationLinkEvent", "interaction",
                   "stakeholders",
                   lambda members: Q(interaction__logged_by_id__in=members) | _acted_by(members)),
        LinkStream("interaction_staff", "interactions.InteractionStaffLinkEvent", "interaction",
                   "staff_present",
                   lambda members: Q(interaction__logged_by_id__in=members) | _acted_by(members)),
        LinkStream("interaction_topics", "interactions.InteractionTopicLinkEvent", "interaction", "topics",
                   lambda members: Q(interaction__logged_by_id__in=members) | _acted_by(members)),
        LinkStream("concern_interactions", "concerns.ConcernInteractionLinkEvent", "concern", "interactions",
                   lambda members: Q(concern__owner_id__in=members) | _acted_by(members)),
    ]
}  # fmt: skip

# The order of events at the same moment, across streams: part of the cursors.
RANKS = {key: rank for rank, key in enumerate([*STREAMS, *LINK_STREAMS])}

# The record pages that show history: their model and their page's URL name.
RECORDS = {
    "stakeholder": ("contacts.Stakeholder", "contacts:stakeholder_detail"),
    "organisation": ("contacts.Organisation", "contacts:organisation_detail"),
    "interaction": ("interactions.Interaction", "interactions:detail"),
    "meeting": ("meetings.Meeting", "meetings:detail"),
    "commitment": ("commitments.Commitment", "commitments:detail"),
    "concern": ("concerns.Concern", "concerns:detail"),
    "inbound": ("mailin.InboundMessage", "mailin:detail"),
}

ACTIONS = {
    "links": gettext_lazy("changed"),
    "insert": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
    BASELINE: gettext_lazy("as it was when history began"),
}


def visible_records(kind: str, user):
    """The records of `kind` the user may open: the same queryset the record's own page starts from."""
    model = apps.get_model(RECORDS[kind][0])
    return model.objects.visible_to(user)


@dataclass
class Change:
    field: models.Field
    old: object = None
    new: object = None

    @property
    def label(self) -> str:
        return str(self.field.verbose_name)


@dataclass
class LinkChange(Change):
    """Links added to and removed from a many-to-many field at once; `new` reads "added …, removed …"."""

    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    # Made with the record itself (`_fold_links_into_creations`): the names alone, not "added …".
    with_creation: bool = False


@dataclass
class Entry:
    """One event as the page shows it: who did what, when, to which record, and the fields it changed."""

    stream: Stream
    pgh_id: int
    at: dt.datetime
    label: str
    actor: object  # a User, or None for changes made by the system
    context: dict
    context_id: object  # the change (pghistory's context) the event was part of, if one was recorded
    title: str
    parent_id: int | None
    parent_exists: bool
    changes: list[Change] = field(default_factory=list)
    details_missing: bool = False
    # Written while the record was confidential (an interaction): what it said is for its readers only.
    confidential_then: bool = False
    details_withheld: bool = False
    rank_key: str = ""  # the stream the event came from, when not `stream` (a link's)
    # A title naming a row (a link's owner, an attendee's person): its model and id, looked up like the names.
    title_model: object = None
    title_id: int | None = None

    @property
    def action(self):
        return ACTIONS.get(self.label, self.label)

    @property
    def via(self) -> str:
        """What made the change when no person did, or through which door one did."""
        if self.context.get("import_job"):
            return _("import")
        if self.context.get("merged_from"):
            return _("merge of %(name)s") % {"name": self.context["merged_from"]}
        if self.context.get("task"):
            return _("background task")
        url = self.context.get("url") or ""
        return _("API") if url.startswith("/api/") else ""

    @property
    def parent_url(self) -> str | None:
        if not self.parent_exists or self.parent_id is None:
            return None
        return reverse(RECORDS[self.stream.parent][1], args=[self.parent_id])

    @property
    def cursor(self) -> str:
        rank = RANKS[self.rank_key or self.stream.key]
        return f"{(self.at - EPOCH) // MICROSECOND}.{rank}.{self.pgh_id}"


def _event_queryset(stream: Stream):
    """Events of `stream` with their current and previous snapshots, as JSON, and whether the record lives."""
    event_model = stream.model
    table = event_model._meta.db_table
    parent_model = apps.get_model(RECORDS[stream.parent][0])
    parent_column = event_model._meta.get_field(stream.parent_field).attname
    return (
        event_model.objects.select_related("pgh_context")
        .annotate(
            _curr=RawSQL(f'row_to_json("{table}")::jsonb', [], output_field=models.JSONField()),
            # The same record's event before this one: what the fields were changed from.
            _prev=RawSQL(
                f"""(SELECT row_to_json(previous)::jsonb FROM "{table}" previous
                     WHERE previous.pgh_obj_id = "{table}".pgh_obj_id AND previous.pgh_id < "{table}".pgh_id
                     ORDER BY previous.pgh_id DESC LIMIT 1)""",
                [],
                output_field=models.JSONField(),
            ),
            _parent_exists=Exists(parent_model.objects.filter(pk=OuterRef(parent_column))),
        )
        .order_by("-pgh_created_at", "-pgh_id")
    )


def _link_queryset(link: LinkStream):
    """A link's events grouped by owner, moment and context: what one change added and removed."""
    owner_model = link.owner_stream.tracked_model
    target = link.target_column
    return (
        link.model.objects.values(
            link.owner_column, "pgh_created_at", "pgh_context_id", "pgh_context__metadata"
        )
        .annotate(
            last_id=Max("pgh_id"),
            added=ArrayAgg(target, filter=Q(pgh_label="add"), default=[]),
            removed=ArrayAgg(target, filter=Q(pgh_label="remove"), default=[]),
            parent_exists=Exists(owner_model.objects.filter(pk=OuterRef(link.owner_column))),
        )
        .order_by("-pgh_created_at", "-last_id")
    )


def _link_rows(link: LinkStream, where: Q, position, size: int):
    """A page of `link`'s changes among its events matching `where`, newest first, after the cursor.

    Grouping reads only the events of the newest moments that can fill the page, not the whole table: a page
    of size + 1 groups spans at most size + 1 moments, and one more is the cursor's own, which the cursor may
    have emptied.
    """
    events = link.model.objects.filter(where)
    if position is not None:
        events = events.filter(pgh_created_at__lte=position[0])
    horizon = events.order_by("-pgh_created_at").values("pgh_created_at").distinct()[size + 1 : size + 2]
    since = Coalesce(
        Subquery(horizon, output_field=models.DateTimeField()),
        Value(EPOCH, output_field=models.DateTimeField()),
    )
    rows = _link_queryset(link).filter(where, pgh_created_at__gte=since)
    if position is not None:
        rows = rows.filter(_after_cursor(RANKS[link.key], position, id_field="last_id"))
    return rows[: size + 1]


def _link_entries(link: LinkStream, rows) -> list[Entry]:
    entries = []
    for row in rows:
        added, removed = set(row["added"]), set(row["removed"])
        context = row["pgh_context__metadata"] or {}
        # Re-saving the same links (a form posted unchanged, `set()` removing and adding one) is no change.
        change = LinkChange(link.m2m_field, added=sorted(added - removed), removed=sorted(removed - added))
        if not (change.added or change.removed):
            continue
        entries.append(
            Entry(
                stream=link.owner_stream,
                pgh_id=row["last_id"],
                at=row["pgh_created_at"],
                label="links",
                actor=context.get("user"),
                context=context,
                context_id=row["pgh_context_id"],
                title="",
                parent_id=row[link.owner_column],
                parent_exists=row["parent_exists"],
                changes=[change],
                rank_key=link.key,
                title_model=link.owner_stream.tracked_model,
                title_id=row[link.owner_column],
            )
        )
    return entries


def _shown_fields(event_model) -> list[models.Field]:
    return [
        f
        for f in event_model._meta.concrete_fields
        if not f.name.startswith("pgh_") and f.name not in HIDDEN_COLUMNS
    ]


def _entries(stream: Stream, events) -> list[Entry]:
    fields = _shown_fields(stream.model)
    entries = []
    for event in events:
        current, previous = event._curr, event._prev
        context = event.pgh_context.metadata if event.pgh_context_id else {}
        entry = Entry(
            stream=stream,
            pgh_id=event.pgh_id,
            at=event.pgh_created_at,
            label=event.pgh_label,
            actor=context.get("user"),
            context=context,
            context_id=event.pgh_context_id,
            title="",
            parent_id=current.get(stream.model._meta.get_field(stream.parent_field).attname),
            parent_exists=event._parent_exists,
            confidential_then=bool(current.get("is_confidential"))
            or (event.pgh_label == "update" and bool((previous or {}).get("is_confidential"))),
        )
        _set_title(entry, stream, current)
        if event.pgh_label in ("insert", BASELINE):
            entry.changes = [Change(f, None, current[f.attname]) for f in fields if current[f.attname]]
        elif event.pgh_label == "update":
            if previous is None:
                # Tracking began after the record was made: what this change replaced was not kept.
                entry.details_missing = True
            else:
                entry.changes = [
                    Change(f, previous.get(f.attname), current[f.attname])
                    for f in fields
                    if previous.get(f.attname) != current[f.attname]
                ]
        entries.append(entry)
    return entries


def _set_title(entry: Entry, stream: Stream, current: dict) -> None:
    for name in stream.title_fields:
        title_field = stream.model._meta.get_field(name)
        value = current.get(title_field.attname)
        if value in (None, ""):
            continue
        if title_field.is_relation:
            entry.title_model, entry.title_id = title_field.related_model, value
        else:
            entry.title = str(value)
        return


def _label_values(entries: list[Entry], user) -> None:
    """Turns the raw JSON values into what a person reads: choice labels, names, local dates.

    One query per related model on the page (users, stakeholders, organisations, …), however many events.
    """
    wanted = defaultdict(set)
    for entry in entries:
        if entry.actor is not None:
            wanted[get_user_model()].add(entry.actor)
        if entry.title_model is not None:
            wanted[entry.title_model].add(entry.title_id)
        for change in entry.changes:
            if isinstance(change, LinkChange):
                wanted[change.field.related_model].update(change.added + change.removed)
            elif change.field.is_relation:
                ids = (value for value in (change.old, change.new) if value is not None)
                wanted[change.field.related_model].update(ids)
    names = {}
    for model, ids in wanted.items():
        queryset = model._default_manager.all()
        # Staff are named whether they are still here or have left (a handed-over portfolio's old owner):
        # staff's `visible_to` is whom one may pick today, not whom a record may name.
        if hasattr(queryset, "visible_to") and model is not get_user_model():
            queryset = queryset.visible_to(user)
        generated = [f.name for f in model._meta.concrete_fields if isinstance(f, models.GeneratedField)]
        for obj in queryset.defer(*generated).filter(AnyOf(F("pk"), list(ids))):
            names[model, obj.pk] = obj
    _name_merged_people(names, wanted)
    for entry in entries:
        if entry.actor is not None:
            entry.actor = names.get((get_user_model(), entry.actor)) or _("a former member of staff")
        if entry.title_model is not None:
            entry.title = _name(entry.title_model, entry.title_id, names)
        for change in entry.changes:
            if isinstance(change, LinkChange):
                change.new = _links_display(change, names)
                continue
            change.old = _display(change.field, change.old, names)
            change.new = _display(change.field, change.new, names)


def _name_merged_people(names: dict, wanted: dict) -> None:
    """A stakeholder merged into another is gone from the register; its merge record still names it."""
    from contacts.models import MergeRecord, Stakeholder

    gone = {pk for pk in wanted.get(Stakeholder, ()) if (Stakeholder, pk) not in names}
    if not gone:
        return
    for merge in MergeRecord.objects.filter(duplicate_id__in=gone).only(
        "duplicate_id", "duplicate_name", "kept_name"
    ):
        names[Stakeholder, merge.duplicate_id] = _("%(name)s (merged into %(kept)s)") % {
            "name": merge.duplicate_name,
            "kept": merge.kept_name,
        }


def _name(model, pk, names) -> str:
    obj = names.get((model, pk))
    return str(obj) if obj is not None else _("#%(id)s (not shown)") % {"id": pk}


def _links_display(change: LinkChange, names) -> str:
    model = change.field.related_model
    if change.with_creation:
        return ", ".join(_name(model, pk, names) for pk in change.added)
    parts = []
    if change.added:
        parts.append(
            _("added %(names)s") % {"names": ", ".join(_name(model, pk, names) for pk in change.added)}
        )
    if change.removed:
        parts.append(
            _("removed %(names)s") % {"names": ", ".join(_name(model, pk, names) for pk in change.removed)}
        )
    return ", ".join(parts)


def _item_label(array_field):
    """How the history names one item of `array_field`: as its tracked model's `history_item_labels` say, else
    by its choices, else as stored."""
    tracked = array_field.model.pgh_tracked_model
    own = getattr(tracked, "history_item_labels", {}).get(array_field.name)
    if own is not None:
        return own
    choices = dict(array_field.base_field.flatchoices)
    return lambda item: choices.get(item, item)


def _display(model_field, value, names):
    if value is None or value == "" or value == []:
        return None
    if model_field.is_relation:
        return _name(model_field.related_model, value, names)
    if isinstance(model_field, ArrayField):
        label = _item_label(model_field)
        return ", ".join(str(label(item)) for item in value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(model_field, models.DateTimeField):
        moment = model_field.to_python(value)
        return formats.date_format(timezone.localtime(moment), "j M Y, H:i")
    if isinstance(model_field, models.DateField):
        return formats.date_format(model_field.to_python(value), "j M Y")
    return str(value)


@dataclass
class HistoryPage:
    entries: list[Entry]
    next_cursor: str | None


def links_of(stream: Stream) -> list[LinkStream]:
    """The many-to-many links shown in the history of `stream`'s records (a register's own history only)."""
    if stream.parent_field != "pgh_obj":
        return []
    return [link for link in LINK_STREAMS.values() if link.owner == stream.key]


def record_history(stream: Stream, record_id: int, *, user, before: str | None, size: int) -> HistoryPage:
    """A page of one record's events and its links' changes, newest first, after the cursor `before`.

    One query for the record's events and one per many-to-many link, merged here. The caller has checked that
    `user` may see the record (`visible_records`).
    """
    position = _parse_cursor(before)
    events = _event_queryset(stream).filter(**{stream.parent_field: record_id})
    if position is not None:
        events = events.filter(_after_cursor(RANKS[stream.key], position))
    entries = _entries(stream, events[: size + 1])
    for link in links_of(stream):
        rows = _link_rows(link, Q(**{link.owner_column: record_id}), position, size)
        entries.extend(_link_entries(link, rows))
    return _page(entries, user, size)


def _page(entries: list[Entry], user, size: int) -> HistoryPage:
    """The newest `size` of the entries gathered from several streams, labelled, with the next cursor."""
    entries.sort(
        key=lambda entry: (entry.at, RANKS[entry.rank_key or entry.stream.key], entry.pgh_id), reverse=True
    )
    shown = entries[:size]
    cursor = shown[-1].cursor if len(entries) > size else None
    shown = _fold_links_into_creations(shown)
    _withhold_confidential(shown, user)
    _label_values(shown, user)
    return HistoryPage(shown, cursor)


def _fold_links_into_creations(entries: list[Entry]) -> list[Entry]:
    """Links made in the change that made their record (an interaction logged with its stakeholders and
    topics, in one context) shown as fields of its creation, not as a change of its own at the same moment.

    Within one page only: a link's events sort before its record's at the same moment, so one whose creation
    falls on the next page stays a line of its own rather than being lost between the two pages.
    """
    creations = {
        (entry.stream.key, entry.parent_id, entry.context_id): entry
        for entry in entries
        if entry.label == "insert" and entry.context_id is not None
    }
    kept = []
    for entry in entries:
        key = (entry.stream.key, entry.parent_id, entry.context_id)
        creation = creations.get(key) if entry.label == "links" else None
        if creation is None or any(change.removed for change in entry.changes):
            kept.append(entry)
            continue
        for change in entry.changes:
            change.with_creation = True
        creation.changes.extend(entry.changes)
    return kept


def _withhold_confidential(entries: list[Entry], user) -> None:
    """Empties the versions of interactions written while they were confidential, for readers the
    confidentiality rule keeps out: an interaction made public later must not publish what it said before.

    One query for the page. An interaction deleted since is left as it is: its events reach only
    administrators and the managers of its author's team (recent changes), who may read it.
    """
    from interactions.models import Interaction

    ids = {entry.parent_id for entry in entries if entry.confidential_then and entry.parent_exists}
    if not ids:
        return
    readable = set(
        Interaction.objects.readable_as_confidential(user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    for entry in entries:
        if entry.confidential_then and entry.parent_exists and entry.parent_id not in readable:
            entry.title = _("#%(id)s (not shown)") % {"id": entry.parent_id}
            entry.changes = []
            entry.details_withheld = True


def _parse_cursor(cursor: str | None):
    try:
        micros, rank, pgh_id = (int(part) for part in (cursor or "").split("."))
    except ValueError:
        return None
    return EPOCH + micros * MICROSECOND, rank, pgh_id


def _after_cursor(rank: int, cursor, *, id_field: str = "pgh_id") -> Q:
    """Events that come after `cursor` in the merged order (time, stream, id), all descending."""
    at, cursor_rank, pgh_id = cursor
    if rank < cursor_rank:
        return Q(pgh_created_at__lte=at)
    if rank == cursor_rank:
        return Q(pgh_created_at__lt=at) | Q(pgh_created_at=at, **{f"{id_field}__lt": pgh_id})
    return Q(pgh_created_at__lt=at)


def team_members(user) -> list[int] | None:
    """Whose records a manager's recent changes cover: their team's members. None: everyone (admins)."""
    if user.is_crm_admin:
        return None
    if user.team_id is None:
        return []
    return list(get_user_model().objects.of_team(user.team_id).values_list("pk", flat=True))


def recent_changes(
    *,
    user,
    members: list[int] | None,
    streams: list[Stream],
    actor_id: int | None,
    cursor: str | None,
    size: int,
) -> HistoryPage:
    """The newest changes across `streams`, limited to `members`' records, by `actor_id` if given.

    One query per stream (each walks its table's (pgh_created_at, pgh_id) index and stops after a page) and
    per many-to-many link of those streams, merged here; then one query per related model for the labels.
    """
    position = _parse_cursor(cursor)
    entries = []
    for stream in streams:
        # A baseline is no change: it is the state changes since are compared with (history/tracking.py).
        events = _event_queryset(stream).exclude(pgh_label=BASELINE)
        if members is not None:
            events = events.filter(stream.team(members))
        if actor_id is not None:
            events = events.filter(pgh_context__metadata__user=actor_id)
        if position is not None:
            events = events.filter(_after_cursor(RANKS[stream.key], position))
        entries.extend(_entries(stream, events[: size + 1]))
        for link in links_of(stream):
            where = Q()
            if members is not None:
                where &= link.team(members)
            if actor_id is not None:
                where &= Q(pgh_context__metadata__user=actor_id)
            entries.extend(_link_entries(link, _link_rows(link, where, position, size)))
    return _page(entries, user, size)

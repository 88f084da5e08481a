"""Reading the change history: one record's events, and the recent changes across the registers.

Events are the rows django-pghistory's triggers write (history/tracking.py). Each query fetches a page of
events with, in the same row, the event before it for the same record (`_prev`), so a page's field-by-field
changes cost no query per event. Names behind foreign keys (owners, organisations, …) are then looked up
once per related model for the whole page, through that model's `visible_to(user)`: a confidential
interaction a commitment came from stays unnamed for those who may not see it.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)
# Columns every event carries that say nothing about the change itself.
HIDDEN_COLUMNS = {"id"}


@dataclass(frozen=True)
class Stream:
    """One event table, and the record page that shows it.

    `parent` names the record whose page lists these events and whose visibility guards them; `parent_field`
    is the event's field pointing at it (the tracked row itself for the registers, the stakeholder for a
    position, the meeting for an action item). `team` picks a manager's team's events, given its members'
    ids: from the event's own snapshot wherever it can, so that deleted records are still found.
    """

    key: str
    event_model: str
    parent: str
    parent_field: str
    title_field: str
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


STREAMS = {
    stream.key: stream
    for stream in [
        Stream("stakeholder", "contacts.StakeholderEvent", "stakeholder", "pgh_obj", "name",
               lambda members: Q(owner_id__in=members)),
        Stream("position", "contacts.AffiliationEvent", "stakeholder", "stakeholder", "role",
               lambda members: Q(stakeholder__owner_id__in=members) | _acted_by(members),
               gettext_lazy("position")),
        # The organisation register is shared by all staff: a team's part in it is the changes it made.
        Stream("organisation", "contacts.OrganisationEvent", "organisation", "pgh_obj", "name", _acted_by),
        Stream("interaction", "interactions.InteractionEvent", "interaction", "pgh_obj", "summary",
               lambda members: Q(logged_by_id__in=members)),
        Stream("meeting", "meetings.MeetingEvent", "meeting", "pgh_obj", "title",
               lambda members: Q(organiser_id__in=members)),
        Stream("action", "meetings.ActionItemEvent", "meeting", "meeting", "description",
               lambda members: Q(owner_user_id__in=members) | Q(created_by_id__in=members)),
        Stream("commitment", "commitments.CommitmentEvent", "commitment", "pgh_obj", "description",
               lambda members: Q(owner_id__in=members)),
        Stream("concern", "concerns.ConcernEvent", "concern", "pgh_obj", "title",
               lambda members: Q(owner_id__in=members)),
    ]
}  # fmt: skip

# The record pages that show history: their model, URL name, and which streams they list.
RECORDS = {
    "stakeholder": ("contacts.Stakeholder", "contacts:stakeholder_detail"),
    "organisation": ("contacts.Organisation", "contacts:organisation_detail"),
    "interaction": ("interactions.Interaction", "interactions:detail"),
    "meeting": ("meetings.Meeting", "meetings:detail"),
    "commitment": ("commitments.Commitment", "commitments:detail"),
    "concern": ("concerns.Concern", "concerns:detail"),
}

ACTIONS = {
    "insert": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
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
class Entry:
    """One event as the page shows it: who did what, when, to which record, and the fields it changed."""

    stream: Stream
    pgh_id: int
    at: dt.datetime
    label: str
    actor: object  # a User, or None for changes made by the system
    context: dict
    title: str
    parent_id: int | None
    parent_exists: bool
    changes: list[Change] = field(default_factory=list)
    details_missing: bool = False

    @property
    def action(self):
        return ACTIONS.get(self.label, self.label)

    @property
    def via(self) -> str:
        """What made the change when no person did, or through which door one did."""
        if self.context.get("import_job"):
            return _("import")
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
        rank = list(STREAMS).index(self.stream.key)
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
            title=str(current.get(stream.model._meta.get_field(stream.title_field).attname) or ""),
            parent_id=current.get(stream.model._meta.get_field(stream.parent_field).attname),
            parent_exists=event._parent_exists,
        )
        if event.pgh_label == "insert":
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


def _label_values(entries: list[Entry], user) -> None:
    """Turns the raw JSON values into what a person reads: choice labels, names, local dates.

    One query per related model on the page (users, stakeholders, organisations, …), however many events.
    """
    wanted = defaultdict(set)
    for entry in entries:
        if entry.actor is not None:
            wanted[get_user_model()].add(entry.actor)
        for change in entry.changes:
            if change.field.is_relation:
                ids = (value for value in (change.old, change.new) if value is not None)
                wanted[change.field.related_model].update(ids)
    names = {}
    for model, ids in wanted.items():
        queryset = model._default_manager.all()
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(user)
        generated = [f.name for f in model._meta.concrete_fields if isinstance(f, models.GeneratedField)]
        for obj in queryset.defer(*generated).filter(pk__in=ids):
            names[model, obj.pk] = obj
    for entry in entries:
        if entry.actor is not None:
            entry.actor = names.get((get_user_model(), entry.actor)) or _("a former member of staff")
        for change in entry.changes:
            change.old = _display(change.field, change.old, names)
            change.new = _display(change.field, change.new, names)


def _display(model_field, value, names):
    if value is None or value == "" or value == []:
        return None
    if model_field.is_relation:
        obj = names.get((model_field.related_model, value))
        return str(obj) if obj is not None else _("#%(id)s (not shown)") % {"id": value}
    if isinstance(model_field, ArrayField):
        choices = dict(model_field.base_field.flatchoices)
        return ", ".join(str(choices.get(item, item)) for item in value)
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


def record_history(stream: Stream, record_id: int, *, user, before: int | None, size: int) -> HistoryPage:
    """A page of one record's events, newest first, older than event `before`.

    The caller has checked that `user` may see the record (`visible_records`).
    """
    events = _event_queryset(stream).filter(**{stream.parent_field: record_id})
    if before is not None:
        events = events.filter(pgh_id__lt=before)
    # Events of one record are in pgh_id order: the newest first is the highest id first.
    events = list(events.order_by("-pgh_id")[: size + 1])
    entries = _entries(stream, events[:size])
    _label_values(entries, user)
    return HistoryPage(entries, str(entries[-1].pgh_id) if len(events) > size else None)


def _parse_cursor(cursor: str | None):
    try:
        micros, rank, pgh_id = (int(part) for part in (cursor or "").split("."))
    except ValueError:
        return None
    return EPOCH + micros * MICROSECOND, rank, pgh_id


def _after_cursor(rank: int, cursor) -> Q:
    """Events that come after `cursor` in the merged order (time, stream, id), all descending."""
    at, cursor_rank, pgh_id = cursor
    if rank < cursor_rank:
        return Q(pgh_created_at__lte=at)
    if rank == cursor_rank:
        return Q(pgh_created_at__lt=at) | Q(pgh_created_at=at, pgh_id__lt=pgh_id)
    return Q(pgh_created_at__lt=at)


def team_members(user) -> list[int] | None:
    """Whose records a manager's recent changes cover: their team's members. None: everyone (admins)."""
    if user.is_crm_admin:
        return None
    if user.team_id is None:
        return []
    return list(get_user_model().objects.filter(team=user.team_id).values_list("pk", flat=True))


def recent_changes(
    *,
    user,
    members: list[int] | None,
    streams: list[Stream],
    actor_id: int | None,
    cursor: str | None,
    size: int,
) -> HistoryPage:
    """The newest events across `streams`, limited to `members`' records, by `actor_id` if given.

    One query per stream (each walks its table's (pgh_created_at, pgh_id) index and stops after a page),
    merged here; then one query per related model for the labels.
    """
    position = _parse_cursor(cursor)
    ranks = {key: rank for rank, key in enumerate(STREAMS)}
    rows = []
    for stream in streams:
        events = _event_queryset(stream)
        if members is not None:
            events = events.filter(stream.team(members))
        if actor_id is not None:
            events = events.filter(pgh_context__metadata__user=actor_id)
        if position is not None:
            events = events.filter(_after_cursor(ranks[stream.key], position))
        rows.extend((stream, event) for event in events[: size + 1])
    rows.sort(key=lambda row: (row[1].pgh_created_at, ranks[row[0].key], row[1].pgh_id), reverse=True)
    shown = rows[:size]
    entries = []
    for stream, event in shown:
        entries.extend(_entries(stream, [event]))
    _label_values(entries, user)
    return HistoryPage(entries, entries[-1].cursor if len(rows) > size else None)

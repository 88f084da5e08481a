"""Writes to the stakeholder and organisation registers. HTML views and the API both call these."""

import time
import zoneinfo
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

import pghistory.models
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.permissions import (
    WhoCanHelp,
    can_dismiss_duplicate,
    can_edit_organisation,
    can_edit_stakeholder,
    can_edit_tag,
    can_hand_over_portfolio,
    can_merge_stakeholders,
    require,
)
from api.deletions import deletions_record
from api.models import DeletedRecordType
from history.tracking import noting, records_actor
from liaison_crm.constraints import atomic_service
from liaison_crm.refreshes import RefreshLock, refresh_answered, refresh_lock, refresh_request
from liaison_crm.row_locks import lock_for_update, lock_referenced
from liaison_crm.text import validate_storable_text

from .models import (
    Affiliation,
    DuplicateCheck,
    DuplicateDismissal,
    MergeRecord,
    Objective,
    ObjectiveStatus,
    Organisation,
    PortfolioHandover,
    Stakeholder,
    Tag,
    tag_name_normalised,
)
from .queries import handover_open_work, handover_stakeholders, tag_keys


def tags_from_names(names: Iterable[str]) -> list[Tag]:
    """The tags with these names, matched as the unique index on tag names matches them (tag_keys); missing
    ones are created.

    A write that also locks rows asks for its tags first: an interactions import adds its topics and then
    updates its people's rows (imports.services._commit_interactions), and a save that locked one of them
    and then waited for a tag the import had just added would wait for the import while it waited for the
    save."""
    cleaned_names = []
    for name in names:
        validate_storable_text(name)  # a NUL would reach PostgreSQL: bulk_create does not full_clean()
        if cleaned := tag_name_normalised(name)[:60]:
            cleaned_names.append(cleaned)
    if not cleaned_names:
        return []
    keyed = tag_keys(cleaned_names)
    wanted, existing = {}, {}
    for name in cleaned_names:
        key, tag = keyed[name]
        wanted.setdefault(key, name)
        if tag:
            existing[key] = tag
    # Added in order of their keys' code points, as an import adds its new tags (imports.services._tag_links):
    # two saves adding the same new tags each wait for the other's first one instead of deadlocking.
    missing = [Tag(name=name) for key, name in sorted(wanted.items()) if key not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = Tag.objects.by_key(wanted)
    return [existing[key] for key in wanted]


def _tag_name(name: str, *, tag: Tag | None = None) -> str:
    try:
        cleaned = tag_name_normalised(name)
    except ValidationError as error:
        raise ValidationError({"name": error.messages}) from None
    # Taken as the unique index and typed tags (tags_from_names) tell names apart: iexact (upper()) held
    # "συνεδριος" and "ΣΥΝΕΔΡΙΟΣ" for one tag, which lower() keeps apart.
    if cleaned:
        _key, taken = tag_keys([cleaned])[cleaned]
        if taken is not None and taken != tag:
            raise ValidationError({"name": _("A tag with this name already exists.")})
    return cleaned


@atomic_service
def tag_create(*, actor, name: str) -> Tag:
    tag = Tag(name=_tag_name(name))
    tag.full_clean(validate_constraints=False)
    tag.save()
    return tag


def _touch_carriers(tag: Tag) -> None:
    """A tag's name is part of every record that carries it: a sync by `updated_since` must see them change.
    One UPDATE per kind of record, however many carry it."""
    now = timezone.now()
    for carriers in (tag.organisations, tag.stakeholders, tag.interactions):
        carriers.update(updated_at=now)


@atomic_service
def tag_rename(*, tag: Tag, actor, name: str) -> Tag:
    require(can_edit_tag(actor, tag), _("Only managers rename tags."), who_can_help=WhoCanHelp.MANAGER)
    old_name, tag.name = tag.name, _tag_name(name, tag=tag)
    tag.full_clean(validate_constraints=False)
    tag.save()
    if tag.name != old_name:
        _touch_carriers(tag)
    return tag


@atomic_service
def tag_delete(*, tag: Tag, actor) -> None:
    """Removes the tag from every organisation, stakeholder and interaction that carries it."""
    require(can_edit_tag(actor, tag), _("Only managers delete tags."), who_can_help=WhoCanHelp.MANAGER)
    _touch_carriers(tag)
    deletions_record(record_type=DeletedRecordType.TAG, record_ids=[tag.pk])
    tag.delete()


def stakeholders_touch(*, stakeholder_ids: Iterable[int | None]) -> None:
    """Marks the stakeholders' records changed now, for what learns of a change by their `updated_at`: a
    sync by `updated_since` (their positions and objectives are part of their record), and their health card
    (dashboards.health.health_inputs_changed_since), which finds concerns, commitments, actions and meetings
    by whom they are with now: one that has moved away from a person is known only by this.

    Callers may hand in a record's old or new stakeholder as it is: a None id (an action owned by a member of
    staff, an attendee who is one) is passed over by `__in`, which leaves None out."""
    Stakeholder.objects.filter(pk__in=list(stakeholder_ids)).update(updated_at=timezone.now())


def _apply(instance, fields: dict) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean(validate_constraints=False)
    instance.save()


# The pg_advisory_xact_lock key every change of an organisation's parent holds, in PostgreSQL's two-number
# form under a first number of its own: it meets neither the rebuilds' keys (liaison_crm.refreshes) nor the
# one-number keys of the API's Idempotency-Key locks.
PARENT_CHANGES_LOCK = (741, 1)


def _parent_changes_hold(organisation: Organisation, fields: dict) -> None:
    """When `fields` place `organisation` under another parent: waits until no other transaction is placing
    an organisation under a parent, then holds that until this one ends.

    Each change is checked against the parents the others saved (Organisation.clean): moving A under B and
    B under A at the same moment, each check would otherwise pass before the other saved, and together they
    would make a loop. Becoming a top organisation makes no loop, and neither does adding one (nothing is
    under it yet, and no other transaction can choose it as a parent before it is committed): those wait for
    nobody. Nor does an import, which places only the organisations it adds (imports.services).
    """
    parent = fields.get("parent")
    if parent is not None and parent.pk != organisation.parent_id:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", PARENT_CHANGES_LOCK)


@atomic_service
@records_actor
def organisation_create(*, actor, tags: Iterable[str] = (), **fields) -> Organisation:
    organisation = Organisation()
    _apply(organisation, fields)
    organisation.tags.set(tags_from_names(tags))
    return organisation


@atomic_service
@records_actor
def organisation_update(
    *,
    organisation: Organisation,
    actor,
    tags: Iterable[str] | None = None,
    require_unchanged: Callable[[Organisation], None] | None = None,
    **fields,
):
    """Changes an organisation's record; `require_unchanged` as liaison_crm.row_locks.lock_for_update."""
    wanted_tags = tags_from_names(tags) if tags is not None else None
    lock_for_update(organisation, require_unchanged=require_unchanged)
    require(can_edit_organisation(actor, organisation), who_can_help=WhoCanHelp.ADMINISTRATOR)
    _parent_changes_hold(organisation, fields)
    _apply(organisation, fields)
    if wanted_tags is not None:
        organisation.tags.set(wanted_tags)
    return organisation


@atomic_service
@records_actor
def stakeholder_create(
    *, actor, tags: Iterable[str] = (), organisation: Organisation | None = None, role: str = "", **fields
) -> Stakeholder:
    """Adds a person; with an organisation, also their current (primary) position there."""
    fields.setdefault("owner", actor)
    stakeholder = Stakeholder()
    _apply(stakeholder, fields)
    stakeholder.tags.set(tags_from_names(tags))
    if organisation is not None:
        position = Affiliation(stakeholder=stakeholder, organisation=organisation, role=role, is_primary=True)
        position.full_clean(validate_constraints=False)
        position.save()
    return stakeholder


@atomic_service
@records_actor
def stakeholder_update(
    *,
    stakeholder: Stakeholder,
    actor,
    tags: Iterable[str] | None = None,
    require_unchanged: Callable[[Stakeholder], None] | None = None,
    **fields,
):
    """Changes a person's record; `require_unchanged` as liaison_crm.row_locks.lock_for_update."""
    from interactions.readers import readers_lost_noted

    wanted_tags = tags_from_names(tags) if tags is not None else None
    lock_for_update(stakeholder, require_unchanged=require_unchanged)
    require(can_edit_stakeholder(actor, stakeholder))
    owner = fields.get("owner")
    # A new owner takes the stakeholder's confidential interactions from the one before and their managers.
    owner_changes = owner is not None and owner.pk != stakeholder.owner_id
    reached = _how_reached(stakeholder)
    with readers_lost_noted(_confidential_interactions_with([stakeholder.pk] if owner_changes else [])):
        _apply(stakeholder, fields)
    if wanted_tags is not None:
        stakeholder.tags.set(wanted_tags)
    if _how_reached(stakeholder) != reached:
        from meetings.services import reminders_readdress

        reminders_readdress(stakeholder=stakeholder)
    return stakeholder


def _how_reached(stakeholder: Stakeholder) -> tuple:
    """What the meeting reminders queued for them depend on: their address, languages and time zone."""
    return (stakeholder.emails[:1], list(stakeholder.languages), stakeholder.time_zone)


def _confidential_interactions_with(stakeholder_ids):
    """The confidential interactions with any of these stakeholders (their ids, or a queryset of them)."""
    # The registers build on contacts: their models are read when asked, not at import.
    from interactions.models import Interaction

    with_them = Interaction.stakeholders.through.objects.filter(stakeholder__in=stakeholder_ids)
    return Interaction.objects.filter(pk__in=with_them.values("interaction"), is_confidential=True)


def organisation_left_blank(*, record, stakeholder: Stakeholder) -> Organisation | None:
    """The organisation of a commitment or concern whose edit leaves it blank. Cleared, or left blank for
    another stakeholder: as when it was recorded, where the stakeholder works now (the forms say so). One that
    never had an organisation is not given one by an edit of something else, as the web forms send every
    field."""
    if record.organisation_id is not None or stakeholder.pk != record.stakeholder_id:
        return stakeholder.current_primary_organisation()
    return None


@atomic_service
@records_actor
def stakeholder_archive(*, stakeholder: Stakeholder, actor) -> Stakeholder:
    require(can_edit_stakeholder(actor, stakeholder))
    if not stakeholder.is_archived:
        stakeholder.is_archived = True
        stakeholder.archived_at = timezone.now()
        stakeholder.save(update_fields=["is_archived", "archived_at", "updated_at"])
    return stakeholder


@atomic_service
@records_actor
def stakeholder_restore(*, stakeholder: Stakeholder, actor) -> Stakeholder:
    require(can_edit_stakeholder(actor, stakeholder))
    if stakeholder.is_archived:
        stakeholder.is_archived = False
        stakeholder.archived_at = None
        stakeholder.save(update_fields=["is_archived", "archived_at", "updated_at"])
    return stakeholder


@atomic_service
@records_actor
def affiliation_save(*, affiliation: Affiliation, actor, **fields) -> Affiliation:
    """Adds or changes a position; marking one primary moves the mark from those it clashes with
    (`_primaries_clash`)."""
    require(can_edit_stakeholder(actor, affiliation.stakeholder))
    lock_referenced([affiliation.stakeholder], field="stakeholder")
    for name, value in fields.items():
        setattr(affiliation, name, value)
    if affiliation.is_primary:
        others = Affiliation.objects.filter(stakeholder=affiliation.stakeholder, is_primary=True).exclude(
            pk=affiliation.pk
        )
        giving_way = [other.pk for other in others if _primaries_clash(affiliation, other)]
        Affiliation.objects.filter(pk__in=giving_way).update(is_primary=False)
    affiliation.full_clean(validate_constraints=False)
    affiliation.save()
    stakeholders_touch(stakeholder_ids=[affiliation.stakeholder_id])
    return affiliation


def _primaries_clash(first: Affiliation, second: Affiliation) -> bool:
    """Two primary positions that cannot both keep the mark: both held now (a person has one primary
    position at a time, one ending next month included), or both open-ended (the database allows one).
    A post taken up next month may be marked primary while today's, which ends then, keeps its mark."""
    return (first.is_current and second.is_current) or (first.end_date is None and second.end_date is None)


@atomic_service
@records_actor
def affiliation_end(*, affiliation: Affiliation, actor, end_date=None) -> Affiliation:
    require(can_edit_stakeholder(actor, affiliation.stakeholder))
    affiliation.end_date = end_date or timezone.localdate()
    affiliation.full_clean(validate_constraints=False)
    affiliation.save(update_fields=["end_date"])
    stakeholders_touch(stakeholder_ids=[affiliation.stakeholder_id])
    return affiliation


# --- the engagement plan: objectives ---------------------------------------------------------------------

OBJECTIVE_EDIT_DENIED = _("Only the owner or their manager can change this person's engagement plan.")


@atomic_service
@records_actor
def objective_add(*, stakeholder: Stakeholder, actor, description: str, target_on=None) -> Objective:
    """Adds an objective to the stakeholder's engagement plan."""
    require(can_edit_stakeholder(actor, stakeholder), OBJECTIVE_EDIT_DENIED)
    if stakeholder.is_archived:
        raise ValidationError(
            _("%(name)s is archived: restore them before planning their engagement.") % {"name": stakeholder}
        )
    lock_referenced([stakeholder], field="stakeholder")
    return _save_objective(Objective(stakeholder=stakeholder, created_by=actor), description, target_on)


@atomic_service
@records_actor
def objective_update(
    *,
    objective: Objective,
    actor,
    description: str,
    target_on=None,
    require_unchanged: Callable[[Objective], None] | None = None,
) -> Objective:
    """Changes an objective of the engagement plan; `require_unchanged` as
    liaison_crm.row_locks.lock_for_update."""
    lock_for_update(objective, require_unchanged=require_unchanged)
    require(can_edit_stakeholder(actor, objective.stakeholder), OBJECTIVE_EDIT_DENIED)
    return _save_objective(objective, description, target_on)


def _save_objective(objective: Objective, description: str, target_on) -> Objective:
    # A target already behind us when it is set is a slip of the date picker; one that has passed since
    # stays as it was (it is what makes the objective overdue).
    if target_on is not None and target_on != objective.target_on and target_on < timezone.localdate():
        raise ValidationError({"target_on": _("This day has passed: choose today or a later day.")})
    _apply(objective, {"description": description.strip(), "target_on": target_on})
    stakeholders_touch(stakeholder_ids=[objective.stakeholder_id])
    return objective


@atomic_service
@records_actor
def objective_set_status(*, objective: Objective, actor, status: str) -> Objective:
    """Closes an objective as achieved or dropped (on today's date), or reopens it."""
    require(can_edit_stakeholder(actor, objective.stakeholder), OBJECTIVE_EDIT_DENIED)
    if status == objective.status:
        return objective
    objective.status = status
    objective.closed_on = None if status == ObjectiveStatus.OPEN else timezone.localdate()
    objective.full_clean(validate_constraints=False)
    objective.save(update_fields=["status", "closed_on", "updated_at"])
    stakeholders_touch(stakeholder_ids=[objective.stakeholder_id])
    return objective


# --- merging two records of one person ------------------------------------------------------------------

# Text fields the kept record takes from the duplicate when its own are empty: each holds one answer.
MERGE_FILL_FIELDS = ["form_of_address", "preferred_hours"]
# Notes each record gathered on its own: the duplicate's are added to the kept record's, never dropped.
MERGE_JOINED_FIELDS = ["notes", "cultural_notes", "communication_notes"]


def _snapshot(stakeholder: Stakeholder) -> dict:
    """The duplicate as it was, for the merge record: its own fields, tags and positions."""
    data = {}
    for field in Stakeholder._meta.concrete_fields:
        if field.name in ("search_vector", "contact_due_on"):
            continue
        value = getattr(stakeholder, field.attname)
        data[field.attname] = value.isoformat() if hasattr(value, "isoformat") else value
    data["tags"] = [tag.name for tag in stakeholder.tags.all()]
    data["positions"] = [
        {
            "organisation_id": position.organisation_id,
            "organisation": position.organisation.name,
            "role": position.role,
            "department": position.department,
            "start_date": position.start_date.isoformat() if position.start_date else None,
            "end_date": position.end_date.isoformat() if position.end_date else None,
            "is_primary": position.is_primary,
        }
        for position in stakeholder.affiliations.select_related("organisation")
    ]
    return data


def _merge_positions(keep: Stakeholder, duplicate: Stakeholder) -> int:
    keeps_positions = list(keep.affiliations.all())
    keeps_primaries = [p for p in keeps_positions if p.is_primary]
    # One position on both records, though each was told a different start (or only one was): kept once,
    # from the earliest start either knew.
    same = {(p.organisation_id, p.role, p.department, p.end_date): p for p in keeps_positions}
    moved = 0
    repeated = []
    for position in duplicate.affiliations.all():
        kept = same.get((position.organisation_id, position.role, position.department, position.end_date))
        if kept is not None:
            changed = []
            starts = [start for start in (kept.start_date, position.start_date) if start is not None]
            if starts and min(starts) != kept.start_date:
                kept.start_date = min(starts)
                changed.append("start_date")
            # The primary mark only the duplicate's copy held stays with the position, as it would had the
            # position moved; the kept record's own primary position keeps the mark if the two clash.
            if (
                position.is_primary
                and not kept.is_primary
                and not any(_primaries_clash(kept, other) for other in keeps_primaries)
            ):
                kept.is_primary = True
                keeps_primaries.append(kept)
                changed.append("is_primary")
            if changed:
                kept.save(update_fields=changed)
            repeated.append(position.pk)
            position.delete()
            continue
        if position.is_primary and any(_primaries_clash(position, kept) for kept in keeps_primaries):
            # The kept record's primary position keeps the mark.
            position.is_primary = False
        position.stakeholder = keep
        position.save()
        moved += 1
    if repeated:
        deletions_record(record_type=DeletedRecordType.AFFILIATION, record_ids=repeated)
    return moved


def _merge_attendances(keep: Stakeholder, duplicate: Stakeholder) -> int:
    from meetings import notifications
    from meetings.models import Attendee, Meeting, Rsvp

    kept = {attendee.meeting_id: attendee for attendee in Attendee.objects.filter(stakeholder=keep)}
    theirs = Attendee.objects.filter(stakeholder=duplicate)
    # The guest list is part of the meeting's record: a sync by `updated_since` must see it change.
    Meeting.objects.filter(pk__in=theirs.values("meeting")).update(updated_at=timezone.now())
    moved = 0
    # Meeting by meeting, in the order a rename of someone in them locks their names (meetings.MeetingPeople).
    for attendee in theirs.order_by("meeting_id"):
        mine = kept.get(attendee.meeting_id)
        if mine is None:
            attendee.stakeholder = keep
            attendee.save(update_fields=["stakeholder"])
            moved += 1
            continue
        # Invited twice, once per record: one invitation stays, with whichever reply was given (coming, if
        # either record said so, over a refusal), and present if either record was recorded present (the
        # meeting's interaction keeps them both, as one).
        if mine.rsvp in (Rsvp.NEEDS_ACTION, Rsvp.DECLINED) and attendee.rsvp not in (
            Rsvp.NEEDS_ACTION,
            mine.rsvp,
        ):
            mine.rsvp, mine.responded_at = attendee.rsvp, attendee.responded_at
        if attendee.attended:
            mine.attended = True
        mine.save(update_fields=["rsvp", "responded_at", "attended"])
        attendee.delete()
    notifications.guest_merged(keep_id=keep.pk, duplicate_id=duplicate.pk)
    return moved


def _move_links(relation, keep: Stakeholder, duplicate: Stakeholder) -> int:
    """Moves a many-to-many relation's rows (e.g. interactions' people) from the duplicate to `keep`.

    A link moves as a removal and an addition, which is how the history keeps links (history/tracking.py
    `links_tracked`), so each interaction's history says who it is now with. Re-pointing the rows with an
    UPDATE would change them unseen: the history has no update triggers on link tables, which on the
    participation rows would fire on every change of an interaction's time (interactions migration 0002).
    """
    through = relation.through
    target = relation.field.m2m_reverse_field_name()
    source = relation.field.m2m_field_name()
    theirs = through.objects.filter(**{target: duplicate})
    if changed := _changed_now(relation.related_model):
        relation.related_model._base_manager.filter(pk__in=theirs.values(source)).update(**changed)
    already = through.objects.filter(**{target: keep}).values(source)
    owners = list(theirs.exclude(**{f"{source}__in": already}).values_list(source, flat=True))
    theirs.delete()
    through.objects.bulk_create([through(**{f"{source}_id": owner, target: keep}) for owner in owners])
    return len(owners)


def _changed_now(model) -> dict:
    """What marks a record of `model` changed when it moves to the record kept, so that a sync by
    `updated_since` sees it now name that record: its `updated_at`, if it has one."""
    has_clock = any(field.name == "updated_at" for field in model._meta.concrete_fields)
    return {"updated_at": timezone.now()} if has_clock else {}


# Figures computed from one record's own activity (the daily health snapshot: one per person and day): the
# duplicate's go with it rather than onto the record kept, which has its own, and the next refresh scores the
# merged record from everything it now holds.
FIGURES_OF_ONE_RECORD = {"dashboards.HealthSnapshot"}


def _meetings_first(relation) -> bool:
    """The meetings the duplicate attends are changed before anything else moves: a meeting's own changes
    lock it before the interaction it was logged as (adding a decision, correcting the minutes) or its
    actions, so a merge taking an interaction first and then its meeting could wait on one of them while it
    waited on the merge."""
    return relation.related_model._meta.label != "meetings.Attendee"


def _moves_in_a_merge(model) -> bool:
    """Whether the rows of `model` that point at the duplicate go to the record kept.

    Not the merge's own records, nor one record's figures, nor its change history: each history row is a
    snapshot of the record it points at, and the record kept's history reads its rows as one stream, so the
    duplicate's would show as changes nobody made (its name, owner, time zone…). They stay with the
    duplicate's id, as a deleted record's do, and its merge record names it there
    (history.queries `_name_merged_people`).
    """
    if model in (MergeRecord, DuplicateDismissal) or model._meta.label in FIGURES_OF_ONE_RECORD:
        return False
    return not issubclass(model, pghistory.models.Event)


@atomic_service
@records_actor
def stakeholder_merge(*, keep: Stakeholder, duplicate: Stakeholder, actor) -> MergeRecord:
    """Makes two records of one person into one: everything the duplicate had moves to `keep`, then it goes.

    Interactions, meeting attendances, actions, commitments, concerns, positions, tags, emails and phones all
    move, and both records' notes (cultural and communication notes too) are kept; a relation another app
    adds later moves too, since every relation pointing at a stakeholder is followed. Conflicts with
    one-per-person rules are settled: one invitation per meeting, one current primary position. The merge
    is recorded (MergeRecord) with a snapshot of the duplicate and what moved.
    """
    from interactions.readers import readers_lost_noted

    if keep.pk == duplicate.pk:
        raise ValidationError(_("Choose two different records to merge."))
    require(
        can_merge_stakeholders(actor, keep, duplicate), _("Only the owners or their managers merge these.")
    )
    # Locked in the order of their ids, as liaison_crm.row_locks.lock_referenced holds them.
    both = Stakeholder.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]).order_by("pk")
    locked = {s.pk: s for s in both}
    if len(locked) != 2:
        raise ValidationError(_("One of these records no longer exists."))
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    # Each change the merge makes (to the record kept, to what moves to it) says in the history which merge
    # made it: otherwise the emails, phones and notes it brings read as someone's own edits.
    # The duplicate's interactions become the kept record's: its owner's, no longer the duplicate's owner's.
    owners_differ = keep.owner_id != duplicate.owner_id
    with (
        noting(merged_from=duplicate.name),
        readers_lost_noted(_confidential_interactions_with([duplicate.pk] if owners_differ else [])),
    ):
        return _merge_into(keep, duplicate, actor)


def _merge_into(keep: Stakeholder, duplicate: Stakeholder, actor) -> MergeRecord:
    snapshot = _snapshot(duplicate)
    moved = {}

    for relation in sorted(Stakeholder._meta.related_objects, key=_meetings_first):
        model = relation.related_model
        if not _moves_in_a_merge(model):
            continue
        label = str(model._meta.verbose_name_plural)
        if relation.many_to_many:
            count = _move_links(relation, keep, duplicate)
        elif model is Affiliation:
            count = _merge_positions(keep, duplicate)
        elif model._meta.label == "meetings.Attendee":
            count = _merge_attendances(keep, duplicate)
        else:
            manager = model._base_manager
            count = manager.filter(**{relation.field.name: duplicate}).update(
                **{relation.field.name: keep}, **_changed_now(model)
            )
        if count:
            moved[label] = moved.get(label, 0) + count

    tags = list(duplicate.tags.all())
    keep.tags.add(*tags)
    if tags:
        moved["tags"] = len(tags)
    for name in ("emails", "phones", "languages"):
        combined = list(getattr(keep, name))
        combined += [value for value in getattr(duplicate, name) if value not in combined]
        setattr(keep, name, combined)
    for name in MERGE_FILL_FIELDS:
        if not getattr(keep, name) and getattr(duplicate, name):
            setattr(keep, name, getattr(duplicate, name))
    for name in MERGE_JOINED_FIELDS:
        theirs, ours = getattr(duplicate, name), getattr(keep, name)
        if theirs and theirs not in ours:
            setattr(keep, name, f"{ours}\n\n{theirs}".strip())
    if keep.contact_cadence_days is None:
        keep.contact_cadence_days = duplicate.contact_cadence_days
    contacts = [moment for moment in (keep.last_contacted_at, duplicate.last_contacted_at) if moment]
    keep.last_contacted_at = max(contacts) if contacts else None
    if keep.is_archived and not duplicate.is_archived:
        keep.is_archived, keep.archived_at = False, None
    MergeRecord.objects.filter(kept=duplicate).update(kept=keep)
    deletions_record(
        record_type=DeletedRecordType.STAKEHOLDER, record_ids=[duplicate.pk], merged_into=keep.pk
    )
    duplicate.delete()
    keep.full_clean(validate_constraints=False)
    keep.save()
    return MergeRecord.objects.create(
        kept=keep,
        kept_name=keep.name,
        duplicate_id=snapshot["id"],
        duplicate_name=duplicate.name,
        duplicate_snapshot=snapshot,
        moved=moved,
        merged_by=actor,
    )


# --- handing a portfolio over to another officer ---------------------------------------------------------


def portfolio_handover_check(*, actor, from_officer, to_officer) -> None:
    """Whether `actor` may hand `from_officer`'s portfolio to `to_officer`: a ValidationError saying what is
    wrong with the choice, or PermissionDenied. The handover's preview asks this before showing anything."""
    if from_officer.pk == to_officer.pk:
        raise ValidationError({"to_officer": _("Choose another officer: this is whose portfolio moves.")})
    if not to_officer.is_active or to_officer.is_service_account:
        message = _("%(name)s cannot take on a portfolio: choose an active member of staff.")
        raise ValidationError({"to_officer": message % {"name": to_officer}})
    require(
        can_hand_over_portfolio(actor, from_officer, to_officer),
        _("Only a manager of both officers, or an administrator, hands over a portfolio."),
        # Asked once the actor is known to manage: their own manager's word is not what is missing.
        who_can_help=WhoCanHelp.ADMINISTRATOR,
    )


@atomic_service
@records_actor
def portfolio_handover(
    *, actor, from_officer, to_officer, organisation: Organisation | None = None, note: str = ""
) -> PortfolioHandover:
    """Makes `to_officer` the owner of `from_officer`'s stakeholders — all of them, archived ones included,
    or those working at `organisation` — and of the open work the leaving officer holds: open commitments,
    unresolved concerns, open action items, the stakeholders' open action items they chase and open
    follow-ups (contacts.queries says which).

    A whole portfolio (no organisation) takes everything the officer was chasing, wherever it is: a
    follow-up of a colleague's interaction, an action from a meeting about someone else's stakeholder. An
    officer who leaves holding no stakeholders can still hand their open work over; only an officer with
    nothing at all to move is refused. One organisation's people take only the work on them, as the rest of
    the officer's portfolio stays with them.

    Meetings keep their organiser and interactions whoever logged them: those are facts. A stakeholder's
    action moves by its chaser, so the new owner chases it from a meeting they did not organise. A follow-up
    moves by its owner, so the new owner chases it — and may read it if it is confidential
    (Interaction.objects.visible_to); done ones stay with whoever did them.

    Each kind moves in one UPDATE whatever the portfolio's size; the history's triggers record every row's
    change, credited to `actor`. The handover is recorded and the new owner is told by email.
    """
    from interactions.readers import readers_lost_noted

    portfolio_handover_check(actor=actor, from_officer=from_officer, to_officer=to_officer)
    handover = PortfolioHandover(
        from_officer=from_officer,
        to_officer=to_officer,
        handed_over_by=actor,
        organisation=organisation,
        note=note.strip(),
    )
    # The note is checked before anything moves. The people and the organisation were just read from their
    # tables (no query to check they exist); the counts are the service's own, filled in below.
    handover.full_clean(
        exclude=["from_officer", "to_officer", "handed_over_by", "organisation", "counts"],
        validate_unique=False,
        validate_constraints=False,
    )
    # The rows are locked before anything moves: a stakeholder given to or taken from the officer meanwhile
    # moves with its open work, or stays with it.
    moving = list(
        handover_stakeholders(from_officer=from_officer, organisation=organisation)
        .select_for_update()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not moving and organisation is not None:
        raise ValidationError(_("%(name)s has no stakeholders to hand over there.") % {"name": from_officer})
    now = timezone.now()
    counts = {"stakeholders": len(moving)}
    # The open work first: on these stakeholders, it is found through their ids, not their (changing) owner.
    work = handover_open_work(from_officer=from_officer, stakeholders=moving, everywhere=organisation is None)
    escalated = list(work["concerns"].rows.filter(escalated_at__isnull=False).values_list("pk", flat=True))
    # The confidential interactions with these stakeholders, and those whose follow-up moves, are the new
    # owner's to read, and no longer the officer's (nor their managers') unless they logged them.
    watched = _confidential_interactions_with(moving) | work["follow_ups"].rows.filter(is_confidential=True)
    with readers_lost_noted(watched):
        for kind, held in work.items():
            counts[kind] = held.rows.update(**{held.owner_field: to_officer, "updated_at": now})
        if not any(counts.values()):  # nothing was written
            raise ValidationError(
                _("%(name)s has no stakeholders or open work to hand over.") % {"name": from_officer}
            )
        Stakeholder.objects.filter(pk__in=moving, owner=from_officer).update(owner=to_officer, updated_at=now)
    handover.counts = counts
    handover.save()
    _notify_handover(handover)
    if escalated:
        from concerns.models import Concern
        from concerns.services import concerns_escalation_handed_over

        concerns_escalation_handed_over(
            concerns=Concern.objects.filter(pk__in=escalated).select_related("stakeholder", "owner")
        )
    return handover


def _notify_handover(handover: PortfolioHandover) -> None:
    """Tells the new owner what is now theirs, in one email per handover (its outbox key names it)."""
    from outbox.services import message_enqueue

    recipient = handover.to_officer
    if not recipient.email:
        return
    query = {"owner": recipient.pk}
    if handover.organisation_id:
        query["organisation"] = handover.organisation_id
    context = {
        "handover": handover,
        "recipient": recipient,
        "counts": handover.counts,
        "list_url": f"{settings.SITE_URL}{reverse('contacts:stakeholder_list')}?{urlencode(query)}",
        "my_day_url": f"{settings.SITE_URL}{reverse('dashboards:my_day')}",
    }
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo(recipient.time_zone)):
        body = render_to_string("contacts/email/handover.txt", context)
        html_body = render_to_string("contacts/email/handover.html", context)
    stakeholders = handover.counts["stakeholders"]
    message_enqueue(
        key=f"portfolio-handover:{handover.pk}:{recipient.email}",
        kind="portfolio_handover",
        to=recipient.email,
        subject=f"{handover.from_officer}'s portfolio handed over to you: "
        f"{stakeholders} stakeholder{'s' if stakeholders != 1 else ''}"
        if stakeholders
        else f"{handover.from_officer}'s open work handed over to you",
        body=body.strip(),
        html_body=html_body.strip(),
        recipient_user=recipient,
    )


@atomic_service
def duplicate_dismiss(*, first: Stakeholder, second: Stakeholder, actor):
    """Records that two similar records are different people, so the review page stops offering them."""
    from .duplicates import ordered_pair

    require(
        can_dismiss_duplicate(actor, first, second),
        _("Only the owners of both records, or their managers, can say they are different people."),
    )
    first_id, second_id = ordered_pair(first.pk, second.pk)
    return DuplicateDismissal.objects.get_or_create(
        first_id=first_id, second_id=second_id, defaults={"dismissed_by": actor}
    )[0]


@atomic_service
def duplicates_check() -> int:
    """Compares the whole register again and keeps the pairs found for the review page; returns how many.

    Hourly (CELERY_BEAT_SCHEDULE), after each stakeholder import, and when someone asks for it. The pairs
    replace the last check's in one transaction, so the review page reads either the old or the new ones.
    """
    from .duplicates import CANDIDATES_SQL, LARGE_ORGANISATION, NAME_SIMILARITY

    started_at, started = timezone.now(), time.perf_counter()
    refresh_lock(RefreshLock.DUPLICATES_CHECK)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM contacts_duplicatecandidate")
        cursor.execute(
            CANDIDATES_SQL,
            {
                "threshold": NAME_SIMILARITY,
                "large_organisation": LARGE_ORGANISATION,
                "day": timezone.localdate(),
            },
        )
        found = cursor.rowcount
    DuplicateCheck.objects.update_or_create(
        pk=1,
        defaults={"checked_at": timezone.now(), "duration_ms": int((time.perf_counter() - started) * 1000)},
    )
    refresh_answered(DuplicateCheck.objects.filter(pk=1), started_at=started_at)
    return found


def duplicates_check_request(*, actor) -> bool:
    """Someone reviewing duplicates asks for a check now; False when one was asked for a moment ago."""
    from .tasks import check_duplicates as check_duplicates_task

    require(
        actor.is_active,
        _("Only members of staff can ask for a duplicate check."),
        who_can_help=WhoCanHelp.ADMINISTRATOR,
    )
    DuplicateCheck.objects.get_or_create(pk=1)  # the one row, before any check has written it
    return refresh_request(DuplicateCheck.objects.filter(pk=1), task=check_duplicates_task)

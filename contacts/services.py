"""Writes to the stakeholder and organisation registers. HTML views and the API both call these."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can_edit_organisation, can_edit_stakeholder, can_edit_tag, require

from .models import Affiliation, Organisation, Stakeholder, Tag


def tags_from_names(names: Iterable[str]) -> list[Tag]:
    """The tags with these names, matched case-insensitively; missing ones are created."""
    wanted = {}
    for name in names:
        cleaned = " ".join(name.split())[:60]
        if cleaned:
            wanted.setdefault(cleaned.lower(), cleaned)
    if not wanted:
        return []
    existing = {
        tag.name.lower(): tag for tag in Tag.objects.annotate(key=Lower("name")).filter(key__in=wanted)
    }
    missing = [Tag(name=name) for key, name in wanted.items() if key not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {
            tag.name.lower(): tag for tag in Tag.objects.annotate(key=Lower("name")).filter(key__in=wanted)
        }
    return [existing[key] for key in wanted]


def _tag_name(name: str, *, tag: Tag | None = None) -> str:
    cleaned = " ".join(name.split())
    taken = Tag.objects.filter(name__iexact=cleaned)
    if tag is not None:
        taken = taken.exclude(pk=tag.pk)
    if cleaned and taken.exists():
        raise ValidationError({"name": _("A tag with this name already exists.")})
    return cleaned


@transaction.atomic
def tag_create(*, actor, name: str) -> Tag:
    tag = Tag(name=_tag_name(name))
    tag.full_clean()
    tag.save()
    return tag


@transaction.atomic
def tag_rename(*, tag: Tag, actor, name: str) -> Tag:
    require(can_edit_tag(actor, tag), _("Only managers rename tags."))
    tag.name = _tag_name(name, tag=tag)
    tag.full_clean()
    tag.save()
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag, actor) -> None:
    """Removes the tag from every organisation, stakeholder and interaction that carries it."""
    require(can_edit_tag(actor, tag), _("Only managers delete tags."))
    tag.delete()


def _touch_stakeholder(stakeholder_id: int) -> None:
    # A person's positions are part of their record: a sync by `updated_since` must see them change.
    Stakeholder.objects.filter(pk=stakeholder_id).update(updated_at=timezone.now())


def _apply(instance, fields: dict) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()


@transaction.atomic
def organisation_create(*, actor, tags: Iterable[str] = (), **fields) -> Organisation:
    organisation = Organisation()
    _apply(organisation, fields)
    organisation.tags.set(tags_from_names(tags))
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, actor, tags: Iterable[str] | None = None, **fields):
    require(can_edit_organisation(actor, organisation))
    _apply(organisation, fields)
    if tags is not None:
        organisation.tags.set(tags_from_names(tags))
    return organisation


@transaction.atomic
def stakeholder_create(*, actor, tags: Iterable[str] = (), **fields) -> Stakeholder:
    fields.setdefault("owner", actor)
    stakeholder = Stakeholder()
    _apply(stakeholder, fields)
    stakeholder.tags.set(tags_from_names(tags))
    return stakeholder


@transaction.atomic
def stakeholder_update(*, stakeholder: Stakeholder, actor, tags: Iterable[str] | None = None, **fields):
    require(can_edit_stakeholder(actor, stakeholder))
    _apply(stakeholder, fields)
    if tags is not None:
        stakeholder.tags.set(tags_from_names(tags))
    return stakeholder


@transaction.atomic
def stakeholder_archive(*, stakeholder: Stakeholder, actor) -> Stakeholder:
    require(can_edit_stakeholder(actor, stakeholder))
    if not stakeholder.is_archived:
        stakeholder.is_archived = True
        stakeholder.archived_at = timezone.now()
        stakeholder.save(update_fields=["is_archived", "archived_at", "updated_at"])
    return stakeholder


@transaction.atomic
def stakeholder_restore(*, stakeholder: Stakeholder, actor) -> Stakeholder:
    require(can_edit_stakeholder(actor, stakeholder))
    if stakeholder.is_archived:
        stakeholder.is_archived = False
        stakeholder.archived_at = None
        stakeholder.save(update_fields=["is_archived", "archived_at", "updated_at"])
    return stakeholder


@transaction.atomic
def affiliation_save(*, affiliation: Affiliation, actor, **fields) -> Affiliation:
    """Adds or changes a position; marking one primary moves the mark from the previous current one."""
    require(can_edit_stakeholder(actor, affiliation.stakeholder))
    for name, value in fields.items():
        setattr(affiliation, name, value)
    if affiliation.is_primary and affiliation.end_date is None:
        Affiliation.objects.filter(
            stakeholder=affiliation.stakeholder, is_primary=True, end_date__isnull=True
        ).exclude(pk=affiliation.pk).update(is_primary=False)
    affiliation.full_clean()
    affiliation.save()
    _touch_stakeholder(affiliation.stakeholder_id)
    return affiliation


@transaction.atomic
def affiliation_end(*, affiliation: Affiliation, actor, end_date=None) -> Affiliation:
    require(can_edit_stakeholder(actor, affiliation.stakeholder))
    affiliation.end_date = end_date or timezone.localdate()
    affiliation.full_clean()
    affiliation.save(update_fields=["end_date"])
    _touch_stakeholder(affiliation.stakeholder_id)
    return affiliation

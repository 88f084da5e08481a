"""Raising concerns, seeing them through to a resolution, and escalating those left open too long."""

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Role
from accounts.permissions import WhoCanHelp, can_add_to_registers, can_edit_concern, require
from contacts.locks import people_hold
from contacts.models import Organisation, Stakeholder
from contacts.services import organisation_left_blank, stakeholders_touch
from history.tracking import records_actor
from interactions.models import Interaction
from liaison_crm.constraints import atomic_service
from liaison_crm.row_locks import lock_for_update, lock_referenced
from outbox.services import message_enqueue
from webhooks.models import WebhookEvent
from webhooks.services import event_publish

from .api.serializers import concern_payload
from .models import Concern, ConcernStatus, Severity

# Status moves only through the actions below; linked interactions through link and unlink.
EDITABLE_FIELDS = frozenset(
    {"title", "description", "stakeholder", "organisation", "severity", "owner", "raised_on"}
)

RESOLVED_MESSAGE = _lazy("This concern is resolved: reopen it to change it.")


def _validate(*, stakeholder: Stakeholder | None, owner, raised_on: dt.date | None, joining: bool) -> None:
    errors = {}
    if joining and stakeholder is not None and stakeholder.is_archived:
        errors["stakeholder"] = _("%(name)s is archived: restore them before recording a concern.") % {
            "name": stakeholder.name
        }
    if owner is not None and not owner.is_active:
        errors["owner"] = _("%(name)s no longer works here: choose someone else to handle it.") % {
            "name": owner
        }
    if raised_on is not None and raised_on > timezone.localdate():
        errors["raised_on"] = _("A concern is recorded once it has been raised: this date is in the future.")
    if errors:
        raise ValidationError(errors)


def _visible_interactions(actor, interactions: Iterable[Interaction]) -> list[Interaction]:
    """The interactions, provided the actor may read every one of them."""
    interactions = list(interactions)
    wanted = {interaction.pk for interaction in interactions}
    seen = set(Interaction.objects.visible_to(actor).filter(pk__in=wanted).values_list("pk", flat=True))
    if seen != wanted:
        raise ValidationError({"interactions": _("That interaction does not exist.")})
    return interactions


@atomic_service
@records_actor
def concern_raise(
    *,
    actor,
    stakeholder: Stakeholder,
    title: str,
    severity: int = Severity.MEDIUM,
    description: str = "",
    owner=None,
    organisation: Organisation | None = None,
    raised_on: dt.date | None = None,
    interactions: Iterable[Interaction] = (),
) -> Concern:
    """Records a concern a stakeholder has raised; it is handled by `owner`, or by whoever records it."""
    require(can_add_to_registers(actor), who_can_help=WhoCanHelp.ADMINISTRATOR)
    owner = owner or actor
    _validate(stakeholder=stakeholder, owner=owner, raised_on=raised_on, joining=True)
    lock_referenced([stakeholder], field="stakeholder")
    interactions = _visible_interactions(actor, interactions)
    concern = Concern(
        title=title.strip(),
        description=description,
        stakeholder=stakeholder,
        organisation=organisation or stakeholder.current_primary_organisation(),
        severity=severity,
        owner=owner,
        raised_on=raised_on or timezone.localdate(),
        created_by=actor,
    )
    concern.full_clean(validate_constraints=False)
    concern.save()
    concern.interactions.set(interactions)
    return concern


@atomic_service
@records_actor
def concern_update(
    *, concern: Concern, actor, require_unchanged: Callable[[Concern], None] | None = None, **fields
) -> Concern:
    """Changes a concern still open; `require_unchanged` as liaison_crm.row_locks.lock_for_update."""
    # The stakeholders first, as a merge locks them before moving their concerns: the other way round, an
    # edit and a merge of either could each hold what the other waits for. Both: the one it may leave is
    # marked changed below. That one is read as stored, as a form has put its choice on `concern` already.
    held = (
        Stakeholder.objects.filter(concerns=concern.pk)
        if "stakeholder" in fields
        else Stakeholder.objects.none()
    )
    people_hold(own=held, joining=[fields.get("stakeholder")], field="stakeholder")
    lock_for_update(concern, require_unchanged=require_unchanged)
    require(can_edit_concern(actor, concern))
    if concern.is_resolved:
        # The record was closed as it stands; its resolution and linked interactions may still be added to.
        raise ValidationError(RESOLVED_MESSAGE)
    if unknown := set(fields) - EDITABLE_FIELDS:
        raise TypeError(f"concern_update() cannot change {', '.join(sorted(unknown))}")
    stakeholder = fields.get("stakeholder", concern.stakeholder)
    left = concern.stakeholder_id
    _validate(
        stakeholder=stakeholder,
        owner=fields.get("owner"),
        raised_on=fields.get("raised_on"),
        joining=stakeholder.pk != concern.stakeholder_id,
    )
    if "title" in fields:
        fields["title"] = fields["title"].strip()
    if "organisation" in fields and fields["organisation"] is None:
        fields["organisation"] = organisation_left_blank(record=concern, stakeholder=stakeholder)
    reassigned = fields.get("owner") is not None and fields["owner"].pk != concern.owner_id
    for name, value in fields.items():
        setattr(concern, name, value)
    concern.full_clean(validate_constraints=False)
    concern.save()
    if concern.stakeholder_id != left:
        # Their health card counted it; what it reads now finds it only under its new stakeholder.
        stakeholders_touch(stakeholder_ids=[left])
    if reassigned and concern.escalated_at is not None:
        concerns_escalation_handed_over(concerns=[concern])
    return concern


def concerns_escalation_handed_over(*, concerns) -> None:
    """The escalation of each concern told the handler of the day and their managers; its new handler and
    theirs must know too. Whoever was told already is not told again (the same outbox key)."""
    escalated = [concern for concern in concerns if concern.escalated_at is not None]
    # A portfolio's concerns all go to one new handler: who is told is read once for all of them.
    recipients = _escalation_recipients_by_owner(escalated)
    for concern in escalated:
        _tell_of_escalation(concern, handed_over=True, recipients=recipients[concern.owner_id])


@atomic_service
@records_actor
def concern_mark_in_progress(*, concern: Concern, actor) -> Concern:
    """Someone is working on it."""
    require(can_edit_concern(actor, concern))
    if concern.is_resolved:
        raise ValidationError(_("This concern is resolved: reopen it first."))
    if concern.status != ConcernStatus.IN_PROGRESS:
        concern.status = ConcernStatus.IN_PROGRESS
        concern.save(update_fields=["status", "updated_at"])
    return concern


@atomic_service
@records_actor
def concern_resolve(*, concern: Concern, actor, resolution: str) -> Concern:
    """Closes the concern with what was done or agreed; a resolution is required."""
    require(can_edit_concern(actor, concern))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the concern was resolved.")})
    if concern.is_resolved and concern.resolution == resolution:
        return concern
    concern.resolution = resolution
    if not concern.is_resolved:
        concern.status = ConcernStatus.RESOLVED
        concern.resolved_at = timezone.now()
    concern.full_clean(validate_constraints=False)
    concern.save(update_fields=["status", "resolution", "resolved_at", "updated_at"])
    return concern


@atomic_service
@records_actor
def concern_reopen(*, concern: Concern, actor) -> Concern:
    """Back to open; the earlier resolution is kept for reference until it is resolved again.

    Its escalation is cleared: the concern is open again however long ago it was raised, so the daily
    escalation tells the managers anew (the earlier escalation stays in its history).
    """
    require(can_edit_concern(actor, concern))
    if concern.is_resolved:
        concern.status = ConcernStatus.OPEN
        concern.resolved_at = None
        concern.escalated_at = None
        concern.save(update_fields=["status", "resolved_at", "escalated_at", "updated_at"])
    return concern


@atomic_service
@records_actor
def concern_link_interaction(*, concern: Concern, actor, interaction: Interaction) -> Concern:
    require(can_edit_concern(actor, concern))
    _visible_interactions(actor, [interaction])
    concern.interactions.add(interaction)
    Concern.objects.filter(pk=concern.pk).update(updated_at=timezone.now())
    return concern


@atomic_service
@records_actor
def concern_unlink_interaction(*, concern: Concern, actor, interaction: Interaction) -> Concern:
    require(can_edit_concern(actor, concern))
    _visible_interactions(actor, [interaction])
    concern.interactions.remove(interaction)
    Concern.objects.filter(pk=concern.pk).update(updated_at=timezone.now())
    return concern


def concerns_escalate_overdue(*, today: dt.date | None = None) -> list[Concern]:
    """Marks the concerns that have newly been open too long as escalated, and returns them.

    Idempotent: a concern is escalated once (again only after it is reopened); running again the same day
    (or twice at once) changes nothing.
    """
    with transaction.atomic():
        due = list(
            Concern.objects.needing_escalation(today)
            .filter(escalated_at__isnull=True)
            .select_related("owner", "stakeholder")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        if not due:
            return []
        now = timezone.now()
        Concern.objects.filter(pk__in=[concern.pk for concern in due]).update(
            escalated_at=now, updated_at=now
        )
        recipients = _escalation_recipients_by_owner(due)
        for concern in due:
            concern.escalated_at = concern.updated_at = now
            _notify_escalation(concern, recipients=recipients[concern.owner_id])
    return due


def _escalation_recipients(owner) -> list:
    """The owner and their team's managers; administrators when the owner has no team manager."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    managers = list(users.filter(groups__name=Role.MANAGER, team_id=owner.team_id).distinct())
    if owner.team_id is None or not managers:
        managers = list(users.filter(Q(is_superuser=True) | Q(groups__name=Role.ADMIN)).distinct())
    recipients = {user.pk: user for user in [owner, *managers] if user.email and user.is_active}
    return list(recipients.values())


def _escalation_recipients_by_owner(concerns: list[Concern]) -> dict[int, list]:
    """Who is told of the escalation of each owner's concerns, read once per owner."""
    owners = {concern.owner_id: concern.owner for concern in concerns}
    return {owner_id: _escalation_recipients(owner) for owner_id, owner in owners.items()}


def _notify_escalation(concern: Concern, *, recipients: list) -> None:
    """Tells the owner and their managers that the concern has been open too long, and other tools
    (concern.escalated).

    Runs inside the escalation's transaction, so the messages are queued if and only if it is recorded.
    """
    event_publish(
        event=WebhookEvent.CONCERN_ESCALATED,
        payload_for=lambda viewer: concern_payload(concern, viewer=viewer),
        subject=concern,
    )
    _tell_of_escalation(concern, handed_over=False, recipients=recipients)


def _tell_of_escalation(concern: Concern, *, handed_over: bool, recipients: list) -> None:
    """Emails the concern's escalation to its handler and their managers (`recipients`, as
    _escalation_recipients reads them), each once per escalation.

    `handed_over`: the concern was escalated before it was given to its handler."""
    body_context = {
        "concern": concern,
        "days": settings.CONCERN_ESCALATION_DAYS,
        "site_url": settings.SITE_URL,
        "handed_over": handed_over,
    }
    for recipient in recipients:
        with translation.override("en"), timezone.override(zoneinfo.ZoneInfo(recipient.time_zone)):
            body = render_to_string("concerns/email/escalated.txt", {**body_context, "recipient": recipient})
        message_enqueue(
            # A concern reopened after its escalation is escalated again, and that must be sent too.
            key=f"concern-escalated:{concern.pk}:{concern.escalated_at.isoformat()}:{recipient.email}",
            kind="concern_escalated",
            to=recipient.email,
            subject=f"Escalated concern: {concern.title} ({concern.stakeholder})",
            body=body.strip(),
            recipient_user=recipient,
        )

"""Recording commitments and moving them through their life. HTML views and the API both call these."""

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import WhoCanHelp, can_add_to_registers, can_edit_commitment, require
from contacts.locks import people_hold
from contacts.models import Organisation, Stakeholder
from contacts.services import organisation_left_blank, stakeholders_touch
from history.tracking import records_actor
from interactions.models import Interaction
from liaison_crm.constraints import atomic_service
from liaison_crm.row_locks import lock_for_update, lock_referenced
from meetings.models import Meeting, MeetingStatus
from webhooks.models import WebhookEvent
from webhooks.services import event_publish

from .api.serializers import commitment_payload
from .models import Commitment, CommitmentStatus

# The source is fixed when a commitment is recorded; status moves only through the actions below.
EDITABLE_FIELDS = frozenset(
    {"description", "direction", "stakeholder", "organisation", "owner", "due_on", "renews_on", "notes"}
)


def _validate_people(*, stakeholder: Stakeholder | None, owner, joining: bool) -> dict:
    errors = {}
    if joining and stakeholder is not None and stakeholder.is_archived:
        errors["stakeholder"] = _("%(name)s is archived: restore them before recording a commitment.") % {
            "name": stakeholder.name
        }
    if owner is not None and not owner.is_active:
        errors["owner"] = _("%(name)s no longer works here: choose someone else to chase it.") % {
            "name": owner
        }
    return errors


def _validate_source(*, actor, stakeholder: Stakeholder, source_interaction, source_meeting) -> dict:
    """The source must be something the actor can see and that took place, and the stakeholder must have
    taken part in it."""
    if source_interaction is not None:
        visible = Interaction.objects.visible_to(actor).filter(pk=source_interaction.pk)
        if not visible.exists():
            return {"source_interaction": _("That interaction does not exist.")}
        if not visible.filter(stakeholders=stakeholder).exists():
            return {
                "stakeholder": _("%(name)s did not take part in that interaction.") % {"name": stakeholder}
            }
    if source_meeting is not None:
        visible = Meeting.objects.visible_to(actor).filter(pk=source_meeting.pk)
        if not visible.exists():
            return {"source_meeting": _("That meeting does not exist.")}
        if source_meeting.status == MeetingStatus.CANCELLED:
            return {
                "source_meeting": _(
                    "That meeting was cancelled: it did not take place, so nothing was promised at it."
                )
            }
        # Whether they were there, as recorded when it was held (None: not recorded, or not held yet).
        attendance = list(
            visible.filter(attendees__stakeholder=stakeholder).values_list("attendees__attended", flat=True)
        )
        if not attendance:
            return {"stakeholder": _("%(name)s was not invited to that meeting.") % {"name": stakeholder}}
        if attendance == [False]:
            return {
                "stakeholder": _(
                    "%(name)s was recorded absent from that meeting: they promised nothing there."
                )
                % {"name": stakeholder}
            }
    return {}


def closed_message(commitment: Commitment) -> str:
    return _("This commitment is %(status)s: reopen it to change it.") % {
        "status": commitment.get_status_display().lower()
    }


@atomic_service
@records_actor
def commitment_record(
    *,
    actor,
    stakeholder: Stakeholder,
    description: str,
    direction: str,
    owner=None,
    organisation: Organisation | None = None,
    due_on: dt.date | None = None,
    renews_on: dt.date | None = None,
    notes: str = "",
    source_interaction: Interaction | None = None,
    source_meeting: Meeting | None = None,
) -> Commitment:
    """Records a promise; it is chased by `owner`, or by whoever records it."""
    require(can_add_to_registers(actor), who_can_help=WhoCanHelp.ADMINISTRATOR)
    owner = owner or actor
    errors = _validate_people(stakeholder=stakeholder, owner=owner, joining=True)
    if not errors:
        errors = _validate_source(
            actor=actor,
            stakeholder=stakeholder,
            source_interaction=source_interaction,
            source_meeting=source_meeting,
        )
    if errors:
        raise ValidationError(errors)
    lock_referenced([stakeholder], field="stakeholder")
    commitment = Commitment(
        description=description.strip(),
        direction=direction,
        stakeholder=stakeholder,
        organisation=organisation or stakeholder.current_primary_organisation(),
        owner=owner,
        due_on=due_on,
        renews_on=renews_on,
        notes=notes,
        source_interaction=source_interaction,
        source_meeting=source_meeting,
        created_by=actor,
    )
    commitment.full_clean(validate_constraints=False)
    commitment.save()
    return commitment


@atomic_service
@records_actor
def commitment_update(
    *, commitment: Commitment, actor, require_unchanged: Callable[[Commitment], None] | None = None, **fields
) -> Commitment:
    """Changes what was promised, to whom, by when or who chases it; `require_unchanged` as
    liaison_crm.row_locks.lock_for_update."""
    # The stakeholders first, as a merge locks them before moving their commitments: the other way round, an
    # edit and a merge of either could each hold what the other waits for. Both: the one it may leave is
    # marked changed below. That one is read as stored, as a form has put its choice on `commitment` already.
    held = (
        Stakeholder.objects.filter(commitments=commitment.pk)
        if "stakeholder" in fields
        else Stakeholder.objects.none()
    )
    people_hold(own=held, joining=[fields.get("stakeholder")], field="stakeholder")
    lock_for_update(commitment, require_unchanged=require_unchanged)
    require(can_edit_commitment(actor, commitment))
    if not commitment.is_open:
        # A kept, withdrawn or broken promise is on record as it stood when it was closed.
        raise ValidationError(closed_message(commitment))
    if unknown := set(fields) - EDITABLE_FIELDS:
        raise TypeError(f"commitment_update() cannot change {', '.join(sorted(unknown))}")
    stakeholder = fields.get("stakeholder", commitment.stakeholder)
    left = commitment.stakeholder_id
    errors = _validate_people(
        stakeholder=stakeholder,
        owner=fields.get("owner"),
        joining=stakeholder.pk != commitment.stakeholder_id,
    )
    if errors:
        raise ValidationError(errors)
    if "description" in fields:
        fields["description"] = fields["description"].strip()
    if "organisation" in fields and fields["organisation"] is None:
        fields["organisation"] = organisation_left_blank(record=commitment, stakeholder=stakeholder)
    if "due_on" in fields and fields["due_on"] != commitment.due_on:
        # A new due date is a new promise to keep: missing it is reported again.
        commitment.overdue_notified_at = None
    for name, value in fields.items():
        setattr(commitment, name, value)
    commitment.full_clean(validate_constraints=False)
    commitment.save()
    if commitment.stakeholder_id != left:
        # Their health card counted it; what it reads now finds it only under its new stakeholder.
        stakeholders_touch(stakeholder_ids=[left])
    return commitment


def _close(commitment: Commitment, status: str) -> Commitment:
    if commitment.status == status:
        return commitment
    if not commitment.is_open:
        raise ValidationError(
            _("This commitment is already %(status)s: reopen it first.")
            % {"status": commitment.get_status_display().lower()}
        )
    return _set_status(commitment, status)


def _set_status(commitment: Commitment, status: str) -> Commitment:
    """The status, and the dates that follow it: when it was kept, cancelled or broken, none once reopened."""
    now = timezone.now()
    commitment.status = status
    commitment.fulfilled_at = now if status == CommitmentStatus.FULFILLED else None
    commitment.broken_at = now if status == CommitmentStatus.BROKEN else None
    commitment.cancelled_at = now if status == CommitmentStatus.CANCELLED else None
    commitment.save(update_fields=["status", "fulfilled_at", "broken_at", "cancelled_at", "updated_at"])
    return commitment


@atomic_service
@records_actor
def commitment_fulfil(*, commitment: Commitment, actor) -> Commitment:
    """The promise was kept."""
    require(can_edit_commitment(actor, commitment))
    return _close(commitment, CommitmentStatus.FULFILLED)


@atomic_service
@records_actor
def commitment_cancel(*, commitment: Commitment, actor) -> Commitment:
    """Withdrawn by agreement or no longer needed."""
    require(can_edit_commitment(actor, commitment))
    return _close(commitment, CommitmentStatus.CANCELLED)


@atomic_service
@records_actor
def commitment_mark_broken(*, commitment: Commitment, actor) -> Commitment:
    """The promise was not honoured."""
    require(can_edit_commitment(actor, commitment))
    return _close(commitment, CommitmentStatus.BROKEN)


@atomic_service
@records_actor
def commitment_reopen(*, commitment: Commitment, actor) -> Commitment:
    require(can_edit_commitment(actor, commitment))
    if not commitment.is_open:
        _set_status(commitment, CommitmentStatus.OPEN)
    return commitment


def commitments_publish_overdue(*, today: dt.date | None = None) -> list[Commitment]:
    """Marks the open commitments whose due date has newly passed, tells other tools of each
    (commitment.overdue), and returns them.

    Idempotent: a commitment is reported once for its due date. Running again changes nothing, and two runs
    at once report each commitment once: the second waits on the row locks, then finds them marked.
    """
    with transaction.atomic():
        due = list(Commitment.objects.newly_overdue(today).select_for_update(of=("self",)).order_by("pk"))
        if not due:
            return []
        now = timezone.now()
        Commitment.objects.filter(pk__in=[commitment.pk for commitment in due]).update(
            overdue_notified_at=now, updated_at=now
        )
        for commitment in due:
            commitment.overdue_notified_at = commitment.updated_at = now
            _publish_overdue(commitment)
    return due


def _publish_overdue(commitment: Commitment) -> None:
    event_publish(
        event=WebhookEvent.COMMITMENT_OVERDUE,
        payload_for=lambda viewer: commitment_payload(commitment, viewer=viewer),
        subject=commitment,
    )

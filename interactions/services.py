"""Logging and changing interactions, and keeping each stakeholder's last-contact clock right."""

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can_edit_interaction, require
from contacts.models import Affiliation, Organisation, Stakeholder
from contacts.services import tags_from_names
from history.tracking import records_actor
from liaison_crm.constraints import atomic_service
from webhooks.models import WebhookEvent
from webhooks.services import event_publish

from .api.serializers import interaction_payload
from .models import Interaction, Participation

# Officers' clocks drift and forms are slow to submit; anything further ahead is a planned contact, not a log.
FUTURE_TOLERANCE = timedelta(minutes=10)


def stakeholders_refresh_last_contact(*, stakeholder_ids: Iterable[int]) -> None:
    """Sets each stakeholder's last contact to their newest interaction, so the cadence clock restarts."""
    # The participation rows carry the time: one index probe per stakeholder, however long their history.
    newest = (
        Participation.objects.filter(stakeholder=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    # The last contact is part of the stakeholder's record: a sync by `updated_since` must see it move.
    Stakeholder.objects.filter(pk__in=list(stakeholder_ids)).update(
        last_contacted_at=Subquery(newest), updated_at=timezone.now()
    )


def _validate(*, stakeholders: list[Stakeholder] | None, joining: list[Stakeholder], occurred_at) -> None:
    """`joining` are the stakeholders being added: archived people stay on old records but join no new ones.

    `stakeholders` is None when an edit leaves them as they were.
    """
    errors = {}
    if stakeholders is not None and not stakeholders:
        errors["stakeholders"] = _("Choose at least one stakeholder.")
    elif archived := [s.name for s in joining if s.is_archived]:
        errors["stakeholders"] = _(
            "Restore these archived stakeholders before logging with them: %(names)s."
        ) % {"names": ", ".join(archived)}
    if occurred_at and occurred_at > timezone.now() + FUTURE_TOLERANCE:
        errors["occurred_at"] = _("An interaction is logged after it happens: this time is in the future.")
    if errors:
        raise ValidationError(errors)


def _default_organisation(stakeholders: list[Stakeholder]) -> Organisation | None:
    positions = (
        Affiliation.objects.filter(stakeholder__in=stakeholders, end_date__isnull=True, is_primary=True)
        .select_related("organisation")
        .order_by("pk")
    )
    organisations = {position.organisation_id: position.organisation for position in positions}
    return next(iter(organisations.values())) if len(organisations) == 1 else None


@atomic_service
@records_actor
def interaction_log(
    *,
    author,
    stakeholders: Iterable[Stakeholder],
    summary: str,
    kind: str,
    occurred_at=None,
    staff_present: Iterable = (),
    topics: Iterable[str] = (),
    organisation: Organisation | None = None,
    on_record_already: Iterable[Stakeholder] = (),
    **fields,
) -> Interaction:
    """Records a touch with one or more stakeholders and restarts their contact cadence.

    `on_record_already` are people the touch was arranged with before they were archived (a meeting's
    attendees, when it is recorded as held): they are on its record, so they join this one archived or not.
    """
    stakeholders = list(stakeholders)
    occurred_at = occurred_at or timezone.now()
    arranged = {s.pk for s in on_record_already}
    joining = [s for s in stakeholders if s.pk not in arranged]
    _validate(stakeholders=stakeholders, joining=joining, occurred_at=occurred_at)
    interaction = Interaction(
        logged_by=author,
        summary=summary,
        kind=kind,
        occurred_at=occurred_at,
        organisation=organisation or _default_organisation(stakeholders),
        **fields,
    )
    # The author is the signed-in person and the organisation was chosen from existing rows (or is their
    # primary one): checking again that both exist would cost two queries on every log.
    interaction.full_clean(exclude=["logged_by", "organisation"], validate_constraints=False)
    interaction.save()
    # A new interaction has no links yet: add them, rather than `set` (which first reads what is there).
    interaction.stakeholders.add(*stakeholders)
    if staff_present := list(staff_present):
        interaction.staff_present.add(*staff_present)
    if tags := tags_from_names(topics):
        interaction.topics.add(*tags)
    stakeholders_refresh_last_contact(stakeholder_ids=[s.pk for s in stakeholders])
    event_publish(
        event=WebhookEvent.INTERACTION_CREATED,
        payload=lambda: interaction_payload(interaction),
        subject=interaction,
    )
    return interaction


@atomic_service
@records_actor
def interaction_update(
    *,
    interaction: Interaction,
    actor,
    stakeholders: Iterable[Stakeholder] | None = None,
    staff_present: Iterable | None = None,
    topics: Iterable[str] | None = None,
    **fields,
) -> Interaction:
    require(can_edit_interaction(actor, interaction))
    before = set(interaction.stakeholders.values_list("pk", flat=True))
    if stakeholders is not None:
        stakeholders = list(stakeholders)
        joining = [s for s in stakeholders if s.pk not in before]
        _validate(stakeholders=stakeholders, joining=joining, occurred_at=fields.get("occurred_at"))
    else:
        _validate(stakeholders=None, joining=[], occurred_at=fields.get("occurred_at"))
    after = {s.pk for s in stakeholders} if stakeholders is not None else before
    for name, value in fields.items():
        setattr(interaction, name, value)
    interaction.full_clean(validate_constraints=False)
    interaction.save()
    if stakeholders is not None:
        interaction.stakeholders.set(stakeholders)
    if staff_present is not None:
        interaction.staff_present.set(staff_present)
    if topics is not None:
        interaction.topics.set(tags_from_names(topics))
    stakeholders_refresh_last_contact(stakeholder_ids=before | after)
    return interaction


@atomic_service
@records_actor
def interaction_delete(*, interaction: Interaction, actor) -> None:
    """Deletes the interaction; the commitments made there, the concerns linked to it and the meeting it
    recorded lose it, and are marked changed so that a sync by `updated_since` hears they no longer point
    at it."""
    from meetings.models import Meeting

    require(can_edit_interaction(actor, interaction))
    stakeholder_ids = list(interaction.stakeholders.values_list("pk", flat=True))
    now = timezone.now()
    interaction.commitments.update(updated_at=now)
    interaction.concerns.update(updated_at=now)
    Meeting.objects.filter(interaction=interaction).update(updated_at=now)
    interaction.delete()
    stakeholders_refresh_last_contact(stakeholder_ids=stakeholder_ids)


@atomic_service
@records_actor
def follow_up_complete(*, interaction: Interaction, actor) -> Interaction:
    require(can_edit_interaction(actor, interaction))
    if not interaction.follow_up_on:
        raise ValidationError(_("This interaction has no follow-up to complete."))
    if interaction.follow_up_done_at is None:
        interaction.follow_up_done_at = timezone.now()
        interaction.save(update_fields=["follow_up_done_at", "updated_at"])
    return interaction


@atomic_service
@records_actor
def follow_up_reopen(*, interaction: Interaction, actor) -> Interaction:
    require(can_edit_interaction(actor, interaction))
    if interaction.follow_up_done_at is not None:
        interaction.follow_up_done_at = None
        interaction.save(update_fields=["follow_up_done_at", "updated_at"])
    return interaction

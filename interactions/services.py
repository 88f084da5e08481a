"""Logging and changing interactions, and keeping each stakeholder's last-contact clock right."""

import zoneinfo
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can_edit_interaction, can_follow_up, can_update_follow_up, require
from api.deletions import deletions_record
from api.models import DeletedRecordType
from contacts.locks import people_hold
from contacts.models import Affiliation, Organisation, Stakeholder
from contacts.services import tags_from_names
from history.tracking import records_actor
from liaison_crm.array_lookups import AnyOf
from liaison_crm.constraints import atomic_service
from liaison_crm.row_locks import lock_for_update
from webhooks.models import WebhookEvent
from webhooks.services import event_publish

from .api.serializers import interaction_payload
from .models import Interaction, Participation, follow_up_problem, occurred_at_problem
from .readers import readers_lost_noted


def stakeholders_refresh_last_contact(*, stakeholder_ids: Iterable[int]) -> int:
    """Sets each stakeholder's last contact to their newest interaction, so the cadence clock restarts.
    Returns how many of them it found."""
    # The participation rows carry the time: one index probe per stakeholder, however long their history.
    newest = (
        Participation.objects.filter(stakeholder=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    # The last contact is part of the stakeholder's record: a sync by `updated_since` must see it move.
    return Stakeholder.objects.filter(AnyOf(F("pk"), list(stakeholder_ids))).update(
        last_contacted_at=Subquery(newest), updated_at=timezone.now()
    )


def _refresh_last_contact_of_linked(stakeholder_ids: set[int]) -> None:
    """`stakeholders_refresh_last_contact` for the people an interaction is linked to, all of whom must still
    be there. A merge that deleted one since it was read (the UPDATE waits for the merge's lock, then finds
    the row gone) would fail the links' foreign key at COMMIT, a server error; refused here instead, the
    whole write is undone with a message saying why."""
    if stakeholders_refresh_last_contact(stakeholder_ids=stakeholder_ids) < len(stakeholder_ids):
        raise ValidationError(
            {
                "stakeholders": _(
                    "One of these stakeholders was merged into another record or removed just now: "
                    "choose them again."
                )
            }
        )


def _validate(
    *, stakeholders: list[Stakeholder] | None, joining: list[Stakeholder], occurred_at, errors: dict
) -> None:
    """`joining` are the stakeholders being added: archived people stay on old records but join no new ones.

    `stakeholders` is None when an edit leaves them as they were; `errors` are those found already.
    """
    if stakeholders is not None and not stakeholders:
        errors["stakeholders"] = _("Choose at least one stakeholder.")
    elif archived := [s.name for s in joining if s.is_archived]:
        errors["stakeholders"] = _(
            "Restore these archived stakeholders before logging with them: %(names)s."
        ) % {"names": ", ".join(archived)}
    if occurred_at and (problem := occurred_at_problem(occurred_at)):
        errors["occurred_at"] = problem
    if errors:
        raise ValidationError(errors)


def _follow_up_errors(follow_up_on, occurred_at, actor) -> dict:
    """interactions.models.follow_up_problem, by field, on the day as the officer writing it lives it."""
    problem = follow_up_problem(follow_up_on, occurred_at, zoneinfo.ZoneInfo(actor.time_zone))
    return {"follow_up_on": problem} if problem else {}


def _settle_follow_up_owner(
    interaction: Interaction, *, chosen, choosing: bool, actor, stakeholder_ids: set[int], owner_before
) -> dict:
    """Sets who chases the interaction's follow-up and returns what is wrong with the choice, by field.

    Nobody without a follow-up; otherwise the colleague `chosen` (when `choosing`), else the owner it has,
    else `actor` — whoever logs or changes it. A colleague newly given it must be able to take it on and
    to see the stakeholders; the interaction itself they may then read, confidential or not.
    """
    if interaction.follow_up_on is None:
        interaction.follow_up_owner = None
        if chosen is not None:
            return {"follow_up_owner": _("Give the follow-up a date before choosing who follows it up.")}
        return {}
    if choosing or interaction.follow_up_owner_id is None:
        interaction.follow_up_owner = chosen or actor
    if interaction.follow_up_owner_id in (actor.pk, owner_before) or not stakeholder_ids:
        return {}
    owner = interaction.follow_up_owner  # just chosen: no query
    if not can_follow_up(owner):
        message = _("%(name)s cannot follow this up: choose an active colleague.")
        return {"follow_up_owner": message % {"name": owner}}
    if Stakeholder.objects.visible_to(owner).filter(pk__in=stakeholder_ids).count() < len(stakeholder_ids):
        message = _("%(name)s cannot see all of these stakeholders: choose a colleague who can.")
        return {"follow_up_owner": message % {"name": owner}}
    return {}


def _default_organisation_id(stakeholders: list[Stakeholder], occurred_at) -> int | None:
    """The organisation all of `stakeholders` who had a primary position on the day of the touch worked at,
    if only one: a call logged late is filed where the people were then (InteractionQuerySet.for_organisation
    counts a filed interaction for its organisation alone)."""
    organisation_ids = set(
        Affiliation.objects.held_on(timezone.localdate(occurred_at))
        .filter(stakeholder__in=stakeholders, is_primary=True)
        .values_list("organisation_id", flat=True)
    )
    return organisation_ids.pop() if len(organisation_ids) == 1 else None


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
    Its follow-up, if any, is chased by `follow_up_owner` — a colleague — or by the author.
    """
    stakeholders = list(stakeholders)
    occurred_at = occurred_at or timezone.now()
    arranged = {s.pk for s in on_record_already}
    joining = [s for s in stakeholders if s.pk not in arranged]
    chosen = fields.pop("follow_up_owner", None)
    interaction = Interaction(logged_by=author, summary=summary, kind=kind, occurred_at=occurred_at, **fields)
    errors = _settle_follow_up_owner(
        interaction,
        chosen=chosen,
        choosing=True,
        actor=author,
        stakeholder_ids={s.pk for s in stakeholders},
        owner_before=None,
    )
    errors |= _follow_up_errors(interaction.follow_up_on, occurred_at, author)
    _validate(stakeholders=stakeholders, joining=joining, occurred_at=occurred_at, errors=errors)
    if organisation is not None:
        interaction.organisation = organisation
    else:
        # Its id is enough: whatever shows the interaction reads it again with its organisation's name.
        interaction.organisation_id = _default_organisation_id(stakeholders, occurred_at)
    # The author is the signed-in person, and the organisation and the follow-up's owner were chosen from
    # existing rows (or are the defaults): checking again that they exist would cost queries on every log.
    interaction.full_clean(
        exclude=["logged_by", "organisation", "follow_up_owner"], validate_constraints=False
    )
    interaction.save()
    # A new interaction has no links yet: add them, rather than `set` (which first reads what is there).
    interaction.stakeholders.add(*stakeholders)
    if staff_present := list(staff_present):
        interaction.staff_present.add(*staff_present)
    if tags := tags_from_names(topics):
        interaction.topics.add(*tags)
    _refresh_last_contact_of_linked({s.pk for s in stakeholders})
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
    require_unchanged: Callable[[Interaction], None] | None = None,
    **fields,
) -> Interaction:
    """Changes the interaction. Its follow-up keeps its owner unless `follow_up_owner` is given (None: the
    actor takes it on); a follow-up set where there was none is the actor's unless they choose a colleague.
    `require_unchanged` as liaison_crm.row_locks.lock_for_update.
    """
    if stakeholders is not None:
        stakeholders = list(stakeholders)
    wanted_topics = tags_from_names(topics) if topics is not None else None
    # Its people, and those joining it, before the interaction: its people's last contact changes. One of its
    # people merged away meanwhile took the interaction to the person kept.
    people_hold(
        own=interaction.stakeholders.all(),
        joining=stakeholders or (),
        field="stakeholders",
    )
    # As stored, not as an edit form left it (a bound ModelForm writes its input onto the instance): who
    # could read it before is worked out from what was saved.
    lock_for_update(interaction, require_unchanged=require_unchanged)
    require(can_edit_interaction(actor, interaction))
    # Few interactions are confidential: who reads one is asked only when it is or is made so.
    confidential = interaction.is_confidential or fields.get("is_confidential", False)
    watched = Interaction.objects.filter(pk=interaction.pk) if confidential else Interaction.objects.none()
    with readers_lost_noted(watched):
        before = set(interaction.stakeholders.values_list("pk", flat=True))
        after = {s.pk for s in stakeholders} if stakeholders is not None else before
        owner_before = interaction.follow_up_owner_id
        follow_up_before = (interaction.follow_up_on, interaction.occurred_at)
        choosing = "follow_up_owner" in fields
        chosen = fields.pop("follow_up_owner", None)
        for name, value in fields.items():
            setattr(interaction, name, value)
        errors = _settle_follow_up_owner(
            interaction,
            chosen=chosen,
            choosing=choosing,
            actor=actor,
            stakeholder_ids=after,
            owner_before=owner_before,
        )
        # Checked when the edit moves either date: an old record saved as it was is not refused.
        if (interaction.follow_up_on, interaction.occurred_at) != follow_up_before:
            errors |= _follow_up_errors(interaction.follow_up_on, interaction.occurred_at, actor)
        joining = [s for s in stakeholders if s.pk not in before] if stakeholders is not None else []
        _validate(
            stakeholders=stakeholders, joining=joining, occurred_at=fields.get("occurred_at"), errors=errors
        )
        # The follow-up's owner is the one it had, the actor or a colleague chosen from existing rows.
        interaction.full_clean(exclude=["follow_up_owner"], validate_constraints=False)
        interaction.save()
        if stakeholders is not None:
            interaction.stakeholders.set(stakeholders)
        if staff_present is not None:
            interaction.staff_present.set(staff_present)
        if wanted_topics is not None:
            interaction.topics.set(wanted_topics)
    _refresh_last_contact_of_linked(before | after)
    return interaction


def interaction_people_amend(
    *,
    interaction: Interaction,
    joining: Iterable[Stakeholder] = (),
    leaving: Iterable[Stakeholder] = (),
    staff_joining: Iterable = (),
    staff_leaving: Iterable = (),
) -> None:
    """Adds and takes people off an interaction another record logged it for (a held meeting whose
    attendance is corrected), leaving the rest of it as its author keeps it: who else is linked, its notes.

    The caller holds the people and has decided who may change that record; the interaction follows it
    whoever its author is, as it was logged by that record's workflow.
    """
    joining, leaving = list(joining), list(leaving)
    lock_for_update(interaction)
    watched = Interaction.objects.filter(pk=interaction.pk)
    with readers_lost_noted(watched if interaction.is_confidential else Interaction.objects.none()):
        interaction.stakeholders.add(*joining)
        interaction.stakeholders.remove(*leaving)
        interaction.staff_present.add(*staff_joining)
        interaction.staff_present.remove(*staff_leaving)
    if not interaction.stakeholders.exists():
        raise ValidationError(_("This would leave the interaction with no stakeholder: keep one on it."))
    # Its people are part of its record: a sync by `updated_since` must see it change.
    interaction.save(update_fields=["updated_at"])
    _refresh_last_contact_of_linked({s.pk for s in [*joining, *leaving]})


@atomic_service
@records_actor
def interaction_delete(*, interaction: Interaction, actor) -> None:
    """Deletes the interaction; the commitments made there, the concerns linked to it and the meeting it
    recorded lose it, and are marked changed so that a sync by `updated_since` hears they no longer point
    at it."""
    from meetings.models import Meeting

    require(can_edit_interaction(actor, interaction))
    # Its people before the interaction, as on an update.
    people_hold(own=interaction.stakeholders.all(), field="stakeholders")
    stakeholder_ids = list(interaction.stakeholders.values_list("pk", flat=True))
    now = timezone.now()
    interaction.commitments.update(updated_at=now)
    interaction.concerns.update(updated_at=now)
    Meeting.objects.filter(interaction=interaction).update(updated_at=now)
    reader_ids, reader_team_ids = (
        Interaction.objects.filter(pk=interaction.pk).readers() if interaction.is_confidential else ((), ())
    )
    deletions_record(
        record_type=DeletedRecordType.INTERACTION,
        record_ids=[interaction.pk],
        reader_ids=reader_ids,
        reader_team_ids=reader_team_ids,
    )
    interaction.delete()
    stakeholders_refresh_last_contact(stakeholder_ids=stakeholder_ids)


@atomic_service
@records_actor
def follow_up_complete(*, interaction: Interaction, actor) -> Interaction:
    require(can_update_follow_up(actor, interaction))
    if not interaction.follow_up_on:
        raise ValidationError(_("This interaction has no follow-up to complete."))
    if interaction.follow_up_done_at is None:
        interaction.follow_up_done_at = timezone.now()
        interaction.save(update_fields=["follow_up_done_at", "updated_at"])
    return interaction


@atomic_service
@records_actor
def follow_up_reopen(*, interaction: Interaction, actor) -> Interaction:
    require(can_update_follow_up(actor, interaction))
    if interaction.follow_up_done_at is not None:
        interaction.follow_up_done_at = None
        interaction.save(update_fields=["follow_up_done_at", "updated_at"])
    return interaction

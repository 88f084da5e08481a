"""Scheduling, changing, cancelling and holding meetings, and chasing their action items.

Every change that calendars must hear about bumps SEQUENCE and sends its message through the outbox after
the transaction commits, so a rolled-back change never mails anyone.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Case, F, When
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.permissions import (
    can_edit_interaction,
    can_edit_meeting,
    can_follow_up,
    can_respond_for,
    can_update_action_item,
    require,
)
from api.deletions import deletions_record
from api.models import DeletedRecordType
from contacts.locks import IfOwnMerged, people_hold
from contacts.models import Organisation, Stakeholder
from contacts.services import stakeholders_touch
from history.tracking import records_actor
from interactions.models import Interaction, InteractionKind, Sentiment
from interactions.services import interaction_log, interaction_people_amend
from liaison_crm.array_lookups import AnyOf
from liaison_crm.constraints import atomic_service
from liaison_crm.row_locks import hold_rows, lock_for_update, lock_referenced
from liaison_crm.save_collisions import retried_on_save_collision
from liaison_crm.text import TIME_OUT_OF_RANGE, unstorable_time_message
from outbox.models import OutboundMessage
from webhooks.models import WebhookEvent
from webhooks.services import event_publish

from . import notifications
from .api.serializers import meeting_payload
from .models import (
    DEFAULT_REMINDER_MINUTES,
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendee,
    Decision,
    Meeting,
    MeetingDocument,
    MeetingSeries,
    MeetingStatus,
    Rsvp,
)
from .recurrence import occurrence_starts

logger = logging.getLogger(__name__)

NOBODY_ATTENDED_MESSAGE = _lazy(
    "Tick at least one stakeholder who attended: the meeting is logged on their timelines."
)
HELD_MESSAGE = _lazy("This meeting was held and recorded, so it can no longer be changed or cancelled.")

# Changing any of these changes what a calendar shows, so attendees get an updated invitation.
CALENDAR_FIELDS = ("title", "purpose", "starts_at", "ends_at", "time_zone", "location", "video_url")


@dataclass(frozen=True)
class AgendaEntry:
    title: str
    owner: object = None
    minutes_allotted: int | None = None


@dataclass(frozen=True)
class MeetingUpdate:
    """A saved change to a meeting, and whether it sent attendees anything: an edit may change nothing they
    see, or a meeting already over."""

    meeting: Meeting
    attendees_told: bool


@dataclass(frozen=True)
class ActionEntry:
    description: str
    owner_user: object = None
    owner_stakeholder: Stakeholder | None = None
    due_on: dt.date | None = None
    # Who chases a stakeholder's action: the meeting's organiser unless a colleague is named.
    chaser: object = None


CANNOT_CHASE_MESSAGE = _lazy("%(name)s cannot chase this action: choose an active colleague.")
OWN_ACTION_CHASER_MESSAGE = _lazy("A colleague's own action is chased by its owner.")


def _settle_chaser(action: ActionItem, chosen, *, actor) -> None:
    """Sets who chases `action`, owned as it is now: nobody but its owner for a colleague's own action; for
    a stakeholder's, the colleague `chosen`, else whoever chased it already, else the meeting's organiser —
    or, when the organiser has left (their work handed over) or is another tool's account, `actor`.
    """
    if action.owner_stakeholder_id is None:
        if chosen is not None:
            raise ValidationError({"chaser": OWN_ACTION_CHASER_MESSAGE})
        action.chaser = None
    elif chosen is not None and chosen.pk != action.chaser_id:
        if not can_follow_up(chosen):
            raise ValidationError({"chaser": CANNOT_CHASE_MESSAGE % {"name": chosen}})
        action.chaser = chosen
    elif action.chaser_id is None:
        organiser = action.meeting.organiser
        if can_follow_up(organiser):
            action.chaser = organiser
        elif can_follow_up(actor):
            action.chaser = actor
        else:
            raise ValidationError({"chaser": CANNOT_CHASE_MESSAGE % {"name": organiser}})


def _action_draft(meeting: Meeting, entry: ActionEntry, *, actor) -> ActionItem:
    """The action `entry` describes on `meeting`, with who chases it, not saved yet: recorded with the
    meeting held, or added since."""
    action = ActionItem(
        meeting=meeting,
        description=entry.description.strip(),
        owner_user=entry.owner_user,
        owner_stakeholder=entry.owner_stakeholder,
        due_on=entry.due_on,
        created_by=actor,
    )
    _settle_chaser(action, entry.chaser, actor=actor)
    return action


def _validate_people(stakeholders: Sequence[Stakeholder]) -> None:
    archived = [s.name for s in stakeholders if s.is_archived]
    if archived:
        raise ValidationError(
            {
                "stakeholders": _("Restore these archived stakeholders first: %(names)s.")
                % {"names": ", ".join(archived)}
            }
        )


def _add_people(meeting: Meeting, stakeholders: Iterable[Stakeholder], staff: Iterable) -> list[Attendee]:
    added = [Attendee(meeting=meeting, stakeholder=s) for s in stakeholders]
    added += [Attendee(meeting=meeting, user=u) for u in staff]
    return Attendee.objects.bulk_create(added)


def _agenda_rows(agenda: Sequence[AgendaEntry]) -> list[tuple]:
    return [
        (entry.title, entry.owner.pk if entry.owner else None, entry.minutes_allotted) for entry in agenda
    ]


def _add_agenda(meeting: Meeting, agenda: Sequence[AgendaEntry]) -> None:
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=meeting,
            position=position,
            title=entry.title,
            owner=entry.owner,
            minutes_allotted=entry.minutes_allotted,
        )
        for position, entry in enumerate(agenda)
    )


def _after_commit(callback, *args, **kwargs) -> None:
    """Runs `callback` once the transaction commits, in a transaction of its own. Tried again when another
    save aborts it: the meeting is saved by then, so a collision raised from here cannot be answered "try
    again", and would leave its guests untold and the callbacks after it unrun."""
    transaction.on_commit(lambda: retried_on_save_collision(lambda: callback(*args, **kwargs)))


def _touch(meeting_id: int) -> None:
    """Replies, documents and actions are part of the meeting's record: a sync by `updated_since` must see
    the meeting change when they do."""
    Meeting.objects.filter(pk=meeting_id).update(updated_at=timezone.now())


def _lock_with_meeting(record: Attendee | ActionItem | MeetingDocument) -> None:
    """Locks the meeting `record` belongs to, then `record`, each read again as locked: who may change it
    is asked of the meeting's organiser as it is now, and `record` removed meanwhile is a clear error.

    The meeting first, as every change to a meeting locks it before touching its attendees, actions or
    papers: one order everywhere, so two changes never wait on each other.
    """
    meeting = record.meeting
    lock_for_update(meeting)
    lock_for_update(record)
    record.meeting = meeting


def _require_attending(meeting: Meeting, stakeholder: Stakeholder | None) -> None:
    """An action a stakeholder owns is owned by one of the meeting's stakeholders."""
    if stakeholder is not None and not meeting.attendees.filter(stakeholder=stakeholder).exists():
        raise ValidationError({"owner_stakeholder": _("Choose one of this meeting's stakeholders.")})


def _refetch(meeting_id: int) -> Meeting:
    return Meeting.objects.as_told().get(pk=meeting_id)


def _announce(meeting_id: int, *, change: notifications.MeetingChange | None = None) -> None:
    notifications.invitations_send(_refetch(meeting_id), change=change)


def _write_reminders(meeting_id: int) -> None:
    notifications.reminders_schedule(_refetch(meeting_id))


def _schedule_reminders(meeting_ids: Iterable[int]) -> None:
    """Writes the meetings' reminders once the transaction commits, each meeting's in a transaction of its
    own, tried again on its own: a meeting whose reminders cannot be written loses only its own, not those of
    the meetings written before it or due after it. The first such failure is raised once every meeting has
    had its turn, and the others logged."""
    meeting_ids = list(meeting_ids)

    def write_each() -> None:
        failures = []
        for meeting_id in meeting_ids:
            try:
                retried_on_save_collision(partial(_write_reminders, meeting_id))
            except Exception as failure:
                failures.append(failure)
                if len(failures) > 1:
                    logger.error("Reminders of meeting %s not written", meeting_id, exc_info=failure)
        if failures:
            raise failures[0]

    transaction.on_commit(write_each)


def reminders_readdress(*, stakeholder: Stakeholder) -> None:
    """The reminders of the planned meetings the stakeholder attends, written again once the transaction
    commits: to the address, in the language and at the time of day they now have."""
    upcoming = Meeting.objects.filter(
        status=MeetingStatus.PLANNED, starts_at__gt=timezone.now(), attendees__stakeholder=stakeholder
    )
    if meeting_ids := list(upcoming.values_list("pk", flat=True)):
        _schedule_reminders(meeting_ids)


@atomic_service
@records_actor
def meeting_schedule(
    *,
    organiser,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    time_zone: str = settings.TIME_ZONE,
    stakeholders: Sequence[Stakeholder] = (),
    staff: Sequence = (),
    agenda: Sequence[AgendaEntry] = (),
    reminder_minutes: Sequence[int] | None = None,
    frequency: str = "",
    count: int | None = None,
    organisation: Organisation | None = None,
    **fields,
) -> Meeting:
    """Schedules a meeting (or a series of them), invites the attendees and sets up reminders.

    Returns the meeting, or the first occurrence of a series.
    """
    stakeholders, staff = list(stakeholders), [u for u in staff if u.pk != organiser.pk]
    _validate_people(stakeholders)
    lock_referenced(stakeholders, field="stakeholders")
    common = {
        "organiser": organiser,
        "title": title,
        "time_zone": time_zone,
        "organisation": organisation,
        "reminder_minutes": list(DEFAULT_REMINDER_MINUTES if reminder_minutes is None else reminder_minutes),
        **fields,
    }
    template = Meeting(starts_at=starts_at, ends_at=ends_at, **common)
    template.full_clean(exclude=["uid"], validate_constraints=False)
    duration = ends_at - starts_at
    if frequency:
        series = MeetingSeries(frequency=frequency, count=count or 0)
        series.full_clean(validate_constraints=False)
        series.save()
        starts = occurrence_starts(starts_at, time_zone, frequency, series.count)
        # Only the first meeting was checked above: the series may run past what can be stored.
        try:
            message = unstorable_time_message(starts[-1] + duration)
        except OverflowError:
            message = TIME_OUT_OF_RANGE
        if message:
            raise ValidationError({"count": message})
    else:
        series, starts = None, [starts_at]

    meetings = []
    for start in starts:
        meeting = Meeting.objects.create(
            series=series,
            starts_at=start,
            ends_at=start + duration,
            original_start=start if series else None,
            **common,
        )
        _add_people(meeting, stakeholders, staff)
        _add_agenda(meeting, agenda)
        meetings.append(meeting)

    first = meetings[0]
    # A meeting already over (entered afterwards, to record it as held) invites nobody.
    if not first.is_past:
        _after_commit(_announce, first.pk)
    _schedule_reminders([m.pk for m in meetings])
    return first


@atomic_service
@records_actor
def meeting_update(
    *,
    meeting: Meeting,
    actor,
    stakeholders: Sequence[Stakeholder] | None = None,
    staff: Sequence | None = None,
    agenda: Sequence[AgendaEntry] | None = None,
    require_unchanged: Callable[[Meeting], None] | None = None,
    **fields,
) -> MeetingUpdate:
    """Changes one meeting (or one occurrence of a series); attendees hear about what concerns them.
    `require_unchanged` as liaison_crm.row_locks.lock_for_update."""
    if stakeholders is not None:
        stakeholders = list(stakeholders)
        # Before the meeting, as a merge takes them: it locks the two records, then changes the meetings the
        # duplicate attends. Holding the meeting while waiting for the record kept, which is joining, each
        # would wait for the other. Those attending already are held too: who is joining is only known
        # once the meeting is locked. So are those invited now, as stored: one taken off is marked changed.
        invited = Stakeholder.objects.invited_to(meeting)
        people_hold(own=invited, joining=stakeholders, field="stakeholders")
    # Two edits saved at once would both become the next version, and the outbox, keyed by version, would
    # keep only the first's email. Locked, the second waits for the first and is compared with what the
    # first saved. Reading the row again also drops the values a form set on `meeting`: `fields` has them.
    # Who may change it is asked of the row so read: the organiser may have changed meanwhile.
    lock_for_update(meeting, require_unchanged=require_unchanged)
    require(can_edit_meeting(actor, meeting))
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting cannot be changed."))
    if meeting.status == MeetingStatus.HELD:
        # Its time and attendees are on the stakeholders' timelines and in the follow-up email already, and
        # its title is the summary of the interaction it was logged as: even a typo's correction would make
        # the meeting and its record disagree (and calendars have nothing left to learn about a past one).
        lists = {"stakeholders": stakeholders, "staff": staff, "agenda": agenda}
        asked = [*fields, *(name for name, value in lists.items() if value is not None)]
        raise ValidationError(_held_refusal(asked))
    was = {
        name: getattr(meeting, name)
        for name, value in fields.items()
        if name in CALENDAR_FIELDS and getattr(meeting, name) != value
    }
    if was.keys() & {"starts_at", "ends_at"}:
        # "Was 10:00 to 11:00, now 14:00 to 15:00" names both ends, even when one of them stayed.
        was.update(starts_at=meeting.starts_at, ends_at=meeting.ends_at)
    calendar_changed = bool(was)
    # Its attendees hold it in their calendars while it is still to come (or have its invitation queued).
    # Moved to a time already past, because it happened earlier than planned, it must move there too: else
    # their calendars keep the old slot, and the invitation queued with it is the last word they get.
    attendees_hold_it = not meeting.is_past
    # The edit page sends the agenda back with every save: only a different one is news to attendees.
    if agenda is not None and _agenda_rows(agenda) == list(
        meeting.agenda_items.order_by("position", "pk").values_list("title", "owner_id", "minutes_allotted")
    ):
        agenda = None
    for name, value in fields.items():
        setattr(meeting, name, value)

    joining_stakeholders, joining_staff, removed = [], [], []
    if stakeholders is not None or staff is not None:
        current = list(meeting.attendees.select_related("stakeholder", "user"))
        if stakeholders is not None:
            wanted = {s.pk for s in stakeholders}
            have = {a.stakeholder_id for a in current if a.stakeholder_id}
            joining_stakeholders = [s for s in stakeholders if s.pk not in have]
            _validate_people(joining_stakeholders)
            removed += [a for a in current if a.stakeholder_id and a.stakeholder_id not in wanted]
        if staff is not None:
            wanted = {u.pk for u in staff if u.pk != meeting.organiser_id}
            have = {a.user_id for a in current if a.user_id}
            joining_staff = [u for u in staff if u.pk in wanted - have]
            removed += [a for a in current if a.user_id and a.user_id not in wanted]
    # One new version for one edit, whatever it changed: calendars apply updates in SEQUENCE order. A
    # withdrawal must outrank the invitation calendars hold, and inviting them again later must send a new
    # invitation rather than find the one already sent.
    if calendar_changed or agenda is not None or removed:
        meeting.sequence += 1
    meeting.full_clean(exclude=["uid"], validate_constraints=False)
    meeting.save()

    if removed:
        Attendee.objects.filter(pk__in=[a.pk for a in removed]).delete()
        # Their health card counted the meeting's actions; what it reads now finds the meeting only under
        # those still invited.
        stakeholders_touch(stakeholder_ids=[a.stakeholder_id for a in removed])
    new_attendees = _add_people(meeting, joining_stakeholders, joining_staff)
    if agenda is not None:
        meeting.agenda_items.all().delete()
        _add_agenda(meeting, agenda)

    change = notifications.MeetingChange(
        version=meeting.sequence,
        was=was,
        now={name: getattr(meeting, name) for name in was},
        agenda_changed=agenda is not None,
        joined=frozenset(a.pk for a in new_attendees),
    )
    attendees_told = False
    if (attendees_hold_it or not meeting.is_past) and meeting.status == MeetingStatus.PLANNED:
        if calendar_changed or agenda is not None:
            _after_commit(_announce, meeting.pk, change=change)
        elif new_attendees:
            new_ids = [a.pk for a in new_attendees]
            _after_commit(_invite_added, meeting.pk, new_ids)
        if removed:
            _after_commit(_tell_removed, meeting.pk, removed, change)
        attendees_told = bool(calendar_changed or agenda is not None or new_attendees or removed)
    _schedule_reminders([meeting.pk])
    return MeetingUpdate(meeting=meeting, attendees_told=attendees_told)


# How a refusal to change a held meeting names what was asked; other fields go by their verbose name.
HELD_PARTS = {
    "starts_at": _lazy("time"),
    "ends_at": _lazy("time"),
    "time_zone": _lazy("time"),
    "stakeholders": _lazy("attendees"),
    "staff": _lazy("attendees"),
    "agenda": _lazy("agenda"),
}


def _held_refusal(names: Sequence[str]) -> str:
    """Names what of a held meeting was asked to change (its fields, `stakeholders`, `staff`, `agenda`), and
    says it stays as recorded: "…so its title and place can no longer be changed"."""
    parts = dict.fromkeys(
        str(HELD_PARTS.get(name) or Meeting._meta.get_field(name).verbose_name) for name in names
    )
    if not parts:
        return str(HELD_MESSAGE)
    return _("This meeting was held and recorded, so its %(parts)s can no longer be changed.") % {
        "parts": get_text_list(list(parts), _("and"))
    }


def _invite_added(meeting_id: int, attendee_ids: list[int]) -> None:
    meeting = _refetch(meeting_id)
    # A first invitation for them, however often the meeting changed before.
    notifications.invitations_send(
        meeting, attendees=[a for a in meeting.attendees.all() if a.pk in attendee_ids]
    )


def _tell_removed(meeting_id: int, removed: list[Attendee], change: notifications.MeetingChange) -> None:
    notifications.removals_send(_refetch(meeting_id), removed=removed, change=change)


@atomic_service
@records_actor
def meeting_cancel(
    *, meeting: Meeting, actor, and_following: bool = False, close_open_actions: bool = False
) -> Meeting:
    """Cancels a meeting, or an occurrence of a series and every later planned one.

    As calendar programs do it ("this and following"): earlier occurrences stay as they are, even past ones
    still waiting to be recorded as held.

    With `close_open_actions`, the open actions of the meetings cancelled are cancelled too: nobody expects
    them any more (ActionItemQuerySet.outstanding). Without, they stay open for whoever chases them to close
    or hand on.
    """
    # Cancelled twice at once, or while it is recorded as held, only the first goes through.
    lock_for_update(meeting)
    require(can_edit_meeting(actor, meeting))
    if and_following and not meeting.series_id:
        raise ValidationError(_("This meeting is not part of a series."))
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be cancelled."))
    targets = [meeting]
    if and_following:
        # Locked too, in the series' order, as every cancellation locks them: one of them being recorded
        # as held or cancelled meanwhile is then left as it was.
        targets = list(Meeting.objects.this_and_following(meeting).select_for_update(no_key=True))
    for target in targets:
        target.status = MeetingStatus.CANCELLED
        target.sequence += 1
        target.save(update_fields=["status", "sequence", "updated_at"])
    if close_open_actions:
        _cancel_open_actions(targets)
    if meeting.series_id:
        # The series' own event gains exceptions for the cancelled slots: its invitation written again for a
        # guest whose own had not gone out (notifications.cancellations_send) is a new version of it.
        MeetingSeries.objects.filter(pk=meeting.series_id).update(sequence=F("sequence") + 1)
    _after_commit(_announce_cancellation, meeting.pk, and_following, [t.pk for t in targets])
    _schedule_reminders([t.pk for t in targets])
    meeting.refresh_from_db()
    return meeting


def _cancel_open_actions(meetings: list[Meeting]) -> None:
    """Cancelled as their chaser cancels one (`action_item_set_status`), the same fields set, in two
    statements however many there are: a weekly series cancelled for the rest of the year would otherwise
    make hundreds of round trips inside the cancellation. Who may cancel the meetings may update each of
    their actions (can_update_action_item), and history's triggers record who and when as for one. That
    tells nobody, so a cancellation closing many sends nothing more either."""
    # After their meetings, and in the order of their ids: as every change to an action takes its locks.
    locked = list(
        ActionItem.objects.open()
        .filter(meeting__in=meetings)
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    ActionItem.objects.filter(pk__in=locked).update(
        status=ActionStatus.CANCELLED, completed_at=None, cancelled_at=now, updated_at=now
    )


def _announce_cancellation(meeting_id: int, and_following: bool, cancelled_ids: list[int]) -> None:
    notifications.cancellations_send(
        _refetch(meeting_id), and_following=and_following, cancelled_ids=cancelled_ids
    )


def invitation_send_again(*, message: OutboundMessage, hold: Callable[[], None]) -> OutboundMessage:
    """Writes afresh the invitation or update `message` was (failed, or interrupted mid-send) from its
    meeting — the occurrence, or the whole series — as it is now, to the guest it was for, through the
    service that writes every invitation: an administrator's "Send again with current details"
    (`outbox.services.message_rewrite`, which has asked who may). Not a copy of what it said: a time, place
    or agenda changed since, occurrences cancelled since, are told as they are now.

    Refused when there is nothing left to invite them to: the meeting gone, cancelled, held or over (of a
    series, none of its occurrences still to take place), or the guest no longer on it.

    The guest's record is held first, then the meetings, as a merge and a cancellation take them, then
    `hold` locks the message and checks it may still be sent again: a cancellation or an edit saved
    meanwhile waits for this, and then withdraws what it wrote."""
    about = notifications.topic_about(message.topic)
    if about is None:
        raise ValidationError(_("This message names no meeting guest: it can only be sent again as it was."))
    if about.stakeholder_id is not None:
        hold_rows(Stakeholder, [about.stakeholder_id])
    else:
        hold_rows(get_user_model(), [about.user_id])
    locked = list(
        about.occurrences().select_for_update(no_key=True, of=("self",)).values_list("pk", flat=True)
    )
    if not locked:
        raise ValidationError(_("The meeting this message was about has been deleted."))
    meetings = list(Meeting.objects.as_told().filter(pk__in=locked).order_by("original_start", "pk"))
    to_come = [m for m in meetings if m.status == MeetingStatus.PLANNED and not m.is_past]
    if not to_come:
        raise ValidationError(_nothing_to_invite_to(meetings[0], whole_series=about.whole_series))
    on_it = next(((m, a) for m in to_come for a in m.attendees.all() if about.is_guest(a)), None)
    if on_it is None:
        raise ValidationError(
            _("The guest this message was for (%(to)s) is no longer invited to this meeting.")
            % {"to": message.to}
        )
    meeting, attendee = on_it
    if not attendee.email:
        raise ValidationError(_no_address(attendee))
    # The outbox rows in the order every writer of meeting emails locks them: a removal still waiting for
    # the guest (withdrawn, as `invitations_send` withdraws it for one it invites), then, with `hold`, the
    # message and every invitation waiting on its topic, in one statement.
    notifications.removals_withdraw(meeting, attendee)
    hold()
    written = notifications.invitations_send(
        meeting, attendees=[attendee], whole_series=about.whole_series, again_of=message.pk
    )
    if not written:
        raise ValidationError(
            _("%(guest)s was merged into another record meanwhile: try again.") % {"guest": attendee.person}
        )
    return written[0]


def invitation_send_again_refusal(message: OutboundMessage) -> str:
    """Why `invitation_send_again` would refuse `message`, as the outbox page asks it before offering it
    (one query), or "" when it has something to write: a meeting (an occurrence of the series) still to
    take place, with the guest it was for on it, who has an address to send it to. Of one whose topic names
    its guest by address, as topics did before, only what that topic tells can be asked."""
    about = notifications.topic_about(message.topic)
    if about is None:
        addressed = notifications.addressed_topic_about(message.topic)
        return _addressed_invitation_refusal(message, addressed) if addressed is not None else ""
    guest = (
        {"stakeholder_id": about.stakeholder_id}
        if about.stakeholder_id is not None
        else {"user_id": about.user_id}
    )
    attendee = (
        Attendee.objects.filter(
            meeting__in=about.occurrences().filter(status=MeetingStatus.PLANNED, ends_at__gte=timezone.now()),
            **guest,
        )
        .select_related("stakeholder", "user")
        .first()
    )
    if attendee is None:
        return _(
            "Nothing of this meeting is still to take place with its guest (%(to)s) on it: there is nothing "
            "current to send."
        ) % {"to": message.to}
    if not attendee.email:
        return _no_address(attendee)
    return ""


def _addressed_invitation_refusal(message: OutboundMessage, about: notifications.AddressedTopicAbout) -> str:
    """Why an invitation whose topic names its guest by address, as topics did before, may not be sent again
    as it was (two queries): not written again, since whom it was for is not known, it would still put back
    a meeting since deleted, cancelled or over, or say what a later message to the address replaced. Whether
    that guest is still on the meeting is what it cannot ask."""
    meetings = list(about.occurrences().only("status", "ends_at"))
    if not meetings:
        return _("The meeting this message was about has been deleted.")
    if not any(m.status == MeetingStatus.PLANNED and not m.is_past for m in meetings):
        return _nothing_to_invite_to(meetings[0], whole_series=about.whole_series)
    # Its own topic, or the one naming the guest by who they are that later messages about the meeting are
    # written on.
    later = (
        OutboundMessage.objects.filter(
            topic__startswith=about.meeting_prefix,
            to__iexact=about.address,
            kind__in=[notifications.INVITATION, notifications.CANCELLATION, notifications.REMOVAL],
            pk__gt=message.pk,
        )
        .order_by("pk")
        .only("subject")
        .first()
    )
    if later is not None:
        return _(
            "A later message about this meeting was written to %(to)s: “%(subject)s” (#%(id)s). Sent again, "
            "this one would arrive after it and say what it replaced."
        ) % {"to": message.to, "subject": later.subject, "id": later.pk}
    return ""


def _no_address(attendee: Attendee) -> str:
    if attendee.stakeholder_id:
        return _("%(guest)s has no email address now: add one to their record to send them the meeting.") % {
            "guest": attendee.person
        }
    return _("%(guest)s has left and no longer receives the CRM's email.") % {"guest": attendee.person}


def _nothing_to_invite_to(meeting: Meeting, *, whole_series: bool) -> str:
    if whole_series:
        return _("Nothing of this series is still to take place: there is nothing to invite anyone to.")
    if meeting.status == MeetingStatus.CANCELLED:
        return _("This meeting is cancelled: an invitation now would put it back in the guest's calendar.")
    if meeting.status == MeetingStatus.HELD:
        return _("This meeting was held: there is nothing left to invite anyone to.")
    return _("This meeting is over: there is nothing left to invite anyone to.")


@atomic_service
@records_actor
def meeting_mark_held(
    *,
    meeting: Meeting,
    actor,
    minutes: str = "",
    decisions: Sequence[str] = (),
    actions: Sequence[ActionEntry] = (),
    attended: Iterable[Attendee] | None = None,
    sentiment: int = Sentiment.NEUTRAL,
    outcome: str = "",
) -> Meeting:
    """Records the outcome and who `attended`, and logs one "meeting" interaction on the timeline of every
    stakeholder who attended.

    One record, no double entry: the interaction links back to the meeting, and the follow-up email with
    decisions and actions goes to those who attended. Without `attended`, everyone who had not declined is
    recorded as present, as API clients written before attendance was asked expect.
    """
    # The people it is logged with (their last contact changes) and the actions' owners, who must be among
    # them, before the meeting. Invitations sent after they are read, before the meeting is locked, are not
    # held.
    people_hold(
        own=Stakeholder.objects.invited_to(meeting).only("name"),
        joining=[entry.owner_stakeholder for entry in actions],
        field="actions",
        if_own_merged=IfOwnMerged.REFUSE,
    )
    # The form sent twice at once (a double click) must record the meeting once: the second waits for the
    # first and then finds the meeting held.
    lock_for_update(meeting)
    require(can_edit_meeting(actor, meeting))
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be marked held."))
    if not meeting.has_started:
        raise ValidationError(_("This meeting has not started yet."))
    attendees = list(meeting.attendees.select_related("stakeholder", "user"))
    present_ids = _present_ids(attendees, attended)
    present = [a.stakeholder for a in attendees if a.stakeholder_id and a.pk in present_ids]
    if not present and attended is not None and any(a.stakeholder_id for a in attendees):
        raise ValidationError({"attended": NOBODY_ATTENDED_MESSAGE})
    if not present:
        raise ValidationError(_("Add the stakeholders who attended before marking the meeting held."))
    if sentiment not in Sentiment.values:
        raise ValidationError({"sentiment": _("Choose a sentiment from very negative to very positive.")})
    decisions = [text.strip() for text in decisions if text.strip()]
    errors = {}
    longest = Decision._meta.get_field("text").max_length
    if any(len(text) > longest for text in decisions):
        # Checked before anything is written: the HTML form takes every decision in one box, one a line.
        errors["decisions"] = _(
            "Keep each decision to %(limit)d characters; put the detail in the minutes."
        ) % {"limit": longest}
    invited = {attendee.stakeholder_id for attendee in attendees if attendee.stakeholder_id}
    for entry in actions:
        if (entry.owner_user is None) == (entry.owner_stakeholder is None):
            errors["actions"] = _("Each action needs one owner: a member of staff or a stakeholder.")
        elif entry.owner_stakeholder is not None and entry.owner_stakeholder.pk not in invited:
            # As for an action added later (action_item_add): taken on at a meeting of theirs.
            errors["actions"] = _("Choose one of this meeting's stakeholders.")
        if not entry.description.strip():
            errors["actions"] = _("Each action needs a description.")
    drafts = []
    try:
        drafts = [_action_draft(meeting, entry, actor=actor) for entry in actions]
    except ValidationError as error:
        errors["actions"] = error.message_dict["chaser"]
    if errors:
        raise ValidationError(errors)

    meeting.status = MeetingStatus.HELD
    meeting.held_at = timezone.now()
    meeting.minutes = minutes
    meeting.interaction = interaction_log(
        author=actor,
        stakeholders=present,
        kind=InteractionKind.MEETING,
        occurred_at=meeting.starts_at,
        summary=meeting.title[:300],
        notes=minutes,
        outcome="\n".join(filter(None, [outcome.strip(), decisions_outcome(decisions)])),
        sentiment=sentiment,
        organisation=meeting.organisation,
        # Invited before they were archived: the meeting happened with them all the same.
        on_record_already=present,
        staff_present=[
            meeting.organiser,
            *[a.user for a in attendees if a.user_id and a.pk in present_ids],
        ],
    )
    meeting.full_clean(exclude=["uid"], validate_constraints=False)
    meeting.save()
    meeting.attendees.update(
        attended=Case(
            When(AnyOf(F("pk"), sorted(present_ids)), then=True), default=False, output_field=BooleanField()
        )
    )
    Decision.objects.bulk_create(
        Decision(meeting=meeting, position=position, text=text) for position, text in enumerate(decisions)
    )
    for action in drafts:
        action.full_clean(validate_constraints=False)
        action.save()
    event_publish(
        event=WebhookEvent.MEETING_HELD,
        payload_for=lambda viewer: meeting_payload(meeting, viewer=viewer),
        subject=meeting,
    )
    _after_commit(_send_follow_ups, meeting.pk)
    _schedule_reminders([meeting.pk])
    return meeting


def _present_ids(attendees: Sequence[Attendee], attended: Iterable[Attendee] | None) -> set[int]:
    """Who of `attendees` was there: those `attended` names, else those who had not declined."""
    if attended is None:
        return {a.pk for a in attendees if a.rsvp != Rsvp.DECLINED}
    present_ids = {a.pk for a in attended}
    if present_ids - {a.pk for a in attendees}:
        # Taken off the meeting while the form was open.
        raise ValidationError({"attended": _("Choose among this meeting's attendees.")})
    return present_ids


@atomic_service
@records_actor
def meeting_attendance_correct(*, meeting: Meeting, actor, attended: Iterable[Attendee]) -> Meeting:
    """Corrects who of a held meeting's attendees were there: `attended` were, the others were not.

    Recording it held logged the meeting on the timeline of each stakeholder present, with the staff
    present: that interaction gains those now marked present and loses those now marked absent (whoever
    logged it, and whatever else was changed on it since), so their last contact and health follow.
    The follow-up email already sent is not sent again.
    """
    # Those whose last contact may change, before the meeting, as recording it held holds them.
    people_hold(
        own=Stakeholder.objects.invited_to(meeting).only("name"),
        field="attended",
        if_own_merged=IfOwnMerged.REFUSE,
    )
    lock_for_update(meeting)
    require(can_edit_meeting(actor, meeting))
    _require_held(meeting)
    attendees = list(meeting.attendees.select_related("stakeholder", "user"))
    present_ids = _present_ids(attendees, list(attended))
    if not any(a.stakeholder_id and a.pk in present_ids for a in attendees):
        raise ValidationError({"attended": NOBODY_ATTENDED_MESSAGE})
    changed = [a for a in attendees if a.attended != (a.pk in present_ids)]
    if not changed:
        return meeting
    interaction = _interaction_to_follow(meeting, actor)
    if meeting.interaction_id and interaction is None:
        # Who is on a timeline entry decides who may read it when it is confidential: not changed by one who
        # may not edit it, nor attendance left disagreeing with it.
        raise ValidationError(
            {
                "attended": _(
                    "The meeting's timeline entry is %(author)s's: ask them or their manager to correct it."
                )
                % {"author": meeting.interaction.logged_by}
            }
        )
    for attendee in changed:
        attendee.attended = attendee.pk in present_ids
    Attendee.objects.bulk_update(changed, ["attended"])
    if interaction is not None:
        came = [a for a in changed if a.attended]
        left = [a for a in changed if not a.attended]
        interaction_people_amend(
            interaction=interaction,
            joining=[a.stakeholder for a in came if a.stakeholder_id],
            leaving=[a.stakeholder for a in left if a.stakeholder_id],
            staff_joining=[a.user for a in came if a.user_id],
            staff_leaving=[a.user for a in left if a.user_id],
        )
    # Their health card counts the actions of the meetings they attended.
    stakeholders_touch(stakeholder_ids=[a.stakeholder_id for a in changed])
    _touch(meeting.pk)
    return meeting


def _send_follow_ups(meeting_id: int) -> None:
    notifications.follow_ups_send(_refetch(meeting_id))


@atomic_service
def attendee_respond(*, attendee: Attendee, actor, rsvp: str) -> Attendee:
    # A reply taken while the meeting is recorded as held or cancelled waits, then finds it so.
    _lock_with_meeting(attendee)
    require(can_respond_for(actor, attendee))
    if attendee.meeting.status != MeetingStatus.PLANNED:
        # A reply to a cancelled or held meeting would rewrite who said they would come.
        raise ValidationError(
            _("This meeting is %(status)s: replies are taken for planned meetings only.")
            % {"status": attendee.meeting.get_status_display().lower()}
        )
    if rsvp not in Rsvp.values:
        raise ValidationError({"rsvp": _("Choose accepted, tentative or declined.")})
    attendee.rsvp = rsvp
    attendee.responded_at = timezone.now()
    attendee.save(update_fields=["rsvp", "responded_at"])
    _touch(attendee.meeting_id)
    # Those who decline are not reminded; one who changes their mind is again.
    _schedule_reminders([attendee.meeting_id])
    return attendee


OPENXML = "application/vnd.openxmlformats-officedocument"
OPENDOCUMENT = "application/vnd.oasis.opendocument"

# What each allowed extension is served as, and how its file must begin (nothing to check for text).
# The type a client declares is not kept: it is only its word, and may be anything (text/html, a NUL…).
ALLOWED_DOCUMENTS = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".png": ("image/png", (b"\x89PNG",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": (f"{OPENXML}.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": (f"{OPENXML}.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".pptx": (f"{OPENXML}.presentationml.presentation", (b"PK\x03\x04",)),
    ".odt": (f"{OPENDOCUMENT}.text", (b"PK\x03\x04",)),
    ".ods": (f"{OPENDOCUMENT}.spreadsheet", (b"PK\x03\x04",)),
    ".odp": (f"{OPENDOCUMENT}.presentation", (b"PK\x03\x04",)),
    ".txt": ("text/plain", ()),
    ".csv": ("text/csv", ()),
    ".md": ("text/markdown", ()),
}


def _extension(name: str) -> str:
    name = name.lower()
    return name[name.rfind(".") :] if "." in name else ""


def _check_upload(upload) -> None:
    extension = _extension(upload.name)
    if extension not in ALLOWED_DOCUMENTS:
        raise ValidationError(
            {
                "file": _("Upload a PDF, an office document, an image or a text file (not %(ext)s).")
                % {"ext": extension or "?"}
            }
        )
    if upload.size > settings.MEETING_DOCUMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)d MB.")
                % {"mb": settings.MEETING_DOCUMENT_MAX_BYTES // 2**20}
            }
        )
    head = upload.read(8)
    upload.seek(0)
    _content_type, signatures = ALLOWED_DOCUMENTS[extension]
    if signatures and not any(head.startswith(signature) for signature in signatures):
        raise ValidationError(
            {"file": _("The file's content does not match its %(ext)s name.") % {"ext": extension}}
        )
    if not signatures and b"\x00" in upload.read(4096):
        raise ValidationError({"file": _("This does not look like a text file.")})
    upload.seek(0)


@atomic_service
def document_attach(*, meeting: Meeting, actor, upload) -> MeetingDocument:
    lock_for_update(meeting)
    require(can_edit_meeting(actor, meeting))
    _check_upload(upload)
    document = MeetingDocument(
        meeting=meeting,
        file=upload,
        name=upload.name[:255],
        content_type=ALLOWED_DOCUMENTS[_extension(upload.name)][0],
        size=upload.size,
        uploaded_by=actor,
    )
    document.save()
    _touch(meeting.pk)
    return document


@atomic_service
def document_remove(*, document: MeetingDocument, actor) -> None:
    _lock_with_meeting(document)
    require(can_edit_meeting(actor, document.meeting))
    stored = document.file
    deletions_record(record_type=DeletedRecordType.MEETING_DOCUMENT, record_ids=[document.pk])
    document.delete()
    _touch(document.meeting_id)
    transaction.on_commit(lambda: stored.storage.delete(stored.name))


def decisions_outcome(decisions: Iterable[str]) -> str:
    """How a held meeting's decisions read in the outcome of the interaction it is logged as."""
    return "\n".join(f"Decided: {text}" for text in decisions)


CANCELLED_RECORD_MESSAGE = _lazy("This meeting was cancelled: it has no record to add to.")
NOT_HELD_MESSAGE = _lazy("Decisions and minutes are recorded once the meeting is held.")


def _require_open_record(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(CANCELLED_RECORD_MESSAGE)


def _require_held(meeting: Meeting) -> None:
    _require_open_record(meeting)
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(NOT_HELD_MESSAGE)


def _interaction_to_follow(meeting: Meeting, actor) -> Interaction | None:
    """The interaction a held meeting was logged as, locked, if `actor` may edit it themselves.

    Adding to a meeting's record is its organiser's (and their managers'); the interaction is its author's
    (accounts.permissions.can_edit_interaction), and may since have been made confidential. One who may not
    edit it leaves it as it is: what they record is kept on the meeting, not written through it into a
    timeline entry that is not theirs to change.
    """
    if not meeting.interaction_id:
        return None
    interaction = (
        Interaction.objects.select_for_update(no_key=True, of=("self",))
        .select_related("logged_by")
        .get(pk=meeting.interaction_id)
    )
    return interaction if can_edit_interaction(actor, interaction) else None


@atomic_service
@records_actor
def action_item_add(*, meeting: Meeting, actor, entry: ActionEntry) -> ActionItem:
    """Adds an action to a planned or held meeting: one agreed later, or forgotten when it was recorded.

    Its owner is a member of staff or one of the meeting's stakeholders, as the record-as-held form offers;
    a stakeholder's is chased by the colleague `entry` names, else by the meeting's organiser.
    """
    # The stakeholder before the meeting, as a merge locks it before changing the meetings it attends.
    lock_referenced([entry.owner_stakeholder], field="owner_stakeholder")
    # Its stakeholder owner is checked against the attendees as they are, not as a concurrent edit left them.
    lock_for_update(meeting)
    require(can_edit_meeting(actor, meeting))
    _require_open_record(meeting)
    if (entry.owner_user is None) == (entry.owner_stakeholder is None):
        raise ValidationError(
            {"owner_user": _("Give the action one owner: a member of staff or a stakeholder.")}
        )
    _require_attending(meeting, entry.owner_stakeholder)
    action = _action_draft(meeting, entry, actor=actor)
    action.full_clean(validate_constraints=False)
    action.save()
    _touch(meeting.pk)
    return action


@atomic_service
@records_actor
def decision_add(*, meeting: Meeting, actor, text: str) -> Decision:
    """Adds a decision to a held meeting's record, after those already there.

    The interaction logged when it was held lists the decisions in its outcome ("Decided: …"): the new one
    is added there too, so the stakeholders' timelines do not miss it, when the actor may edit it.
    """
    # Two added at once take turns: each is placed after the other, and both reach the timeline's outcome.
    lock_for_update(meeting)
    require(can_edit_meeting(actor, meeting))
    _require_held(meeting)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("What was decided?")})
    last = meeting.decisions.order_by("-position").values_list("position", flat=True).first()
    decision = Decision(meeting=meeting, position=0 if last is None else last + 1, text=text)
    decision.full_clean(validate_constraints=False)
    decision.save()
    if interaction := _interaction_to_follow(meeting, actor):
        interaction.outcome = "\n".join(filter(None, [interaction.outcome, decisions_outcome([text])]))
        interaction.save(update_fields=["outcome", "updated_at"])
    _touch(meeting.pk)
    return decision


@atomic_service
@records_actor
def meeting_minutes_update(*, meeting: Meeting, actor, minutes: str) -> Meeting:
    """Corrects a held meeting's minutes.

    Recording it held copied the minutes into the notes of the interaction it was logged as. Those notes
    follow the correction while they still read as the old minutes; once someone has edited them on the
    timeline they are that interaction's own text, and overwriting them would lose what was written there.
    Nor do they follow when the actor may not edit that interaction.
    """
    # Two corrections at once: the second compares the notes with the minutes the first left.
    lock_for_update(meeting)
    require(can_edit_meeting(actor, meeting))
    _require_held(meeting)
    old_minutes = meeting.minutes
    meeting.minutes = minutes
    meeting.full_clean(exclude=["uid"], validate_constraints=False)
    meeting.save(update_fields=["minutes", "updated_at"])
    interaction = _interaction_to_follow(meeting, actor)
    if interaction and interaction.notes == old_minutes:
        interaction.notes = minutes
        interaction.save(update_fields=["notes", "updated_at"])
    return meeting


@atomic_service
@records_actor
def action_item_set_status(*, action_item: ActionItem, actor, status: str) -> ActionItem:
    _lock_with_meeting(action_item)
    require(can_update_action_item(actor, action_item))
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == action_item.status:
        # Sent again (a second click, a retried request): when it was done or cancelled stays as it was.
        return action_item
    now = timezone.now()
    action_item.status = status
    action_item.completed_at = now if status == ActionStatus.DONE else None
    action_item.cancelled_at = now if status == ActionStatus.CANCELLED else None
    action_item.save(update_fields=["status", "completed_at", "cancelled_at", "updated_at"])
    return action_item


@atomic_service
@records_actor
def action_item_reassign(
    *, action_item: ActionItem, actor, owner_user=None, owner_stakeholder=None, chaser=None
) -> ActionItem:
    """Gives the action to a member of staff, who chases it themselves, or to one of the meeting's
    stakeholders, chased by the colleague `chaser`, else by whoever chased it already, else by the
    meeting's organiser."""
    # The stakeholders first, as a merge locks them before moving the actions they own: the new owner, and
    # the owner as stored, marked changed if the action leaves them.
    owning = Stakeholder.objects.filter(action_items=action_item.pk)
    people_hold(own=owning, joining=[owner_stakeholder], field="owner_stakeholder")
    _lock_with_meeting(action_item)
    require(can_update_action_item(actor, action_item))
    left = action_item.owner_stakeholder_id
    # Asked under the meeting's lock: an edit taking the stakeholder off the meeting has finished or waits.
    if owner_stakeholder is not None and owner_stakeholder.pk != action_item.owner_stakeholder_id:
        _require_attending(action_item.meeting, owner_stakeholder)
    action_item.owner_user, action_item.owner_stakeholder = owner_user, owner_stakeholder
    _settle_chaser(action_item, chaser, actor=actor)
    action_item.full_clean(validate_constraints=False)
    action_item.save(update_fields=["owner_user", "owner_stakeholder", "chaser", "updated_at"])
    if left != action_item.owner_stakeholder_id:
        # Their health card counted it; what it reads now finds it only under its new owner.
        stakeholders_touch(stakeholder_ids=[left])
    return action_item


@atomic_service
@records_actor
def action_item_set_chaser(*, action_item: ActionItem, actor, chaser) -> ActionItem:
    """Hands the chasing of a stakeholder's action to a colleague: who may move the action along may."""
    _lock_with_meeting(action_item)
    require(can_update_action_item(actor, action_item))
    chaser_before = action_item.chaser_id
    _settle_chaser(action_item, chaser, actor=actor)
    if action_item.chaser_id != chaser_before:
        action_item.save(update_fields=["chaser", "updated_at"])
    return action_item

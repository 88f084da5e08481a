"""The messages meetings send — invitations, updates, cancellations, reminders, follow-ups — via the outbox.

Each message's outbox key names its kind, the meeting, the version (SEQUENCE) and the recipient, so asking
twice never sends twice, while a real change (a new SEQUENCE) sends anew.

Its outbox topic names the meeting (or one occurrence of a series) and the recipient across versions: a new
invitation, update, cancellation or removal withdraws the invitations and updates on its topic still waiting
to be sent (scheduled, or behind a busy worker), so nobody is sent the old time after the new one, and what it
says follows from what they were actually sent.
"""

import copy
import datetime as dt
import uuid
import zoneinfo
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from contacts.models import MergeRecord, Stakeholder
from liaison_crm.row_locks import hold_rows
from outbox.models import OutboundMessage
from outbox.services import (
    Attachment,
    Withdrawal,
    keys_standing,
    keys_written,
    message_enqueue,
    messages_before_topics,
    messages_cancel,
    messages_readdress,
    messages_withdraw,
    topics_sent,
    topics_told,
)

from . import calendar
from .models import Attendee, Meeting, MeetingStatus


@dataclass(frozen=True)
class MeetingChange:
    """What one edit changed that attendees see, as it was before and as the edit left it, and the version
    (SEQUENCE) it made.

    The messages are written after the edit commits, from the meeting as it is then, which may already
    carry a later edit: each edit's messages are keyed by its own version and say its own change, so a
    second edit neither takes the first's place in the outbox nor has its change told twice. But for a
    change a later edit changed again: that is told as the later version, under its key (`invitations_send`).
    """

    version: int
    was: dict
    now: dict
    agenda_changed: bool = False
    # Attendees the same edit added: they get a first invitation, not an account of what changed.
    joined: Collection[int] = frozenset()

    @property
    def moved(self) -> bool:
        return "starts_at" in self.was or "ends_at" in self.was

    def still_true_of(self, meeting: Meeting) -> bool:
        """Whether `meeting` is still as this edit left it in what it says changed: a later edit may have
        changed that again (moved on to 17:00 a meeting this edit moved from 10:00 to 15:00)."""
        return all(getattr(meeting, name) == value for name, value in self.now.items())

    def untold(self) -> "MeetingChange":
        """This edit, saying the meeting changed but not how: for a reader who missed an earlier change."""
        return replace(self, was={}, now={}, agenda_changed=False)

    def meeting_as_it_was(self, meeting: Meeting) -> Meeting:
        """The meeting as those the edit took off it knew it: what they are told they no longer attend."""
        known = copy.copy(meeting)
        for name, value in self.was.items():
            setattr(known, name, value)
        return known


# How each message writes a date, by Django's date format letters, so that every language orders and words it
# as its readers expect (weekday and month names come from Django's own catalogues).
DATE_FORMATS = {
    # Translators: a meeting's day in an email, in Django's date format letters (l weekday, D weekday
    # abbreviated, j day, F month, N month abbreviated, Y year; a backslash writes the next letter as it is:
    # \d\e). English: "Monday 3 March 2025".
    "day": pgettext_lazy("email date format", "l j F Y"),
    # Translators: a day in the list of what changed, in Django's date format letters as above. English:
    # "Mon 3 Mar 2025".
    "short_day": pgettext_lazy("email date format", "D j M Y"),
    # Translators: the start in the meeting's own time zone, in Django's date format letters as above (H:i is
    # the time). English: "Monday 3 March, 10:00".
    "day_and_time": pgettext_lazy("email date format", "l j F, H:i"),
    # Translators: the date an action is due, in Django's date format letters as above. English:
    # "3 March 2025".
    "due": pgettext_lazy("email date format", "j F Y"),
    # Translators: the start in an email's subject, in Django's date format letters as above (H:i is the
    # time). English: "Mon 03 Mar 2025 10:00".
    "subject": pgettext_lazy("email date format", "D d M Y H:i"),
}


def _language_of(attendee: Attendee) -> str:
    """The language of every message to `attendee`: a stakeholder's first language the emails are
    translated into, else English; staff read the CRM, and its mail, in English."""
    if attendee.stakeholder_id:
        for language in attendee.stakeholder.languages:
            if language in settings.EMAIL_LANGUAGES:
                return language
    return settings.LANGUAGE_CODE


INVITATION, CANCELLATION, REMOVAL = "meeting_invitation", "meeting_cancellation", "meeting_removal"


def _occurrence_key(meeting: Meeting) -> str:
    """Names one meeting, or one occurrence of a series, the way calendars do (UID + RECURRENCE-ID)."""
    return f"{meeting.ical_uid}:{meeting.original_start.isoformat() if meeting.original_start else ''}"


def _invitation_key_prefix(meeting: Meeting) -> str:
    """What the outbox keys of every invitation to the meeting, or to any occurrence of its series, begin
    with."""
    return f"meeting-invitation:{meeting.ical_uid}:"


def _about(meeting: Meeting, *, whole_series: bool = False) -> str:
    """What a meeting message's key and topic name: one meeting, one occurrence of a series, or the whole
    series."""
    return f"{meeting.ical_uid}:series" if whole_series else _occurrence_key(meeting)


def _invitation_version_prefix(meeting: Meeting, *, whole_series: bool = False) -> str:
    """What the outbox keys of every invitation to the meeting (or occurrence, or whole series) begin with:
    the version, then the addressee, follow."""
    return f"meeting-invitation:{_about(meeting, whole_series=whole_series)}:"


def _invitation_key(meeting: Meeting, attendee: Attendee, version: int, *, whole_series: bool = False) -> str:
    """A series' own invitation is keyed by the series, apart from every occurrence's: the version of one
    occurrence's update and that of the series are counted apart and meet, and one key would make the
    second message written the first one found again."""
    return f"{_invitation_version_prefix(meeting, whole_series=whole_series)}{version}:{_addressee(attendee)}"


def _removal_key_prefix(meeting: Meeting) -> str:
    """What the outbox keys of every removal from the meeting, or from one occurrence of a series, begin
    with: the version, then the addressee, follow."""
    return f"meeting-removal:{_occurrence_key(meeting)}:"


def _addressee(attendee: Attendee) -> str:
    """Who a meeting message is for, as its outbox key names them: the guest and their address. Two guests
    sharing an address (a team's mailbox) are each sent their own, addressed to them by name and each in
    their own calendar; keyed by the address alone, the second's was the first's found again, and never
    written. The address too: one changed since is written to anew."""
    return f"{_who(attendee)}:{attendee.email}"


def _invitations_since(
    meeting: Meeting, attendees: list[Attendee], version: int, *, whole_series: bool = False
) -> list[str]:
    """The keys of the attendees' invitations (to the whole series, `whole_series`) from `version` on: not
    made stale by a message of `version`, whose own is asked for twice at most, and whose later ones (edits
    or cancellations saved after it, their messages written first) are newer. `meeting` as read under its
    lock (`_meeting_under_lock`, `_series_under_lock`): read before, a later version whose messages were
    written meanwhile is not found in it, and its invitations are withdrawn as stale."""
    latest = meeting.series.sequence if whole_series else meeting.sequence
    prefix = _invitation_version_prefix(meeting, whole_series=whole_series)
    return [
        _invitation_key(meeting, attendee, later, whole_series=whole_series)
        for attendee in attendees
        for later in range(version, max(version, latest) + 1)
    ] + [
        # Keyed by the address alone, by a process still running the code from before meetings migration
        # 0019 (a deploy): a later version is no staler for that. Not `version` itself, which is written
        # again under its new key: kept too, it would go out twice.
        f"{prefix}{later}:{attendee.email}"
        for attendee in attendees
        for later in range(version + 1, latest + 1)
    ]


def _topic(meeting: Meeting, attendee: Attendee, *, whole_series: bool = False) -> str:
    """One recipient's messages about one meeting, or one occurrence of a series, across its versions. A
    series' own invitation, with every occurrence, has a topic of its own: no occurrence's message
    replaces it.

    The recipient is named by who they are, not their address: what reached them at an address they have
    since changed is still in their calendar."""
    return f"meeting:{_about(meeting, whole_series=whole_series)}:{_who(attendee)}"


def _who(attendee: Attendee) -> str:
    return f"stakeholder:{attendee.stakeholder_id}" if attendee.stakeholder_id else f"user:{attendee.user_id}"


# How every topic `_topic` writes ends: the guest, as `_who` names them.
GUEST_TOPIC = r":(stakeholder|user):[0-9]+$"


def _invited_before_topics(meeting: Meeting) -> bool:
    """Whether an invitation to the meeting, or to any occurrence of its series, was written before the
    outbox kept topics as `_topic` writes them: on none, or on one naming its guest's address. Whom it
    reached is then not found on their topics."""
    return messages_before_topics(key_prefix=_invitation_key_prefix(meeting), topics_now=GUEST_TOPIC)


@dataclass(frozen=True)
class TopicMeeting:
    """What a meeting message's topic names of the meeting: a meeting, one occurrence of a series (its
    series' uid and the occurrence's original start) or a whole series."""

    uid: str
    original_start: dt.datetime | None
    whole_series: bool

    def occurrences(self):
        """The meetings the topic is about, in the order a cancellation locks them."""
        if self.whole_series:
            return Meeting.objects.filter(series__uid=self.uid).order_by("original_start")
        if self.original_start is not None:
            return Meeting.objects.filter(series__uid=self.uid, original_start=self.original_start)
        return Meeting.objects.filter(uid=self.uid, series__isnull=True)


@dataclass(frozen=True)
class TopicAbout(TopicMeeting):
    """What a meeting message's topic (`_topic`) names: its meeting, and one guest."""

    stakeholder_id: int | None
    user_id: int | None

    def is_guest(self, attendee: Attendee) -> bool:
        if self.stakeholder_id is not None:
            return attendee.stakeholder_id == self.stakeholder_id
        return attendee.user_id == self.user_id


@dataclass(frozen=True)
class AddressedTopicAbout(TopicMeeting):
    """What a meeting message's topic names as topics were written before they named guests by who they
    are: its meeting, and the address it was for. `meeting_prefix` begins every topic, of either format,
    about the same meeting, occurrence or series."""

    address: str
    meeting_prefix: str


def _topic_meeting(about: str) -> TopicMeeting | None:
    """Reads `<uid>@liaison-crm:<original start, "series" or nothing>`, as `_topic` writes it."""
    uid, _sep, slot = about.partition(":")
    try:
        return TopicMeeting(
            uid=str(uuid.UUID(uid.removesuffix("@liaison-crm"))),
            original_start=dt.datetime.fromisoformat(slot) if slot not in ("", "series") else None,
            whole_series=slot == "series",
        )
    except ValueError:
        return None


def topic_about(topic: str) -> TopicAbout | None:
    """Reads `topic` as `_topic` writes it (`meeting:<uid>@liaison-crm:<original start, "series" or
    nothing>:<stakeholder or user>:<id>`); None for a topic it did not write."""
    kind, _sep, rest = topic.partition(":")
    about, _sep, guest_id = rest.rpartition(":")
    about, _sep, guest_kind = about.rpartition(":")
    if kind != "meeting" or guest_kind not in ("stakeholder", "user") or not guest_id.isdigit():
        return None
    meeting = _topic_meeting(about)
    if meeting is None:
        return None
    return TopicAbout(
        **vars(meeting),
        stakeholder_id=int(guest_id) if guest_kind == "stakeholder" else None,
        user_id=int(guest_id) if guest_kind == "user" else None,
    )


def addressed_topic_about(topic: str) -> AddressedTopicAbout | None:
    """Reads `topic` as `_topic` wrote it before guests were named by who they are (`meeting:<uid>@liaison-
    crm:<original start, "series" or nothing>:<address>`); None for any other."""
    kind, _sep, rest = topic.partition(":")
    about, _sep, address = rest.rpartition(":")
    if kind != "meeting" or "@" not in address or (meeting := _topic_meeting(about)) is None:
        return None
    return AddressedTopicAbout(**vars(meeting), address=address, meeting_prefix=f"meeting:{about}:")


def guest_merged(*, keep_id: int, duplicate_id: int) -> None:
    """The messages to a stakeholder record merged away join those of the record kept, which its attendances
    moved to: its topics named it, and a message still waiting on them would not be withdrawn."""
    messages_readdress(was=f"stakeholder:{duplicate_id}", now=f"stakeholder:{keep_id}")


def _withdraw_stale(
    meeting: Meeting, topics: dict[Attendee, list[str]], *, keep: Collection[str] = ()
) -> tuple[set[str], set[int], Withdrawal]:
    """Withdraws the invitations and updates on each recipient's `topics` still waiting to be sent (but
    those keyed in `keep`), made stale by the message about to be enqueued. Returns the topics whose
    recipient's calendar cannot hold the meeting (or occurrence) they are about, the ids of the
    recipients who had a message withdrawn, and the withdrawal: the topics a message was withdrawn from,
    and those whose message was on its way (superseded).

    Run in the transaction that enqueues what replaces the messages withdrawn, so this is what was
    actually sent. A recipient is taken not to hold the meeting only on evidence: once this call's
    withdrawal is done, the last word on the occurrence that went out, may have or is still to go is none
    (nor an invitation to its whole series) or a removal that went out. So is one whose invitations are
    not written yet (the organiser cancelled as soon as they scheduled): nothing is in their calendar to
    take out. Anything less certain — a meeting whose invitations were written before the outbox kept
    topics as they are now, a removal that may not have reached them — and they are told: a message too
    many is better than a meeting left in their calendar.
    """
    withdrawal = messages_withdraw(
        topics=[topic for own in topics.values() for topic in own],
        kinds=[INVITATION],
        keep=keep,
    )
    withdrawn = withdrawal.withdrawn
    withdrawn_from = {attendee.pk for attendee, own in topics.items() if withdrawn.intersection(own)}
    if _invited_before_topics(meeting):
        return set(), withdrawn_from, withdrawal
    series = {
        attendee: _topic(meeting, attendee, whole_series=True) if meeting.series_id else None
        for attendee in topics
    }
    last_word = topics_told(
        topics=[topic for own in topics.values() for topic in own] + [t for t in series.values() if t],
        kinds=[INVITATION, REMOVAL],
    )

    def holds(topic: str, series_topic: str | None) -> bool:
        if topic in last_word:
            kind, status = last_word[topic]
            return kind == INVITATION or status != OutboundMessage.Status.SENT
        return series_topic in last_word and last_word[series_topic][0] == INVITATION

    return (
        {topic for attendee, own in topics.items() for topic in own if not holds(topic, series[attendee])},
        withdrawn_from,
        withdrawal,
    )


def _as_held(attendees: Iterable[Attendee]) -> list[Attendee | None]:
    """`attendees`, their stakeholder records held (FOR KEY SHARE) until the messages about to name them in
    their topics are written. A merge locks both its records FOR UPDATE before readdressing their messages
    (`guest_merged`): one under way when these are written waits for them, and readdresses them with the
    rest. One that went first has deleted the record merged away, read here before it: that guest stands as
    the record kept, which the merge moved their place on the meeting to, else as nobody (None): a message
    on the merged record's topic now would stand apart from the rest of theirs, withdrawn by none of the
    messages that follow it.

    The attendees come back in the same order, so a caller keeps them with what it read alongside."""
    attendees = list(attendees)
    records = {a.stakeholder_id for a in attendees if a.stakeholder_id}
    gone = records - hold_rows(Stakeholder, records)
    if not gone:
        return attendees
    into = dict(
        MergeRecord.objects.filter(duplicate_id__in=gone, kept__isnull=False).values_list(
            "duplicate_id", "kept_id"
        )
    )
    kept = {s.pk: s for s in Stakeholder.objects.filter(pk__in=hold_rows(Stakeholder, into.values()))}
    held = []
    for attendee in attendees:
        if attendee.stakeholder_id in gone:
            record = kept.get(into.get(attendee.stakeholder_id))
            if record is None:
                attendee = None
            else:
                attendee = copy.copy(attendee)
                attendee.stakeholder = record
        held.append(attendee)
    return held


def _one_each(attendees: Iterable[Attendee | None]) -> list[Attendee]:
    """Each person once, as a merge leaves them: both records' places on one meeting are one place."""
    seen, each = set(), []
    for attendee in attendees:
        if attendee is not None and _who(attendee) not in seen:
            seen.add(_who(attendee))
            each.append(attendee)
    return each


def _recipients(meeting: Meeting) -> list[Attendee]:
    return [attendee for attendee in meeting.attendees.all() if attendee.email]


def _zone_of(attendee: Attendee) -> zoneinfo.ZoneInfo:
    person = attendee.stakeholder if attendee.stakeholder_id else attendee.user
    return zoneinfo.ZoneInfo(person.time_zone)


def _ics_by_audience(
    recipients: list[Attendee], build: Callable[[bool], bytes]
) -> dict[tuple[bool, str], bytes]:
    """The .ics for staff (keyed True), with the link to the meeting's page, and for outside stakeholders
    (False), without that link they cannot open, each in the language of those who read it (_ics_for);
    each built only if someone will receive it."""
    audiences = {(attendee.is_staff_member, _language_of(attendee)) for attendee in recipients}
    ics = {}
    for staff, language in audiences:
        with translation.override(language):
            ics[staff, language] = build(staff)
    return ics


def _ics_for(ics: dict[tuple[bool, str], bytes], attendee: Attendee) -> bytes:
    return ics[attendee.is_staff_member, _language_of(attendee)]


def _render(template: str, meeting: Meeting, attendee: Attendee, **context) -> str:
    # Times are shown in the reader's own time zone, with the meeting's zone alongside when it differs.
    zone = _zone_of(attendee)
    with timezone.override(zone), translation.override(_language_of(attendee)):
        return render_to_string(
            f"meetings/email/{template}",
            {
                "meeting": meeting,
                "attendee": attendee,
                "reader_zone": zone.key,
                "meeting_zone_differs": zone.key != meeting.time_zone,
                "date_formats": DATE_FORMATS,
                **context,
            },
        ).strip()


def _subject(subject: str, meeting: Meeting, attendee: Attendee) -> str:
    """`subject`, lazily translated, with the meeting's title and start, in the reader's language."""
    # The zone goes with the time, as in the body: a guest abroad reading "10:00" alone may take it for
    # their own time when it is the sender's, or the reverse. Zones with no abbreviation of their own are
    # named by their offset ("+04"), which reads as one only after "UTC".
    starts = timezone.localtime(meeting.starts_at, _zone_of(attendee))
    zone = starts.tzname()
    if zone.startswith(("+", "-")):
        zone = f"UTC{zone}"
    with translation.override(_language_of(attendee)):
        when = f"{formats.date_format(starts, DATE_FORMATS['subject'])} {zone}"
        return subject % {"title": meeting.title, "when": when}


def invitations_send(
    meeting: Meeting,
    *,
    attendees: list[Attendee] | None = None,
    change: MeetingChange | None = None,
    whole_series: bool | None = None,
    again_of: int | None = None,
) -> list[OutboundMessage]:
    """Invites each attendee with an .ics they can accept; after a `change`, re-invites them saying what
    changed. Returns the messages.

    `attendees` were added to this meeting alone: on a series, to this occurrence and not the others.
    With `whole_series` they are sent the series' own invitation instead, every occurrence as it is now (by
    default only the series' first announcement is). `again_of` is the id of a failed or interrupted
    message this writes afresh, from the meeting as it is now: an invitation keyed apart from it, so it
    is a new message rather than the old one found again.
    """
    candidates = [a for a in (attendees if attendees is not None else _recipients(meeting)) if a.email]
    if not candidates:
        return []
    if whole_series is None:
        whole_series = bool(meeting.series_id) and change is None and attendees is None
    # Read once for both audiences' .ics, which differ only in the link to the meeting's page (and again under
    # the lock, only if it changed meanwhile: `_series_under_lock`).
    occurrences = calendar.series_occurrences(meeting.series) if whole_series else None

    enqueued = []
    with transaction.atomic():
        held = _as_held(candidates)
        if whole_series:
            occurrences, meeting = _series_under_lock(meeting, occurrences)
            build, version = partial(calendar.invitation, occurrences=occurrences), meeting.series.sequence
            closed = all(occurrence.status == MeetingStatus.CANCELLED for occurrence in occurrences)
        else:
            meeting = _meeting_under_lock(meeting)
            build = calendar.occurrence_update if meeting.series_id else calendar.invitation
            version = meeting.sequence
            closed = meeting.status == MeetingStatus.CANCELLED or (
                meeting.status == MeetingStatus.HELD and change is None
            )
        if closed:
            # Cancelled since it was scheduled or read, the cancellation's messages written first (it makes a
            # new version, so the lock finds it): that (none, to a guest nothing had reached yet) is the last
            # word, and an invitation now would put the meeting back in their calendars. Recorded as held
            # before a guest added to it is invited: it is over, with nothing for them to accept. Not so an
            # edit of a meeting recorded as held: one that moved it into the past is announced so calendars
            # drop the old slot, whichever of the two committed first.
            return []
        # Those an edit committed since took off the meeting (its removal written first, or to be): their
        # place on it is gone from the meeting as locked. By their place, not who they are: a merge since
        # moved a guest's place to the record kept, which they are held as. One invited back meanwhile has
        # a new place, and the invitation of the edit that added them. Read under the lock, whatever the
        # version: a merge or an edit that only adds attendees makes no new one.
        places = set(meeting.attendees.values_list("pk", flat=True))
        recipients = _one_each(a for a in held if a is not None and a.pk in places)
        outdated = change is not None and version > change.version and not change.still_true_of(meeting)
        if outdated:
            recipients = _not_told_since(meeting, recipients, change)
            # What it says changed, a later edit changed again: they are told only that it changed, and
            # how it is now. Keyed by the version they are told of, as locked: the later edit's messages,
            # written after these (maybe after these went out), find them and add none.
            change = change.untold()
        if not recipients:
            return []
        if change is not None and not outdated:
            version = change.version

        def key(attendee: Attendee) -> str:
            own = _invitation_key(meeting, attendee, version, whole_series=whole_series)
            return f"{own}:again-of-{again_of}" if again_of is not None else own

        ics = _ics_by_audience(recipients, lambda crm_link: build(meeting, crm_link=crm_link))
        topics = {attendee: _topic(meeting, attendee, whole_series=whole_series) for attendee in recipients}
        joining = [
            a for a in recipients if attendees is not None or (change is not None and a.pk in change.joined)
        ]
        if joining:
            # One taken off and invited back: a removal still waiting (a busy worker, a refusal to retry)
            # would arrive after this and take the meeting out of the calendar of someone on it.
            messages_withdraw(topics=[_topic(meeting, attendee) for attendee in joining], kinds=[REMOVAL])
        unheld, withdrawn, _topics = _withdraw_stale(
            meeting,
            {attendee: [topic] for attendee, topic in topics.items()},
            # Written again, from the meeting as it is now (read under its lock): what else waits on the
            # topic, of this version too, is withdrawn, so the guest is told once.
            keep=[key(a) for a in recipients]
            if again_of is not None
            else _invitations_since(meeting, recipients, version, whole_series=whole_series),
        )
        told_before = _told_version_before(meeting, recipients, change) if change and not outdated else set()
        for attendee in recipients:
            if change is None or topics[attendee] in unheld or attendee.pk in change.joined:
                # Their first invitation: they have just joined, or nothing of the meeting reached them yet
                # (an invitation still waiting was withdrawn just now).
                their_change = None
            elif attendee.pk in withdrawn or attendee.pk not in told_before:
                # An update they were not sent was withdrawn, or an earlier edit's is not written yet (it
                # finds this one, and is not written to them at all): this edit's change is not all that
                # changed since the version they have.
                their_change = change.untold()
            else:
                their_change = change
            enqueued.append(
                message_enqueue(
                    key=key(attendee),
                    kind=INVITATION,
                    to=attendee.email,
                    subject=_subject(
                        _("Updated invitation: %(title)s — %(when)s")
                        if their_change
                        else _("Invitation: %(title)s — %(when)s"),
                        meeting,
                        attendee,
                    ),
                    body=_render(
                        "invitation.txt", meeting, attendee, change=their_change, whole_series=whole_series
                    ),
                    attachments=[
                        Attachment(
                            "invite.ics",
                            _ics_for(ics, attendee),
                            "text/calendar; method=REQUEST; charset=utf-8",
                        )
                    ],
                    group=f"meeting:{meeting.pk}",
                    topic=topics[attendee],
                    recipient_user=attendee.user,
                    # Written again a second time, the first cancelled since (by an administrator): wanted
                    # now, with what is current now. It was never sent.
                    reinstate=again_of is not None,
                )
            )
    return enqueued


def _not_told_since(meeting: Meeting, recipients: list[Attendee], change: MeetingChange) -> list[Attendee]:
    """Those of `recipients` no invitation of a version after `change`'s was written for: one that was (a
    later edit's, whose messages were written first) tells them how the meeting is now, and the earlier
    edit's, sent after it, would tell them twice. Keyed by the address alone too, by a process still running
    the code from before meetings migration 0019 (a deploy): `_invitations_since` of `change`'s version
    names those of the later versions, and its own."""
    later = {
        attendee: [
            key
            for key in _invitations_since(meeting, [attendee], change.version)
            if key != _invitation_key(meeting, attendee, change.version)
        ]
        for attendee in recipients
    }
    standing = keys_standing(key for keys in later.values() for key in keys)
    return [attendee for attendee in recipients if standing.isdisjoint(later[attendee])]


def _told_version_before(meeting: Meeting, recipients: list[Attendee], change: MeetingChange) -> set[int]:
    """The ids of those of `recipients` for whom the meeting as they know it is the one `change` says it
    was: an invitation stands for them (sent or to be) of the last version announced before `change`'s or
    of a later one, or of the whole series of an occurrence. Not so for one whose invitation is older: an
    edit between changed what they know. One query.

    An edit whose messages are written and are only removals (it took others off) told those left nothing,
    and changed nothing they know: the last version announced is the one before it. An edit none of whose
    messages is written yet counts as announced: it may announce a change, its messages written after
    these, and those not sent it are told that the meeting changed and how it is now, which is true."""
    occurrence = _invitation_version_prefix(meeting)
    series = _invitation_version_prefix(meeting, whole_series=True)
    removals = _removal_key_prefix(meeting)
    written = keys_written(prefixes=[occurrence, removals, *([series] if meeting.series_id else [])])

    def under(prefix: str) -> list[tuple[int, str, bool]]:
        """The version, addressee and standing of each message keyed under `prefix`, as `_invitation_key`
        and `removals_send` key them: the addressee as `_addressee` names them, or by the address alone
        (a process from before meetings migration 0019), without what "Send again" adds."""
        found = []
        for key, stands in written.items():
            if key.startswith(prefix):
                version, _sep, addressee = key.removeprefix(prefix).partition(":")
                if version.isdigit():
                    found.append((int(version), addressee.partition(":again-of-")[0], stands))
        return found

    invitations = under(occurrence)
    told_others_only = {version for version, _a, _s in under(removals)} - {v for v, _a, _s in invitations}
    last_announced = change.version - 1
    while last_announced in told_others_only:
        last_announced -= 1
    knowing = {a for version, a, stands in invitations if stands and version >= last_announced}
    knowing.update(a for _version, a, stands in under(series) if stands)
    return {attendee.pk for attendee in recipients if {_addressee(attendee), attendee.email} & knowing}


def cancellations_send(
    meeting: Meeting, *, and_following: bool = False, cancelled_ids: Collection[int] | None = None
) -> None:
    """Tells each attendee sent an invitation that the meeting (and, `and_following`, every later one of
    its series) is cancelled. Invitations still waiting are withdrawn instead; an attendee sent none has
    nothing in their calendar to take out, and is sent nothing.

    Of a series, each guest is told of the cancelled occurrences they are on and were sent, in one
    message: one added to a later occurrence alone has that one in their calendar, and nothing of the
    occurrence the organiser cancelled from. With `cancelled_ids`, only the occurrences this cancellation
    cancelled: one cancelled on its own before was told of then, and is not told again.

    A guest whose invitation to the whole series is still waiting (or failed) has it withdrawn too, as it
    names the occurrences cancelled: while some of the series is left to take place, it is written again
    from the series as it is now, without them; once nothing is, it is not. They are told once: that
    invitation, and a cancellation only of an occurrence something else on it put in their calendar (an
    earlier series invitation sent, or an invitation or update of its own). One a worker was sending is
    written again too: refused, it is dropped and this stands in its place; sent, this follows it as the
    series' next version, which takes the occurrences cancelled out of their calendar. So is one
    interrupted mid-send, which a person may otherwise send again as it was, naming them."""
    # Read once for every guest's .ics, which differ only in the occurrences they hold and the link to
    # the meeting's page (and again under the lock, only if it changed meanwhile: `_series_under_lock`).
    occurrences = calendar.series_occurrences(meeting.series) if meeting.series_id else None
    cancelled = _cancelled_from(meeting, occurrences, cancelled_ids) if and_following else [meeting]
    if not any(_recipients(occurrence) for occurrence in cancelled):
        return
    with transaction.atomic():
        guests, merged = _guests_held(cancelled)
        if not guests:
            return
        if meeting.series_id:
            # A merge committed since the series was read moved a guest's places on it to the record kept,
            # and changed no version: read as it was, the guest would be looked for there under the record
            # merged away, and their series invitation withdrawn and not written again.
            occurrences, meeting = _series_under_lock(meeting, occurrences, read_again=merged)
        unheld, withdrawal = _stale_invitations_withdraw(meeting, guests)
        rewrites, untold = [], set(unheld)
        if meeting.series_id:
            rewrites = _series_invitations_to_rewrite(meeting, occurrences, guests, withdrawal)
            untold |= _held_by_series_invitation_to_come(
                meeting, list(guests.values()), {_who(a) for _o, theirs in rewrites for a in theirs}
            )
        for held, attendees in _by_occurrences_told(guests, untold).items():
            _cancellations_enqueue(meeting, held, attendees, and_following=and_following)
        # Written again for a guest whose series invitation was withdrawn, for one whose was on its way
        # (should the server refuse that one, it is dropped, superseded, not tried again, and this is the
        # invitation they are left with; should it go out, this follows it as its next version) and for one
        # whose was interrupted (sent again as it was, it would name the occurrences cancelled: this follows
        # it, and "Send again" refuses it).
        for occurrence, attendees in rewrites:
            invitations_send(occurrence, attendees=attendees, whole_series=True)


# Each guest of a cancellation by who they are (`_who`), as their topics name them: the attendee, and the
# cancelled occurrences they are on.
CancellationGuests = dict[str, tuple[Attendee, list[Meeting]]]


def _cancelled_from(
    meeting: Meeting, occurrences: list[Meeting], cancelled_ids: Collection[int] | None
) -> list[Meeting]:
    """The occurrences cancelled "this and following" from `meeting`, in the series' order; with
    `cancelled_ids`, only those this cancellation cancelled: one cancelled on its own before was told of
    then."""
    return sorted(
        (
            o
            for o in occurrences
            if o.status == MeetingStatus.CANCELLED
            and o.original_start >= meeting.original_start
            and (cancelled_ids is None or o.pk in cancelled_ids)
        ),
        key=lambda o: o.original_start,
    )


def _guests_held(cancelled: list[Meeting]) -> tuple[CancellationGuests, bool]:
    """The guests with an email address on the `cancelled` occurrences, their records held until their
    messages are written (`_as_held`), and whether a merge committed since the occurrences were read stands
    one of them as the record kept."""
    guests: CancellationGuests = {}
    on = [(occurrence, attendee) for occurrence in cancelled for attendee in _recipients(occurrence)]
    held = _as_held(a for _o, a in on)
    for (occurrence, _attendee), attendee in zip(on, held, strict=True):
        if attendee is not None:
            theirs = guests.setdefault(_who(attendee), (attendee, []))[1]
            if occurrence not in theirs:
                theirs.append(occurrence)
    merged = any(as_held is not attendee for (_o, attendee), as_held in zip(on, held, strict=True))
    return guests, merged


def _stale_invitations_withdraw(meeting: Meeting, guests: CancellationGuests) -> tuple[set[str], Withdrawal]:
    """Withdraws what still waits for the guests on the occurrences cancelled and, of a series, the
    invitation to its whole (`_withdraw_stale`): the topics whose guest's calendar does not hold them, and
    the withdrawal."""
    unheld, _withdrawn, withdrawal = _withdraw_stale(
        meeting,
        {
            attendee: [_topic(occurrence, attendee) for occurrence in theirs]
            + ([_topic(meeting, attendee, whole_series=True)] if meeting.series_id else [])
            for attendee, theirs in guests.values()
        },
        # The series' invitation of the version it has now was written from it as it is now (another
        # cancellation's, whose messages were written first): it is what this would write, not stale.
        keep=_invitations_since(
            meeting, [a for a, _theirs in guests.values()], meeting.series.sequence, whole_series=True
        )
        if meeting.series_id
        else (),
    )
    return unheld, withdrawal


def _series_invitations_to_rewrite(
    meeting: Meeting, occurrences: list[Meeting], guests: CancellationGuests, withdrawal: Withdrawal
) -> list[tuple[Meeting, list[Attendee]]]:
    """Where the series invitation of each guest whose own was withdrawn, superseded on its way or
    interrupted is written again (`_series_rewrites`)."""
    stale = withdrawal.withdrawn | withdrawal.superseded | withdrawal.interrupted
    rewritten = [
        who
        for who, (attendee, _theirs) in guests.items()
        if _topic(meeting, attendee, whole_series=True) in stale
    ]
    rewrites = _series_rewrites(occurrences, rewritten)
    if set(rewritten) - {_who(a) for _o, theirs in rewrites for a in theirs}:
        # A guest whose series invitation was withdrawn is on none of the occurrences as read: a merge
        # committed before their record was held may have moved to them the places, and the waiting series
        # invitation, of a record on other occurrences than those cancelled. Read again, under the lock,
        # they are found there, and their series not lost.
        rewrites = _series_rewrites(calendar.series_occurrences(meeting.series), rewritten)
    return rewrites


def _by_occurrences_told(
    guests: CancellationGuests, untold: Collection[str]
) -> dict[tuple[Meeting, ...], list[Attendee]]:
    """The guests to tell, grouped by the cancelled occurrences they are told of: those they are on but
    those whose topic is `untold`. A guest with none left is sent nothing."""
    told: dict[tuple[Meeting, ...], list[Attendee]] = {}
    for attendee, theirs in guests.values():
        held = tuple(o for o in theirs if _topic(o, attendee) not in untold)
        if held:
            told.setdefault(held, []).append(attendee)
    return told


def _cancellations_enqueue(
    meeting: Meeting, held: tuple[Meeting, ...], attendees: list[Attendee], *, and_following: bool
) -> None:
    """Tells `attendees` that the occurrences `held`, which their calendars hold, are cancelled: one
    message each, keyed by the cancellation of `meeting`, with an .ics per audience."""
    ics = _ics_by_audience(
        attendees,
        lambda crm_link: calendar.cancellation(
            held[0], crm_link=crm_link, and_following=and_following, occurrences=list(held)
        ),
    )
    # Named by the first occurrence they hold: the one the organiser cancelled from may not be theirs.
    shown = held[0]
    for attendee in attendees:
        message_enqueue(
            key=f"meeting-cancellation:{_occurrence_key(meeting)}:{meeting.sequence}:{_addressee(attendee)}",
            kind=CANCELLATION,
            to=attendee.email,
            subject=_subject(_("Cancelled: %(title)s — %(when)s"), shown, attendee),
            body=_render("cancellation.txt", shown, attendee, and_following=len(held) > 1),
            attachments=[
                Attachment(
                    "cancel.ics",
                    _ics_for(ics, attendee),
                    "text/calendar; method=CANCEL; charset=utf-8",
                )
            ],
            group=f"meeting:{meeting.pk}",
            topic=_topic(shown, attendee),
            recipient_user=attendee.user,
        )


def _meeting_under_lock(meeting: Meeting) -> Meeting:
    """`meeting` (one occurrence of a series, say) as it is once locked: read again if an edit or a
    cancellation committed since it was read (its version moved on), or it was recorded as held (which
    makes no new version). Its messages are then written from the meeting as that left it, and the
    invitations of that version, maybe written meanwhile, are not taken for stale (`_invitations_since`).

    Locked as a cancellation, an edit and "Send again with current details" lock it: after the guests'
    records and before the outbox rows. An edit's own messages, written while another's are, wait for them
    and then find their version."""
    locked = (
        Meeting.objects.filter(pk=meeting.pk)
        .select_for_update(no_key=True)
        .values_list("sequence", "status")
        .get()
    )
    if locked == (meeting.sequence, meeting.status):
        return meeting
    return Meeting.objects.as_told().get(pk=meeting.pk)


def _series_under_lock(
    meeting: Meeting, occurrences: list[Meeting], *, read_again: bool = False
) -> tuple[list[Meeting], Meeting]:
    """The series' occurrences and `meeting` among them, as they are once locked: read again if another
    cancellation or an edit committed since they were read (a version moved on), or if `read_again`.

    Locked as "Send again with current details" locks them, after the guests' records and before the
    outbox rows (`invitation_send_again`), and as a cancellation locks them, in the series' order. Read
    before, a series version moved on meanwhile was taken for stale: the series invitation another
    cancellation had just written of it was withdrawn, and one of the version read written in its place."""
    locked = list(
        Meeting.objects.filter(series_id=meeting.series_id)
        .order_by("original_start")
        .select_for_update(no_key=True, of=("self",))
        .values_list("pk", "sequence", "series__sequence")
    )
    read = sorted(occurrences, key=lambda o: o.original_start)
    if read_again or locked != [(o.pk, o.sequence, o.series.sequence) for o in read]:
        read = calendar.series_occurrences(meeting.series)
    return read, next(o for o in read if o.pk == meeting.pk)


def _series_rewrites(
    occurrences: list[Meeting], guests: Collection[str]
) -> list[tuple[Meeting, list[Attendee]]]:
    """Where the series invitation of each of `guests` (named as `_who` names them) is written again from
    the series as it is now: named by the first occurrence still to take place that they are on. One on
    none of them is invited to nothing."""
    planned = sorted(
        (o for o in occurrences if o.status == MeetingStatus.PLANNED and not o.is_past),
        key=lambda o: o.original_start,
    )
    waiting, rewrites = set(guests), []
    for occurrence in planned:
        theirs = [a for a in _recipients(occurrence) if _who(a) in waiting]
        if theirs:
            waiting.difference_update(_who(a) for a in theirs)
            rewrites.append((occurrence, theirs))
    return rewrites


def _held_by_series_invitation_to_come(
    meeting: Meeting, guests: list[tuple[Attendee, list[Meeting]]], rewritten: Collection[str]
) -> set[str]:
    """The topics of the cancelled occurrences that only a series invitation still to reach their guest
    names: one `rewritten` now (named as `_who` names them), or one written from the series as it is now
    and still waiting. Either leaves those occurrences out, so a cancellation of one would take out of
    their calendar what it never held: they are told once, by that invitation. Not so for a guest sent a
    series invitation before (it put the occurrences in their calendar), nor for an occurrence an
    invitation or update of its own may have reached them about. Read after the withdrawal, in its
    transaction."""
    series = {_who(attendee): _topic(meeting, attendee, whole_series=True) for attendee, _theirs in guests}
    own = [_topic(occurrence, attendee) for attendee, theirs in guests for occurrence in theirs]
    last_word = topics_told(topics=[*series.values(), *own], kinds=[INVITATION, REMOVAL])
    waiting = (INVITATION, OutboundMessage.Status.PENDING)
    to_come = {who for who, topic in series.items() if who in rewritten or last_word.get(topic) == waiting}
    if to_come:
        sent = topics_sent(topics=[series[who] for who in to_come], kinds=[INVITATION])
        to_come = {who for who in to_come if series[who] not in sent}
    if not to_come or _invited_before_topics(meeting):
        return set()
    return {
        _topic(occurrence, attendee)
        for attendee, theirs in guests
        if _who(attendee) in to_come
        for occurrence in theirs
        if last_word.get(_topic(occurrence, attendee), ("", ""))[0] != INVITATION
    }


def removals_withdraw(meeting: Meeting, attendee: Attendee) -> None:
    """Withdraws a removal from `meeting` still waiting for `attendee`, who is on it, as `invitations_send`
    does for a guest it invites: for a caller that must lock it before the invitations on their topic
    (every writer takes removals, then invitations)."""
    messages_withdraw(topics=[_topic(meeting, attendee)], kinds=[REMOVAL])


def removals_send(meeting: Meeting, *, removed: list[Attendee], change: MeetingChange) -> None:
    """Tells each attendee taken off the meeting by `change`, with an .ics that takes it out of their
    calendar. They are shown the meeting as they knew it: what else the edit changed is no longer theirs
    to know. As for a cancellation, an invitation still waiting is withdrawn instead, and one who was sent
    none is sent nothing."""
    removed = [a for a in removed if a.email]
    if not removed:
        return
    known = change.meeting_as_it_was(meeting)
    with transaction.atomic():
        held = _as_held(removed)
        meeting = _meeting_under_lock(meeting)
        # Written after the edit commits, maybe after a later edit added them back: their invitation from it
        # stands, and they are on the meeting. Read under the lock, whatever the version: an edit that only
        # adds attendees makes no new one. After their records are held: a merge since moved them to the
        # record kept, as they are held.
        present = {_who(attendee) for attendee in meeting.attendees.only("stakeholder", "user")}
        removed = [a for a in _one_each(held) if _who(a) not in present]
        if not removed:
            return
        unheld, _withdrawn, _topics = _withdraw_stale(
            meeting,
            {attendee: [_topic(meeting, attendee)] for attendee in removed},
            keep=_invitations_since(meeting, removed, change.version),
        )
        for attendee in removed:
            if _topic(meeting, attendee) in unheld:
                continue
            message_enqueue(
                key=f"{_removal_key_prefix(meeting)}{change.version}:{_addressee(attendee)}",
                kind=REMOVAL,
                to=attendee.email,
                subject=_subject(_("No longer invited: %(title)s — %(when)s"), known, attendee),
                body=_render("removal.txt", known, attendee),
                attachments=[
                    Attachment(
                        "cancel.ics",
                        calendar.cancellation(known, uninvited=attendee),
                        "text/calendar; method=CANCEL; charset=utf-8",
                    )
                ],
                group=f"meeting:{meeting.pk}",
                topic=_topic(meeting, attendee),
                recipient_user=attendee.user,
            )


def reminders_schedule(meeting: Meeting) -> None:
    """Makes the meeting's pending reminders match its current time, attendees and replies.

    Reminders are outbox rows due at `start - offset`; the beat dispatcher sends them when they fall due.
    Those still wanted stay as they are, so an edit that changes nothing on the calendar loses none, and one
    withdrawn earlier (a guest removed and added again) is reinstated.
    """
    now = timezone.now()
    wanted = []
    if meeting.status == MeetingStatus.PLANNED:
        for minutes in meeting.reminder_minutes:
            # Compared as a difference: the send time of a meeting early in year 1 is before any date
            # there is.
            if meeting.starts_at - now <= dt.timedelta(minutes=minutes):
                continue
            for attendee in _recipients(meeting):
                if attendee.rsvp != "declined":
                    # How the reader reads it is part of the key: a reminder queued in the language or time
                    # zone they had before, or to their old address, is not still wanted, and is replaced.
                    reader = f"{_language_of(attendee)}:{_zone_of(attendee).key}:{_addressee(attendee)}"
                    key = f"meeting-reminder:{meeting.pk}:{meeting.sequence}:{minutes}:{reader}"
                    wanted.append((key, minutes, attendee))
    group = f"meeting:{meeting.pk}:reminders"
    keys = [key for key, _minutes, _attendee in wanted]
    messages_cancel(group=group, keep=keys)
    # Every reply and edit comes here: the reminders already queued are left without rendering them again.
    standing = keys_standing(keys)
    for key, minutes, attendee in wanted:
        if key in standing:
            continue
        message_enqueue(
            key=key,
            kind="meeting_reminder",
            to=attendee.email,
            subject=_subject(_("Reminder: %(title)s — %(when)s"), meeting, attendee),
            body=_render("reminder.txt", meeting, attendee),
            scheduled_for=meeting.starts_at - dt.timedelta(minutes=minutes),
            group=group,
            recipient_user=attendee.user,
            reinstate=True,
        )


def follow_ups_send(meeting: Meeting) -> None:
    """After a meeting is held: its decisions and action items, with owners and dates, to everyone it
    recorded as present. Those who declined are not thanked for taking part."""
    decisions = list(meeting.decisions.all())
    actions = list(meeting.action_items.select_related("owner_user", "owner_stakeholder"))
    for attendee in (a for a in _recipients(meeting) if a.attended):
        with translation.override(_language_of(attendee)):
            subject = gettext("Follow-up: %(title)s") % {"title": meeting.title}
        message_enqueue(
            key=f"meeting-follow-up:{meeting.pk}:{_addressee(attendee)}",
            kind="meeting_follow_up",
            to=attendee.email,
            subject=subject,
            body=_render("follow_up.txt", meeting, attendee, decisions=decisions, actions=actions),
            group=f"meeting:{meeting.pk}",
            recipient_user=attendee.user,
        )

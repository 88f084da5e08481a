"""iCalendar (RFC 5545) for meetings: invitations, updates, cancellations and personal feeds.

A single meeting is one VEVENT. A series is one VEVENT with an RRULE (its UID shared by every occurrence),
EXDATEs for cancelled occurrences, and an overriding VEVENT (RECURRENCE-ID) for each moved one. Every
change bumps SEQUENCE so calendar programs replace what they hold instead of adding a copy.

The description links to the meeting's page in the CRM for staff (downloads, feeds, their invitations);
outside stakeholders are sent it without that link, which asks them to sign in to an account they do not have.
"""

import datetime as dt
from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from .models import AgendaItem, Attendee, Meeting, MeetingSeries, MeetingStatus, Rsvp
from .recurrence import ICAL_RRULE

PRODID = "-//Liaison CRM//Meetings//EN"

PARTSTAT = {
    Rsvp.NEEDS_ACTION: "NEEDS-ACTION",
    Rsvp.ACCEPTED: "ACCEPTED",
    Rsvp.TENTATIVE: "TENTATIVE",
    Rsvp.DECLINED: "DECLINED",
}


def _calendar(method: str | None) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    return calendar


def _address(email: str, name: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["CN"] = icalendar.vText(name)
    return address


def _description(meeting: Meeting, *, crm_link: bool) -> str:
    """The event's notes, in the active language (the reader's, meetings.notifications) around what the
    officer typed."""
    lines = [meeting.purpose] if meeting.purpose else []
    agenda = list(meeting.agenda_items.all())
    if agenda:
        lines += ["", gettext("Agenda:")]
        lines += [_agenda_line(number, item) for number, item in enumerate(agenda, start=1)]
    if meeting.video_url:
        lines += ["", gettext("Join: %(url)s") % {"url": meeting.video_url}]
    if crm_link:
        lines += ["", f"{settings.SITE_URL.rstrip('/')}{meeting.get_absolute_url()}"]
    return "\n".join(lines).strip()


def _agenda_line(number: int, item: AgendaItem) -> str:
    if not item.minutes_allotted:
        return f"{number}. {item.title}"
    length = pgettext("agenda item length", "%(minutes)s min") % {"minutes": item.minutes_allotted}
    return f"{number}. {item.title} ({length})"


def _local(moment: dt.datetime, meeting: Meeting) -> dt.datetime:
    return moment.astimezone(meeting.local_time_zone)


def _event(
    meeting: Meeting, *, sequence: int, crm_link: bool, recurrence_id: dt.datetime | None = None
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", meeting.ical_uid)
    event.add("dtstamp", timezone.now())
    event.add("sequence", sequence)
    if recurrence_id is not None:
        event.add("recurrence-id", _local(recurrence_id, meeting))
    event.add("dtstart", _local(meeting.starts_at, meeting))
    event.add("dtend", _local(meeting.ends_at, meeting))
    event.add("summary", meeting.title)
    event.add("description", _description(meeting, crm_link=crm_link))
    if meeting.location or meeting.video_url:
        event.add("location", meeting.location or meeting.video_url)
    event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    event.add(
        "organizer", _address(meeting.organiser.email or settings.DEFAULT_FROM_EMAIL, str(meeting.organiser))
    )
    for attendee in meeting.attendees.all():
        if not attendee.email:
            continue
        address = _address(attendee.email, str(attendee.person))
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = PARTSTAT[attendee.rsvp]
        address.params["RSVP"] = "TRUE"
        event.add("attendee", address)
    return event


def _series_events(
    series: MeetingSeries, occurrences: list[Meeting], *, crm_link: bool, only: set[int] | None = None
) -> list[icalendar.Event]:
    """The series' own event and its overrides; with `only`, the occurrences outside it are left out
    (a reader invited to some occurrences alone)."""
    occurrences = sorted(occurrences, key=lambda occurrence: occurrence.original_start)
    first = occurrences[0]
    master = _event(first, sequence=series.sequence, crm_link=crm_link)
    # The master describes the rule's slots; a moved first occurrence is an override like any other.
    master["dtstart"] = icalendar.vDDDTypes(_local(first.original_start, first))
    master["dtend"] = icalendar.vDDDTypes(
        _local(first.original_start + (first.ends_at - first.starts_at), first)
    )
    master["status"] = "CONFIRMED"
    master.add("rrule", {**ICAL_RRULE[series.frequency], "COUNT": series.count})
    skipped = [
        o.original_start
        for o in occurrences
        if o.status == MeetingStatus.CANCELLED or (only is not None and o.pk not in only)
    ]
    if skipped:
        master.add("exdate", [_local(moment, first) for moment in skipped])
    events = [master]
    for occurrence in occurrences:
        if only is not None and occurrence.pk not in only:
            continue
        moved = occurrence.starts_at != occurrence.original_start
        if moved and occurrence.status != MeetingStatus.CANCELLED:
            events.append(
                _event(
                    occurrence,
                    sequence=occurrence.sequence,
                    crm_link=crm_link,
                    recurrence_id=occurrence.original_start,
                )
            )
    return events


def _to_bytes(calendar: icalendar.Calendar, events: Iterable[icalendar.Event]) -> bytes:
    for event in events:
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def series_occurrences(series: MeetingSeries) -> list[Meeting]:
    return list(series.occurrences.as_told())


def invitation(meeting: Meeting, *, crm_link: bool = True, occurrences: list[Meeting] | None = None) -> bytes:
    """METHOD:REQUEST for a new or changed meeting; for a series, the whole series, from its `occurrences`
    (series_occurrences) when the caller has read them already."""
    if meeting.series_id:
        if occurrences is None:
            occurrences = series_occurrences(meeting.series)
        events = _series_events(meeting.series, occurrences, crm_link=crm_link)
    else:
        events = [_event(meeting, sequence=meeting.sequence, crm_link=crm_link)]
    return _to_bytes(_calendar("REQUEST"), events)


def occurrence_update(meeting: Meeting, *, crm_link: bool = True) -> bytes:
    """METHOD:REQUEST for one occurrence of a series: moved, changed, or with a guest of its own."""
    event = _event(
        meeting, sequence=meeting.sequence, crm_link=crm_link, recurrence_id=meeting.original_start
    )
    return _to_bytes(_calendar("REQUEST"), [event])


def cancellation(
    meeting: Meeting,
    *,
    crm_link: bool = True,
    and_following: bool = False,
    uninvited: Attendee | None = None,
    occurrences: list[Meeting] | None = None,
) -> bytes:
    """METHOD:CANCEL for a meeting, one occurrence of a series, or one and every later one (of the series'
    `occurrences`, as series_occurrences reads them, when the caller has read them already).

    Later occurrences are each named by their RECURRENCE-ID: cancelling the series' own event would take
    the earlier ones out of attendees' calendars too. For an attendee taken off a meeting that still takes
    place, the event names only them (RFC 5546 3.2.5), so it withdraws their invitation alone.
    """
    if and_following:
        if occurrences is None:
            occurrences = series_occurrences(meeting.series)
        events = [
            _event(
                occurrence,
                sequence=occurrence.sequence,
                crm_link=crm_link,
                recurrence_id=occurrence.original_start,
            )
            for occurrence in sorted(occurrences, key=lambda o: o.original_start)
            if occurrence.original_start >= meeting.original_start
            and occurrence.status == MeetingStatus.CANCELLED
        ]
    elif meeting.series_id:
        events = [
            _event(
                meeting, sequence=meeting.sequence, crm_link=crm_link, recurrence_id=meeting.original_start
            )
        ]
    else:
        events = [_event(meeting, sequence=meeting.sequence, crm_link=crm_link)]
    for event in events:
        event["status"] = "CANCELLED"
        if uninvited is not None:
            event.pop("attendee", None)
            event.add("attendee", _address(uninvited.email, str(uninvited.person)))
            # The meeting still takes place without them: its video link is no longer theirs to have.
            event.pop("description", None)
            if not meeting.location:
                event.pop("location", None)
    return _to_bytes(_calendar("CANCEL"), events)


def feed(meetings: Iterable[Meeting], *, name: str) -> bytes:
    """A subscribable calendar of `meetings`: singles as they are, each series once with its rule and
    exceptions, and without the occurrences that are not among `meetings`."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", name)
    meetings = list(meetings)
    listed = {meeting.pk for meeting in meetings}
    events, series_seen = [], set()
    for meeting in meetings:
        if meeting.series_id is None:
            events.append(_event(meeting, sequence=meeting.sequence, crm_link=True))
        elif meeting.series_id not in series_seen:
            series_seen.add(meeting.series_id)
            events += _series_events(
                meeting.series, series_occurrences(meeting.series), crm_link=True, only=listed
            )
    return _to_bytes(calendar, events)

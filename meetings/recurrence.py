"""When the occurrences of a repeating meeting fall: the same local wall-clock time, across DST changes."""

import datetime as dt
import zoneinfo

from dateutil import rrule

from .models import Frequency

RRULE_PARTS = {
    Frequency.WEEKLY: {"freq": rrule.WEEKLY, "interval": 1},
    Frequency.FORTNIGHTLY: {"freq": rrule.WEEKLY, "interval": 2},
    Frequency.MONTHLY: {"freq": rrule.MONTHLY, "interval": 1},
}

ICAL_RRULE = {
    Frequency.WEEKLY: {"FREQ": "WEEKLY", "INTERVAL": 1},
    Frequency.FORTNIGHTLY: {"FREQ": "WEEKLY", "INTERVAL": 2},
    Frequency.MONTHLY: {"FREQ": "MONTHLY", "INTERVAL": 1},
}


def occurrence_starts(
    first_start: dt.datetime, time_zone: str, frequency: str, count: int
) -> list[dt.datetime]:
    """The aware start of each occurrence, computed in the meeting's own time zone.

    A weekly 10:00 meeting in London stays at 10:00 London time when the clocks change, as calendar
    programs expanding the RRULE also do. Months without the day (the 31st) are skipped, as RFC 5545 says.
    """
    zone = zoneinfo.ZoneInfo(time_zone)
    local_first = first_start.astimezone(zone).replace(tzinfo=None)
    rule = rrule.rrule(dtstart=local_first, count=count, **RRULE_PARTS[frequency])
    return [moment.replace(tzinfo=zone) for moment in rule]

"""The practical and cultural check before invitations go out: what the proposed slot means for each guest."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from contacts.models import Stakeholder

WORKING_DAY_START = dt.time(8, 0)
WORKING_DAY_END = dt.time(19, 0)


@dataclass(frozen=True)
class GuestSlot:
    stakeholder: Stakeholder
    starts: dt.datetime
    ends: dt.datetime
    reference_date: dt.date

    @property
    def outside_working_hours(self) -> bool:
        # A slot ending exactly at 19:00 is fine; one crossing midnight never is.
        return (
            self.starts.time() < WORKING_DAY_START
            or self.ends.date() != self.starts.date()
            or self.ends.time() > WORKING_DAY_END
        )

    @property
    def on_weekend(self) -> bool:
        return self.starts.weekday() >= 5

    @property
    def day_differs(self) -> bool:
        return self.starts.date() != self.reference_date


def guest_slots(
    starts_at: dt.datetime, ends_at: dt.datetime, stakeholders, reference_zone: str
) -> list[GuestSlot]:
    """The slot in each stakeholder's own time zone, to flag early, late, next-day and weekend times."""
    reference_date = starts_at.astimezone(zoneinfo.ZoneInfo(reference_zone)).date()
    return [
        GuestSlot(
            stakeholder=stakeholder,
            starts=starts_at.astimezone(stakeholder.local_time_zone),
            ends=ends_at.astimezone(stakeholder.local_time_zone),
            reference_date=reference_date,
        )
        for stakeholder in stakeholders
    ]

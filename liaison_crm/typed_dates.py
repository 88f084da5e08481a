"""Dates a person types on a record: when a concern was raised, a commitment falls due or renews, a call
took place, a meeting starts, a position began, an objective is due.

Each must fall between EARLIEST and YEARS_AHEAD years from today. Anything outside is a slip of the
keyboard — 1900 for 2019, year 1 for a year left blank — that the pages then take at its word ("open 46351
days"). The oldest legitimate case is a position held for decades, hence 1950 rather than something
closer. Dates the application records itself (when something was resolved, cancelled, sent) are not typed
and not checked here.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

EARLIEST = dt.date(1950, 1, 1)
YEARS_AHEAD = 50


def latest_typed_date() -> dt.date:
    today = timezone.localdate()
    # 29 February fifty years on is not always a day: the 28th is.
    return (
        today.replace(year=today.year + YEARS_AHEAD, day=28)
        if (today.month, today.day) == (2, 29)
        else today.replace(year=today.year + YEARS_AHEAD)
    )


def validate_typed_date(value: dt.date | dt.datetime | None) -> None:
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    latest = latest_typed_date()
    if not EARLIEST <= day <= latest:
        raise ValidationError(
            _("Enter a date from %(earliest)s to %(latest)s.")
            % {
                "earliest": formats.date_format(EARLIEST, "j M Y"),
                "latest": formats.date_format(latest, "j M Y"),
            },
            code="implausible_date",
        )

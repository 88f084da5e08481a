import datetime as dt
import zoneinfo

from meetings.recurrence import occurrence_starts

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_weekly_meetings_keep_their_local_time_across_the_clock_change():
    first = dt.datetime(2026, 3, 17, 10, 0, tzinfo=LONDON)  # GMT; clocks go forward on 29 March
    starts = occurrence_starts(first, "Europe/London", "weekly", 4)
    assert [s.astimezone(LONDON).hour for s in starts] == [10, 10, 10, 10]
    assert [s.astimezone(dt.UTC).hour for s in starts] == [10, 10, 9, 9]


def test_fortnightly_meetings_are_two_weeks_apart():
    first = dt.datetime(2026, 1, 5, 14, 30, tzinfo=LONDON)
    starts = occurrence_starts(first, "Europe/London", "fortnightly", 3)
    assert [s.date() for s in starts] == [dt.date(2026, 1, 5), dt.date(2026, 1, 19), dt.date(2026, 2, 2)]


def test_monthly_meetings_skip_months_without_the_day():
    first = dt.datetime(2026, 1, 31, 9, 0, tzinfo=LONDON)
    starts = occurrence_starts(first, "Europe/London", "monthly", 3)
    assert [s.date() for s in starts] == [dt.date(2026, 1, 31), dt.date(2026, 3, 31), dt.date(2026, 5, 31)]


def test_occurrences_are_computed_in_the_meetings_zone_not_the_callers():
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    first = dt.datetime(2026, 3, 20, 18, 0, tzinfo=tokyo).astimezone(dt.UTC)
    starts = occurrence_starts(first, "Asia/Tokyo", "weekly", 2)
    assert all(s.astimezone(tokyo).hour == 18 for s in starts)

"""Keeping the summary tables current: each refresh is a few set-based statements, never a loop over rows.

- `health_snapshot_take` computes every active stakeholder's health for a day in one INSERT … SELECT
  (dashboards/health.py), replacing that day's rows, then rolls the day up into HealthSummary.
- `activity_refresh` rolls interactions up by week into ActivityWeek, OrganisationWeek and TopicWeek.
  Incrementally, it recomputes this week and last week (late logging) and every week holding an interaction
  changed since the previous refresh began or held one before (moved or deleted, as its history tells; a
  tag renamed or deleted marks the interactions carrying it changed); the nightly full refresh recomputes
  every week, which also catches officers who moved team.
- `health_history_purge` keeps daily snapshots for HEALTH_DAILY_HISTORY_DAYS and Mondays' beyond.

Each refresh holds a transaction-level advisory lock (liaison_crm/refreshes.py), so the beat schedule and a
manager's "Refresh" button never run the same refresh twice at once; readers keep seeing the previous figures
until it commits.
"""

import datetime as dt
import time
import zoneinfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import WhoCanHelp, require
from history.tracking import BASELINE
from liaison_crm.refreshes import RefreshLock, refresh_answered, refresh_lock, refresh_request

from .health import HEALTH_COLUMNS, health_sql
from .models import SummaryName, SummaryRefresh
from .tasks import refresh_figures as refresh_figures_task


def _record(name: str, *, started_at: dt.datetime, started: float, day: dt.date | None = None) -> None:
    now = timezone.now()
    SummaryRefresh.objects.update_or_create(
        name=name,
        defaults={
            "started_at": started_at,
            "refreshed_at": now,
            "day": day,
            "duration_ms": int((time.perf_counter() - started) * 1000),
        },
    )
    refresh_answered(SummaryRefresh.objects.filter(name=name), started_at=started_at)


# Today's rows are rewritten every quarter of an hour, but most stakeholders' health has not changed since the
# last time: only rows that differ are written, so the table does not fill with dead versions of itself.
UPSERT_SNAPSHOT = """
INSERT INTO dashboards_healthsnapshot (day, {columns})
SELECT %(day)s, {columns} FROM ({sql}) health ORDER BY team_id, owner_id
ON CONFLICT (stakeholder_id, day) DO UPDATE SET {updates}
WHERE ({current}) IS DISTINCT FROM ({excluded})
"""

# Stakeholders archived since the day's last snapshot (or added after it ended) lose their row.
DROP_UNSCORED = """
DELETE FROM dashboards_healthsnapshot snapshot
WHERE snapshot.day = %(day)s AND NOT EXISTS (
    SELECT 1 FROM contacts_stakeholder s
    WHERE s.id = snapshot.stakeholder_id AND (NOT s.is_archived OR s.archived_at >= %(cutoff)s)
          AND s.created_at < %(cutoff)s
)
"""


def health_snapshot_take(*, day: dt.date | None = None) -> int:
    """Computes the health of every active stakeholder on `day` (default today), replacing that day's
    snapshot; returns how many rows were written (new or changed)."""
    day = day or timezone.localdate()
    started, started_at = time.perf_counter(), timezone.now()
    sql, params = health_sql(day=day)
    changing = HEALTH_COLUMNS[1:]  # all but the stakeholder, which is the conflict's key with the day
    upsert = UPSERT_SNAPSHOT.format(
        columns=", ".join(HEALTH_COLUMNS),
        sql=sql,
        updates=", ".join(f"{column} = EXCLUDED.{column}" for column in changing),
        current=", ".join(f"dashboards_healthsnapshot.{column}" for column in changing),
        excluded=", ".join(f"EXCLUDED.{column}" for column in changing),
    )
    with transaction.atomic():
        refresh_lock(RefreshLock.HEALTH_SUMMARY)
        with connection.cursor() as cursor:
            cursor.execute(DROP_UNSCORED, params)
            cursor.execute(upsert, params)
            taken = cursor.rowcount
            cursor.execute("DELETE FROM dashboards_healthsummary WHERE day = %s", [day])
            cursor.execute(
                """
                INSERT INTO dashboards_healthsummary
                    (day, owner_id, team_id, organisation_kind, band, stakeholders, score_sum, stale)
                SELECT day, owner_id, max(team_id), organisation_kind, band, count(*), sum(score),
                       count(*) FILTER (WHERE days_overdue > 0)
                FROM dashboards_healthsnapshot WHERE day = %s
                GROUP BY day, owner_id, organisation_kind, band
                """,
                [day],
            )
        latest = SummaryRefresh.objects.filter(name=SummaryName.HEALTH).values_list("day", flat=True).first()
        if latest is None or day >= latest:
            _record(SummaryName.HEALTH, started_at=started_at, started=started, day=day)
    return taken


def health_history_backfill(*, days: int, today: dt.date | None = None) -> None:
    """Snapshots for the `days` days before today, as far as the registers remember (the demo data's)."""
    today = today or timezone.localdate()
    for back in range(days, 0, -1):
        health_snapshot_take(day=today - dt.timedelta(days=back))


def health_history_purge(*, today: dt.date | None = None) -> int:
    """Thins out old snapshots: daily ones for HEALTH_DAILY_HISTORY_DAYS, then Mondays' only."""
    today = today or timezone.localdate()
    keep_daily_from = today - dt.timedelta(days=settings.HEALTH_DAILY_HISTORY_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM dashboards_healthsnapshot WHERE day < %s AND extract(isodow FROM day) <> 1",
            [keep_daily_from],
        )
        return cursor.rowcount


def _week_start(moment: dt.datetime) -> dt.date:
    day = moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()
    return day - dt.timedelta(days=day.weekday())


def _week_bounds(week: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(week, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(week + dt.timedelta(days=7), dt.time.min, tzinfo=zone)


# Weeks start on Monday in the organisation's time zone (TIME_ZONE).
WEEK_OF = "date_trunc('week', i.occurred_at AT TIME ZONE %(tz)s)::date"

ACTIVITY_SQL = f"""
INSERT INTO dashboards_activityweek
    (week, officer_id, team_id, kind, organisation_kind, is_confidential, interactions, sentiment_sum)
SELECT {WEEK_OF}, i.logged_by_id, max(u.team_id), i.kind, COALESCE(o.kind, ''), i.is_confidential,
       count(*), sum(i.sentiment)
FROM interactions_interaction i
JOIN accounts_user u ON u.id = i.logged_by_id
LEFT JOIN contacts_organisation o ON o.id = i.organisation_id
WHERE {{where}}
GROUP BY 1, i.logged_by_id, i.kind, COALESCE(o.kind, ''), i.is_confidential
ORDER BY 3, 1
"""

ORGANISATION_SQL = f"""
INSERT INTO dashboards_organisationweek
    (week, organisation_id, organisation_kind, officer_id, team_id, is_confidential, interactions,
     sentiment_sum)
SELECT {WEEK_OF}, i.organisation_id, max(o.kind), i.logged_by_id, max(u.team_id), i.is_confidential,
       count(*), sum(i.sentiment)
FROM interactions_interaction i
JOIN accounts_user u ON u.id = i.logged_by_id
JOIN contacts_organisation o ON o.id = i.organisation_id
WHERE {{where}}
GROUP BY 1, i.organisation_id, i.logged_by_id, i.is_confidential
ORDER BY 5, 1
"""

# Through the topic links: an interaction counts once on each of its topics.
TOPIC_SQL = f"""
INSERT INTO dashboards_topicweek
    (week, topic_id, organisation_kind, officer_id, team_id, is_confidential, interactions, sentiment_sum)
SELECT {WEEK_OF}, t.tag_id, COALESCE(o.kind, ''), i.logged_by_id, max(u.team_id), i.is_confidential,
       count(*), sum(i.sentiment)
FROM interactions_interaction i
JOIN interactions_interaction_topics t ON t.interaction_id = i.id
JOIN accounts_user u ON u.id = i.logged_by_id
LEFT JOIN contacts_organisation o ON o.id = i.organisation_id
WHERE {{where}}
GROUP BY 1, t.tag_id, COALESCE(o.kind, ''), i.logged_by_id, i.is_confidential
ORDER BY 5, 1
"""

WEEKLY_ROLLUPS = {
    "dashboards_activityweek": ACTIVITY_SQL,
    "dashboards_organisationweek": ORGANISATION_SQL,
    "dashboards_topicweek": TOPIC_SQL,
}


# An interaction moved to another day, or deleted, also changes the week it was in, which the interaction
# table no longer knows. Its history does: the state before each change (a deletion too) is the event
# before it.
WEEKS_LEFT = f"""
SELECT DISTINCT {WEEK_OF}
FROM interactions_interactionevent change
CROSS JOIN LATERAL (
    SELECT earlier.occurred_at FROM interactions_interactionevent earlier
    WHERE earlier.pgh_obj_id = change.pgh_obj_id AND earlier.pgh_id < change.pgh_id
    ORDER BY earlier.pgh_id DESC LIMIT 1
) i
WHERE change.pgh_created_at >= %(since)s AND NOT change.pgh_label = %(baseline)s
"""


def _weeks_changed_since(since: dt.datetime) -> set[dt.date]:
    """The weeks holding an interaction changed since `since`, and those a changed one was in before."""
    params = {"tz": settings.TIME_ZONE, "since": since, "baseline": BASELINE}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT {WEEK_OF} FROM interactions_interaction i WHERE i.updated_at >= %(since)s",
            params,
        )
        weeks = {row[0] for row in cursor.fetchall()}
        cursor.execute(WEEKS_LEFT, params)
        return weeks | {row[0] for row in cursor.fetchall()}


def activity_refresh(*, full: bool = False) -> list[dt.date] | None:
    """Brings the weekly interaction rollups up to date; returns the weeks recomputed (None: all of them)."""
    started, started_at = time.perf_counter(), timezone.now()
    with transaction.atomic():
        refresh_lock(RefreshLock.ACTIVITY_SUMMARY)
        previous = SummaryRefresh.objects.filter(name=SummaryName.ACTIVITY).first()
        with connection.cursor() as cursor:
            if full or previous is None:
                weeks = None
                for table in WEEKLY_ROLLUPS:
                    cursor.execute(f"DELETE FROM {table}")
                params = {"tz": settings.TIME_ZONE}
                where = "TRUE"
            else:
                this_week = _week_start(started_at)
                weeks = sorted(
                    {this_week, this_week - dt.timedelta(days=7)} | _weeks_changed_since(previous.started_at)
                )
                for table in WEEKLY_ROLLUPS:
                    cursor.execute(f"DELETE FROM {table} WHERE week = ANY(%s)", [weeks])
                params = {
                    "tz": settings.TIME_ZONE,
                    "weeks": weeks,
                    "from": _week_bounds(weeks[0])[0],
                    "until": _week_bounds(weeks[-1])[1],
                }
                # The range lets the occurred_at index find the rows; the list picks the weeks inside it.
                where = (
                    f"i.occurred_at >= %(from)s AND i.occurred_at < %(until)s AND {WEEK_OF} = ANY(%(weeks)s)"
                )
            for sql in WEEKLY_ROLLUPS.values():
                cursor.execute(sql.format(where=where), params)
        _record(SummaryName.ACTIVITY, started_at=started_at, started=started)
    return weeks


def figures_refresh(*, full: bool = False) -> None:
    """Everything the dashboards read: the weekly rollups, then today's health snapshot."""
    activity_refresh(full=full)
    health_snapshot_take()
    if full:
        health_history_purge()
        summaries_vacuum()


SUMMARY_TABLES = (
    "dashboards_activityweek",
    "dashboards_organisationweek",
    "dashboards_topicweek",
    "dashboards_healthsnapshot",
    "dashboards_healthsummary",
)


def summaries_vacuum() -> None:
    """After the nightly rebuild: fresh statistics for the planner, and the visibility map set so that the
    dashboard's reads can be index-only. VACUUM cannot run inside a transaction, so not in one (tests)."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(SUMMARY_TABLES)}")


def figures_refresh_request(*, actor) -> bool:
    """A manager asks for fresh figures now; False when a refresh was asked for in the last minute."""
    require(
        actor.is_manager,
        _("Only managers can refresh the dashboard's figures."),
        who_can_help=WhoCanHelp.MANAGER,
    )
    return refresh_request(SummaryRefresh.objects.all(), task=refresh_figures_task)

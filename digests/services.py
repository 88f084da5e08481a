"""Digests: the morning email that tells an officer what needs them today: their meetings, what is due or
overdue, and the urgent concerns they handle.

Each officer's digest goes out once per local day, at DIGEST_HOUR in their own time zone; its outbox key
names the officer and the date, so a beat tick running twice, or late, never sends a second copy.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import timezone, translation

from commitments.models import Commitment
from concerns.models import Concern, Severity
from interactions.models import Interaction
from meetings.models import ActionItem, Attendee, Meeting, MeetingStatus
from outbox.services import message_enqueue

# The concerns a digest brings up every morning until they are resolved; the others wait for My day.
URGENT_FROM = Severity.HIGH


@dataclass
class DailyDigest:
    user: object
    today: dt.date
    meetings: list = field(default_factory=list)
    follow_ups: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    commitments: list = field(default_factory=list)
    concerns: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.meetings or self.follow_ups or self.actions or self.commitments or self.concerns)


def _urgent(concerns):
    """The concerns a digest brings up: severe enough, and about someone still in the register. An archived
    stakeholder's concern left unresolved stays on My day to be closed, but is no reason for an email."""
    return concerns.filter(severity__gte=URGENT_FROM, stakeholder__is_archived=False)


def daily_digest_build(*, user, today: dt.date) -> DailyDigest:
    """What needs the user on `today`, their local date: the meetings they organise or are invited to (and
    have not declined) that day in their time zone, the follow-ups, action items and commitments due by its
    end, and the unresolved concerns of high or critical severity they handle (`_urgent`)."""
    from dashboards.queries import concerns_handled, follow_ups_due, todays_meetings

    with timezone.override(zoneinfo.ZoneInfo(user.time_zone)):
        meetings = list(todays_meetings(user, today))
    return DailyDigest(
        user=user,
        today=today,
        meetings=meetings,
        follow_ups=list(follow_ups_due(user, today).filter(follow_up_on__lte=today)),
        actions=list(
            ActionItem.objects.visible_to(user)
            .outstanding()
            .chased_by_officer(user)
            .filter(due_on__lte=today)
            .select_related("meeting", "owner_stakeholder")
            .order_by("due_on", "pk")
        ),
        commitments=list(
            Commitment.objects.visible_to(user)
            .open()
            .filter(owner=user, due_on__lte=today)
            .select_related("stakeholder")
            .order_by("due_on", "pk")
        ),
        concerns=list(_urgent(concerns_handled(user))),
    )


def _people_with_something_due(now: dt.datetime) -> set[int]:
    """Everyone who may have something in today's digest, wherever they are: a superset, since each one's
    own day is only known with their time zone (`daily_digest_build` decides)."""
    # The furthest-ahead time zone is at most 14 hours past UTC, the furthest behind 12 hours short of it.
    latest_day = (now + dt.timedelta(hours=14)).date()
    # Whichever local day holds `now` lies within a day of it (a little more when the clocks change).
    meetings = Meeting.objects.exclude(status=MeetingStatus.CANCELLED).filter(
        starts_at__gte=now - dt.timedelta(days=2), starts_at__lt=now + dt.timedelta(days=2)
    )
    due = [
        meetings.values_list("organiser"),
        Attendee.objects.filter(meeting__in=meetings, user__isnull=False).not_declined().values_list("user"),
        _urgent(Concern.objects.unresolved()).values_list("owner"),
        Interaction.objects.open_follow_ups()
        .filter(follow_up_on__lte=latest_day)
        .values_list("follow_up_owner"),
        ActionItem.objects.outstanding()
        .with_chaser()
        .filter(due_on__lte=latest_day)
        .values_list("chasing_officer"),
        Commitment.objects.open().filter(due_on__lte=latest_day).values_list("owner"),
    ]
    # Unordered: DISTINCT would also take the models' default ordering columns (each item's date and id),
    # and answer a row per item rather than one per person.
    return {user_id for queryset in due for (user_id,) in queryset.order_by().distinct()}


def daily_digests_send(*, now: dt.datetime | None = None) -> int:
    """Queues today's digest for every officer whose local clock has reached the digest hour.

    Returns how many were queued; officers with nothing due get nothing.
    """
    now = now or timezone.now()
    candidates = _people_with_something_due(now)
    queued = 0
    users = get_user_model().objects.filter(pk__in=candidates, is_active=True).exclude(email="")
    for user in users:
        local_now = now.astimezone(zoneinfo.ZoneInfo(user.time_zone))
        if local_now.hour < settings.DIGEST_HOUR:
            continue
        digest = daily_digest_build(user=user, today=local_now.date())
        if not digest:
            continue
        with translation.override("en"), timezone.override(zoneinfo.ZoneInfo(user.time_zone)):
            body = render_to_string(
                "digests/email/daily.txt", {"digest": digest, "site_url": settings.SITE_URL}
            )
        message_enqueue(
            key=f"daily-digest:{user.pk}:{local_now.date().isoformat()}",
            kind="daily_digest",
            to=user.email,
            subject=f"Your day: {_count_line(digest)}",
            body=body.strip(),
            recipient_user=user,
        )
        queued += 1
    return queued


def _count_line(digest: DailyDigest) -> str:
    """The subject's summary, e.g. "2 meetings; 1 follow-up, 1 action due; 1 urgent concern"."""

    def counted(items: list, noun: str) -> str:
        return f"{len(items)} {noun}{'s' if len(items) != 1 else ''}"

    due = [
        counted(items, noun)
        for items, noun in [
            (digest.follow_ups, "follow-up"),
            (digest.actions, "action"),
            (digest.commitments, "commitment"),
        ]
        if items
    ]
    parts = [
        counted(digest.meetings, "meeting") if digest.meetings else "",
        ", ".join(due) + " due" if due else "",
        counted(digest.concerns, "urgent concern") if digest.concerns else "",
    ]
    return "; ".join(part for part in parts if part)


# The weekly digest: each manager's Monday summary of their team, from the dashboard's figures.

STALE_LISTED = 10
CONCERNS_LISTED = 10


@dataclass
class WeeklyDigest:
    user: object
    today: dt.date
    health: dict
    turned_red: list
    stale: list
    stale_left_out: str  # how many stale relationships it does not list, as words: "", "2", "990+"
    stale_url: str
    overdue: list
    interactions_last_week: int
    interactions_week_before: int
    escalated_concerns: list
    escalated_left_out: int
    escalated_url: str
    escalation_days: int


def weekly_digest_build(*, user, today: dt.date) -> WeeklyDigest:
    """A manager's week: health of the team's portfolio and what changed, stale relationships, overdue work,
    interactions logged, concerns open too long. The figures are the dashboard's (dashboards/queries.py)."""
    from dashboards import panels, queries

    scope = queries.Scope(team_id=user.team_id, weeks=2, today=today)
    day = queries.latest_health_day(queries.freshness())
    # The last full week and the one before it: the weeks as of a week ago. The summary tables' weeks are
    # picked by `summary_today`, which would otherwise be this week's, only begun on a Monday morning.
    week_ago = today - dt.timedelta(days=7)
    weeks = queries.Scope(team_id=user.team_id, weeks=2, today=week_ago, summary_today=week_ago)
    weekly = {row["week"]: row["n"] for row in queries.activity_totals(weeks, user)}
    week_before, last_week = weeks.weeks_shown
    escalate_before = today - dt.timedelta(days=settings.CONCERN_ESCALATION_DAYS)
    # Listed and counted as the dashboard's panel lists and counts them, that both always agree.
    stale = panels.stale(scope, day, shown=STALE_LISTED)
    long_open = queries.unresolved_concerns(scope, user, raised_before=escalate_before)
    escalated = list(long_open[:CONCERNS_LISTED])
    escalated_left_out = long_open.count() - len(escalated) if len(escalated) == CONCERNS_LISTED else 0
    return WeeklyDigest(
        user=user,
        today=today,
        health=panels.health(scope, day),
        turned_red=list(queries.turned_red(scope, day, since=(day or today) - dt.timedelta(days=7))),
        stale=stale["rows"],
        stale_left_out=stale["left_out"],
        stale_url=panels.stale_url(scope),
        overdue=[
            {**row, "label": panels.officer_label(row["label"], active=row["active"])}
            for row in queries.overdue_by_officer(scope, user)[:10]
        ],
        interactions_last_week=weekly.get(last_week, 0),
        interactions_week_before=weekly.get(week_before, 0),
        escalated_concerns=escalated,
        escalated_left_out=escalated_left_out,
        escalated_url=panels.list_url(scope, "concerns:list", status="unresolved", overdue="true"),
        escalation_days=settings.CONCERN_ESCALATION_DAYS,
    )


def weekly_digests_send(*, now: dt.datetime | None = None) -> int:
    """Queues the weekly digest of every manager of a team whose local clock has reached Monday's digest hour.

    Its outbox key names the manager and the ISO week, so the hourly beat tick sends it once.
    """
    from accounts.models import Role

    now = now or timezone.now()
    managers = (
        get_user_model()
        .objects.filter(groups__name=Role.MANAGER, team__isnull=False, is_active=True)
        .exclude(email="")
        .distinct()
    )
    queued = 0
    for user in managers:
        local_now = now.astimezone(zoneinfo.ZoneInfo(user.time_zone))
        if local_now.weekday() != 0 or local_now.hour < settings.DIGEST_HOUR:
            continue
        today = local_now.date()
        year, week, _weekday = today.isocalendar()
        with translation.override("en"), timezone.override(zoneinfo.ZoneInfo(user.time_zone)):
            digest = weekly_digest_build(user=user, today=today)
            body = render_to_string(
                "digests/email/weekly.txt", {"digest": digest, "site_url": settings.SITE_URL}
            )
        message_enqueue(
            key=f"weekly-digest:{user.pk}:{year}-W{week:02d}",
            kind="weekly_digest",
            to=user.email,
            subject=f"Your team's week: {digest.health['total']} relationships, "
            f"{len(digest.turned_red)} newly at risk",
            body=body.strip(),
            recipient_user=user,
        )
        queued += 1
    return queued

"""The reads behind the manager dashboard, My day and the power-interest grid.

Every figure is an aggregate computed by PostgreSQL. The dashboard reads the summary tables (models.py),
scoped to the reader's team; overdue items and open concerns are few and indexed, so they are counted from
the registers when the figures are drawn, starting from each register's `visible_to(user)`.

Confidentiality of the weekly rollups (docs/dashboards.md): a row of confidential interactions counts for
a reader who manages its author's team, or who wrote them; administrators count everything. This never
counts an interaction its reader could not open.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Least, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import WhoCanHelp, require
from accounts.querysets import person_name
from commitments.models import Commitment, renewal_notice_until
from concerns.models import Concern
from contacts.models import Stakeholder
from interactions.models import Interaction
from meetings.models import ActionItem, Meeting, MeetingStatus

from .models import (
    ActivityWeek,
    HealthSnapshot,
    HealthSummary,
    OrganisationWeek,
    SummaryName,
    SummaryRefresh,
    TopicWeek,
)

PERIOD_WEEKS = (4, 12, 26, 52)
DEFAULT_WEEKS = 12
STALE_SHOWN = 15
STALE_COUNTED = 1000
TOP_ORGANISATIONS = 8
TOP_TOPICS = 8
# Open concerns by how long they have been open: (label, first day of the bucket).
CONCERN_AGES = (("0-7", 0), ("8-14", 8), ("15-30", 15), ("31-60", 31), ("61+", 61))


@dataclass(frozen=True)
class Scope:
    """Whose figures a dashboard shows: a team (None: every team), and the filters chosen on the page."""

    team_id: int | None
    officer_id: int | None = None
    organisation_kind: str = ""
    weeks: int = DEFAULT_WEEKS
    # The reader's date, for what is counted per request (overdue work, concerns' ages) ...
    today: dt.date = field(default_factory=timezone.localdate)
    # ... and the date where the weekly summaries are cut (TIME_ZONE), which picks their weeks: a reader
    # ahead of it would otherwise see a week that has not begun there, empty.
    summary_today: dt.date = field(default_factory=lambda: timezone.localdate(timezone=summary_zone()))

    @property
    def by_team(self) -> bool:
        """Across every team (an administrator's first view) the figures go by team rather than by officer."""
        return self.team_id is None and self.officer_id is None

    @property
    def first_week(self) -> dt.date:
        this_week = self.summary_today - dt.timedelta(days=self.summary_today.weekday())
        return this_week - dt.timedelta(weeks=self.weeks - 1)

    @property
    def weeks_shown(self) -> list[dt.date]:
        return [self.first_week + dt.timedelta(weeks=n) for n in range(self.weeks)]

    def people(self, queryset, *, owner: str, team: str | None, kind: str | None):
        """`queryset` restricted to the scope: `owner`, `team` and `kind` name its officer, team and kind.

        Without a team column (the registers), the team is its members (`UserQuerySet.of_team`).
        """
        if self.team_id is not None and team is not None:
            queryset = queryset.filter(**{team: self.team_id})
        elif self.team_id is not None:
            queryset = queryset.filter(**{f"{owner}__in": get_user_model().objects.of_team(self.team_id)})
        if self.officer_id is not None:
            queryset = queryset.filter(**{owner: self.officer_id})
        if self.organisation_kind and kind:
            queryset = queryset.filter(**{kind: self.organisation_kind})
        return queryset


def summary_zone():
    """The zone the summary tables' days and weeks are cut in: the server's (TIME_ZONE)."""
    return timezone.get_default_timezone()


def scope_for(user, *, team_id=None, officer_id=None, organisation_kind="", weeks=DEFAULT_WEEKS) -> Scope:
    """Managers see their own team; administrators every team, or the one they pick. Anyone else is held
    to their own team, never all of them."""
    if not user.is_crm_admin:
        require(
            user.team_id is not None,
            _("These figures are a team's, and you are not in a team."),
            who_can_help=WhoCanHelp.ADMINISTRATOR,
        )
        team_id = user.team_id
    return Scope(team_id=team_id, officer_id=officer_id, organisation_kind=organisation_kind, weeks=weeks)


def officers_for(user, team_id=None):
    """The officers a reader may filter the dashboard by: the active ones, then those who have left but
    still own stakeholders or open work, which counts in their team's figures until it is handed over."""
    users = get_user_model().objects.filter(is_service_account=False).exclude(team=None)
    if user.is_crm_admin:
        users = users.of_team(team_id) if team_id else users
    elif user.is_manager and user.team_id:
        users = users.of_team(user.team_id)
    else:
        return users.none()
    return users.active_or_holding_work().order_by("-is_active", *get_user_model()._meta.ordering)


def freshness() -> dict:
    """When each summary was last refreshed, and whether a refresh has been asked for since."""
    return {refresh.name: refresh for refresh in SummaryRefresh.objects.all()}


def latest_health_day(refreshes: dict) -> dt.date | None:
    refresh = refreshes.get(SummaryName.HEALTH)
    return refresh.day if refresh else None


def _visible_activity(queryset, user):
    if user.is_crm_admin:
        return queryset
    allowed = Q(is_confidential=False) | Q(officer=user)
    if user.is_manager and user.team_id is not None:
        allowed |= Q(team=user.team_id)
    return queryset.filter(allowed)


# Health ----------------------------------------------------------------------------------------------


def health_distribution(scope: Scope, day: dt.date | None):
    """Stakeholders per band on the newest snapshot day, with how many are overdue for contact."""
    if day is None:
        return []
    rows = scope.people(
        HealthSummary.objects.filter(day=day), owner="owner", team="team", kind="organisation_kind"
    )
    return (
        rows.values("band")
        .annotate(n=Sum("stakeholders"), stale_n=Sum("stale"), score_total=Sum("score_sum"))
        .order_by("band")
    )


def health_trend(scope: Scope, day: dt.date | None):
    """Stakeholders per band, one day a week (the newest snapshot's weekday) over the period."""
    if day is None:
        return []
    days = [day - dt.timedelta(weeks=n) for n in range(scope.weeks)]
    rows = scope.people(
        HealthSummary.objects.filter(day__in=days), owner="owner", team="team", kind="organisation_kind"
    )
    return (
        rows.values("day", "band")
        .annotate(n=Sum("stakeholders"), score_total=Sum("score_sum"))
        .order_by("day", "band")
    )


def _overdue_for_contact(scope: Scope):
    """The scope's stakeholders overdue for contact on the reader's date, as the stakeholder list counts
    them."""
    overdue = Stakeholder.objects.active().overdue_for_contact(scope.today)
    # The kind is of their current primary position, not a column: of_organisation_kind reads it.
    rows = scope.people(overdue, owner="owner", team="owner__team", kind=None)
    if scope.organisation_kind:
        rows = rows.of_organisation_kind(scope.organisation_kind)
    return rows


def stale_relationships_count(scope: Scope, up_to: int = STALE_COUNTED) -> int:
    """How many stakeholders are overdue for contact, counted no further than one past `up_to`: a larger
    result means "more than `up_to`". A whole portfolio's count would read every overdue row (README: lists
    never count), so the count runs over a LIMIT subquery."""
    return _overdue_for_contact(scope).order_by()[: up_to + 1].count()


def stale_relationships(scope: Scope, day: dt.date | None, limit: int = STALE_SHOWN):
    """Stakeholders overdue for contact on the reader's date (as the stakeholder list counts them), most
    influential (then most overdue) first, with how many days and their health on the newest snapshot."""
    rows = _overdue_for_contact(scope)
    days_overdue = Func(
        Value(scope.today), F("local_contact_due"), arg_joiner=" - ", template="(%(expressions)s)"
    )
    return (
        rows.annotate(
            days_overdue=ExpressionWrapper(days_overdue, output_field=IntegerField()),
            score=latest_score(day),
            band=latest_band(day),
        )
        .select_related("owner")
        .order_by("-influence", "local_contact_due", "pk")[:limit]
    )


# Overdue work and concerns (live) ----------------------------------------------------------------------


def overdue_by_officer(scope: Scope, user) -> list[dict]:
    """Overdue follow-ups, actions and commitments per officer (per team, across teams), most first."""
    sql, params = overdue_by_officer_sql(scope, user)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def overdue_by_officer_sql(scope: Scope, user) -> tuple[str, list]:
    """One statement: the three registers' counts, each grouped by officer, added up with UNION ALL."""
    today = scope.today
    by = "team" if scope.by_team else "officer"
    counts = [
        scope.people(
            Interaction.objects.visible_to(user).open_follow_ups().filter(follow_up_on__lt=today),
            owner="follow_up_owner",
            team=None,
            kind="organisation__kind",
        ).values(key=F("follow_up_owner__team" if by == "team" else "follow_up_owner")),
        overdue_actions(scope, user).values(key=F("chasing_team" if by == "team" else "chasing_officer")),
        scope.people(
            Commitment.objects.visible_to(user).overdue(today),
            owner="owner",
            team=None,
            kind="organisation__kind",
        ).values(key=F("owner__team" if by == "team" else "owner")),
    ]
    parts, params = [], []
    for index, queryset in enumerate(counts):
        columns = ", ".join(f"{'n' if position == index else '0'} AS c{position}" for position in range(3))
        sql, part_params = (
            queryset.annotate(n=Count("pk")).values("key", "n").order_by().query.sql_with_params()
        )
        parts.append(f"SELECT key, {columns} FROM ({sql}) part")
        params.extend(part_params)
    if by == "team":
        label, active, table = "who.name", "true", "accounts_team"
    else:
        label = "COALESCE(NULLIF(trim(concat_ws(' ', who.first_name, who.last_name)), ''), who.username)"
        # An officer who has left still counts until their work is handed over: the row says so.
        active, table = "who.is_active", "accounts_user"
    # Summed first, then each officer (or team) joined once for their name.
    sql = f"""
        SELECT summed.key, {label} AS label, {active} AS active,
               summed.follow_ups, summed.actions, summed.commitments, summed.overdue
        FROM (
            SELECT key, sum(c0)::int AS follow_ups, sum(c1)::int AS actions,
                   sum(c2)::int AS commitments, sum(c0 + c1 + c2)::int AS overdue
            FROM ({" UNION ALL ".join(parts)}) counted
            WHERE key IS NOT NULL
            GROUP BY key
        ) summed
        LEFT JOIN {table} who ON who.id = summed.key
        ORDER BY summed.overdue DESC, label
    """
    return sql, params


def overdue_actions(scope: Scope, user):
    """The scope's overdue actions: those its officers answer for (`ActionItemQuerySet.chased_by`), the
    definition team reports count by too, with `chasing_officer` and `chasing_team` to group them."""
    actions = ActionItem.objects.visible_to(user).overdue(scope.today)
    if scope.team_id is not None:
        actions = actions.chased_by(get_user_model().objects.of_team(scope.team_id))
    if scope.officer_id is not None:
        actions = actions.chased_by(get_user_model().objects.filter(pk=scope.officer_id))
    if scope.organisation_kind:
        actions = actions.filter(meeting__organisation__kind=scope.organisation_kind)
    return actions.with_chaser_and_team()


def _age_bucket(today: dt.date):
    from django.db.models import Case, When

    whens = [
        When(raised_on__lte=today - dt.timedelta(days=start), then=Value(index))
        for index, (_label, start) in reversed(list(enumerate(CONCERN_AGES)))
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def concerns_by_age(scope: Scope, user):
    """Unresolved concerns by how long they have been open and by severity."""
    concerns = scope.people(
        Concern.objects.visible_to(user).unresolved(),
        owner="owner",
        team=None,
        kind="organisation__kind",
    )
    return (
        concerns.annotate(age=_age_bucket(scope.today))
        .values("age", "severity")
        .annotate(n=Count("pk"))
        .order_by("age", "severity")
    )


def oldest_concerns(scope: Scope, user, limit: int = 5, raised_before: dt.date | None = None):
    """The unresolved concerns open longest (those raised before `raised_before`, if given)."""
    return unresolved_concerns(scope, user, raised_before=raised_before)[:limit]


def unresolved_concerns(scope: Scope, user, raised_before: dt.date | None = None):
    """The unresolved concerns (raised before `raised_before`, if given), open longest first."""
    concerns = Concern.objects.visible_to(user).unresolved()
    if raised_before is not None:
        concerns = concerns.filter(raised_on__lt=raised_before)
    concerns = scope.people(concerns, owner="owner", team=None, kind="organisation__kind")
    return concerns.select_related("stakeholder", "owner").order_by("raised_on", "pk")


# Activity (weekly rollups) -----------------------------------------------------------------------------


def _activity(scope: Scope, user, model=ActivityWeek):
    rows = _visible_activity(
        model.objects.filter(week__gte=scope.first_week, week__lte=scope.summary_today), user
    )
    return scope.people(rows, owner="officer", team="team", kind="organisation_kind")


def _average(total: str, count: str):
    return Cast(Sum(total), FloatField()) / Cast(Sum(count), FloatField())


def activity_by_kind(scope: Scope, user):
    """Interactions per week and channel."""
    return (
        _activity(scope, user).values("week", "kind").annotate(n=Sum("interactions")).order_by("week", "kind")
    )


def activity_totals(scope: Scope, user):
    """Interactions and average sentiment per week."""
    return (
        _activity(scope, user)
        .values("week")
        .annotate(n=Sum("interactions"), sentiment=_average("sentiment_sum", "interactions"))
        .order_by("week")
    )


def activity_by_officer(scope: Scope, user):
    """Interactions per week and officer (per team, across teams), with each one's name."""
    if scope.by_team:
        rows = _activity(scope, user).values("week", key=F("team"), label=F("team__name"))
    else:
        rows = _activity(scope, user).values(
            "week", key=F("officer"), label=person_name("officer__"), active=F("officer__is_active")
        )
    return rows.annotate(n=Sum("interactions")).order_by("week", "key")


def _sentiment_now_and_before(scope: Scope, user, model, *fields):
    """Interactions and average sentiment per `fields` in the period and in the period before, from a weekly
    rollup; only those with interactions in the period."""
    start = scope.first_week
    before = start - dt.timedelta(weeks=scope.weeks)
    rows = _visible_activity(model.objects.filter(week__gte=before, week__lte=scope.summary_today), user)
    rows = scope.people(rows, owner="officer", team="team", kind="organisation_kind")
    now, earlier = Q(week__gte=start), Q(week__lt=start)
    return (
        rows.values(*fields)
        .annotate(
            n=Coalesce(Sum("interactions", filter=now), 0),
            sentiment=Cast(Sum("sentiment_sum", filter=now), FloatField())
            / Cast(Sum("interactions", filter=now), FloatField()),
            n_before=Coalesce(Sum("interactions", filter=earlier), 0),
            sentiment_before=Cast(Sum("sentiment_sum", filter=earlier), FloatField())
            / Cast(Sum("interactions", filter=earlier), FloatField()),
        )
        .filter(n__gt=0)
    )


def sentiment_by_organisation(scope: Scope, user, limit: int = TOP_ORGANISATIONS):
    """The organisations with most interactions in the period: average sentiment now and the period before."""
    rows = _sentiment_now_and_before(scope, user, OrganisationWeek, "organisation")
    return rows.order_by("-n", "organisation")[:limit]


def sentiment_by_topic(scope: Scope, user, limit: int = TOP_TOPICS):
    """The topics with most interactions in the period: average sentiment now and the period before, with
    each topic's name. Only rows the reader may count name a topic, so a topic carried only by interactions
    they may not open is not named; one deleted since the refresh drops out with its name."""
    rows = _sentiment_now_and_before(scope, user, TopicWeek, "topic", "topic__name")
    return rows.order_by("-n", "topic__name", "topic")[:limit]


# My day -------------------------------------------------------------------------------------------------

MY_DAY_LIMIT = 20
STALE_SOON_DAYS = 7


def latest_score(day: dt.date | None):
    """A subquery: the stakeholder's score on the newest snapshot day (None before the first snapshot)."""
    return Subquery(
        HealthSnapshot.objects.filter(stakeholder=OuterRef("pk"), day=day).values("score")[:1],
        output_field=IntegerField(),
    )


def latest_band(day: dt.date | None):
    return Subquery(HealthSnapshot.objects.filter(stakeholder=OuterRef("pk"), day=day).values("band")[:1])


def todays_meetings(user, today: dt.date):
    """The meetings of the officer's day, on My day and in their digest: not those they declined."""
    start = dt.datetime.combine(today, dt.time.min, tzinfo=timezone.get_current_timezone())
    return (
        Meeting.objects.visible_to(user)
        .expecting(user)
        .filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("organisation")
        .order_by("starts_at", "pk")
    )


def follow_ups_due(user, today: dt.date):
    """The officer's open follow-ups overdue or due within a week (the horizon of their actions and
    commitments), overdue first."""
    return (
        Interaction.objects.visible_to(user)
        .open_follow_ups()
        .filter(follow_up_owner=user, follow_up_on__lte=today + dt.timedelta(days=STALE_SOON_DAYS))
        .prefetch_related("stakeholders")
        .order_by("follow_up_on", "pk")
    )


def actions_due(user, today: dt.date):
    return (
        ActionItem.objects.visible_to(user)
        .outstanding()
        .chased_by_officer(user)
        .filter(due_on__lte=today + dt.timedelta(days=STALE_SOON_DAYS))
        .for_list()
        .order_by("due_on", "pk")
    )


def commitments_due(user, today: dt.date):
    """The officer's open commitments overdue or due within a week, and agreements up for renewal (as the
    register marks them): an agreement's renewal date is what its officer watches, and it often has no
    due date at all."""
    return (
        Commitment.objects.visible_to(user)
        .open()
        .filter(owner=user)
        .filter(
            Q(due_on__lte=today + dt.timedelta(days=STALE_SOON_DAYS))
            | Q(renews_on__lte=renewal_notice_until(today))
        )
        .select_related("stakeholder")
        # PostgreSQL's LEAST skips a missing date: the sooner of the two, whichever the commitment has.
        .order_by(Least("due_on", "renews_on"), "pk")
    )


def concerns_handled(user):
    """The unresolved concerns the officer handles, most severe and longest waiting first, as the register
    orders them: one handed to them by a colleague is on their day at once, not only when it is escalated."""
    return Concern.objects.visible_to(user).unresolved().filter(owner=user).for_list().by_urgency()


def going_stale(user, today: dt.date, day: dt.date | None):
    """The officer's stakeholders overdue for contact or due within a week, most overdue first."""
    return (
        Stakeholder.objects.visible_to(user)
        .active()
        .filter(owner=user)
        .due_for_contact_by(today + dt.timedelta(days=STALE_SOON_DAYS))
        .annotate(score=latest_score(day), band=latest_band(day))
        .order_by("local_contact_due", "-influence", "pk")
    )


# The power-interest grid --------------------------------------------------------------------------------

GRID_PER_CELL = 8


def power_interest_grid(stakeholders, day: dt.date | None, per_cell: int = GRID_PER_CELL):
    """Each (influence, interest) cell's stakeholders, those in worst health first, and the cell's count."""
    cell = [F("influence"), F("interest")]
    ranked = (
        stakeholders.annotate(
            score=latest_score(day),
            band=latest_band(day),
            place=Window(RowNumber(), partition_by=cell, order_by=[F("score").asc(nulls_last=True), "name"]),
            in_cell=Window(Count("pk"), partition_by=cell),
        )
        .filter(place__lte=per_cell)
        .order_by("-influence", "interest", "place")
    )
    return ranked.only("pk", "name", "influence", "interest")


# The weekly digest --------------------------------------------------------------------------------------


def turned_red(scope: Scope, day: dt.date | None, since: dt.date, limit: int = 10):
    """Stakeholders red on `day` who were not red on `since` (or had no snapshot then)."""
    if day is None:
        return HealthSnapshot.objects.none()
    earlier = HealthSnapshot.objects.filter(stakeholder=OuterRef("stakeholder"), day=since).values("band")[:1]
    rows = scope.people(
        HealthSnapshot.objects.filter(day=day, band="red"),
        owner="owner",
        team="team",
        kind="organisation_kind",
    )
    return (
        rows.annotate(band_before=Subquery(earlier))
        .filter(Q(band_before__isnull=True) | ~Q(band_before="red"))
        .select_related("stakeholder", "owner")
        .order_by("score", "-influence", "stakeholder_id")[:limit]
    )

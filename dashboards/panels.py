"""The dashboard's panels: the figures the database aggregated, arranged as a chart and a table each.

Nothing here counts rows: it lays the aggregates out — weeks along, bands or channels stacked — and works
out shares and averages of the few numbers a panel shows.
"""

import datetime as dt
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q, Subquery, Window
from django.db.models.functions import Lag
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.querysets import staff_label
from concerns.models import Severity
from contacts.models import Organisation
from interactions.models import InteractionKind

from . import charts, queries
from .health import AMBER_FROM, GREEN_FROM, health_inputs_changed_since, health_now, parts_from_snapshot
from .models import HealthBand, HealthSnapshot, SummaryName, SummaryRefresh

BAND_CLASSES = [
    (HealthBand.GREEN, "band-green"),
    (HealthBand.AMBER, "band-amber"),
    (HealthBand.RED, "band-red"),
    (HealthBand.NO_CONTACT, "band-no_contact"),
]
BAND_COLOURS = {
    HealthBand.GREEN: gettext_lazy("green"),
    HealthBand.AMBER: gettext_lazy("amber"),
    HealthBand.RED: gettext_lazy("red"),
    HealthBand.NO_CONTACT: gettext_lazy("grey"),
}
SEVERITY_CLASSES = {
    Severity.LOW: "severity-1",
    Severity.MEDIUM: "severity-2",
    Severity.HIGH: "severity-3",
    Severity.CRITICAL: "severity-4",
}


def _week_label(day) -> str:
    return formats.date_format(day, "j M")


STAFF_GENERATION_KEY = "dashboard:staff-generation"


def cache_key(user, scope, refreshes: dict) -> str:
    """Names one rendering of the figures: the refresh they come from, the staff as they stood
    (`staff_generation`), the scope, and whose eyes (what an administrator, or a manager of a team, may
    see)."""
    version = "-".join(
        refreshes[name].refreshed_at.strftime("%Y%m%d%H%M%S%f") if name in refreshes else "none"
        for name in (SummaryName.HEALTH, SummaryName.ACTIVITY)
    )
    reader = "admin" if user.is_crm_admin else f"team{user.team_id}"
    return (
        f"dashboard:{version}:{staff_generation()}:{reader}:{scope.team_id}:{scope.officer_id}:{scope.organisation_kind}:"
        f"{scope.weeks}:{scope.today.isoformat()}:{scope.summary_today.isoformat()}:{translation.get_language()}:{timezone.get_current_timezone_name()}"
    )


def staff_generation() -> str | None:
    """Changes whenever someone leaves, comes back or moves to another team (`staff_changed`): who counts
    for which team, and who is marked "(left)", is in every panel."""
    generation = cache.get(STAFF_GENERATION_KEY)
    if generation is None:
        # The first read since the cache was emptied; None only while the cache is away (nothing is kept).
        cache.add(STAFF_GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(STAFF_GENERATION_KEY)
    return generation


def staff_changed() -> None:
    """No rendering drawn before the change is shown after it: a new generation at once, and again on
    commit, since a dashboard drawn meanwhile still read the staff as they were."""
    _new_staff_generation()
    transaction.on_commit(_new_staff_generation)


def _new_staff_generation() -> None:
    cache.set(STAFF_GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def freshness(refreshes: dict) -> dict:
    health = refreshes.get(SummaryName.HEALTH)
    activity = refreshes.get(SummaryName.ACTIVITY)
    done = [refresh.refreshed_at for refresh in (health, activity) if refresh]
    return {
        "as_of": min(done) if len(done) == 2 else None,
        "health": health,
        "activity": activity,
        "pending": any(refresh.requested_at for refresh in (health, activity) if refresh),
    }


def health(scope, day) -> dict:
    rows = {row["band"]: row for row in queries.health_distribution(scope, day)}
    total = sum(row["n"] for row in rows.values())
    bands = []
    for band, css in BAND_CLASSES:
        row = rows.get(band, {"n": 0, "stale_n": 0})
        bands.append(
            {
                "band": band,
                "label": HealthBand(band).label,
                "css": css,
                "stakeholders": row["n"],
                "stale": row["stale_n"],
                "share": round(100 * row["n"] / total) if total else 0,
            }
        )
    score_total = sum(row["score_total"] for row in rows.values())
    series = [(band["label"], band["css"]) for band in bands]
    distribution = charts.bars(
        label=_("Stakeholders by relationship health"),
        rows=[""],
        series=series,
        values=[[band["stakeholders"] for band in bands]],
        left=10,
        legend=False,
        totals=False,
    )
    trend_rows = list(queries.health_trend(scope, day))
    days = sorted({row["day"] for row in trend_rows})
    counts = {(row["day"], row["band"]): row for row in trend_rows}
    trend = []
    for when in days:
        cells = [counts.get((when, band), {"n": 0, "score_total": 0}) for band, _css in BAND_CLASSES]
        stakeholders = sum(cell["n"] for cell in cells)
        trend.append(
            {
                "day": when,
                "bands": [cell["n"] for cell in cells],
                "average": round(sum(cell["score_total"] for cell in cells) / stakeholders)
                if stakeholders
                else None,
            }
        )
    trend_chart = charts.stacked_columns(
        label=_("Stakeholders by relationship health, week by week"),
        categories=[_week_label(row["day"]) for row in trend],
        series=series,
        values=[[row["bands"][index] for row in trend] for index in range(len(BAND_CLASSES))],
    )
    return {
        "bands": bands,
        "total": total,
        "stale": sum(band["stale"] for band in bands),
        "average": round(score_total / total) if total else None,
        "distribution": distribution,
        "trend": trend,
        "trend_chart": trend_chart,
    }


def list_url(scope, name: str, **filters) -> str:
    """Where a figure leads: the list it counts (`name`), filtered to the scope — its officer as `owner`, else
    its team, and its kind of organisation — with `filters` added or put in their place (None drops one)."""
    team = scope.team_id if scope.officer_id is None else None
    query = {"owner": scope.officer_id, "team": team, "organisation_kind": scope.organisation_kind} | filters
    chosen = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{reverse(name)}?{urlencode(chosen)}"


def stale_url(scope) -> str:
    """The list of every relationship the stale relationships panel counts, most influential first."""
    return list_url(scope, "contacts:stakeholder_list", overdue="true", sort="-influence")


def stale(scope, day, shown: int | None = None) -> dict:
    """The stale relationships panel: the first `shown` rows (the weekly digest lists fewer), and how many
    there are in all ("1,000+" past the bounded count) and how many it leaves out ("" for none), said when
    the panel does not show them all."""
    shown = queries.STALE_SHOWN if shown is None else shown
    rows = list(queries.stale_relationships(scope, day, limit=shown))
    # Fewer rows than the panel shows are all there are: counted only when the panel is full.
    if len(rows) < shown:
        total = len(rows)
    else:
        total = queries.stale_relationships_count(scope, up_to=queries.STALE_COUNTED)
    beyond = total > queries.STALE_COUNTED
    counted = min(total, queries.STALE_COUNTED)
    shown_total = formats.number_format(counted, force_grouping=True)
    left_out = formats.number_format(counted - len(rows), force_grouping=True)
    return {
        "rows": rows,
        "total": f"{shown_total}+" if beyond else shown_total,
        "all_shown": total <= len(rows),
        "left_out": f"{left_out}+" if beyond else left_out if counted > len(rows) else "",
    }


def officer_label(name, *, active: bool) -> str:
    """An officer's (or a team's) name on a chart, marked when they have left, as the tables mark it."""
    return staff_label(name or "—", active=active)


def overdue(scope, user) -> dict:
    rows = queries.overdue_by_officer(scope, user)
    for row in rows:
        # A row is a team's across teams, else an officer's, whichever team the scope names.
        whose = {"team": row["key"]} if scope.by_team else {"owner": row["key"], "team": None}
        row["follow_ups_url"] = list_url(scope, "interactions:follow_ups", **whose, due="overdue")
        row["actions_url"] = list_url(scope, "meetings:my_actions", **whose, overdue="true")
        row["commitments_url"] = list_url(scope, "commitments:list", **whose, overdue="true")
    series = [(_("follow-ups"), "series-0"), (_("actions"), "series-1"), (_("commitments"), "series-2")]
    chart = charts.bars(
        label=_("Overdue follow-ups, actions and commitments"),
        rows=[officer_label(row["label"], active=row["active"]) for row in rows],
        series=series,
        values=[[row["follow_ups"], row["actions"], row["commitments"]] for row in rows],
    )
    return {"rows": rows, "chart": chart, "by_team": scope.by_team}


def activity(scope, user) -> dict:
    weeks = scope.weeks_shown
    labels = [_week_label(week) for week in weeks]
    kinds = list(InteractionKind)
    by_kind = {(row["week"], row["kind"]): row["n"] for row in queries.activity_by_kind(scope, user)}
    totals = {row["week"]: row for row in queries.activity_totals(scope, user)}
    kind_series = [(kind.label, charts.series_class(index)) for index, kind in enumerate(kinds)]
    channel_chart = charts.stacked_columns(
        label=_("Interactions per week by channel"),
        categories=labels,
        series=kind_series,
        values=[[by_kind.get((week, kind.value), 0) for week in weeks] for kind in kinds],
    )
    channel_rows = [
        {
            "week": week,
            "counts": [by_kind.get((week, kind.value), 0) for kind in kinds],
            "total": totals[week]["n"] if week in totals else 0,
            "sentiment": totals[week]["sentiment"] if week in totals else None,
        }
        for week in weeks
    ]
    people = {}
    for row in queries.activity_by_officer(scope, user):
        person = people.setdefault(
            row["key"], {"label": row["label"] or "—", "active": row.get("active", True), "weeks": {}}
        )
        person["weeks"][row["week"]] = row["n"]
    officers = sorted(people.values(), key=lambda person: person["label"])
    for person in officers:
        person["shown"] = officer_label(person["label"], active=person["active"])
        person["counts"] = [person["weeks"].get(week, 0) for week in weeks]
        person["total"] = sum(person["counts"])
    officer_rows = [
        {"week": week, "counts": [person["counts"][index] for person in officers]}
        for index, week in enumerate(weeks)
    ]
    officer_chart = charts.lines(
        label=_("Interactions per week by team") if scope.by_team else _("Interactions per week by officer"),
        categories=labels,
        series=[(person["shown"], charts.series_class(index)) for index, person in enumerate(officers)],
        values=[person["counts"] for person in officers],
        low=0,
    )
    return {
        "weeks": weeks,
        "kinds": kinds,
        "channel_chart": channel_chart,
        "channel_rows": channel_rows,
        "officers": officers,
        "officer_rows": officer_rows,
        "officer_chart": officer_chart,
        "by_team": scope.by_team,
    }


def _with_change(rows: list[dict]) -> list[dict]:
    """Each row's change of average sentiment since the period before (None when it had no interactions)."""
    for row in rows:
        before = row["sentiment_before"]
        row["change"] = None if before is None else row["sentiment"] - before
    return rows


def _sentiment_chart(label: str, rows: list[dict]) -> charts.Chart:
    return charts.changes(
        label=label,
        rows=[(row["name"], row["sentiment_before"], row["sentiment"]) for row in rows],
        before_name=_("the period before"),
        now_name=_("this period"),
    )


def sentiment(scope, user) -> dict:
    top = list(queries.sentiment_by_organisation(scope, user))
    names = dict(
        Organisation.objects.filter(pk__in=[row["organisation"] for row in top]).values_list("pk", "name")
    )
    organisations = _with_change([{**row, "name": names.get(row["organisation"], "—")} for row in top])
    chart = _sentiment_chart(
        _("Average sentiment by organisation, the period before and this one"), organisations
    )
    return {"organisations": organisations, "chart": chart}


def topics(scope, user) -> dict:
    rows = _with_change(
        [{**row, "name": row["topic__name"]} for row in queries.sentiment_by_topic(scope, user)]
    )
    chart = _sentiment_chart(_("Average sentiment by topic, the period before and this one"), rows)
    return {"topics": rows, "chart": chart}


def concerns(scope, user) -> dict:
    counts = {(row["age"], row["severity"]): row["n"] for row in queries.concerns_by_age(scope, user)}
    severities = list(reversed(Severity))
    ages = queries.CONCERN_AGES
    chart = charts.stacked_columns(
        label=_("Open concerns by days open"),
        categories=[_("%(days)s days") % {"days": label} for label, _start in ages],
        series=[(severity.label, SEVERITY_CLASSES[severity]) for severity in severities],
        values=[
            [counts.get((index, severity.value), 0) for index in range(len(ages))] for severity in severities
        ],
    )
    rows = [
        {
            "label": label,
            "counts": [counts.get((index, severity.value), 0) for severity in severities],
        }
        for index, (label, _start) in enumerate(ages)
    ]
    for row in rows:
        row["total"] = sum(row["counts"])
    return {
        "chart": chart,
        "rows": rows,
        "severities": severities,
        "oldest": queries.oldest_concerns(scope, user),
        "total": sum(row["total"] for row in rows),
        "list_url": list_url(scope, "concerns:list", status="unresolved"),
    }


def grid(ranked) -> list[dict]:
    """The five-by-five power-interest grid, influence from 5 (top) down, interest from 1 (left) across."""
    cells = {}
    for stakeholder in ranked:
        cell = cells.setdefault((stakeholder.influence, stakeholder.interest), {"people": [], "count": 0})
        cell["people"].append(stakeholder)
        cell["count"] = stakeholder.in_cell
    return [
        {
            "influence": influence,
            "cells": [
                {
                    "interest": interest,
                    "key": f"{influence}-{interest}",
                    "quadrant": _quadrant(influence, interest),
                    **cells.get((influence, interest), {"people": [], "count": 0}),
                }
                for interest in range(1, 6)
            ],
        }
        for influence in range(5, 0, -1)
    ]


def _quadrant(influence: int, interest: int) -> str:
    high_influence, high_interest = influence >= 3, interest >= 3
    if high_influence and high_interest:
        return "manage"
    if high_influence:
        return "satisfy"
    return "inform" if high_interest else "monitor"


def health_card(stakeholder) -> dict:
    """The stakeholder page's health card: today's score and its parts, the last 90 days from the daily
    snapshots, and the day it last changed band.

    Today's score is today's snapshot while nothing it was computed from has been written since it was
    taken: it is at most a quarter of an hour old. Once a call is logged with them, a concern raised, a
    commitment or action recorded or closed (anything `health_inputs_changed_since` looks at), it is computed
    live, so that the card agrees with the rest of their page at once. Not always live: that reads everything
    they took part in, a quarter of a second for the people with thousands of interactions.
    """
    today = timezone.localdate()
    taken_from = SummaryRefresh.objects.filter(name=SummaryName.HEALTH).values("started_at")[:1]
    history = list(
        HealthSnapshot.objects.filter(
            stakeholder=stakeholder, day__gte=today - dt.timedelta(days=HISTORY_DAYS)
        )
        .annotate(taken_from=Subquery(taken_from))
        .order_by("day")
    )
    todays = history.pop() if history and history[-1].day == today else None
    if (
        todays is not None
        and todays.taken_from
        and not health_inputs_changed_since(stakeholder, todays.taken_from)
    ):
        parts = parts_from_snapshot(todays)
    else:
        parts = health_now(stakeholder, day=today)
    before_today = HealthSnapshot.objects.filter(stakeholder=stakeholder, day__lt=today)
    if parts and history and history[-1].band != parts.band:
        turn = {"day": today, "band": parts.band, "previous": history[-1].band}
    else:
        turn = (
            before_today.annotate(previous=Window(Lag("band"), order_by=F("day").asc()))
            .filter(previous__isnull=False)
            .filter(~Q(band=F("previous")))
            .order_by("-day")
            .values("day", "band", "previous")
            .first()
        )
    if turn:
        turn = {
            **turn,
            "colour": BAND_COLOURS[turn["band"]],
            "previous_colour": BAND_COLOURS[turn["previous"]],
        }
    days = [(_day_label(row.day), row.score) for row in history]
    if parts:
        days.append((_day_label(today), parts.score))
    zones = (
        (0, AMBER_FROM, "zone-red"),
        (AMBER_FROM, GREEN_FROM, "zone-amber"),
        (GREEN_FROM, 100, "zone-green"),
    )
    return {
        "parts": parts,
        "turn": turn,
        "history": charts.sparkline(days, label=_health_trend(days), zones=zones),
        "history_days": len(days),
    }


HISTORY_DAYS = 90


def _day_label(day) -> str:
    return formats.date_format(day, "j M")


def _health_trend(days: list[tuple[str, float]]) -> str:
    """The sparkline in words, first and last day: what the line shows someone who cannot see it."""
    if not days:
        return ""
    (first_day, first), (last_day, last) = days[0], days[-1]
    return _("Health %(first)s on %(first_day)s, %(last)s on %(last_day)s") % {
        "first": f"{first:g}",
        "first_day": first_day,
        "last": f"{last:g}",
        "last_day": last_day,
    }

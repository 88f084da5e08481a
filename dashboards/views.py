import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import F
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import WhoCanHelp, require
from contacts.models import Organisation, OrganisationKind, Stakeholder
from interactions.models import InteractionKind
from liaison_crm.csv_export import csv_response
from liaison_crm.next_url import next_url
from liaison_crm.paging import paginate
from liaison_crm.record_ids import record_id

from . import panels, queries, services
from .exports import EXPORTS, export_rows
from .forms import DashboardFilterForm, GridFilterForm, ReportForm
from .relationship_map import organisation_graph, stakeholder_graph
from .reports import INTERACTIONS_SHOWN, ROWS_SHOWN, FirstRows, Report


def _require_manager(user) -> None:
    require(user.is_manager, _("The dashboard is for managers."), who_can_help=WhoCanHelp.MANAGER)
    require(
        user.is_crm_admin or user.team_id is not None,
        _("The dashboard shows a manager's team, and you are not in a team yet."),
        who_can_help=WhoCanHelp.ADMINISTRATOR,
    )


def my_day(request):
    """An officer's day: meetings, follow-ups, actions and commitments due, the concerns they handle, and
    relationships going stale."""
    today = timezone.localdate()
    user = request.user
    day = queries.latest_health_day(queries.freshness())
    limit = queries.MY_DAY_LIMIT
    follow_ups = list(queries.follow_ups_due(user, today)[: limit + 1])
    actions = list(queries.actions_due(user, today)[: limit + 1])
    commitments = list(queries.commitments_due(user, today)[: limit + 1])
    concerns = list(queries.concerns_handled(user)[: limit + 1])
    stale = list(queries.going_stale(user, today, day)[: limit + 1])
    return render(
        request,
        "dashboards/my_day.html",
        {
            "today": today,
            "meetings": queries.todays_meetings(user, today),
            "follow_ups": follow_ups[:limit],
            "more_follow_ups": len(follow_ups) > limit,
            "actions": actions[:limit],
            "more_actions": len(actions) > limit,
            "commitments": commitments[:limit],
            "more_commitments": len(commitments) > limit,
            "concerns": concerns[:limit],
            "more_concerns": len(concerns) > limit,
            "stale": stale[:limit],
            "more_stale": len(stale) > limit,
            "soon": today + dt.timedelta(days=queries.STALE_SOON_DAYS),
        },
    )


def dashboard(request):
    _require_manager(request.user)
    form = DashboardFilterForm(request.GET or None, user=request.user)
    scope = form.scope()
    refreshes = queries.freshness()
    context = {
        "form": form,
        "scope": scope,
        "subtitle": _subtitle(request.user, form, scope),
        "freshness": panels.freshness(refreshes),
        "panels": _panels(request, scope, refreshes),
    }
    return render(request, "dashboards/dashboard.html", context)


def _panels(request, scope, refreshes) -> str:
    """The dashboard's figures, rendered. They change only when the summary tables are refreshed, so they
    are kept (DASHBOARD_CACHE_SECONDS) under a key naming that refresh, the scope and what the reader may
    see; overdue work and open concerns, read from the registers, are at most that old (the page says when
    they were counted)."""
    day = queries.latest_health_day(refreshes)
    key = panels.cache_key(request.user, scope, refreshes)
    cached = cache.get(key) if settings.DASHBOARD_CACHE_SECONDS else None
    if cached is not None:
        return mark_safe(cached)
    html = render_to_string(
        "dashboards/_panels.html",
        {
            "scope": scope,
            "day": day,
            "summary_zone": queries.summary_zone().key.replace("_", " "),
            "counted_at": timezone.now(),
            "health": panels.health(scope, day),
            "stale": panels.stale(scope, day),
            "stale_url": panels.stale_url(scope),
            "overdue": panels.overdue(scope, request.user),
            "activity": panels.activity(scope, request.user),
            "sentiment": panels.sentiment(scope, request.user),
            "topics": panels.topics(scope, request.user),
            "concerns": panels.concerns(scope, request.user),
        },
        request=request,
    )
    if settings.DASHBOARD_CACHE_SECONDS:
        cache.set(key, str(html), settings.DASHBOARD_CACHE_SECONDS)
    return html


def _subtitle(user, form, scope) -> list[str]:
    """Whose figures these are, in words: the team, then any officer and kind of organisation chosen."""
    data = form.valid_data()
    team = data.get("team") or (user.team if scope.team_id else None)
    parts = [str(team) if team else _("All teams")]
    if data.get("officer"):
        parts.append(str(dict(form.fields["officer"].choices)[data["officer"]]))
    if scope.organisation_kind:
        parts.append(str(OrganisationKind(scope.organisation_kind).label))
    return parts


@require_POST
def refresh(request):
    _require_manager(request.user)
    if services.figures_refresh_request(actor=request.user):
        messages.success(request, _("Refreshing the figures: this takes a minute or so."))
    else:
        messages.info(request, _("A refresh was asked for a moment ago; the new figures are on their way."))
    return redirect(next_url(request, "dashboards:dashboard"))


def freshness(request):
    """The “figures as of” line; while a refresh is pending, the page asks again every few seconds."""
    _require_manager(request.user)
    return render(request, "dashboards/_freshness.html", {"freshness": panels.freshness(queries.freshness())})


def power_interest_grid(request):
    form = GridFilterForm(request.GET or None, user=request.user)
    stakeholders = form.filter(Stakeholder.objects.visible_to(request.user).active())
    day = queries.latest_health_day(queries.freshness())
    cell = request.GET.get("cell", "")
    if cell:
        influence, _sep, interest = cell.partition("-")
        if record_id(influence) is None or record_id(interest) is None:
            raise Http404
        in_cell = (
            stakeholders.filter(influence=influence, interest=interest)
            .annotate(score=queries.latest_score(day), band=queries.latest_band(day))
            .select_related("owner")
            .order_by(F("score").asc(nulls_last=True), "name", "pk")
        )
        page = paginate(in_cell, request.GET.get("page"), settings.LIST_PAGE_SIZE)
        return render(
            request,
            "dashboards/grid_cell.html",
            {"form": form, "page": page, "influence": influence, "interest": interest},
        )
    return render(
        request,
        "dashboards/grid.html",
        {"form": form, "grid": panels.grid(queries.power_interest_grid(stakeholders, day)), "day": day},
    )


def stakeholder_map(request, pk):
    """The map's page; the picture is drawn by static/js/relationship-map.js from the JSON below."""
    stakeholder = get_object_or_404(Stakeholder.objects.visible_to(request.user), pk=pk)
    graph = stakeholder_graph(stakeholder)
    return render(
        request, "dashboards/map.html", {"subject": stakeholder, "kind": "stakeholder", "graph": graph}
    )


def organisation_map(request, pk):
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), pk=pk)
    graph = organisation_graph(organisation)
    return render(
        request, "dashboards/map.html", {"subject": organisation, "kind": "organisation", "graph": graph}
    )


def stakeholder_map_data(request, pk):
    stakeholder = get_object_or_404(Stakeholder.objects.visible_to(request.user), pk=pk)
    day = queries.latest_health_day(queries.freshness())
    return JsonResponse(stakeholder_graph(stakeholder, day=day).as_json())


def organisation_map_data(request, pk):
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), pk=pk)
    day = queries.latest_health_day(queries.freshness())
    return JsonResponse(organisation_graph(organisation, day=day).as_json())


def report(request):
    """The report page: pick a subject and a period; printable as it stands."""
    form = ReportForm(request.GET or None, user=request.user)
    user = request.user
    if not form.is_bound or not form.is_valid():
        return render(request, "dashboards/report_form.html", {"form": form, "exports": EXPORT_LABELS})
    data = form.cleaned_data
    team = data.get("team")
    if not (data["organisation"] or data["stakeholder"] or data["officer"] or team):
        # No subject: a manager's team, an officer's own work.
        if user.is_manager and user.team_id:
            team = user.team
        elif not user.is_crm_admin:
            data["officer"] = user
    subject = Report(
        reader=user,
        since=data["since"],
        until=data["until"],
        organisation=data["organisation"],
        stakeholder=data["stakeholder"],
        officer=data["officer"],
        team=team,
    )
    require(
        subject.readable_by(user),
        _("An officer's report is for them and their managers."),
        who_can_help=WhoCanHelp.MANAGER,
    )
    communications = subject.communications()
    meetings, missed_meetings = subject.meeting_lists(ROWS_SHOWN)
    return render(
        request,
        "dashboards/report.html",
        {
            "form": form,
            "report": subject,
            "totals": subject.totals(communications),
            "by_kind": [
                {**row, "kind": InteractionKind(row["kind"]).label} for row in communications["by_kind"]
            ],
            "meetings": meetings,
            "missed_meetings": missed_meetings,
            "interactions": FirstRows(
                subject.interactions().for_timeline().order_by("occurred_at", "pk"), INTERACTIONS_SHOWN
            ),
            "decisions": FirstRows(
                subject.decisions().order_by("meeting__starts_at", "position", "pk"), ROWS_SHOWN
            ),
            "actions": FirstRows(
                subject.actions().for_list().order_by("-open_at_end", "due_on", "pk"), ROWS_SHOWN
            ),
            "commitments": FirstRows(subject.commitments().for_list().by_urgency(), ROWS_SHOWN),
            "objectives": FirstRows(
                subject.objectives()
                .select_related("stakeholder")
                .order_by("-open_at_end", "target_on", "pk"),
                ROWS_SHOWN,
            ),
            "concerns": FirstRows(subject.concerns().for_list().by_urgency(), ROWS_SHOWN),
            "generated_at": timezone.now(),
        },
    )


EXPORT_LABELS = [
    ("stakeholders", gettext_lazy("Active stakeholders")),
    ("organisations", gettext_lazy("Organisations")),
    ("interactions", gettext_lazy("Interactions")),
    ("meetings", gettext_lazy("Upcoming meetings")),
    ("actions", gettext_lazy("My open actions")),
    ("commitments", gettext_lazy("Open commitments")),
    ("concerns", gettext_lazy("Unresolved concerns")),
]


def export(request, name):
    if name not in EXPORTS:
        raise Http404
    chosen = EXPORTS[name]
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    return csv_response(
        filename=f"{chosen.filename}-{stamp}.csv", columns=chosen.columns, rows=export_rows(chosen, request)
    )

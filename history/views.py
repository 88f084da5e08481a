from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from accounts.permissions import WhoCanHelp, require

from . import queries
from .forms import RecentChangesFilterForm


def record_history(request, kind: str, pk: int):
    """A record's history, newest first: lazily loaded into its page (htmx), or on its own without script.

    The record is fetched through the same `visible_to(user)` as its page, so whoever cannot open the page
    (a confidential interaction) gets the same 404 here.
    """
    stream = queries.STREAMS.get(kind)
    if stream is None:
        raise Http404
    record = get_object_or_404(queries.visible_records(stream.parent, request.user).only("pk"), pk=pk)
    history = queries.record_history(
        stream,
        record.pk,
        user=request.user,
        before=request.GET.get("before"),
        size=settings.HISTORY_PAGE_SIZE,
    )
    template = "history/_record_history.html" if request.htmx else "history/record_history.html"
    return render(request, template, {"history": history, "stream": stream, "record": record})


def recent_changes(request):
    """Managers' view of the latest creates, updates and deletes across the registers, deletions included.

    Managers see their team's records (and the organisations their team changed); administrators see all.
    """
    require(request.user.is_manager, _("Recent changes are for managers."), who_can_help=WhoCanHelp.MANAGER)
    members = queries.team_members(request.user)
    form = RecentChangesFilterForm(request.GET or None, members=members)
    streams, actor_id = list(queries.STREAMS.values()), None
    if form.is_valid():
        if form.cleaned_data["model"]:
            streams = [queries.STREAMS[form.cleaned_data["model"]]]
        if form.cleaned_data["user"]:
            actor_id = form.cleaned_data["user"].pk
    history = queries.recent_changes(
        user=request.user,
        members=members,
        streams=streams,
        actor_id=actor_id,
        cursor=request.GET.get("before"),
        size=settings.HISTORY_PAGE_SIZE,
    )
    template = "history/_recent_rows.html" if request.htmx else "history/recent_changes.html"
    return render(request, template, {"history": history, "form": form})

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import can_edit_concern, require
from interactions.models import Interaction
from liaison_crm.form_errors import add_service_errors
from liaison_crm.paging import paginate
from liaison_crm.submissions import submitted_once
from meetings.sources import source_from

from . import services
from .filtersets import ConcernFilterSet
from .forms import ConcernForm, LinkInteractionForm, ResolveConcernForm
from .models import Concern


def _visible(request):
    return Concern.objects.visible_to(request.user)


def _editable(request, pk):
    """The concern, if the signed-in person may see it (else 404) and change it (else 403)."""
    concern = get_object_or_404(_visible(request).select_related("stakeholder", "owner"), pk=pk)
    require(
        can_edit_concern(request.user, concern),
        _("Only the officer handling this concern, the stakeholder's owner or their manager can do this."),
    )
    return concern


def concern_list(request):
    filterset = ConcernFilterSet.list_for(request)
    page = paginate(filterset.qs, request.GET.get("page"), settings.LIST_PAGE_SIZE)
    template = "concerns/_concern_rows.html" if request.htmx else "concerns/concern_list.html"
    return render(
        request,
        template,
        {"filter": filterset, "page": page, "escalation_days": settings.CONCERN_ESCALATION_DAYS},
    )


def concern_detail(request, pk):
    concern = get_object_or_404(
        _visible(request).select_related("stakeholder", "organisation", "owner", "created_by"), pk=pk
    )
    can_edit = can_edit_concern(request.user, concern)
    # Confidential interactions stay out of sight of those who may not read them, even when linked here.
    linked = (
        Interaction.objects.visible_to(request.user)
        .filter(concerns=concern)
        .select_related("logged_by")
        .order_by("-occurred_at", "-pk")
    )
    return render(
        request,
        "concerns/concern_detail.html",
        {
            "concern": concern,
            "linked_interactions": linked,
            "can_edit": can_edit,
            "resolve_form": ResolveConcernForm(initial={"resolution": concern.resolution}),
            "link_form": LinkInteractionForm(concern=concern, user=request.user) if can_edit else None,
            "escalation_days": settings.CONCERN_ESCALATION_DAYS,
        },
    )


def concern_create(request):
    user = request.user
    source = source_from(request)
    form = ConcernForm(request.POST or None, initial={"owner": user, **source.form_initial()}, user=user)
    with submitted_once(request) as submission:
        if submission.replayed:
            return submission.replay()
        if request.method == "POST" and form.is_valid():
            try:
                concern = services.concern_raise(
                    actor=user,
                    interactions=[source.interaction] if source.interaction else [],
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                submission.saved(concern.get_absolute_url())
                messages.success(request, _("Concern recorded."))
                return redirect(concern)
    return render(
        request,
        "concerns/concern_form.html",
        {
            "form": form,
            "interaction": source.interaction,
            "meeting": source.meeting,
            "stakeholder": source.stakeholder,
        },
    )


def concern_edit(request, pk):
    concern = _editable(request, pk)
    if concern.is_resolved:
        messages.info(request, services.RESOLVED_MESSAGE)
        return redirect(concern)
    form = ConcernForm(request.POST or None, instance=concern, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.concern_update(
                concern=concern,
                actor=request.user,
                require_unchanged=form.require_unchanged,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(concern)
    return render(request, "concerns/concern_form.html", {"form": form, "concern": concern})


def concern_resolve(request, pk):
    concern = _editable(request, pk)
    form = ResolveConcernForm(request.POST or None, initial={"resolution": concern.resolution})
    if request.method == "POST" and form.is_valid():
        try:
            was_resolved = concern.is_resolved
            services.concern_resolve(concern=concern, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Resolution updated.") if was_resolved else _("Concern resolved."))
            return redirect(concern)
    return render(request, "concerns/concern_resolve.html", {"form": form, "concern": concern})


@require_POST
def concern_mark_in_progress(request, pk):
    concern = _editable(request, pk)
    try:
        services.concern_mark_in_progress(concern=concern, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as in progress."))
    return redirect(concern)


@require_POST
def concern_reopen(request, pk):
    concern = _editable(request, pk)
    was_resolved = concern.is_resolved
    services.concern_reopen(concern=concern, actor=request.user)
    if was_resolved:
        messages.success(request, _("Concern reopened."))
    else:
        # A second click, or a page left open after someone else reopened it.
        messages.info(request, _("This concern is not resolved: there was nothing to reopen."))
    return redirect(concern)


@require_POST
def concern_link_interaction(request, pk):
    concern = _editable(request, pk)
    form = LinkInteractionForm(request.POST, concern=concern, user=request.user)
    if form.is_valid():
        services.concern_link_interaction(concern=concern, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Interaction linked."))
    else:
        messages.error(request, _("Choose an interaction to link."))
    return redirect(concern)


@require_POST
def concern_unlink_interaction(request, pk, interaction_pk):
    concern = _editable(request, pk)
    interaction = get_object_or_404(
        Interaction.objects.visible_to(request.user).filter(concerns=concern), pk=interaction_pk
    )
    services.concern_unlink_interaction(concern=concern, actor=request.user, interaction=interaction)
    messages.success(request, _("Interaction unlinked."))
    return redirect(concern)

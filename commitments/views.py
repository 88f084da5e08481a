from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import can_edit_commitment, require
from interactions.models import Interaction
from liaison_crm.form_errors import add_service_errors
from liaison_crm.paging import paginate
from liaison_crm.submissions import submitted_once
from meetings.models import Meeting
from meetings.sources import source_from

from . import services
from .filtersets import CommitmentFilterSet
from .forms import CommitmentForm
from .models import Commitment, CommitmentDirection, CommitmentStatus


def _visible(request):
    return Commitment.objects.visible_to(request.user)


def _editable(request, pk):
    """The commitment, if the signed-in person may see it (else 404) and change it (else 403)."""
    commitment = get_object_or_404(_visible(request).select_related("stakeholder", "owner"), pk=pk)
    require(
        can_edit_commitment(request.user, commitment),
        _(
            "Only the officer chasing this commitment, the stakeholder's owner or their manager "
            "can change it."
        ),
    )
    return commitment


def commitment_list(request):
    filterset = CommitmentFilterSet.list_for(request)
    page = paginate(filterset.qs, request.GET.get("page"), settings.LIST_PAGE_SIZE)
    template = "commitments/_commitment_rows.html" if request.htmx else "commitments/commitment_list.html"
    return render(request, template, {"filter": filterset, "page": page})


def commitment_detail(request, pk):
    commitment = get_object_or_404(
        _visible(request).select_related("stakeholder", "organisation", "owner", "created_by"), pk=pk
    )
    # A confidential source interaction stays out of sight of those who may not read it.
    source_interaction = (
        Interaction.objects.visible_to(request.user).filter(pk=commitment.source_interaction_id).first()
        if commitment.source_interaction_id
        else None
    )
    source_meeting = (
        Meeting.objects.visible_to(request.user).filter(pk=commitment.source_meeting_id).first()
        if commitment.source_meeting_id
        else None
    )
    return render(
        request,
        "commitments/commitment_detail.html",
        {
            "commitment": commitment,
            "source_interaction": source_interaction,
            "source_meeting": source_meeting,
            "can_edit": can_edit_commitment(request.user, commitment),
        },
    )


def commitment_create(request):
    source = source_from(request)
    initial = {"owner": request.user, "direction": CommitmentDirection.WE_PROMISED, **source.form_initial()}
    form = CommitmentForm(request.POST or None, initial=initial, user=request.user)
    with submitted_once(request) as submission:
        if submission.replayed:
            return submission.replay()
        if request.method == "POST" and form.is_valid():
            try:
                commitment = services.commitment_record(
                    actor=request.user,
                    source_interaction=source.interaction,
                    source_meeting=source.meeting,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                submission.saved(commitment.get_absolute_url())
                messages.success(request, _("Commitment recorded."))
                return redirect(commitment)
    return render(request, "commitments/commitment_form.html", {"form": form, "source": source})


def commitment_edit(request, pk):
    commitment = _editable(request, pk)
    if not commitment.is_open:
        messages.info(request, services.closed_message(commitment))
        return redirect(commitment)
    form = CommitmentForm(request.POST or None, instance=commitment, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_update(
                commitment=commitment,
                actor=request.user,
                require_unchanged=form.require_unchanged,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(commitment)
    return render(request, "commitments/commitment_form.html", {"form": form, "commitment": commitment})


TRANSITIONS = {
    "fulfil": (services.commitment_fulfil, CommitmentStatus.FULFILLED, gettext_lazy("Marked as fulfilled.")),
    "cancel": (services.commitment_cancel, CommitmentStatus.CANCELLED, gettext_lazy("Commitment cancelled.")),
    "break": (services.commitment_mark_broken, CommitmentStatus.BROKEN, gettext_lazy("Marked as broken.")),
    "reopen": (services.commitment_reopen, CommitmentStatus.OPEN, gettext_lazy("Commitment reopened.")),
}


@require_POST
def commitment_transition(request, pk, action):
    commitment = _editable(request, pk)
    service, status, done = TRANSITIONS[action]
    # A second click, or a page left open after someone else made the change: the services leave it be.
    unchanged = commitment.status == status
    try:
        service(commitment=commitment, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if unchanged:
            messages.info(
                request,
                _("This commitment is already %(status)s: nothing changed.")
                % {"status": commitment.get_status_display().lower()},
            )
        else:
            messages.success(request, done)
    return redirect(commitment)

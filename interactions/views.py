from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import can_edit_interaction, can_update_follow_up, require
from commitments.models import Commitment
from contacts.models import Stakeholder
from contacts.stakeholder_page import cards_a_log_changes, stakeholder_for_page
from liaison_crm.form_errors import add_service_errors
from liaison_crm.next_url import next_url
from liaison_crm.paging import paginate
from liaison_crm.record_ids import record_id
from liaison_crm.submissions import submitted_once
from mailin.models import InboundMessage

from . import services
from .filtersets import FollowUpFilterSet
from .forms import InteractionForm
from .models import Interaction


def _stakeholder_context(request, *, among=()):
    """The stakeholder page an inline log form was sent from, if any.

    `among` are stakeholders already read from those the user may see (the form's chosen ones): the page's
    stakeholder is one of them whenever the form is sent as it was drawn, and is then not read again.
    """
    pk = record_id(request.GET.get("stakeholder") or request.POST.get("from_stakeholder"))
    if pk is None:
        return None
    already_read = next((stakeholder for stakeholder in among if stakeholder.pk == pk), None)
    return already_read or Stakeholder.objects.visible_to(request.user).filter(pk=pk).first()


def interaction_log(request):
    sent = request.POST or None
    # A sent form shows what was sent, not its initial values: its page's stakeholder is looked up once the
    # form has read the chosen stakeholders, among which it usually is.
    stakeholder = None if sent else _stakeholder_context(request)
    form = InteractionForm.for_new(sent, user=request.user, stakeholder=stakeholder)
    with submitted_once(request) as submission:
        if submission.replayed:
            return submission.replay()
        valid = form.is_bound and form.is_valid()
        if form.is_bound:
            stakeholder = _stakeholder_context(request, among=form.cleaned_data.get("stakeholders", ()))
        if valid:
            try:
                interaction = services.interaction_log(author=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                submission.saved((stakeholder or interaction).get_absolute_url())
                if request.htmx and stakeholder:
                    return _inline_logged(request, stakeholder, interaction)
                messages.success(request, _("Interaction logged."))
                # A list's Log link sends the officer back to it, as they had it filtered and paged.
                return redirect(next_url(request, stakeholder or interaction))
    template = "interactions/_log_form.html" if request.htmx else "interactions/interaction_form.html"
    return render(request, template, {"form": form, "stakeholder": stakeholder})


def _inline_logged(request, stakeholder, interaction):
    """Answers the stakeholder page's inline form: a fresh form, the timeline with the new entry first, and
    the page's cards the log changed (last contact, open follow-ups, health), read again as they now are."""
    stakeholder = stakeholder_for_page(request.user, stakeholder.pk)
    if stakeholder is None:
        # Merged into another record or moved out of sight since the log: the interaction is where it went.
        response = HttpResponse()
        response["HX-Redirect"] = interaction.get_absolute_url()
        return response
    visible = Interaction.objects.visible_to(request.user).with_stakeholder(stakeholder).for_timeline()
    timeline = paginate(visible, 1, settings.TIMELINE_PAGE_SIZE)
    return render(
        request,
        "interactions/_inline_logged.html",
        {
            "form": InteractionForm.for_new(user=request.user, stakeholder=stakeholder),
            "stakeholder": stakeholder,
            "timeline": timeline,
            "logged": interaction,
            **cards_a_log_changes(request.user, stakeholder),
        },
    )


def interaction_detail(request, pk):
    interaction = get_object_or_404(
        Interaction.objects.visible_to(request.user)
        .select_related("logged_by", "organisation", "follow_up_owner")
        .prefetch_related("stakeholders__owner", "staff_present", "topics"),
        pk=pk,
    )
    # The notes name an email's attachments; the captured message is where they can be opened.
    captured_email = (
        InboundMessage.objects.visible_to(request.user).filter(interaction=interaction).only("pk").first()
    )
    return render(
        request,
        "interactions/interaction_detail.html",
        {
            "interaction": interaction,
            "can_edit": can_edit_interaction(request.user, interaction),
            "can_update_follow_up": can_update_follow_up(request.user, interaction),
            "captured_email": captured_email,
            "commitments": Commitment.objects.visible_to(request.user).made_at(interaction=interaction),
        },
    )


def interaction_edit(request, pk):
    interaction = get_object_or_404(
        Interaction.objects.visible_to(request.user).select_related("logged_by"), pk=pk
    )
    require(
        can_edit_interaction(request.user, interaction),
        _("Only the person who logged this interaction or their manager can edit it."),
    )
    form = InteractionForm(request.POST or None, user=request.user, instance=interaction)
    if request.method == "POST" and form.is_valid():
        try:
            services.interaction_update(
                interaction=interaction,
                actor=request.user,
                require_unchanged=form.require_unchanged,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(interaction)
    return render(request, "interactions/interaction_form.html", {"form": form, "interaction": interaction})


def interaction_delete(request, pk):
    interaction = get_object_or_404(
        Interaction.objects.visible_to(request.user).select_related("logged_by"), pk=pk
    )
    require(
        can_edit_interaction(request.user, interaction),
        _("Only the person who logged this interaction or their manager can delete it."),
    )
    if request.method == "POST":
        # Back to a timeline it was on, which is where officers come to it from and what they check next.
        stakeholder = interaction.stakeholders.order_by("name", "pk").first()
        services.interaction_delete(interaction=interaction, actor=request.user)
        messages.success(request, _("Interaction deleted."))
        return redirect(stakeholder or "home")
    return render(request, "interactions/interaction_delete.html", {"interaction": interaction})


@require_POST
def follow_up_toggle(request, pk):
    interaction = get_object_or_404(
        Interaction.objects.visible_to(request.user)
        .select_related("logged_by", "follow_up_owner")
        .prefetch_related("stakeholders"),
        pk=pk,
    )
    require(
        can_update_follow_up(request.user, interaction),
        _("Only the follow-up's owner, whoever logged the interaction or their managers can do this."),
    )
    try:
        if request.POST.get("done") == "0":
            services.follow_up_reopen(interaction=interaction, actor=request.user)
        else:
            services.follow_up_complete(interaction=interaction, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if request.htmx:
        context = {
            "item": interaction,
            "today": timezone.localdate(),
            "updatable": True,
            "show_owner": request.POST.get("show_owner") == "1",
        }
        return render(request, "interactions/_follow_up_row.html", context)
    return redirect(next_url(request, "home"))


def follow_up_list(request):
    follow_ups = Interaction.objects.visible_to(request.user).for_follow_up_list()
    filterset = FollowUpFilterSet(request.GET, queryset=follow_ups, request=request)
    page = paginate(filterset.qs, request.GET.get("page"), settings.LIST_PAGE_SIZE)
    for item in page:
        item.can_update = can_update_follow_up(request.user, item)
    return render(
        request,
        "interactions/follow_up_list.html",
        {
            "filter": filterset,
            "page": page,
            "today": timezone.localdate(),
            "heading": filterset.heading(
                own=_("My follow-ups"),
                chaser=_("Follow-ups chased by %(name)s"),
                team=_("Follow-ups of the %(team)s team"),
                anyone=_("Follow-ups"),
            ),
            # A list of someone else's, or of several people's, says who chases each.
            "show_owner": not filterset.lists_readers_own,
        },
    )

"""The outbox page: administrators see what the CRM has sent, what is waiting and what needs them."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import WhoCanHelp, can_manage_outbox, require
from liaison_crm.paging import paginate

from . import services
from .filtersets import OutboundMessageFilterSet
from .models import OutboundMessage


def _require_admin(request) -> None:
    require(
        can_manage_outbox(request.user),
        _("Only administrators can see the outbox."),
        who_can_help=WhoCanHelp.ADMINISTRATOR,
    )


def message_list(request):
    _require_admin(request)
    filterset = OutboundMessageFilterSet(
        request.GET, queryset=OutboundMessage.objects.visible_to(request.user).for_list(), request=request
    )
    page = paginate(filterset.qs, request.GET.get("page"), settings.LIST_PAGE_SIZE)
    template = "outbox/_message_rows.html" if request.htmx else "outbox/message_list.html"
    return render(request, template, {"filter": filterset, "page": page})


def message_detail(request, pk):
    _require_admin(request)
    message = get_object_or_404(
        OutboundMessage.objects.visible_to(request.user).select_related("recipient_user"), pk=pk
    )
    return render(
        request,
        "outbox/message_detail.html",
        {"message": message, "from_email": settings.DEFAULT_FROM_EMAIL},
    )


def _act(request, pk, action, done: str):
    _require_admin(request)
    message = get_object_or_404(OutboundMessage.objects.visible_to(request.user), pk=pk)
    try:
        action(message=message, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(message)


@require_POST
def message_send_again(request, pk):
    return _act(request, pk, services.message_retry, _("The message will be sent again."))


@require_POST
def message_cancel(request, pk):
    return _act(request, pk, services.message_cancel, _("The message is cancelled."))


@require_POST
def message_send_current(request, pk):
    """ "Send again with current details": the new message's page, or this one's with why it was refused."""
    _require_admin(request)
    message = get_object_or_404(OutboundMessage.objects.visible_to(request.user), pk=pk)
    try:
        fresh = services.message_rewrite(message=message, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(message)
    messages.success(
        request,
        _("A new message with the current details will be sent in place of message #%(id)s.")
        % {"id": message.pk},
    )
    return redirect(fresh)

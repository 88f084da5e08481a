from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.permissions import can_review_inbound_message, require
from liaison_crm.form_errors import add_service_errors
from liaison_crm.paging import paginate

from . import services
from .forms import AssignForm
from .models import InboundMessage, InboundStatus
from .querysets import registered_with

SIGNATURE_HEADER = "HTTP_X_LIAISON_SIGNATURE"


@csrf_exempt
@login_not_required
@require_POST
def inbound(request):
    """A raw RFC 822 message from the mail server's pipe or a provider's inbound webhook, signed with HMAC.

    `X-Liaison-Signature: sha256=<hex HMAC-SHA256 of the body with INBOUND_EMAIL_SECRET>`. Answers 202 with
    the message's id and status; the same message again answers 200 and changes nothing.
    """
    if not settings.INBOUND_EMAIL_SECRET:
        raise Http404
    # Refused before a byte is read: Django reads no further than the Content-Length, and a body sent without
    # one (chunked) reads as empty.
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.INBOUND_EMAIL_MAX_BYTES:
        limit = settings.INBOUND_EMAIL_MAX_BYTES
        return JsonResponse(
            {"error": f"The message is larger than the inbound limit of {limit} bytes."}, status=413
        )
    # Read the stream itself: request.body stops at DATA_UPLOAD_MAX_MEMORY_SIZE, and emails carry attachments.
    body = request.read(settings.INBOUND_EMAIL_MAX_BYTES + 1)
    if not services.signature_valid(body, request.META.get(SIGNATURE_HEADER, "")):
        return JsonResponse({"error": "bad signature"}, status=403)
    try:
        message, created = services.inbound_message_receive(raw=body)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse(
        {"id": message.pk, "status": message.status, "duplicate": not created}, status=202 if created else 200
    )


def message_list(request):
    status = (
        request.GET.get("status")
        if request.GET.get("status") in InboundStatus.values
        else InboundStatus.REVIEW
    )
    messages_ = (
        InboundMessage.objects.visible_to(request.user)
        .filter(status=status)
        .select_related("author", "interaction")
        .order_by("-received_at", "-pk")
    )
    if status == InboundStatus.REVIEW:
        # Only a waiting message says why it waits (InboundMessage.why_it_waits).
        messages_ = messages_.with_registered_addresses(request.user)
    page = paginate(messages_, request.GET.get("page"), settings.LIST_PAGE_SIZE)
    context = {
        "page": page,
        "status": status,
        "status_label": InboundStatus(status).label,
        "statuses": InboundStatus.choices,
        # The page that says to forward email to the CRM says where to.
        "inbound_addresses": settings.INBOUND_EMAIL_ADDRESSES,
    }
    return render(request, "mailin/message_list.html", context)


def _message_or_404(request, pk) -> InboundMessage:
    return get_object_or_404(
        InboundMessage.objects.visible_to(request.user).select_related("author", "interaction"), pk=pk
    )


def message_detail(request, pk):
    message = get_object_or_404(
        InboundMessage.objects.visible_to(request.user)
        .select_related("author", "interaction")
        .with_registered_addresses(request.user),
        pk=pk,
    )
    # Chosen already: whom it would have been logged with when it came (by the same rule), from the register
    # as it is now (those it was sent to stay with a sender the reviewer chooses; someone added from the
    # links below is chosen too).
    registered = list(registered_with(request.user, message.counterpart_addresses).order_by("name", "pk"))
    form = AssignForm(
        request.POST or None, initial={"stakeholders": registered, "is_confidential": message.is_sensitive}
    )
    if request.method == "POST":
        require(can_review_inbound_message(request.user, message), _("You cannot deal with this message."))
        if form.is_valid():
            try:
                services.inbound_message_assign(
                    message=message,
                    actor=request.user,
                    stakeholders=form.cleaned_data["stakeholders"],
                    is_confidential=form.cleaned_data["is_confidential"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The email was logged."))
                return redirect(message)
    waiting = message.status == InboundStatus.REVIEW
    context = {
        "message": message,
        "form": form,
        "attachments": message.attachments.all(),
        "can_review": can_review_inbound_message(request.user, message),
        # Adding a stakeholder helps only while the email waits to be logged with them.
        "unregistered": [
            (address, _add_stakeholder_url(message, address) if waiting else None)
            for address in message.unregistered_addresses
        ],
        # Each archived holder as why it waits names them: to_addresses keeps only the first 50 recipients,
        # unmatched_addresses the first 50 unmatched ones.
        "archived": list(message.archived_holder_by_address.items()),
    }
    return render(request, "mailin/message_detail.html", context)


def _add_stakeholder_url(message: InboundMessage, address: str) -> str:
    """The new-stakeholder form filled in with the address (and the sender's name), coming back here."""
    name = message.from_name if address == message.from_address else ""
    query = urlencode({"email": address, "name": name, "next": message.get_absolute_url()})
    return f"{reverse('contacts:stakeholder_create')}?{query}"


@require_POST
def message_discard(request, pk):
    message = _message_or_404(request, pk)
    try:
        services.inbound_message_discard(message=message, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(message)
    messages.success(request, _("The email was set aside."))
    return redirect("mailin:list")


@require_POST
def message_restore(request, pk):
    message = _message_or_404(request, pk)
    try:
        services.inbound_message_restore(message=message, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The email is back in the review queue."))
    return redirect(message)


def attachment_download(request, pk, attachment_pk):
    message = _message_or_404(request, pk)
    attachment = get_object_or_404(message.attachments, pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("The file is no longer stored.")) from missing
    return FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )

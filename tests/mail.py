"""The outbox's worker in the test's own thread: what was queued goes out, as its send tasks send it."""

from django.utils import timezone

from outbox.models import OutboundMessage
from outbox.services import message_send


def deliver_due() -> None:
    """Sends every message due now through the test's mail backend, as its send task does: a meeting's
    invitations reach its guests before the edit that follows them."""
    for message_id in OutboundMessage.objects.due(timezone.now()).order_by("pk").values_list("pk", flat=True):
        message_send(message_id=message_id)

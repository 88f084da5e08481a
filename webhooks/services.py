"""Publishing events to other tools: an outbox row per endpoint in the event's own transaction, then a
signed POST from a Celery worker, retried with exponential backoff and logged on the row.

Delivery is at least once, and receivers make it once in effect. A worker holds the delivery row locked
while it posts and records the answer in the same transaction; a worker killed (or a database lost) after
the receiver took the POST but before that commit leaves the row pending, and the beat sweep sends it again.
The second POST carries the same X-Liaison-Delivery header (the row's id) and the same body — the same
event `id` — so a receiver that remembers the delivery ids it has handled ignores the copy. Two different
deliveries for one event and endpoint cannot exist (a unique constraint).

With Redis down, handing deliveries to the broker stops at the first failure (`liaison_crm.broker`): the rows
stay pending, and the beat sweep queues them once Redis is back.
"""

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import WhoCanHelp, can_edit_webhook, require
from api.representation import moment
from liaison_crm.broker import hand_over
from liaison_crm.constraints import atomic_service

from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from .subscriptions import subscribed_events

TIMEOUT_SECONDS = 10
USER_AGENT = "LiaisonCRM-Webhooks/1"


def _validate_events(events) -> None:
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})


@atomic_service
def webhook_endpoint_create(
    *, owner, url: str, events: list[str], secret: str = "", description: str = "", active: bool = True
) -> WebhookEndpoint:
    _validate_events(events)
    endpoint = WebhookEndpoint(
        owner=owner,
        url=url,
        events=sorted(set(events)),
        secret=secret or secrets.token_hex(32),
        description=description,
        active=active,
    )
    endpoint.full_clean(validate_constraints=False)
    endpoint.save()
    return endpoint


@atomic_service
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, actor, **fields) -> WebhookEndpoint:
    require(can_edit_webhook(actor, endpoint), who_can_help=WhoCanHelp.ADMINISTRATOR)
    if "events" in fields:
        _validate_events(fields["events"])
        fields["events"] = sorted(set(fields["events"]))
    if not fields.get("secret", endpoint.secret):
        fields.pop("secret", None)
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.full_clean(validate_constraints=False)
    endpoint.save()
    return endpoint


@atomic_service
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor) -> None:
    require(can_edit_webhook(actor, endpoint), who_can_help=WhoCanHelp.ADMINISTRATOR)
    endpoint.delete()


def _can_see(user, subject) -> bool:
    return type(subject)._default_manager.visible_to(user).filter(pk=subject.pk).exists()


def event_publish(
    *,
    event: str,
    payload: Mapping | Callable[[], Mapping] | None = None,
    payload_for: Callable[[object], Mapping] | None = None,
    subject=None,
) -> list[WebhookDelivery]:
    """Queues `event` for every active endpoint subscribed to it, inside the caller's transaction.

    `subject` is the record the event is about: an endpoint hears of it only if its owner can see it
    (`Model.objects.visible_to(owner)`), so a confidential interaction reaches only those allowed to read
    it. `payload` may be a function, called only when some endpoint is to be told.

    A record that shows other records the reader may not see (a commitment made during a confidential
    interaction) gives `payload_for(owner)` instead: each endpoint gets the record as its owner would read
    it through the API. It is built once per owner.

    Sending starts when the transaction commits; if it rolls back, nothing is sent.
    """
    if event not in subscribed_events():
        return []
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.subscribed_to(event).select_related("owner")
        if subject is None or _can_see(endpoint.owner, subject)
    ]
    endpoints = _held_until_commit(endpoints)
    if not endpoints:
        return []
    if payload_for is not None:
        by_owner = {}
        for endpoint in endpoints:
            if endpoint.owner_id not in by_owner:
                by_owner[endpoint.owner_id] = payload_for(endpoint.owner)
        payloads = [by_owner[endpoint.owner_id] for endpoint in endpoints]
    else:
        payloads = [payload() if callable(payload) else payload] * len(endpoints)
    event_id = uuid.uuid4()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(endpoint=endpoint, event=event, event_id=event_id, payload=data)
            for endpoint, data in zip(endpoints, payloads, strict=True)
        ]
    )
    _enqueue_on_commit([delivery.pk for delivery in deliveries])
    return deliveries


def _held_until_commit(endpoints: list[WebhookEndpoint]) -> list[WebhookEndpoint]:
    """Those of `endpoints` still there, each kept from being deleted until the caller's transaction ends.

    The deliveries' foreign key is checked at COMMIT: an endpoint deleted meanwhile (its owner removing it
    while an interaction is logged) would otherwise fail the event's whole transaction. FOR KEY SHARE is the
    lock that check takes: publishers do not wait for one another, nor for an endpoint being edited.
    """
    if not endpoints:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {connection.ops.quote_name(WebhookEndpoint._meta.db_table)}"
            " WHERE id = ANY(%s) FOR KEY SHARE",
            [[endpoint.pk for endpoint in endpoints]],
        )
        still_there = {row[0] for row in cursor.fetchall()}
    return [endpoint for endpoint in endpoints if endpoint.pk in still_there]


def deliveries_queue(delivery_ids) -> int:
    """Gives each delivery a task, until the broker fails; returns how many it queued.

    The rows left without one stay pending, and the beat sweep queues them once they are stale.
    """
    from .tasks import deliver_webhook as deliver_webhook_task

    ids = [str(delivery_id) for delivery_id in delivery_ids]
    return len(ids) - len(hand_over(deliver_webhook_task, ids))


def _enqueue_on_commit(delivery_ids) -> None:
    # robust: the event is committed by now; a broker outage (Redis down) must not turn it into an error
    # page.
    transaction.on_commit(lambda: deliveries_queue(delivery_ids), robust=True)


def delivery_body(delivery: WebhookDelivery) -> bytes:
    # Written as the API writes times, so the envelope's and the payload's read alike.
    with timezone.override(UTC):
        created_at = moment(delivery.created_at)
    envelope = {
        "id": str(delivery.event_id),
        "event": delivery.event,
        "created_at": created_at,
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    """What X-Liaison-Signature carries; a receiver recomputes it over the raw body with the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET elsewhere; a receiver must answer at its own address.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """The receiver's status code (None when unreachable) and an error description ("" on 2xx)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code} {error.reason}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, f"{type(error).__name__}: {reason}"


def retry_delay(attempts: int) -> float:
    return settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1)


def delivery_attempt(*, delivery_id) -> float | None:
    """Sends a pending delivery once. Returns seconds to wait before the next try, or None when done.

    The row stays locked while sending, so a duplicate queue message finds nothing to do: a delivery is
    never sent twice at once, nor again after it was sent or gave up.
    """
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint__owner")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        now = timezone.now()
        # A second message for a row waiting out its backoff (a sweep raced a retry) leaves it to the retry.
        if delivery is None or delivery.next_attempt_at > now + timedelta(seconds=1):
            return None
        endpoint = delivery.endpoint
        delivery.attempts += 1
        refusal = None
        if not endpoint.active:
            refusal = _("The endpoint was deactivated.")
        elif not endpoint.owner.is_active:
            refusal = _("The endpoint's owner no longer has access to the CRM.")
        if refusal is not None:
            code, error = None, refusal
            delivery.attempts = settings.WEBHOOK_MAX_ATTEMPTS
        else:
            body = delivery_body(delivery)
            code, error = _post(
                endpoint.url,
                body,
                {
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "X-Liaison-Event": delivery.event,
                    "X-Liaison-Delivery": str(delivery.pk),
                    "X-Liaison-Signature": signature(endpoint.secret, body),
                },
            )
        delivery.response_code = code
        delivery.last_error = error[:2000]
        retry_in = None
        if code is not None and 200 <= code < 300:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = now
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            retry_in = retry_delay(delivery.attempts)
            delivery.next_attempt_at = now + timedelta(seconds=retry_in)
        delivery.save()
    return retry_in


def stale_delivery_ids(*, limit: int = 500) -> list:
    due_before = timezone.now() - timedelta(seconds=settings.WEBHOOK_STALE_AFTER_SECONDS)
    return list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lt=due_before)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@atomic_service
def delivery_retry(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Sends a failed delivery again, with a fresh set of attempts."""
    require(can_edit_webhook(actor, delivery.endpoint), who_can_help=WhoCanHelp.ADMINISTRATOR)
    if delivery.status == DeliveryStatus.FAILED:
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
        _enqueue_on_commit([delivery.pk])
    return delivery

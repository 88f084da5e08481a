"""Idempotent POSTs: one retried with the same Idempotency-Key gets the first answer, not a duplicate record
or a second run of an action (a retried "cancel" is answered as the first was, not refused as no longer
possible).

The key is remembered per user for a day. A transaction-scoped advisory lock on (user, key) makes a
concurrent retry wait for the first request and then replay its answer; the record is written in the same
transaction as whatever the request created, so either both exist or neither does.
"""

import hashlib
import json
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .errors import IdempotencyKeyReused
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)
REPLAYED_HEADERS = ("Location", "ETag")


def _lock_id(user_id: int, key: str) -> int:
    digest = hashlib.sha256(f"idempotency:{user_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def hold(user, key: str) -> None:
    """Waits until no other transaction is answering `user`'s `key`, then holds it until this one ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(user.pk, key)])


def remembered(user, key: str) -> IdempotencyRecord | None:
    """The answer given to `user`'s `key` in the last KEEP_FOR, if any. Call it while holding the key."""
    recent = IdempotencyRecord.objects.filter(created_at__gte=timezone.now() - KEEP_FOR)
    return recent.filter(user=user, key=key).first()


def remember(user, key: str, **answer) -> None:
    """Keeps the answer to `user`'s `key`, in the caller's transaction; an expired one makes way for it."""
    IdempotencyRecord.objects.filter(user=user, key=key).delete()
    IdempotencyRecord.objects.create(user=user, key=key, **answer)


def request_endpoint(request) -> str:
    """What a remembered answer was given to, besides its key: the same key sent elsewhere is no retry."""
    return f"{request.method} {request.path}"


def _valid_key(key: str) -> bool:
    return 1 <= len(key) <= 255 and key.isascii() and key.isprintable()


def _digest(upload: UploadedFile) -> str:
    content = hashlib.sha256()
    for chunk in upload.chunks():
        content.update(chunk)
    upload.seek(0)
    return f"{upload.name}:{content.hexdigest()}"


def _request_hash(request) -> str:
    """The endpoint and the body as parsed (key order and spacing aside); an uploaded file counts by its name
    and content, so the same paper sent again is a retry and another paper under the same key is refused."""
    data = request.data
    if hasattr(data, "lists"):  # a form (multipart/form-data), which may carry files
        data = {
            name: [_digest(value) if isinstance(value, UploadedFile) else value for value in values]
            for name, values in data.lists()
        }
    body = json.dumps(data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{request_endpoint(request)}\n{body}".encode()).hexdigest()


def idempotent(request, handle) -> Response:
    """Runs `handle()` (which answers the POST) at most once per user and Idempotency-Key."""
    key = request.headers.get(HEADER)
    if key is None:
        return handle()
    if not _valid_key(key):
        raise ValidationError({HEADER: [_("Give 1 to 255 printable ASCII characters, e.g. a UUID.")]})
    endpoint = request_endpoint(request)
    request_hash = _request_hash(request)
    with transaction.atomic():
        hold(request.user, key)
        previous = remembered(request.user, key)
        if previous is not None:
            if previous.endpoint != endpoint or previous.request_hash != request_hash:
                raise IdempotencyKeyReused()
            return Response(
                json.loads(previous.response_body),
                status=previous.response_status,
                headers={**previous.response_headers, "Idempotent-Replayed": "true"},
            )
        response = handle()
        if not 200 <= response.status_code < 300:
            # Failures are not remembered: the client may fix the request and retry with the same key.
            transaction.set_rollback(True)
            return response
        remember(
            request.user,
            key,
            endpoint=endpoint,
            request_hash=request_hash,
            response_status=response.status_code,
            response_body=json.dumps(response.data, cls=JSONEncoder),
            response_headers={name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)},
        )
    return response


def purge_expired_records() -> int:
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted

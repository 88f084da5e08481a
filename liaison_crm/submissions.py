"""A create form sent twice — a double click, a slow page clicked again, Back and send again — saves once.

Each create form carries a `submission_key`, new each time an empty form is drawn and kept while the same
form comes back with errors (`{% submission_key form %}` in contacts' crm_display tags). The view wraps its
POST in `submitted_once(request)`: a transaction-scoped advisory lock on (user, key) makes a second copy
sent meanwhile wait for the first, and the address of what the first one saved is remembered for a day in
the same table, and the same transaction, as the API's Idempotency-Key answers (api.IdempotencyRecord). The
second copy is then sent to that record instead of creating another; a copy without a key (an old page,
a script) is handled as before.
"""

import hashlib
import uuid
from contextlib import contextmanager

from django.contrib import messages
from django.db import connection, transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

FIELD = "submission_key"


def new_key() -> str:
    return str(uuid.uuid4())


def valid_key(key) -> bool:
    return isinstance(key, str) and 1 <= len(key) <= 64 and key.isascii() and key.isprintable()


class Submission:
    def __init__(self, request, key: str | None, saved_at: str | None):
        self.request = request
        self.key = key
        self.replayed = saved_at is not None
        self._saved_at = saved_at
        self.location = None

    def saved(self, url: str) -> None:
        """What this submission saved lives at `url`: a copy of it sent again goes there."""
        self.location = url

    def replay(self):
        """The answer to a copy of a submission already saved: its record, and nothing saved again."""
        messages.info(self.request, _("That form was already sent, and saved once: here is what it saved."))
        if self.request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = self._saved_at
            return response
        return redirect(self._saved_at)


def _lock_id(user_id: int, key: str) -> int:
    digest = hashlib.sha256(f"submission:{user_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def submitted_once(request):
    """Wraps a create view's handling of its POST; see the module's docstring."""
    from api.idempotency import KEEP_FOR
    from api.models import IdempotencyRecord

    key = request.POST.get(FIELD) if request.method == "POST" else None
    if not valid_key(key) or not request.user.is_authenticated:
        yield Submission(request, None, None)
        return
    endpoint = f"{request.method} {request.path}"
    stored_key = f"form:{key}"
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(request.user.pk, key)])
        previous = (
            IdempotencyRecord.objects.filter(
                user=request.user,
                key=stored_key,
                endpoint=endpoint,
                created_at__gte=timezone.now() - KEEP_FOR,
            )
            .values_list("response_headers", flat=True)
            .first()
        )
        submission = Submission(request, key, previous.get("Location") if previous else None)
        yield submission
        if submission.location and not submission.replayed:
            IdempotencyRecord.objects.filter(user=request.user, key=stored_key).delete()
            IdempotencyRecord.objects.create(
                user=request.user,
                key=stored_key,
                endpoint=endpoint,
                request_hash="",
                response_status=302,
                response_body={},
                response_headers={"Location": submission.location},
            )

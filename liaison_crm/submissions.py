"""A create form sent twice — a double click, a slow page clicked again, Back and send again — saves once.

Each create form carries a `submission_key`, new each time an empty form is drawn and kept while the same
form comes back with errors (`{% submission_key form %}` in contacts' crm_display tags). The view wraps its
POST in `submitted_once(request)`: a transaction-scoped advisory lock on (user, key) makes a second copy
sent meanwhile wait for the first, and the address of what the first one saved is remembered for a day in
the same table, and the same transaction, as the API's Idempotency-Key answers (api.IdempotencyRecord). The
second copy is then sent to that record instead of creating another; a copy without a key (an old page,
a script) is handled as before.
"""

import uuid
from contextlib import contextmanager

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
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


@contextmanager
def submitted_once(request):
    """Wraps a create view's handling of its POST; see the module's docstring."""
    from api.idempotency import hold, remember, remembered, request_endpoint

    key = request.POST.get(FIELD) if request.method == "POST" else None
    if not valid_key(key) or not request.user.is_authenticated:
        yield Submission(request, None, None)
        return
    endpoint = request_endpoint(request)
    stored_key = f"form:{key}"
    with transaction.atomic():
        hold(request.user, stored_key)
        previous = remembered(request.user, stored_key)
        saved_at = None
        if previous is not None and previous.endpoint == endpoint:
            saved_at = previous.response_headers.get("Location")
        submission = Submission(request, key, saved_at)
        yield submission
        if submission.location and not submission.replayed:
            remember(
                request.user,
                stored_key,
                endpoint=endpoint,
                request_hash="",
                response_status=302,
                response_body="{}",
                response_headers={"Location": submission.location},
            )

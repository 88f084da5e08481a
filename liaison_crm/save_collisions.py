"""Two saves at the same moment that PostgreSQL could not both let through: the request is told to send again.

Officers saving related records at once can take their rows' locks in opposite orders; PostgreSQL then
aborts one of the transactions (deadlock_detected, 40P01). A serializable transaction that lost a race
(serialization_failure, 40001) and a lock not granted within `lock_timeout` (lock_not_available, 55P03) are
the same kind of event. The transaction was rolled back, and a view saves through one service in one
transaction, so nothing was saved; the same request sent again a moment later goes through. That is what the
answer says — a page of the site, a few words for htmx, or JSON under /api/ — instead of reporting an outage
(liaison_crm.outages) or a bug. It is a 503 with a short Retry-After rather than a 409: nothing in the request
needs changing, only sending again, which is what HTTP clients and static/js/app.js read a 503 to mean.

The request is not retried here: a view may have done what cannot be undone (sent a message to a queue,
called another system) before its transaction failed, and only the sender knows whether to send again.
Only the exception that escaped the view is answered: by then every `transaction.atomic` it ran in has
rolled back. Code that catches such an error inside a transaction and carries on is left to do so.

Except one raised by a callback run once a transaction has committed (`transaction.on_commit`): its own
work was rolled back, but the request's changes were saved, and the callbacks after it were never run.
Answered "nothing was changed", an API client would send the request again and save it twice. It is a 500,
logged with its traceback, as any other error after the changes were saved. Callbacks that may meet another
save run through `retried_on_save_collision`, which gives them a few tries first.

What the request queued for the next page ("Objective added") is dropped with the rest of it.
"""

import logging
import time
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.db import OperationalError, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.log import log_response
from django.utils.translation import gettext as _
from psycopg import errors as postgres_errors

from liaison_crm.commit_hooks import raised_by_commit_hook

logger = logging.getLogger(__name__)

ABORTED_BY_ANOTHER_SAVE = (
    postgres_errors.DeadlockDetected,
    postgres_errors.SerializationFailure,
    postgres_errors.LockNotAvailable,
)
# The other save holds its locks for the length of one request: sent again a second later, this one waits
# for it and goes through.
RETRY_AFTER_SECONDS = 1
# Pauses before each further try of work aborted by another save, which holds its locks for one request too.
RETRY_PAUSES_SECONDS = (0.05, 0.25)


def is_save_collision(error: BaseException | None) -> bool:
    # Django raises its own OperationalError from psycopg's, which names the SQLSTATE.
    return isinstance(error, OperationalError) and isinstance(error.__cause__, ABORTED_BY_ANOTHER_SAVE)


def is_unsaved_collision(error: BaseException | None) -> bool:
    """A save collision that rolled back what the request was saving: it may be sent again as it was."""
    return is_save_collision(error) and not raised_by_commit_hook(error)


def retried_on_save_collision(work: Callable[[], None]) -> None:
    """Runs `work` in a transaction of its own, and again, after a short pause, when another save aborted
    it: for work run after the request's transaction committed, where no answer can say "try again". The
    last try's collision is raised, and so is one raised by a callback `work` left to run once its own
    transaction committed: `work` is saved by then, and is not to be done twice."""
    for pause in (*RETRY_PAUSES_SECONDS, None):
        try:
            with transaction.atomic():
                work()
            return
        except OperationalError as error:
            if pause is None or not is_unsaved_collision(error):
                raise
            logger.info("Save collision, trying again in %s s: %s", pause, error)
            time.sleep(pause)


def _drop_queued_messages(request) -> None:
    # The storage keeps what this request added apart from what earlier ones left for it to show, until the
    # response is sent: only this request's are dropped.
    storage = get_messages(request)
    if hasattr(storage, "_queued_messages"):
        storage._queued_messages.clear()


def save_collision_response(request, error: OperationalError) -> HttpResponse:
    _drop_queued_messages(request)
    message = _(
        "Someone else was saving related records at the same moment, so nothing was changed. "
        "Please try again."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "save_collision"}, status=503)
    # Raised in a middleware above django_htmx's (outages.server_error), the request was not read for htmx.
    elif getattr(request, "htmx", False):
        # static/js/app.js tells the officer, for a 503 answer to an htmx request, that nothing was changed
        # and to try again in a moment; the page they are on stays as it was, with what they typed.
        response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=503)
    else:
        response = render(request, "save_collision.html", {"message": message}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # A warning, without a traceback: the code did nothing wrong and nothing is lost. Logged through Django's
    # own helper, which marks the answer logged, so that django.request does not log it again as an error,
    # as it would any 503.
    log_response(
        "Save collision on %s %s, rolled back (SQLSTATE %s): %s",
        request.method,
        request.path,
        error.__cause__.sqlstate,
        str(error),
        response=response,
        request=request,
        logger=logger,
        level="warning",
    )
    return response


class SaveCollisionMiddleware:
    """Answers a save PostgreSQL aborted because of another one (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_unsaved_collision(exception):
            return save_collision_response(request, exception)
        return None

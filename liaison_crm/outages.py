"""What a request gets while PostgreSQL is away: a short 503 page (or JSON under /api/), never a traceback.

A database restart drops every open connection. With CONN_HEALTH_CHECKS a reused connection is tested on its
first use in a request and replaced, so the process recovers by itself as soon as the server is back; until
then, connecting fails at once (or after DATABASE_CONNECT_TIMEOUT), and that failure is an outage to report
with Retry-After, not a bug to report with a 500.

Three places catch it, because Django turns an exception into a response in the layer that raised it:
- `DatabaseUnavailableMiddleware.__call__` connects before the session and sign-in middleware need the
  database, so most outages stop here;
- its `process_exception` catches a view that lost the server mid-request (the HTML views and DRF's, whose
  handler passes on what it does not know);
- `server_error`, the project's handler500, catches the rest (a middleware's own query) when DEBUG is off.

A save aborted because of another one (a deadlock, a lock not granted) is an OperationalError too, but no
outage: liaison_crm.save_collisions answers it "nothing was changed, try again" when a view raised it, and
`server_error` does when a middleware did.

Either, raised by a callback run once the request's changes were committed (`transaction.on_commit`), is an
error like any other, a 500 logged with its traceback: the changes were saved, and a client told to try
again would save them twice.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

from liaison_crm.commit_hooks import raised_by_commit_hook
from liaison_crm.save_collisions import is_save_collision, is_unsaved_collision, save_collision_response

logger = logging.getLogger(__name__)

# Lost or refused connections; also a statement cancelled by a timeout, worth a retry too. Integrity and data
# errors are bugs, and stay 500s.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def is_database_outage(error: BaseException | None) -> bool:
    """The database lost or out of reach before the request's changes were saved: it may be sent again."""
    return (
        isinstance(error, DATABASE_UNAVAILABLE)
        and not is_save_collision(error)
        and not raised_by_commit_hook(error)
    )


def unavailable_response(request, error: BaseException) -> HttpResponse:
    logger.warning("Database unavailable for %s %s: %s", request.method, request.path, error)
    message = _("The service is briefly unavailable. Please try again in a moment.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "service_unavailable"}, status=503)
    else:
        # A page of its own that needs no database: base.html asks who is signed in.
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answers 503 while the database cannot be reached; placed before the first middleware that needs it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            # The health check of a reused connection (CONN_HEALTH_CHECKS) and, if it failed, a new one —
            # what the request's first query would do anyway, done where a failure can still be answered.
            connection.close_if_health_check_failed()
            connection.ensure_connection()
        except DATABASE_UNAVAILABLE as error:
            return unavailable_response(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            return unavailable_response(request, exception)
        return None


def server_error(request, *args, **kwargs):
    """handler500: a save collision or a database outage that escaped the middleware is still a 503."""
    error = sys.exc_info()[1]
    if is_unsaved_collision(error):
        return save_collision_response(request, error)
    if is_database_outage(error):
        return unavailable_response(request, error)
    return django_server_error(request, *args, **kwargs)

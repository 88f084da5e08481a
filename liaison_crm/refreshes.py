"""Tables rebuilt in the background from the registers: one rebuild at a time, one request a minute.

The dashboards' summary tables and the duplicate check's pairs are rebuilt by the beat schedule, and again
when someone presses a button. Each such feature keeps a row for what it rebuilds with a nullable
`requested_at`:

- `refresh_request` is the button: it sets `requested_at` and queues the task once the caller's transaction
  commits — unless a request was made less than a minute ago, so repeated presses and page views do not
  queue the same work over and over.
- `refresh_lock` is taken by the rebuild inside its transaction, so the beat schedule and a button never
  run the same rebuild twice at once; readers keep seeing the previous rows until it commits.
- `refresh_answered`, in the same transaction, clears the requests made before the rebuild began: they are
  answered by it. A page says "on its way" while `requested_at` is set.
"""

import datetime as dt
import enum

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError
from django.utils import timezone


@enum.unique
class RefreshLock(enum.IntEnum):
    """The pg_advisory_xact_lock key of each rebuild. They are all here, and enum.unique refuses a number
    used twice, so two features cannot wait on each other's lock by accident."""

    HEALTH_SUMMARY = 740_001
    ACTIVITY_SUMMARY = 740_002
    DUPLICATES_CHECK = 740_101


# The first number of every rebuild's lock; the RefreshLock is the second.
LOCK_SPACE = 740

# A request waits this long for the worker before another may be made.
REQUEST_PATIENCE = dt.timedelta(minutes=1)


def refresh_lock(key: RefreshLock) -> None:
    """Waits until no other transaction is running this rebuild, then holds it until this one ends."""
    if not connection.in_atomic_block:
        # Outside a transaction the lock would be released as soon as it was taken.
        raise TransactionManagementError("refresh_lock() is for use inside a transaction.")
    with connection.cursor() as cursor:
        # PostgreSQL's two-number form: its keys never meet the one-number keys that the API's
        # Idempotency-Key locks are hashed into (api/idempotency.py).
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, int(key)])


def refresh_request(rows: QuerySet, *, task) -> bool:
    """Marks `rows` as asked for now and queues `task` after the commit; False, doing neither, when one of
    them was asked for less than REQUEST_PATIENCE ago. With no rows yet (before a first rebuild), every
    request queues the task."""
    now = timezone.now()
    with transaction.atomic():
        # Locked, so that two presses at the same moment queue one rebuild between them.
        asked = rows.select_for_update().order_by("pk").values_list("requested_at", flat=True)
        if any(at is not None and at > now - REQUEST_PATIENCE for at in asked):
            return False
        rows.update(requested_at=now)
        transaction.on_commit(task.delay, robust=True)
    return True


def refresh_answered(rows: QuerySet, *, started_at: dt.datetime) -> None:
    """The rebuild that began at `started_at` is done: the requests made before it are answered."""
    rows.filter(requested_at__lte=started_at).update(requested_at=None)

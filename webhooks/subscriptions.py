"""Which events some active endpoint listens for, kept in the cache.

Most writes publish an event that no endpoint wants; asking PostgreSQL each time cost a query (and most of a
millisecond) on every interaction logged. The answer is cached with the generation it was read under, and
any change to an endpoint starts a new generation — at once, and again when its transaction commits — so
an answer read before the change is never used after it, even one written to the cache later. The answer
is a superset of what `event_publish` asks PostgreSQL about (the owner's being active is not in it): it only
tells when nobody can be listening. A transaction that changed endpoints neither writes the answer it reads
(it could be rolled back) nor trusts a cached one. With the cache away every publish asks PostgreSQL.
"""

import uuid

from django.core.cache import cache
from django.db import connection, transaction

from .models import WebhookEndpoint

GENERATION_KEY = "webhooks:generation"
EVENTS_KEY = "webhooks:subscribed-events"
# Bounds how long an answer can outlive a change whose new generation the cache failed to store (Redis
# timed out at that moment, then answered again).
EVENTS_TIMEOUT = 60


def subscribed_events() -> frozenset[str]:
    """The events some active endpoint is subscribed to."""
    changing = _changing_endpoints()
    found = {} if changing else cache.get_many([GENERATION_KEY, EVENTS_KEY])
    generation, cached = found.get(GENERATION_KEY), found.get(EVENTS_KEY)
    if generation is not None and cached is not None and cached[0] == generation:
        return cached[1]
    if generation is None and not changing:
        # The first read since the cache was emptied: the generation is started before PostgreSQL is asked.
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    events = frozenset(
        event
        for events in WebhookEndpoint.objects.filter(active=True).values_list("events", flat=True)
        for event in events
    )
    if generation is not None:
        cache.set(EVENTS_KEY, (generation, events), timeout=EVENTS_TIMEOUT)
    return events


def endpoints_changed() -> None:
    """Called when any endpoint is saved or deleted: answers read before are no longer used."""
    _new_generation()
    transaction.on_commit(_new_generation)


def _new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def _changing_endpoints() -> bool:
    # Django keeps a transaction's on-commit callbacks until it commits or rolls back: one of ours pending
    # means this transaction changed an endpoint.
    return any(callback is _new_generation for _sids, callback, _robust in connection.run_on_commit)

"""The cache on Redis, made optional: with Redis away, a read is a miss and a write is skipped.

Everything the CRM keeps in the cache can be recomputed — the dashboard's rendered figures, an import's
progress, the API's rate-limit counts — so a Redis restart must cost speed, never a page. Django's own
RedisCache raises redis' ConnectionError into the view; django-redis' IGNORE_EXCEPTIONS does what this does,
for one more dependency.
"""

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


def _or(fallback):
    """Wraps a RedisCache method: with Redis away, it logs and returns `fallback(*arguments)` instead."""

    def decorate(method):
        @functools.wraps(method)
        def optional(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except REDIS_UNAVAILABLE as error:
                logger.warning("Cache unavailable, %s skipped: %s", method.__name__, error)
                return fallback(*args, **kwargs)

        return optional

    return decorate


def _missing_key(key, *args, **kwargs):
    # What incr() does for a key that is not there; decr() and get_or_set() are built on incr(), get(), add().
    raise ValueError(f"Key '{key}' not found (the cache is unavailable).")


class OptionalRedisCache(RedisCache):
    get = _or(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _or(lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = _or(lambda *args, **kwargs: False)(RedisCache.has_key)
    # Not added, not touched, not deleted: the caller goes on as after a miss.
    add = _or(lambda *args, **kwargs: False)(RedisCache.add)
    set = _or(lambda *args, **kwargs: None)(RedisCache.set)
    set_many = _or(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    touch = _or(lambda *args, **kwargs: False)(RedisCache.touch)
    delete = _or(lambda *args, **kwargs: False)(RedisCache.delete)
    delete_many = _or(lambda *args, **kwargs: None)(RedisCache.delete_many)
    incr = _or(_missing_key)(RedisCache.incr)
    clear = _or(lambda: None)(RedisCache.clear)

    @_or(lambda *args, **kwargs: None)
    def incr_and_get(self, key, other_key, *, timeout: int, version=None) -> tuple[int, int] | None:
        """Adds one to the count under `key` (from 0, expiring `timeout` seconds after it is started) and
        reads the count under `other_key` (0 if none): both in one atomic round trip, as a rate limit needs
        on every request. None with Redis away: nothing was counted."""
        keys = [
            self.make_and_validate_key(key, version=version),
            self.make_and_validate_key(other_key, version=version),
        ]
        return tuple(self._incr_and_get(keys=keys, args=[timeout]))

    @functools.cached_property
    def _incr_and_get(self):
        # A script, not a MULTI pipeline: less than half the time in redis-py, and one command for Redis.
        # Counts are stored as Django stores any int, as the number itself, so get() and incr() read them.
        return self._cache.get_client(write=True).register_script(
            """
            redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
            return {redis.call('INCR', KEYS[1]), tonumber(redis.call('GET', KEYS[2]) or '0')}
            """
        )

"""Rate limits counted in the cache, in constant time whatever the limit: the API's per token
(api/throttling.py) and the password reset's per address and per network (accounts/throttling.py).

A sliding window, approximated as common rate limiters do: the requests let through in this fixed window
(a minute, for 1200/minute), plus those of the previous window weighted by the share of it the sliding
window still overlaps. Two counters a key instead of a timestamp a request: Redis adds to one and reads the
other in one round trip, whatever the limit, and concurrent requests never both take the last place. A
refused request is not counted, so a client that retries too soon loses nothing.
"""

import contextlib
import math
from dataclasses import dataclass

from django.core.cache import caches

from .cache import OptionalRedisCache


@dataclass(frozen=True)
class Tally:
    """Where one request stands against a limit."""

    allowed: bool
    let_through_before: int  # in this window, before this request
    let_through_previously: int  # in the previous window
    elapsed: float  # seconds into this window
    limit: int
    duration: int

    def wait(self) -> float | None:
        """Seconds until a request would be let through, if no other came first; None for never."""
        room = self.limit - self.let_through_before - 1
        if room >= 0:
            # Enough of the previous window will have slid out before this one ends.
            return (self.duration - self.elapsed) - room * self.duration / self.let_through_previously
        if self.limit == 0:
            return None
        # Only in the next window, once this one's excess over the limit (and room for one) has slid out.
        excess = self.let_through_before + 1 - self.limit
        return (self.duration - self.elapsed) + self.duration * excess / self.let_through_before

    @property
    def let_through(self) -> int:
        """In this window, this request included if it was let through."""
        return self.let_through_before + (1 if self.allowed else 0)

    def remaining(self) -> int:
        """Requests that would still be let through now."""
        still_overlapping = (self.duration - self.elapsed) / self.duration
        weighed = self.let_through + self.let_through_previously * still_overlapping
        return max(0, math.floor(self.limit - weighed))

    def reset(self) -> int:
        """Whole seconds until every request counted so far has slid out of the window, the full limit free
        again: this window's weigh until the end of the next one, the previous window's until this one ends.
        Sooner than that a client may find its allowance back only in part."""
        if self.let_through:
            return math.ceil(2 * self.duration - self.elapsed)
        if self.let_through_previously:
            return math.ceil(self.duration - self.elapsed)
        return 0

    def retry_after(self) -> int | None:
        """`wait()` in whole seconds, as a Retry-After header gives it."""
        wait = self.wait()
        return None if wait is None else max(1, math.ceil(wait))


def rate_limit_count(key: str, *, limit: int, duration: int, now: float) -> Tally | None:
    """Counts a request under `key`, at most `limit` in any `duration` seconds; `now` is a Unix time.

    None when the cache is away (and said so in the log): nothing was counted, and callers let the request
    through, better uncounted than refused.
    """
    window, elapsed = divmod(now, duration)
    this_window, previous_window = f"{key}:{int(window)}", f"{key}:{int(window) - 1}"
    cache = caches["default"]
    counts = _count(cache, this_window, previous_window, timeout=2 * duration)
    if counts is None:
        return None
    count, previous_count = counts
    still_overlapping = (duration - elapsed) / duration
    allowed = count + previous_count * still_overlapping <= limit
    if not allowed:
        # ValueError: the cache went away meanwhile, and its counts with it.
        with contextlib.suppress(ValueError):
            cache.decr(this_window)
    return Tally(
        allowed=allowed,
        let_through_before=count - 1,
        let_through_previously=previous_count,
        elapsed=elapsed,
        limit=limit,
        duration=duration,
    )


def _count(cache, this_window: str, previous_window: str, *, timeout: int) -> tuple[int, int] | None:
    """Counts this request in this window's counter, and reads the previous window's.

    Each counter outlives its own window by one (`timeout` is two windows), to be read as the previous one.
    """
    # The backend itself, not Django's proxy to it, to tell whether it is Redis.
    if isinstance(cache, OptionalRedisCache):
        return cache.incr_and_get(this_window, previous_window, timeout=timeout)
    # Any other cache (tests use local memory): the same in three calls, atomic if its incr is.
    cache.add(this_window, 0, timeout)
    try:
        return cache.incr(this_window), cache.get(previous_window, 0)
    except ValueError:
        return None

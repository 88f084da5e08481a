import contextlib

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken
from liaison_crm.cache import OptionalRedisCache


class TokenRateThrottle(SimpleRateThrottle):
    """Counts requests per token (each tool its own allowance), else per signed-in person.

    A sliding window, approximated as common rate limiters do: the requests let through in this fixed window
    (a minute, for 1200/minute), plus those of the previous window weighted by the share of it the sliding
    window still overlaps. Two counters a token instead of a timestamp a request: Redis adds to one and
    reads the other in one round trip, whatever the limit, and concurrent requests never both take the
    last place. A refused request is not counted, so a tool that retries too soon loses nothing.
    """

    scope = "api"

    def get_rate(self):
        # Read when asked, not when the class is defined, so a changed setting takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        key = self.get_cache_key(request, view)
        window, self.elapsed = divmod(self.timer(), self.duration)
        this_window, previous_window = f"{key}:{int(window)}", f"{key}:{int(window) - 1}"
        counts = self._count(this_window, previous_window)
        if counts is None:
            return True  # the cache is away (and said so in the log): better uncounted than refused
        count, self.previous_count = counts
        self.count = count - 1  # those let through before this one
        still_overlapping = (self.duration - self.elapsed) / self.duration
        if count + self.previous_count * still_overlapping <= self.num_requests:
            return True
        # ValueError: the cache went away meanwhile, and its counts with it.
        with contextlib.suppress(ValueError):
            self.cache.decr(this_window)
        return False

    def wait(self):
        """Seconds until a request would be let through, if no other came first."""
        room = self.num_requests - self.count - 1
        if room >= 0:
            # Enough of the previous window will have slid out before this one ends.
            return (self.duration - self.elapsed) - room * self.duration / self.previous_count
        if self.num_requests == 0:
            return None  # 0/minute: never
        # Only in the next window, once this one's excess over the limit (and room for one) has slid out.
        excess = self.count + 1 - self.num_requests
        return (self.duration - self.elapsed) + self.duration * excess / self.count

    @property
    def cache(self):
        # The backend itself, not Django's proxy to it, to tell whether it is Redis.
        return caches["default"]

    def _count(self, this_window: str, previous_window: str) -> tuple[int, int] | None:
        """Counts this request in this window's counter, and reads the previous window's."""
        # Each counter outlives its own window by one, to be read as the previous one.
        timeout = 2 * self.duration
        cache = self.cache
        if isinstance(cache, OptionalRedisCache):
            return cache.incr_and_get(this_window, previous_window, timeout=timeout)
        # Any other cache (tests use local memory): the same in three calls, atomic if its incr is.
        cache.add(this_window, 0, timeout)
        try:
            return cache.incr(this_window), cache.get(previous_window, 0)
        except ValueError:
            return None

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken
from liaison_crm.rate_limits import Tally, rate_limit_count


def rate_limit_headers(tally: Tally) -> dict[str, str]:
    """A client's allowance, as the three headers of the IETF rate limit draft (up to -06) that clients and
    gateways read: the limit, the requests left now, and the seconds until the whole limit is free again."""
    return {
        "RateLimit-Limit": str(tally.limit),
        "RateLimit-Remaining": str(tally.remaining()),
        "RateLimit-Reset": str(tally.reset()),
    }


class TokenRateThrottle(SimpleRateThrottle):
    """Counts requests per token (each tool its own allowance), else per signed-in person, over a sliding
    window counted in the cache (liaison_crm/rate_limits.py). A refused request is not counted, so a tool
    that retries too soon loses nothing."""

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
        tally = rate_limit_count(
            self.get_cache_key(request, view),
            limit=self.num_requests,
            duration=self.duration,
            now=self.timer(),
        )
        if tally is None:
            return True  # the cache is away: better uncounted than refused
        self.tally = tally
        # DRF adds the view's `headers` to whatever it answers, so the 429 tells its budget as a 200 does.
        if view is not None:
            view.headers.update(rate_limit_headers(tally))
        return tally.allowed

    def wait(self):
        # Whole seconds, at least one: DRF sends no Retry-After at all for a wait that rounds to nothing.
        return self.tally.retry_after()

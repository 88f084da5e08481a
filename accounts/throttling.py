"""How often the forgotten-password page may be asked for a reset email: per email address, so nobody can
fill a colleague's mailbox (and the outbox), and per client IP, so nobody can walk through every address."""

import enum
import hashlib
import time
from dataclasses import dataclass

from django.conf import settings

from liaison_crm.rate_limits import rate_limit_count

HOUR = 60 * 60


class PasswordResetThrottled(enum.Enum):
    ADDRESS = "address"  # this email address was asked for too often: send nothing, say the same
    CLIENT = "client"  # this client asked too often: say so (it says nothing about any address)


@dataclass(frozen=True)
class PasswordResetRefusal:
    reason: PasswordResetThrottled
    retry_after: int | None  # seconds, None for never


def password_reset_throttle(*, email: str, client_ip: str | None) -> PasswordResetRefusal | None:
    """Counts a request for a reset email to `email` from `client_ip`: None if it may be sent.

    The client is counted first; a request it refuses counts against no address, so nobody can spend a
    person's allowance from a client that is already refused. With the cache away nothing is limited.
    """
    now = time.time()
    client = rate_limit_count(
        f"password-reset:client:{client_ip or 'unknown'}",
        limit=settings.PASSWORD_RESET_LIMIT_PER_IP,
        duration=HOUR,
        now=now,
    )
    if client is not None and not client.allowed:
        return PasswordResetRefusal(PasswordResetThrottled.CLIENT, client.retry_after())
    # Hashed: the cache need not hold the addresses people typed (nor their spaces, which some caches refuse).
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    counted = rate_limit_count(
        f"password-reset:address:{address}",
        limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
        duration=HOUR,
        now=now,
    )
    if counted is not None and not counted.allowed:
        return PasswordResetRefusal(PasswordResetThrottled.ADDRESS, counted.retry_after())
    return None

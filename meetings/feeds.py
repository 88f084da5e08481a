"""Secret, revocable calendar subscription addresses, one per user."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .models import CalendarFeed


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_reset(*, user) -> str:
    """Makes a new secret address for the user, retiring any previous one; returns the token once."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": _digest(token), "last_fetched_at": None}
    )
    return token


def calendar_feed_revoke(*, user) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def calendar_feed_for_token(token: str):
    """The active user the token belongs to, or None."""
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=_digest(token)).first()
    if feed is None or not feed.user.is_active:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    return feed.user

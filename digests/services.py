"""Digests: the morning email that tells an officer what is due or overdue today.

Each officer's digest goes out once per local day, at DIGEST_HOUR in their own time zone; its outbox key
names the officer and the date, so a beat tick running twice, or late, never sends a second copy.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import timezone, translation

from commitments.models import Commitment
from interactions.models import Interaction
from meetings.models import ActionItem
from outbox.services import message_enqueue


@dataclass
class DailyDigest:
    user: object
    today: dt.date
    follow_ups: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    commitments: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.follow_ups or self.actions or self.commitments)


def daily_digest_build(*, user, today: dt.date) -> DailyDigest:
    """What the user must act on by the end of `today`: follow-ups, action items and commitments."""
    return DailyDigest(
        user=user,
        today=today,
        follow_ups=list(
            Interaction.objects.visible_to(user)
            .open_follow_ups()
            .filter(logged_by=user, follow_up_on__lte=today)
            .prefetch_related("stakeholders")
            .order_by("follow_up_on", "pk")
        ),
        actions=list(
            ActionItem.objects.visible_to(user)
            .open()
            .owned_by(user)
            .filter(due_on__lte=today)
            .select_related("meeting")
            .order_by("due_on", "pk")
        ),
        commitments=list(
            Commitment.objects.visible_to(user)
            .open()
            .filter(owner=user, due_on__lte=today)
            .select_related("stakeholder")
            .order_by("due_on", "pk")
        ),
    )


def _people_with_something_due(latest_day: dt.date) -> set[int]:
    due = [
        Interaction.objects.open_follow_ups().filter(follow_up_on__lte=latest_day).values_list("logged_by"),
        ActionItem.objects.open()
        .filter(owner_user__isnull=False, due_on__lte=latest_day)
        .values_list("owner_user"),
        Commitment.objects.open().filter(due_on__lte=latest_day).values_list("owner"),
    ]
    return {user_id for queryset in due for (user_id,) in queryset.distinct()}


def daily_digests_send(*, now: dt.datetime | None = None) -> int:
    """Queues today's digest for every officer whose local clock has reached the digest hour.

    Returns how many were queued; officers with nothing due get nothing.
    """
    now = now or timezone.now()
    # The furthest-ahead time zone is at most 14 hours past UTC.
    candidates = _people_with_something_due((now + dt.timedelta(hours=14)).date())
    queued = 0
    users = get_user_model().objects.filter(pk__in=candidates, is_active=True).exclude(email="")
    for user in users:
        local_now = now.astimezone(zoneinfo.ZoneInfo(user.time_zone))
        if local_now.hour < settings.DIGEST_HOUR:
            continue
        digest = daily_digest_build(user=user, today=local_now.date())
        if not digest:
            continue
        with translation.override("en"), timezone.override(zoneinfo.ZoneInfo(user.time_zone)):
            body = render_to_string(
                "digests/email/daily.txt", {"digest": digest, "site_url": settings.SITE_URL}
            )
        message_enqueue(
            key=f"daily-digest:{user.pk}:{local_now.date().isoformat()}",
            kind="daily_digest",
            to=user.email,
            subject=f"Your day: {_count_line(digest)}",
            body=body.strip(),
            recipient_user=user,
        )
        queued += 1
    return queued


def _count_line(digest: DailyDigest) -> str:
    parts = []
    if digest.follow_ups:
        parts.append(f"{len(digest.follow_ups)} follow-up{'s' if len(digest.follow_ups) != 1 else ''}")
    if digest.actions:
        parts.append(f"{len(digest.actions)} action{'s' if len(digest.actions) != 1 else ''}")
    if digest.commitments:
        parts.append(f"{len(digest.commitments)} commitment{'s' if len(digest.commitments) != 1 else ''}")
    return ", ".join(parts) + " due"

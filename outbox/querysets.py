from django.db.models import OuterRef, Q, QuerySet


class OutboundMessageQuerySet(QuerySet):
    def visible_to(self, user):
        """The outbox holds every message the CRM sends, to anyone: only administrators read it."""
        if not user.is_active or not user.is_crm_admin:
            return self.none()
        return self

    def due(self, now):
        """Pending messages whose time has come (their scheduled time, or the end of a retry's back-off)."""
        return self.filter(status=self.model.Status.PENDING, next_attempt_at__lte=now)

    def needing_a_task(self, now, requeue_after):
        """Due messages with no send task on the queue, or whose task is so late it was surely lost.

        Redis keeps nothing on disk: a restart loses every queued task, and the row is what remains.
        """
        return self.due(now).filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - requeue_after))

    def stuck_sending(self, claimed_before):
        """Claimed by a worker that never reported back: it died, or lost the database, mid-send."""
        return self.filter(status=self.model.Status.SENDING, claimed_at__lt=claimed_before)

    def replacing(self, message):
        """The later messages on `message`'s topic that stand (not cancelled): what it said is stale, and
        sending it again would deliver it after them. Only its own topic: a later message about another
        occurrence of its series does not say what it said, and refusing it for that would lose it."""
        if not message.topic:
            return self.none()
        return self._standing_after(message.topic, message.pk).order_by("pk")

    def replacing_outer(self):
        """`replacing` for each row of an outer query, in `Exists()`: whether something replaced it."""
        return self._standing_after(OuterRef("topic"), OuterRef("pk")).exclude(topic="")

    def _standing_after(self, topic, pk):
        return self.filter(topic=topic, pk__gt=pk).exclude(status=self.model.Status.CANCELLED)

    def sent_after(self, message):
        """The later messages of `message`'s kind on its topic that were sent or are being sent: what it was
        to say has reached its recipient since, as it was then, or is reaching them. Not one of another
        kind, which says something else (a meeting invitation's guest taken off it, the meeting cancelled):
        whether that leaves anything to write again is its writer's question, and its reason the one to
        give."""
        if not message.topic:
            return self.none()
        return self.filter(
            topic=message.topic,
            kind=message.kind,
            pk__gt=message.pk,
            status__in=[self.model.Status.SENT, self.model.Status.SENDING],
        ).order_by("pk")

    def for_list(self):
        # The list shows neither bodies nor attachments, which can be large.
        return self.defer("body", "html_body", "attachments").order_by("-created_at", "-pk")

import base64
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Reverse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .querysets import OutboundMessageQuerySet

SUPERSEDED_REPLACEMENT_CANCELLED = _(
    "This message was replaced while it was being sent, or sent again with the current details, and what "
    "replaced it was cancelled since: what it says was stale then, and sent as it was it would still be."
)


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: a meeting invitation's .ics, a digest's CSV."""

    filename: str
    content: str | bytes
    mimetype: str = "application/octet-stream"

    def to_json(self) -> dict:
        # Text stays readable in the database and the admin; bytes travel as base64.
        if isinstance(self.content, str):
            return {"filename": self.filename, "mimetype": self.mimetype, "text": self.content}
        encoded = base64.b64encode(self.content).decode("ascii")
        return {"filename": self.filename, "mimetype": self.mimetype, "base64": encoded}

    @classmethod
    def from_json(cls, data: dict) -> "Attachment":
        content = data["text"] if "text" in data else base64.b64decode(data["base64"])
        return cls(filename=data["filename"], content=content, mimetype=data["mimetype"])

    @property
    def size(self) -> int:
        return len(self.content.encode() if isinstance(self.content, str) else self.content)


class OutboundMessage(models.Model):
    """An email the CRM owes someone — a meeting invitation, a reminder, a follow-up, a digest.

    It is written down here before it is sent, so a message is never lost when a server restarts and is
    never sent twice when a job runs twice; an administrator can see what went out, what is waiting and
    what failed, and send a failed one again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        # A worker took the message and was never heard from again: it may or may not have gone out.
        INTERRUPTED = "interrupted", _("Interrupted")

    key = models.CharField(
        _("key"),
        max_length=500,
        unique=True,
        help_text=_("Names the message once: what it is about, for whom and for when. Sent at most once."),
    )
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    group = models.CharField(
        _("group"),
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_("Messages that are cancelled together, such as a meeting's reminders."),
    )
    topic = models.CharField(
        _("topic"),
        max_length=500,
        blank=True,
        help_text=_(
            "What the message tells its recipient about, across versions, such as one person's invitations "
            "to one meeting: a later message on the topic withdraws an earlier one not yet sent."
        ),
    )
    to = models.EmailField(_("to"))
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbound_messages",
    )
    subject = models.CharField(_("subject"), max_length=500)
    body = models.TextField(_("text body"))
    html_body = models.TextField(_("HTML body"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    message_id_header = models.CharField(_("Message-ID"), max_length=255)

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    scheduled_for = models.DateTimeField(_("scheduled for"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    queued_at = models.DateTimeField(
        _("queued"), null=True, blank=True, help_text=_("When a send task was last put on the queue.")
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    cancelled_because = models.TextField(_("cancelled because"), blank=True)
    superseded_at = models.DateTimeField(
        _("superseded"),
        null=True,
        blank=True,
        help_text=_(
            "When a later message replaced this one while it was being sent: should the server refuse it, it "
            "is withdrawn instead of tried again."
        ),
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = OutboundMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [
            # The dispatcher's question each minute: which pending messages are due?
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_pending_due"
            ),
            # The recovery's question: which claims are older than the lease?
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="outbox_sending_claimed"),
            models.Index(fields=["-created_at", "-id"], name="outbox_newest"),
            models.Index(fields=["status", "-created_at", "-id"], name="outbox_status_newest"),
            # A new message's question: what was sent, or is still waiting, on its topic?
            models.Index(fields=["topic"], condition=~Q(topic=""), name="outbox_topic"),
            # A merge's question: which topics end with the record merged away (`messages_readdress`)? A
            # topic's end is the start of it reversed, which a pattern index finds as it finds a prefix.
            models.Index(
                OpClass(Reverse("topic"), name="text_pattern_ops"),
                condition=~Q(topic=""),
                name="outbox_topic_reversed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "cancelled", "interrupted"]),
                name="outbox_status_known",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="outbox_key_not_empty"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="outbox_sent_has_sent_at"
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False),
                name="outbox_sending_has_claimed_at",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to}"

    def get_absolute_url(self):
        return reverse("outbox:message_detail", args=[self.pk])

    @property
    def attachment_list(self) -> list[Attachment]:
        return [Attachment.from_json(data) for data in self.attachments]

    @cached_property
    def _later_standing(self) -> list["OutboundMessage"]:
        # One query for the page: what replaced it, and whether any of that reached its recipient.
        return list(OutboundMessage.objects.replacing(self).defer("body", "html_body", "attachments"))

    @property
    def replacement(self) -> "OutboundMessage | None":
        """The first later message standing on its topic, which made this one stale."""
        return self._later_standing[0] if self._later_standing else None

    @cached_property
    def writer_refusal(self) -> str:
        """Why the app that wrote it has nothing current to write for it (`outbox.rewriting.refusal`), such
        as its meeting cancelled since; "" when it has, or when no app writes messages of its kind.
        Plain "Send again" is refused for it too (`outbox.services.message_retry`)."""
        from . import rewriting

        return rewriting.refusal(self)

    @property
    def send_again_refusal(self) -> str:
        """Why "Send again" is not offered for this failed or interrupted message, other than a later message
        that replaced it (`replacement`, said on its own): "" when it is offered, or is no question."""
        if self.status not in (self.Status.FAILED, self.Status.INTERRUPTED) or self.replacement is not None:
            return ""
        if self.superseded_at is not None:
            return str(SUPERSEDED_REPLACEMENT_CANCELLED)
        return self.writer_refusal

    @property
    def can_send_again(self) -> bool:
        return (
            self.status in (self.Status.FAILED, self.Status.INTERRUPTED)
            and self.replacement is None
            and not self.send_again_refusal
        )

    @cached_property
    def current_details_refusal(self) -> str:
        """Why "Send again with current details" is not offered for this failed or interrupted message, in a
        sentence for the administrator; "" when it is, or when it is no question (a message sent, one no
        app can write again, one already replaced while on its way or written again, by what still
        stands)."""
        from . import rewriting

        if (
            self.status not in (self.Status.FAILED, self.Status.INTERRUPTED)
            or (self.superseded_at is not None and self.replacement is not None)
            or not rewriting.rewrites(self)
        ):
            return ""
        # As `OutboundMessageQuerySet.sent_after` asks it.
        sent = [
            later
            for later in self._later_standing
            if later.kind == self.kind and later.status in (self.Status.SENT, self.Status.SENDING)
        ]
        if sent:
            return rewriting.sent_since(sent[0])
        return self.writer_refusal

    @cached_property
    def can_send_with_current_details(self) -> bool:
        """Whether the app that wrote it can write it again from what it is about as it is now
        (`outbox.rewriting`), also once a later message on its topic replaced it: its meeting still to take
        place, with its guest on it and an address to send to, and no later message on its topic sent. Not
        one written again already, or replaced on its way, while what replaced it stands."""
        from . import rewriting

        return (
            self.status in (self.Status.FAILED, self.Status.INTERRUPTED)
            and (self.superseded_at is None or self.replacement is None)
            and rewriting.rewrites(self)
            and not self.current_details_refusal
        )

    @property
    def can_cancel(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def status_colour(self) -> str:
        """The class of the status badge: green when sent, red when it needs a person, amber on its way."""
        return {
            self.Status.SENT: "green",
            self.Status.FAILED: "red",
            self.Status.INTERRUPTED: "red",
            self.Status.PENDING: "amber",
            self.Status.SENDING: "amber",
        }.get(self.status, "")

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from history.tracking import history_tracked
from interactions.models import Direction
from liaison_crm.record_urls import record_url

from .querysets import InboundMessageQuerySet, first_name_first


class InboundStatus(models.TextChoices):
    LOGGED = "logged", _("Logged")
    REVIEW = "review", _("Waiting for review")
    DISCARDED = "discarded", _("Set aside")


class UnreadReason(models.TextChoices):
    """Why a captured email was stored without being read: it waits for an officer to say whom it was with."""

    NESTED = (
        "nested",
        _("It encloses more emails within emails than the CRM reads: its text is shown as it came."),
    )
    MALFORMED = "malformed", _("It could not be read: its text is shown as it came.")


def raw_upload_to(message, filename):
    return f"mail/{uuid.uuid4().hex}.eml"


def attachment_upload_to(attachment, filename):
    # Stored under a name of our own; the sender's is `filename` (imports.models.import_upload_to says why).
    return f"mail/attachments/{uuid.uuid4().hex}"


def counterpart_addresses(
    *, sender: str, recipients: Iterable[str], with_recipients: bool, ours: Iterable[str]
) -> list[str]:
    """The addresses an email is logged with, in order and once each: its sender's and, when a member of
    staff sent it in (forwarded it, or copied the CRM in on their own message), those it was sent to; never
    the CRM's or a member of staff's (`ours`). A stakeholder's own message to an address that copies the CRM
    is with its sender alone.

    The one rule: the email is logged by it when it comes (mailin.services), and the page of one waiting for
    review proposes whom it would have been logged with (`InboundMessage.counterpart_addresses`)."""
    ours = set(ours)
    addresses = [sender, *recipients] if with_recipients else [sender]
    return [address for address in dict.fromkeys(addresses) if address and address not in ours]


# Who set an email aside, brought it back or logged it, and when: the review fields say only the last. The
# email's own text never changes, so its history does not copy it (nor why it could not be read).
@history_tracked(exclude=["raw", "body", "received_at", "unread_reason"])
class InboundMessage(models.Model):
    """An email an officer forwarded or copied (BCC) to the CRM's address, kept as it arrived.

    It becomes an interaction with the stakeholders it was sent to or from; when nobody it names is in the
    register (or the sender is not a member of staff), it waits in the review queue.
    """

    # The message's Message-ID (for a forward, the original's when it is attached): one interaction per email,
    # however many officers copy it in or send it again.
    message_id = models.CharField(max_length=998, unique=True)
    raw = models.FileField(upload_to=raw_upload_to)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    to_addresses = ArrayField(models.CharField(max_length=254), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    body = models.TextField(blank=True)
    direction = models.CharField(max_length=16, blank=True)
    # What is kept (its sender, recipients, subject, text) is the original a member of staff forwarded. A
    # forward a stakeholder sent straight to the CRM is kept, and logged, as their own message.
    is_forward = models.BooleanField(default=False)
    # Marked private or confidential by its sender (Outlook's Sensitivity, or "Confidential" leading the
    # subject): logged as a confidential interaction unless the reviewer chooses otherwise.
    is_sensitive = models.BooleanField(_("marked confidential by its sender"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=InboundStatus.choices)
    unmatched_addresses = ArrayField(models.CharField(max_length=254), default=list, blank=True)
    interaction = models.OneToOneField(
        "interactions.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_email",
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Set when the email was stored without being read (mailin.services._store_unread): then it names nobody,
    # and its body is its text as it came.
    unread_reason = models.CharField(max_length=16, choices=UnreadReason.choices, blank=True)

    objects = InboundMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "-received_at"], name="inboundmessage_queue")]

    def __str__(self):
        return self.subject or self.message_id

    def get_absolute_url(self):
        return reverse("mailin:detail", args=[self.pk])

    @property
    def counterpart_addresses(self) -> list[str]:
        """The addresses it is logged with, by the rule it came under (`counterpart_addresses`), with the
        staff's addresses as they are now (`staff_addresses`, annotated by `with_registered_addresses`)."""
        return counterpart_addresses(
            sender=self.from_address,
            recipients=self.to_addresses,
            with_recipients=self.is_forward or self.direction == Direction.OUTBOUND,
            ours=[address.lower() for address in settings.INBOUND_EMAIL_ADDRESSES] + self.staff_addresses,
        )

    @property
    def archived_holder_by_address(self) -> dict[str, dict]:
        """Each unmatched address no active stakeholder has but an archived one does, in the email's order,
        with that archived holder (the first by name, from `archived_holders`)."""
        registered = set(self.registered_addresses)
        holder_of = {}
        for address in self.unmatched_addresses:
            if address in registered:
                continue
            holder = next((holder for holder in self.archived_holders if address in holder["emails"]), None)
            if holder is not None:
                holder_of[address] = holder
        return holder_of

    @property
    def unregistered_addresses(self) -> list[str]:
        """The unmatched addresses no stakeholder in the register has, active or archived."""
        registered = set(self.registered_addresses)
        archived_holder_of = self.archived_holder_by_address
        return [
            address
            for address in self.unmatched_addresses
            if address not in registered and address not in archived_holder_of
        ]

    @property
    def why_it_waits(self) -> list[str]:
        """Why a waiting message waits, from the register as it is now (annotated by
        `with_registered_addresses`): told once when it came, it went on saying nobody had an address after
        someone added them."""
        if self.status != InboundStatus.REVIEW:
            return []
        if self.unread_reason:
            return [UnreadReason(self.unread_reason).label]
        reasons = []
        if self.author_id is None:
            reasons.append(gettext("It was not sent in by a member of staff."))
        if self.is_forward and self.from_name and not self.from_address:
            reasons.extend(self._why_a_sender_named_alone_waits())
        registered = set(self.registered_addresses)
        added = [address for address in self.unmatched_addresses if address in registered]
        archived_holder_of = self.archived_holder_by_address
        missing = self.unregistered_addresses
        # Never logged with an archived stakeholder unasked; but saying nobody has the address would send the
        # officer off to add them a second time.
        for holder in self.archived_holders:
            theirs = [address for address, of in archived_holder_of.items() if of is holder]
            if not theirs:
                continue
            reasons.append(
                format_html(
                    gettext(
                        "{addresses} belongs to {stakeholder}, who is archived: restore them from their "
                        "page, then log the email with them."
                    ),
                    addresses=", ".join(theirs),
                    stakeholder=format_html(
                        '<a href="{}">{}</a>',
                        record_url("contacts:stakeholder_detail", holder["id"]),
                        holder["name"],
                    ),
                )
            )
        if missing:
            reasons.append(
                gettext("No stakeholder in the register has these addresses: %(addresses)s")
                % {"addresses": ", ".join(missing)}
            )
        if added:
            reasons.append(
                gettext("Added to the register since it came: %(addresses)s. Log it with them.")
                % {"addresses": ", ".join(added)}
            )
        if not reasons:
            # Sent in by staff with every address matched is logged at once: this one named nobody else.
            reasons.append(gettext("It names no address but the CRM's and the staff's."))
        return reasons

    def _why_a_sender_named_alone_waits(self) -> list[str]:
        """One active stakeholder alone with the name, and no member of staff, was logged at once
        (mailin.services._stakeholder_named); the stakeholders it was sent to stay chosen with the sender."""
        reason = gettext(
            "It was forwarded with its sender named only as “%(name)s”, without an address: choose who they "
            "are."
        ) % {"name": self.from_name}
        if reading := first_name_first(self.from_name):
            # Both names were looked for (mailin.querysets.stakeholders_named): when each is someone's, which
            # one wrote it is not guessed.
            reason += " " + gettext(
                "Read last name first, it is “%(reading)s”: a stakeholder of either name may have written it."
            ) % {"reading": reading}
        counterparts = set(self.counterpart_addresses)
        sent_to = [holder for holder in self.recipient_holders if counterparts.intersection(holder["emails"])]
        if sent_to:
            reason += " " + gettext(
                "It was also sent to %(stakeholders)s: chosen already, they are logged with them."
            ) % {"stakeholders": ", ".join(holder["name"] for holder in sent_to)}
        reasons = [reason]
        if self.staff_namesake:
            reasons.append(
                gettext(
                    "A member of staff is named “%(name)s” too: if they wrote it, choose whom it was with, "
                    "not a stakeholder of their name."
                )
                % {"name": self.from_name}
            )
        for holder in self.archived_namesakes:
            reasons.append(
                format_html(
                    gettext(
                        "{stakeholder}, who is archived, has that name: if it is from them, restore them "
                        "from their page, then log the email with them."
                    ),
                    stakeholder=format_html(
                        '<a href="{}">{}</a>',
                        record_url("contacts:stakeholder_detail", holder["id"]),
                        holder["name"],
                    ),
                )
            )
        return reasons


class InboundAttachment(models.Model):
    """A file that came with a captured email, kept with it."""

    message = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.filename

"""Email capture: an officer forwards or BCCs an email to the CRM's address; it is logged as an interaction.

Who it is with: the stakeholders whose email addresses it was sent to (an officer's own message, copied in
by BCC: outbound) or from (a stakeholder's message, forwarded by the officer: inbound; when Outlook quotes its
sender by name alone, the one stakeholder of that name the officer can see, when no other, archived or on the
staff, has it). The officer is the member of
staff whose address sent it in. A message from which no stakeholder can be matched, or that no
member of staff sent, waits in the review queue, where an officer chooses the stakeholders or sets it aside.

Each message is logged once: the Message-ID (for a forward, the original's when it is attached) is unique, so
the same email copied in by two officers, delivered twice or replayed to the endpoint logs one interaction.
Attachments are kept with the message.
"""

import hashlib
import hmac
import logging
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can_review_inbound_message, require
from contacts.models import Stakeholder
from history.tracking import records_actor
from interactions.models import Direction, InteractionKind
from interactions.services import interaction_log
from liaison_crm.constraints import atomic_service
from liaison_crm.row_locks import lock_for_update

from . import parsing
from .models import InboundAttachment, InboundMessage, InboundStatus, UnreadReason, counterpart_addresses
from .querysets import staff_named, stakeholders_named

logger = logging.getLogger(__name__)

SIGNATURE_PREFIX = "sha256="


def signature_for(body: bytes, secret: str) -> str:
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, signature: str) -> bool:
    secret = settings.INBOUND_EMAIL_SECRET
    return bool(secret) and hmac.compare_digest(signature_for(body, secret), (signature or "").strip())


def _staff_by_address() -> dict[str, object]:
    staff = {}
    for user in get_user_model().objects.filter(is_active=True).exclude(email=""):
        staff.setdefault(user.email.lower(), user)
    return staff


def inbound_message_receive(*, raw: bytes) -> tuple[InboundMessage, bool]:
    """Stores a raw email and logs it (or queues it for review); returns the message and whether it is new."""
    if not raw.strip():
        raise ValidationError(_("The message is empty."))
    if len(raw) > settings.INBOUND_EMAIL_MAX_BYTES:
        raise ValidationError(_("The message is larger than the inbound limit."))
    try:
        mail = parsing.parse(raw)
    except parsing.Unreadable as unreadable:
        logger.warning("Inbound email stored unread for review: %s", unreadable)
        return _received_unread(raw, UnreadReason.NESTED)
    except Exception:
        # Python's email parser fails on some emails anyone can write. Answered with a 500, the relay would
        # send it again forever, and `ingest_mail` would stop at it with every later message: it waits for an
        # officer instead, its text as it came.
        logger.exception("Inbound email stored unread for review: it could not be read")
        return _received_unread(raw, UnreadReason.MALFORMED)
    original = mail.forwarded
    key = (original.message_id if original and original.message_id else "") or mail.message_id
    return _stored_once(key, lambda: _receive(mail, raw, key))


def _stored_once(key: str, store) -> tuple[InboundMessage, bool]:
    """The message stored under `key`, by `store()` unless one already is; and whether it is new."""
    existing = InboundMessage.objects.filter(message_id=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return store(), True
    except IntegrityError:
        # The same message arriving twice at once: the other request stored it.
        existing = InboundMessage.objects.filter(message_id=key).first()
        if existing is None:
            raise
        return existing, False


def _received_unread(raw: bytes, reason: str) -> tuple[InboundMessage, bool]:
    """Stores an email that was not read, waiting for review (once: it is known by its content). Nobody is
    matched, and its body is its text as it came (as much as a body is read)."""
    key = parsing.content_key(raw)

    def store() -> InboundMessage:
        message = InboundMessage(
            message_id=key,
            # Without NUL characters, which PostgreSQL does not store in text.
            body=raw[: parsing.MAX_BODY].decode("utf-8", "replace").replace("\r\n", "\n").replace("\x00", ""),
            status=InboundStatus.REVIEW,
            unread_reason=reason,
        )
        message.raw.save("message.eml", ContentFile(raw), save=False)
        message.save()
        return message

    return _stored_once(key, store)


def _receive(mail: parsing.Mail, raw: bytes, key: str) -> InboundMessage:
    staff = _staff_by_address()
    ours = {address.lower() for address in settings.INBOUND_EMAIL_ADDRESSES} | set(staff)
    author = staff.get(mail.from_address)
    original = mail.forwarded
    if author is not None and original is not None:
        # Forwarded: the conversation is with the original's sender (and whoever else it went to).
        direction, shown = Direction.INBOUND, original
    elif author is not None:
        # Copied in (BCC or CC) on the officer's own message: it is with the people it was sent to.
        direction, shown = Direction.OUTBOUND, mail
    else:
        # A stakeholder wrote to an address that copies the CRM: it is with the sender.
        direction, shown = Direction.INBOUND, mail
        author = next((staff[address] for address in mail.recipients if address in staff), None)
    is_forward = shown is original
    counterparts = counterpart_addresses(
        sender=shown.from_address,
        recipients=shown.recipients,
        with_recipients=is_forward or direction == Direction.OUTBOUND,
        ours=ours,
    )
    stakeholders = list(Stakeholder.objects.active().filter(emails__overlap=counterparts).order_by("pk"))
    known = {email for stakeholder in stakeholders for email in stakeholder.emails}
    unmatched = [address for address in counterparts if address not in known]
    sender_unknown = False
    if original is not None and shown is original and original.from_name and not original.from_address:
        # Outlook quotes a sender its address book knows by name alone: who they are is the one stakeholder
        # the officer can see by that name. Logged without them, the email would be with nobody it was from.
        sender = _stakeholder_named(original.from_name, officer=author)
        sender_unknown = sender is None
        if sender is not None and sender not in stakeholders:
            stakeholders = sorted([*stakeholders, sender], key=lambda stakeholder: stakeholder.pk)
    if author is None and stakeholders:
        author = stakeholders[0].owner

    message = InboundMessage(
        message_id=key,
        from_address=shown.from_address[:254],
        from_name=shown.from_name[:200],
        to_addresses=[address[:254] for address in shown.recipients][:50],
        subject=shown.subject[:500] or mail.subject[:500],
        sent_at=_aware(shown.sent_at, author) or mail.sent_at,
        body=shown.body or mail.body,
        direction=direction,
        is_forward=is_forward,
        # The forwarding officer's own marking counts as much as the original sender's.
        is_sensitive=mail.sensitive or (original is not None and original.sensitive),
        author=author,
        unmatched_addresses=[address[:254] for address in unmatched][:50],
    )
    message.raw.save("message.eml", ContentFile(raw), save=False)
    # Why it waits is not stored: the register changes while it waits (InboundMessage.why_it_waits).
    logged = stakeholders and author is not None and not sender_unknown
    message.status = InboundStatus.LOGGED if logged else InboundStatus.REVIEW
    message.save()
    for attachment in mail.attachments + (original.attachments if original else []):
        InboundAttachment.objects.create(
            message=message,
            file=ContentFile(attachment.content, name=attachment.filename),
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=len(attachment.content),
        )
    if message.status == InboundStatus.LOGGED:
        _log(message, author=author, stakeholders=stakeholders, is_confidential=message.is_sensitive)
    return message


def _stakeholder_named(name: str, *, officer) -> Stakeholder | None:
    """The stakeholder `officer` can see whose full name is `name` (or it read first name first, as Outlook
    writes "Smith, Jane"); None when nobody is, or several are,
    archived ones counted, or when the one is archived (namesakes are not guessed between, and an email is
    never logged with an archived stakeholder unasked: it waits for the officer to choose). None too when a
    member of staff has the name: Outlook names a colleague as it names a stakeholder, and the email would
    be logged as written by the stakeholder."""
    if staff_named(name).exists():
        return None
    # In no order: one or several is all that is asked, and an order would let PostgreSQL walk the register
    # in it rather than find the name in its index.
    found = list(stakeholders_named(officer, name).order_by()[:2])
    return found[0] if len(found) == 1 and not found[0].is_archived else None


def _aware(moment, author):
    """A forward's quoted date, written without its zone, is in the time of the officer who forwarded it."""
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment, zoneinfo.ZoneInfo(author.time_zone))


def _log(
    message: InboundMessage, *, author, stakeholders: Iterable[Stakeholder], is_confidential: bool
) -> None:
    now = timezone.now()
    occurred_at = min(message.sent_at, now) if message.sent_at else now
    names = [attachment.filename for attachment in message.attachments.all()]
    notes = message.body
    if names:
        notes = f"{notes}\n\n{_('Attachments')}: {', '.join(names)}".strip()
    message.interaction = interaction_log(
        author=author,
        stakeholders=stakeholders,
        kind=InteractionKind.EMAIL,
        direction=message.direction or Direction.INBOUND,
        occurred_at=occurred_at,
        summary=(parsing.clean_subject(message.subject) or _("(no subject)"))[:300],
        notes=notes,
        is_confidential=is_confidential,
    )
    message.save(update_fields=["interaction"])


@atomic_service
@records_actor
def inbound_message_assign(
    *, message: InboundMessage, actor, stakeholders: Iterable[Stakeholder], is_confidential: bool
) -> InboundMessage:
    """Logs a waiting message with the stakeholders an officer chose (and as theirs, if no one's yet),
    confidential or not as they chose (the form offers what its sender marked it, `is_sensitive`)."""
    require(can_review_inbound_message(actor, message))
    lock_for_update(message)
    if message.status != InboundStatus.REVIEW:
        raise ValidationError(_("This message has already been dealt with."))
    stakeholders = list(stakeholders)
    if not stakeholders:
        raise ValidationError({"stakeholders": _("Choose at least one stakeholder.")})
    message.status = InboundStatus.LOGGED
    message.reviewed_by, message.reviewed_at = actor, timezone.now()
    message.author = message.author or actor
    message.save()
    _log(message, author=message.author, stakeholders=stakeholders, is_confidential=is_confidential)
    return message


@atomic_service
@records_actor
def inbound_message_discard(*, message: InboundMessage, actor) -> InboundMessage:
    """Sets a waiting message aside: it is logged with nobody (`inbound_message_restore` brings it back)."""
    require(can_review_inbound_message(actor, message))
    lock_for_update(message)
    if message.status != InboundStatus.REVIEW:
        raise ValidationError(_("This message has already been dealt with."))
    message.status = InboundStatus.DISCARDED
    message.reviewed_by, message.reviewed_at = actor, timezone.now()
    message.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return message


@atomic_service
@records_actor
def inbound_message_restore(*, message: InboundMessage, actor) -> InboundMessage:
    """Brings a message set aside back to the review queue, to be logged after all (or set aside again).

    Nobody has dealt with it once it waits again; who set it aside and who brought it back stay in its
    history."""
    require(can_review_inbound_message(actor, message))
    lock_for_update(message)
    if message.status != InboundStatus.DISCARDED:
        raise ValidationError(_("Only an email that was set aside can be brought back to review."))
    message.status = InboundStatus.REVIEW
    message.reviewed_by, message.reviewed_at = None, None
    message.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return message

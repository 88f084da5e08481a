"""The outbox: the one way the CRM sends email, built so that each message goes out once in effect.

Every outgoing message is first a row, named by a unique key (kind, object, recipient, scheduled time), and
the row — not the Redis broker, which keeps nothing on disk — is the source of truth.

How a message travels
1. `message_enqueue` writes the row with INSERT … ON CONFLICT (key) DO NOTHING, so the same key twice is
   one row, also when two transactions race. A message due now gets a send task once the caller's
   transaction commits; a later one waits for the dispatcher.
2. `messages_dispatch_due` (beat, every minute) queues a send task for each due pending row that has none
   on the queue: scheduled messages whose time has come, rows whose task could not be queued (Redis was
   down when the caller committed) and rows whose task was lost (a Redis restart).
3. `message_send` claims the row with one conditional UPDATE — pending and due → sending, attempts + 1,
   claimed_at — committed before the mail server is contacted. Only one claimant can win, so a beat tick
   that runs twice, a task delivered twice or two workers still send once.
4. It hands the message to the configured email backend with a Message-ID derived from the key, so an
   outside observer can also recognise a copy, and
5. marks it sent, in its own commit, as soon as the server has accepted it.

When things go wrong
- The server refuses or cannot be reached (SMTPException, OSError): the row goes back to pending with the
  error and a next attempt after a wait that doubles each time (1, 2, 4, 8 minutes; at most an hour);
  the task retries then, and the dispatcher finds the row again if that retry is lost. After
  OUTBOX_MAX_ATTEMPTS (5) the row is failed, with the last error on the outbox page.
- The worker dies between the claim and the mark (killed, out of memory, database gone): the row stays
  sending. Nobody can know whether the server accepted the message, so it is never retried by itself:
  once the claim is older than OUTBOX_SENDING_LEASE_SECONDS, `messages_recover_interrupted` moves it to
  interrupted, shown on the outbox page with "Send again" for an administrator to decide. This is what
  keeps a crash from sending twice on the next run. The window is small — claim, send and mark follow one
  another — and the lease is far longer than EMAIL_TIMEOUT, so a slow server is not mistaken for a dead
  worker.
- Redis cannot take a send task (down, or out of memory): the hand-over stops at the first failure
  (`liaison_crm.broker.hand_over`), logs once how many messages were left, and clears their queued_at, so
  they stay pending and due and the dispatcher's first tick after Redis is back queues them. A dispatcher
  run with 500 due messages makes one try at the broker, not 500 of over half a second each.
- A task redelivered after the mark (acks_late) finds the row sent and does nothing.
- A later message makes a pending one stale (a meeting moved before its invitation went out): the caller
  withdraws it (`messages_withdraw`) in the transaction that enqueues the new one. The withdrawal locks the
  rows, so the claim's UPDATE either came first (the message is on its way, and left alone) or waits and
  finds it cancelled; never both. One on its way is marked superseded under the same lock; should the
  server then refuse it, it is withdrawn, not tried again: a retry would arrive after what replaced it.
- The claim time is the claim's fence: a worker that outlived its lease can still record that its message
  went out, but never overwrite a later attempt an administrator started.

What remains is SMTP's own gap: a client whose connection drops before the server's final reply cannot know
whether the message was accepted (RFC 1047), and the retry may deliver a copy. The stable Message-ID lets
mail servers and clients drop it.

`message_send` must run outside a transaction: the claim and the mark each commit on their own.
"""

import hashlib
import logging
import re
import smtplib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import encoders
from email.message import Message as EmailMessage
from email.mime.base import MIMEBase
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEText
from django.db import connection, models, transaction
from django.db.models import Exists, F, Func, Value
from django.db.models.functions import Reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import WhoCanHelp, can_manage_outbox, require
from liaison_crm.array_lookups import AnyOf
from liaison_crm.broker import hand_over

from . import rewriting
from .models import SUPERSEDED_REPLACEMENT_CANCELLED, Attachment, OutboundMessage
from .tasks import send_message as send_message_task

__all__ = [
    "Attachment",
    "DeliveryDeferred",
    "Withdrawal",
    "message_cancel",
    "message_enqueue",
    "message_key",
    "message_retry",
    "message_rewrite",
    "message_send",
    "messages_before_topics",
    "messages_cancel",
    "messages_dispatch_due",
    "messages_readdress",
    "messages_recover_interrupted",
    "messages_withdraw",
    "topics_sent",
    "topics_told",
]

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status
MAX_BACKOFF = timedelta(hours=1)
KEY_LENGTH = OutboundMessage._meta.get_field("key").max_length
# What a withdrawal locks: the messages not yet sent, or on their way, or whose fate a person decides.
WITHDRAWABLE = [Status.PENDING, Status.FAILED, Status.SENDING, Status.INTERRUPTED]


class DeliveryDeferred(Exception):
    """The mail server did not take the message; the row is pending again until `retry_at`."""

    def __init__(self, message_id: int, retry_at: datetime, reason: str):
        super().__init__(f"Message {message_id} deferred until {retry_at.isoformat()}: {reason}")
        self.message_id = message_id
        self.retry_at = retry_at


def message_key(
    *, kind: str, about: models.Model | str, to: str, scheduled_for: datetime | None = None
) -> str:
    """The outbox key for a message: its kind, what it is about, its recipient and its scheduled time.

    `message_key(kind="meeting-reminder", about=meeting, to="a@example.org", scheduled_for=at)` names
    one reminder; enqueueing it again — a retried request, a second beat tick — finds the same row.
    """
    about_label = f"{about._meta.label_lower}:{about.pk}" if isinstance(about, models.Model) else str(about)
    when = scheduled_for.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") if scheduled_for else ""
    key = f"{kind}|{about_label}|{to.strip().lower()}|{when}"
    if len(key) > KEY_LENGTH:
        key = f"{key[: KEY_LENGTH - 41]}#{hashlib.sha256(key.encode()).hexdigest()[:40]}"
    return key


def _message_id_header(key: str) -> str:
    """The same Message-ID for every attempt at the same message, whichever worker makes it."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}.outbox@{domain}>"


def _insert_unless_key_exists(message: OutboundMessage) -> int | None:
    """INSERT … ON CONFLICT (key) DO NOTHING RETURNING id: the new row's id, or None when the key exists.

    A concurrent insert of the same key waits for the other transaction and then does nothing, so there is
    never an IntegrityError to recover from. (bulk_create(ignore_conflicts=True) cannot say which it was.)
    """
    meta = OutboundMessage._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = (
        "INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({key}) DO NOTHING RETURNING {pk}"
    ).format(
        table=quote(meta.db_table),
        columns=", ".join(quote(field.column) for field in fields),
        values=", ".join(["%s"] * len(fields)),
        key=quote(meta.get_field("key").column),
        pk=quote(meta.pk.column),
    )
    params = [field.get_db_prep_save(field.pre_save(message, add=True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def _queue_sends(message_ids: list[int]) -> None:
    """Hands the messages' send tasks to the broker once the caller's transaction commits.

    The caller's work is committed by then: a broker outage (Redis down) must not turn it into an error
    page. The messages the broker did not take lose their queued_at, so each is the dispatcher's at its
    next tick after Redis is back.
    """
    if not message_ids:
        return

    def queue() -> None:
        waiting = hand_over(send_message_task, message_ids)
        if waiting:
            OutboundMessage.objects.filter(pk__in=waiting, status=Status.PENDING).update(queued_at=None)

    transaction.on_commit(queue, robust=True)


def message_enqueue(
    *,
    key: str,
    kind: str,
    to: str,
    subject: str,
    body: str,
    html_body: str = "",
    attachments: Sequence[Attachment] = (),
    scheduled_for: datetime | None = None,
    group: str = "",
    topic: str = "",
    recipient_user=None,
    reinstate: bool = False,
) -> OutboundMessage:
    """Puts a message in the outbox, once: a second call with the same key returns the first row unchanged.

    A message due now (no `scheduled_for`, or one in the past) is sent as soon as the caller's transaction
    commits; a later one is sent by the dispatcher within a minute of its time. `group` labels messages
    that are cancelled together (`messages_cancel`), such as "meeting:42:reminders"; `topic` names what it
    tells its recipient about across versions (`messages_withdraw`, `topics_told`,
    `OutboundMessage.replacement`). With `reinstate`, a
    message of this key that was cancelled is wanted again: it becomes pending with this content. It was
    never sent, so this cannot send it twice.
    """
    now = timezone.now()
    due_at = scheduled_for or now
    is_due = due_at <= now
    message = OutboundMessage(
        key=key,
        kind=kind,
        group=group,
        topic=topic,
        to=to,
        recipient_user=recipient_user,
        subject=subject,
        body=body,
        html_body=html_body,
        attachments=[attachment.to_json() for attachment in attachments],
        message_id_header=_message_id_header(key),
        scheduled_for=due_at,
        next_attempt_at=due_at,
        queued_at=now if is_due else None,
        created_at=now,
    )
    if "\n" in subject or "\r" in subject:
        raise ValidationError({"subject": _("A subject is one line.")})
    # The recipient user is the caller's own object; checking it exists would cost a query.
    message.full_clean(exclude=["recipient_user"], validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        message_id = _insert_unless_key_exists(message)
        if message_id is None and reinstate:
            message_id = _reinstate_if_cancelled(message)
        if message_id is None:
            return OutboundMessage.objects.get(key=key)
        if is_due:
            _queue_sends([message_id])
    message.pk = message_id
    message._state.adding = False
    message._state.db = connection.alias
    return message


def _reinstate_if_cancelled(message: OutboundMessage) -> int | None:
    """Puts a cancelled message of the same key back to pending with `message`'s content; its id, or None."""
    fields = ["subject", "body", "html_body", "attachments", "scheduled_for", "next_attempt_at", "queued_at"]
    reinstated = OutboundMessage.objects.filter(key=message.key, status=Status.CANCELLED).update(
        status=Status.PENDING,
        attempts=0,
        claimed_at=None,
        last_error="",
        cancelled_because="",
        **{name: getattr(message, name) for name in fields},
    )
    return OutboundMessage.objects.values_list("pk", flat=True).get(key=message.key) if reinstated else None


def keys_standing(keys: Iterable[str]) -> set[str]:
    """Those of `keys` whose message is in the outbox and not cancelled: enqueuing them again changes
    nothing (`message_enqueue` returns the row as it is), so a caller may skip building their content."""
    return set(
        OutboundMessage.objects.filter(AnyOf(F("key"), list(keys)))
        .exclude(status=Status.CANCELLED)
        .values_list("key", flat=True)
    )


def keys_written(*, prefixes: Collection[str]) -> dict[str, bool]:
    """The keys of the messages in the outbox under any of `prefixes`, each with whether it stands (is not
    cancelled, as `keys_standing` asks): one cancelled since was written all the same, which tells that
    what wrote it has run."""
    if not prefixes:
        return {}
    under = models.Q()
    for prefix in prefixes:
        under |= models.Q(key__startswith=prefix)
    return {
        key: status != Status.CANCELLED
        for key, status in OutboundMessage.objects.filter(under).values_list("key", "status")
    }


def messages_cancel(*, group: str, keep: Iterable[str] = ()) -> int:
    """Cancels the group's unsent messages, except those whose key is in `keep`; returns how many.

    A caller that enqueues the group afresh keeps what it asks for again, so a pending message is neither
    lost (its key would find the cancelled row) nor sent twice.
    """
    if not group:
        raise ValueError("messages_cancel needs a group: an empty one would cancel every ungrouped message.")
    return (
        OutboundMessage.objects.filter(group=group, status=Status.PENDING)
        .exclude(AnyOf(F("key"), list(keep)))
        .update(status=Status.CANCELLED)
    )


@dataclass(frozen=True)
class Withdrawal:
    """What `messages_withdraw` did, by topic."""

    # Topics a message was cancelled from before it went out.
    withdrawn: frozenset[str]
    # Topics whose message a worker had claimed: left on its way, marked superseded. Should the server
    # refuse it, it is dropped, not tried again, so what replaces it must be written all the same.
    superseded: frozenset[str]
    # Topics whose message was interrupted mid-send and nothing written after it stands: left for a person,
    # who may send it again only until something is (`message_retry`). Not one replaced already (written
    # again, or followed by a later message): it stays interrupted for good. One written again whose
    # replacement was cancelled counts: nothing stands in its place, and "Send again" refuses it.
    interrupted: frozenset[str] = frozenset()


def messages_withdraw(
    *, topics: Collection[str], kinds: Collection[str], keep: Iterable[str] = ()
) -> Withdrawal:
    """Cancels the pending and failed messages of `kinds` on `topics`, except those whose key is in `keep`,
    saying a later message on their topic made them stale; returns the topics it withdrew a message from,
    those whose message it found on its way and marked superseded, and those whose message it found
    interrupted.

    For the caller about to enqueue what makes them stale, in the same transaction: the rows are locked
    (in one order, so two withdrawals may wait on each other but never deadlock) and cancelled before it
    commits. A worker that claimed one first (`message_send`) has it on its way and it is left alone, marked
    superseded: should the server refuse it, it is not tried again. One that comes after finds it cancelled.
    Its own keys go in `keep`: enqueuing the same message twice changes nothing. Interrupted ones are
    locked and left as they are, for a person to decide: "Send again" (`message_retry`) waits for this
    transaction and finds what it enqueues.
    """
    stale = list(
        OutboundMessage.objects.filter(
            AnyOf(F("topic"), list(topics)),
            kind__in=kinds,
            status__in=WITHDRAWABLE,
        )
        .exclude(AnyOf(F("key"), list(keep)))
        .annotate(replaced=Exists(OutboundMessage.objects.replacing_outer()))
        .order_by("pk")
        .select_for_update()
        .values_list("pk", "topic", "status", "replaced")
    )
    # Read under the lock: a worker's outcome recorded meanwhile is the status seen here.
    # A failed one never reached its recipient: sent again, it would say what replaced it is stale.
    withdrawn = {
        pk: topic
        for pk, topic, status, _replaced in stale
        if status not in (Status.SENDING, Status.INTERRUPTED)
    }
    on_their_way = {pk: topic for pk, topic, status, _replaced in stale if status == Status.SENDING}
    # An interrupted message stays interrupted once something replaced it, and counted then, every later
    # withdrawal on its topic would write it afresh. Not so once what replaced it was cancelled (written
    # again, and that cancelled by an administrator): it may have arrived, and nothing stands after it.
    interrupted = frozenset(
        topic for _pk, topic, status, replaced in stale if status == Status.INTERRUPTED and not replaced
    )
    if withdrawn:
        OutboundMessage.objects.filter(pk__in=list(withdrawn)).update(
            status=Status.CANCELLED,
            cancelled_because=_in_site_language(
                gettext_lazy("Withdrawn before it was sent: a later message on its topic replaced it.")
            ),
        )
    if on_their_way:
        OutboundMessage.objects.filter(pk__in=list(on_their_way)).update(superseded_at=timezone.now())
    return Withdrawal(
        withdrawn=frozenset(withdrawn.values()),
        superseded=frozenset(on_their_way.values()),
        interrupted=interrupted,
    )


def messages_readdress(*, was: str, now: str) -> int:
    """Renames the recipient that ends messages' topics from `was` to `now` (`…:{was}` →
    `…:{now}`), such as a record merged into another: their messages then stand on the topics the
    recipient's next messages are written on, withdrawn and refused "Send again" as those are. Returns how
    many.

    For the merge's transaction, once it has locked both records (FOR UPDATE). Whoever writes messages on
    a record's topics holds the record (FOR KEY SHARE, `meetings.notifications._as_held`) until they are
    written, so the merge waits for those under way and finds them here; one coming after waits for the
    merge, finds the record gone and writes on the kept one's topics. The rows are locked in the order
    `messages_withdraw` locks them: the two wait on each other, never deadlock. They are found by the
    reversed topic's prefix, which the index `outbox_topic_reversed` serves."""
    ending = f":{was}"
    on_their_topics = list(
        OutboundMessage.objects.exclude(topic="")
        .alias(topic_reversed=Reverse("topic"))
        .filter(topic_reversed__startswith=ending[::-1])
        .order_by("pk")
        .select_for_update()
        .values_list("pk", flat=True)
    )
    pattern = f"{re.escape(ending)}$"

    def renamed(field: str) -> Func:
        return Func(F(field), Value(pattern), Value(f":{now}"), function="regexp_replace")

    return OutboundMessage.objects.filter(pk__in=on_their_topics).update(topic=renamed("topic"))


def _in_site_language(text: str) -> str:
    """`text` as the outbox page's readers, administrators, read it: in the site's language, not that of the
    request or job that happened to write it."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def topics_told(*, topics: Collection[str], kinds: Collection[str]) -> dict[str, tuple[str, str]]:
    """The kind and status of the latest message of `kinds` on each of `topics` that has reached its
    recipient, or may have (being sent, interrupted mid-send), or is still to go (pending): the last word
    they have, or will. Topics with none are left out.

    Asked after `messages_withdraw`, in its transaction, it tells what was actually sent: a claim that
    came first counts, a message withdrawn does not.
    """
    return {
        topic: (kind, status)
        for topic, kind, status in OutboundMessage.objects.filter(
            AnyOf(F("topic"), list(topics)),
            kind__in=kinds,
            status__in=[Status.PENDING, Status.SENDING, Status.SENT, Status.INTERRUPTED],
        )
        .order_by("topic", "-pk")
        .distinct("topic")
        .values_list("topic", "kind", "status")
    }


def topics_sent(*, topics: Collection[str], kinds: Collection[str]) -> set[str]:
    """Those of `topics` on which a message of `kinds` was sent: what it said reached its recipient, whatever
    was written on the topic since."""
    return set(
        OutboundMessage.objects.filter(AnyOf(F("topic"), list(topics)), kind__in=kinds, status=Status.SENT)
        .values_list("topic", flat=True)
        .distinct()
    )


def messages_before_topics(*, key_prefix: str, topics_now: str) -> bool:
    """Whether a message keyed under `key_prefix`, and not cancelled, was written before the outbox kept
    its topics as they are written now (`topics_now`, a regular expression they match): on no topic, or on
    one of an older format. What went out on the topics asked is then not all its recipient was sent."""
    return (
        OutboundMessage.objects.filter(key__startswith=key_prefix)
        .exclude(topic__regex=topics_now)
        .exclude(status=Status.CANCELLED)
        .exists()
    )


def _email_for(message: OutboundMessage) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"Message-ID": message.message_id_header},
        connection=get_connection(fail_silently=False),
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    for attachment in message.attachment_list:
        if ";" in attachment.mimetype:
            email.attach(_mime_part(attachment))
        else:
            email.attach(attachment.filename, attachment.content, attachment.mimetype)
    return email


def _mime_part(attachment: Attachment) -> MIMEBase:
    """A part for a type with parameters, such as "text/calendar; method=REQUEST; charset=utf-8".

    Django's attach() would repeat the charset; calendar clients read `method` from this header.
    """
    header = EmailMessage()
    header["Content-Type"] = attachment.mimetype
    params = dict(header.get_params()[1:])
    if header.get_content_maintype() == "text":
        charset = params.pop("charset", "utf-8")
        content = attachment.content
        text = content.decode(charset) if isinstance(content, bytes) else content
        part = SafeMIMEText(text, header.get_content_subtype(), charset)
    else:
        part = MIMEBase(header.get_content_maintype(), header.get_content_subtype())
        content = attachment.content
        part.set_payload(content.encode() if isinstance(content, str) else content)
        encoders.encode_base64(part)
    for name, value in params.items():
        part.set_param(name, value)
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    return part


def _settle(message: OutboundMessage, **changes) -> bool:
    """Records the outcome of this claim, unless an administrator has since started another attempt."""
    settled = OutboundMessage.objects.filter(
        pk=message.pk, claimed_at=message.claimed_at, status__in=[Status.SENDING, Status.INTERRUPTED]
    ).update(**changes)
    if not settled:
        logger.warning(
            "Outbox message %s changed hands before its outcome was recorded: %s", message.pk, changes
        )
    return bool(settled)


def _backoff(attempts: int) -> timedelta:
    """The first retry waits OUTBOX_RETRY_BACKOFF_SECONDS, each later one twice as long as the one before."""
    return min(timedelta(seconds=settings.OUTBOX_RETRY_BACKOFF_SECONDS * 2 ** (attempts - 1)), MAX_BACKOFF)


def message_send(*, message_id: int) -> None:
    """Claims one message and sends it; does nothing when it is not pending and due (or another worker won).

    Raises DeliveryDeferred when the mail server did not take it and another attempt is planned.
    """
    claimed_at = timezone.now()
    claimed = OutboundMessage.objects.filter(
        pk=message_id, status=Status.PENDING, next_attempt_at__lte=claimed_at
    ).update(status=Status.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1)
    if not claimed:
        return
    message = OutboundMessage.objects.filter(pk=message_id, claimed_at=claimed_at).first()
    if message is None:
        return

    try:
        email = _email_for(message)
        # Builds the MIME message now: a malformed header or attachment fails before the server sees it.
        email.message()
    except (ValueError, TypeError, LookupError) as error:
        logger.exception("Outbox message %s cannot be built", message_id)
        _settle(message, status=Status.FAILED, last_error=f"{type(error).__name__}: {error}")
        return

    try:
        email.send()
    except (smtplib.SMTPException, OSError) as error:
        _record_failure(message, f"{type(error).__name__}: {error}")
        return
    _settle(message, status=Status.SENT, sent_at=timezone.now())


def _record_failure(message: OutboundMessage, reason: str) -> None:
    with transaction.atomic():
        # Locked: a withdrawal that marked it superseded and has yet to commit is waited for, and one that
        # comes after finds it pending again and withdraws it.
        superseded = (
            OutboundMessage.objects.select_for_update()
            .filter(pk=message.pk)
            .values_list("superseded_at", flat=True)
            .first()
        )
        if superseded:
            # What replaced it left it alone, as it might have been on the wire. It was not: tried again, it
            # would arrive after its replacement.
            _settle(
                message,
                status=Status.CANCELLED,
                last_error=reason,
                cancelled_because=_in_site_language(
                    gettext_lazy(
                        "Withdrawn instead of tried again: a later message on its topic replaced it while it "
                        "was being sent."
                    )
                ),
            )
            return
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            logger.error(
                "Outbox message %s failed after %s attempts: %s", message.pk, message.attempts, reason
            )
            _settle(message, status=Status.FAILED, last_error=reason)
            return
        retry_at = timezone.now() + _backoff(message.attempts)
        # The task's own retry is queued for retry_at; the dispatcher steps in only if that retry is lost.
        deferred = _settle(
            message, status=Status.PENDING, last_error=reason, next_attempt_at=retry_at, queued_at=retry_at
        )
    if deferred:
        logger.warning("Outbox message %s deferred until %s: %s", message.pk, retry_at, reason)
        raise DeliveryDeferred(message.pk, retry_at, reason)


def messages_dispatch_due(*, limit: int = 500) -> int:
    """Queues a send task for each due pending message that has none on the queue; returns how many.

    Two dispatchers running at once (the same beat tick twice) share the rows out between them. The tasks
    go to the broker after the commit, and stop at its first failure (`_queue_sends`).
    """
    now = timezone.now()
    requeue_after = timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS)
    with transaction.atomic():
        message_ids = list(
            OutboundMessage.objects.needing_a_task(now, requeue_after)
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        OutboundMessage.objects.filter(pk__in=message_ids).update(queued_at=now)
        _queue_sends(message_ids)
    return len(message_ids)


def messages_recover_interrupted(*, lease: timedelta | None = None) -> int:
    """Moves messages whose worker vanished mid-send to interrupted, for a person to decide; returns how many.

    Never back to pending: the mail server may have accepted the message before the worker died.
    """
    if lease is None:
        lease = timedelta(seconds=settings.OUTBOX_SENDING_LEASE_SECONDS)
    recovered = OutboundMessage.objects.stuck_sending(timezone.now() - lease).update(
        status=Status.INTERRUPTED,
        last_error=_(
            "The worker sending this message stopped before recording the result: "
            "it may or may not have been delivered."
        ),
    )
    if recovered:
        logger.warning("Outbox: %s message(s) interrupted mid-send, waiting for an administrator", recovered)
    return recovered


def message_retry(*, message: OutboundMessage, actor) -> OutboundMessage:
    """An administrator sends a failed or interrupted message again, with a fresh set of attempts; not one
    a later message on its topic replaced (`OutboundMessage.replacement`), or did until it was cancelled
    (superseded), nor one the app that wrote it has nothing current to write for
    (`outbox.rewriting.refusal`)."""
    require(can_manage_outbox(actor), who_can_help=WhoCanHelp.ADMINISTRATOR)
    now = timezone.now()
    with transaction.atomic():
        # Locked, as a withdrawal locks it: one enqueuing what replaces it meanwhile is waited for and its
        # replacement found below; one coming after finds it pending again, and withdraws it.
        superseded = (
            OutboundMessage.objects.select_for_update()
            .filter(pk=message.pk)
            .values_list("superseded_at", flat=True)
            .first()
        )
        replacement = OutboundMessage.objects.replacing(message).first()
        if replacement is not None:
            raise ValidationError(
                _(
                    "A later message on its topic replaced this one: “%(subject)s” (#%(id)s). Sent again, "
                    "it would arrive after it and say what it replaced."
                )
                % {"subject": replacement.subject, "id": replacement.pk}
            )
        # Written again, or replaced on its way, and what replaced it cancelled since: what it says was
        # found stale then, and is still. What is current is the thing to send, if anything.
        if superseded is not None:
            raise ValidationError(SUPERSEDED_REPLACEMENT_CANCELLED)
        # Nothing current to send (its meeting cancelled, its guest taken off it): sent as it was, it would
        # put back what its recipient was told is gone, or never told of since nothing is left to tell.
        if refusal := rewriting.refusal(message):
            raise ValidationError(refusal)
        requeued = OutboundMessage.objects.filter(
            pk=message.pk, status__in=[Status.FAILED, Status.INTERRUPTED]
        ).update(status=Status.PENDING, attempts=0, claimed_at=None, next_attempt_at=now, queued_at=now)
        if not requeued:
            raise ValidationError(_("Only a failed or interrupted message can be sent again."))
        _queue_sends([message.pk])
    logger.info("Outbox message %s sent again by %s", message.pk, actor)
    message.refresh_from_db()
    return message


def message_rewrite(*, message: OutboundMessage, actor) -> OutboundMessage:
    """An administrator has a failed or interrupted message written again from what it is about as it is
    now, rather than sent as it was: a meeting invitation from the meeting's current time, place and
    occurrences. Also one a later message on its topic replaced, which `message_retry` refuses. Returns the
    new message.

    The app that wrote it writes the new one (`outbox.rewriting`) through the service that writes such
    messages, and refuses when there is nothing current to send (the meeting cancelled, the guest taken off
    it), and refuses one a later message on its topic was sent after: its recipient has been told what was
    current then. The old one is marked replaced, in the same transaction: a failed one is cancelled,
    naming the new one; an interrupted one, which may have arrived, stays as it is, superseded (should its
    worker report a refusal after all, it is not tried again), and the new one is its replacement."""
    require(can_manage_outbox(actor), who_can_help=WhoCanHelp.ADMINISTRATOR)
    if not rewriting.rewrites(message):
        raise ValidationError(_("This message can only be sent again as it was."))
    write = rewriting.writer_for(message.kind)
    if message.status not in (Status.FAILED, Status.INTERRUPTED):
        # Said first: what the writer would refuse for is beside the point. `hold` asks again, under lock.
        raise ValidationError(_("Only a failed or interrupted message can be sent again."))
    held = {}

    def hold() -> None:
        # Locked with what else of its kind waits on its topic, in one statement and in id order, as a
        # withdrawal locks them: the writer's withdrawal then finds them ours, and an edit's or a
        # cancellation's messages being written meanwhile wait on us, or we on them, but never both.
        # `message_retry` locks it too: whichever comes second sees what the first did.
        locked = {
            pk: (status, superseded)
            for pk, status, superseded in OutboundMessage.objects.filter(
                models.Q(pk=message.pk)
                | models.Q(topic=message.topic, kind=message.kind, status__in=WITHDRAWABLE)
            )
            .order_by("pk")
            .select_for_update()
            .values_list("pk", "status", "superseded_at")
        }
        held["status"], superseded = locked.get(message.pk, (None, None))
        if held["status"] not in (Status.FAILED, Status.INTERRUPTED):
            raise ValidationError(_("Only a failed or interrupted message can be sent again."))
        if superseded is not None and OutboundMessage.objects.replacing(message).exists():
            # Sent again already (a second click), or replaced while it was on its way: what replaced it is
            # the one to look after. Not once that was cancelled: this is then the one way to send it.
            raise ValidationError(
                _("A later message has replaced this one already: send that one again if it needs it.")
            )
        # Under the lock: a later message's worker records its outcome in the row this waited for.
        if (later := OutboundMessage.objects.sent_after(message).first()) is not None:
            raise ValidationError(rewriting.sent_since(later))

    with transaction.atomic():
        fresh = write(message=message, hold=hold)
        if "status" not in held:
            raise RuntimeError(f"The writer for {message.kind!r} did not hold the message it replaces.")
        if held["status"] == Status.FAILED:
            # Withdrawn already, if the fresh message was a later version of it: the reason is this one.
            OutboundMessage.objects.filter(
                pk=message.pk, status__in=[Status.FAILED, Status.CANCELLED]
            ).update(
                status=Status.CANCELLED,
                cancelled_because=_in_site_language(
                    gettext_lazy("Sent again with the current details, as message #%(id)s.")
                )
                % {"id": fresh.pk},
            )
        else:
            OutboundMessage.objects.filter(pk=message.pk).update(superseded_at=timezone.now())
    logger.info("Outbox message %s written again as %s by %s", message.pk, fresh.pk, actor)
    message.refresh_from_db()
    return fresh


def message_cancel(*, message: OutboundMessage, actor) -> OutboundMessage:
    """An administrator stops a message that has not been sent yet."""
    require(can_manage_outbox(actor), who_can_help=WhoCanHelp.ADMINISTRATOR)
    cancelled = OutboundMessage.objects.filter(pk=message.pk, status=Status.PENDING).update(
        status=Status.CANCELLED
    )
    if not cancelled:
        raise ValidationError(_("Only a pending message can be cancelled."))
    logger.info("Outbox message %s cancelled by %s", message.pk, actor)
    message.refresh_from_db()
    return message

"""Messages the app that wrote them can write again from what they are about as it is now.

The outbox keeps what a message said, not what it was about. A failed or interrupted meeting invitation,
sent again as it was, would tell its guest a time, place or list of occurrences since changed; the app that
wrote it registers, for the message's kind, a writer that makes a fresh message from the current state
(`outbox.services.message_rewrite`, "Send again with current details" on the outbox page).

A writer is called in a transaction as `writer(message=…, hold=…)`: it takes the locks it needs, in its
own order, then calls `hold()`, which locks the message and refuses (ValidationError) one that may no
longer be sent again, then enqueues the fresh message on the same topic and returns it. It raises
ValidationError, with a sentence for the administrator, when there is nothing current to send. Its
`refusal(message)` says, in a query or so, why the writer would refuse it, in that sentence, or "" when it
would write one: the page offers it only then, and otherwise says why not. Its `reads(message)` says,
without a query, whether it can tell what the message is about well enough to write it again (not a topic
written in a format it no longer reads whole): when it cannot, the message is sent again as it was, and
`refusal` is still asked of it, to refuse what it can tell is stale from what the topic does say (its
meeting cancelled since).
"""

from collections.abc import Callable

from django.utils.translation import gettext as _

from .models import OutboundMessage

Writer = Callable[..., OutboundMessage]

_writers: dict[str, Writer] = {}
_refusals: dict[str, Callable[[OutboundMessage], str]] = {}
_readers: dict[str, Callable[[OutboundMessage], bool]] = {}


def register(
    kind: str,
    writer: Writer,
    *,
    refusal: Callable[[OutboundMessage], str],
    reads: Callable[[OutboundMessage], bool],
) -> None:
    _writers[kind] = writer
    _refusals[kind] = refusal
    _readers[kind] = reads


def writer_for(kind: str) -> Writer | None:
    return _writers.get(kind)


def rewrites(message: OutboundMessage) -> bool:
    """Whether an app writes `message` again: one registered for its kind, that can tell from its topic
    what it is about."""
    reads = _readers.get(message.kind)
    return bool(message.topic) and reads is not None and reads(message)


def refusal(message: OutboundMessage) -> str:
    """Why the writer of `message`'s kind has nothing current to write for it, or "" when it has, or when
    none is registered for it. Asked too of one it cannot write again (`rewrites`), sent again as it was:
    that would still put back what its recipient was told is gone."""
    refuse = _refusals.get(message.kind)
    return refuse(message) if message.topic and refuse is not None else ""


def sent_since(later: OutboundMessage) -> str:
    """Why a message is not written again once `later`, on its topic, was sent: its recipient has since
    been told what was current then, and a fresh message would tell them twice."""
    return _(
        "A later message on its topic was sent, or is being sent: “%(subject)s” (#%(id)s). Its recipient has "
        "what was current then; sent again, it would tell them twice."
    ) % {"subject": later.subject, "id": later.pk}

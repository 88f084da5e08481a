"""Messages the app that wrote them can write again from what they are about as it is now.

The outbox keeps what a message said, not what it was about. A failed or interrupted meeting invitation,
sent again as it was, would tell its guest a time, place or list of occurrences since changed; the app that
wrote it registers, for the message's kind, a writer that makes a fresh message from the current state
(`outbox.services.message_rewrite`, "Send again with current details" on the outbox page).

A writer is called in a transaction as `writer(message=…, hold=…)`: it takes the locks it needs, in its
own order, then calls `hold()`, which locks the message and refuses (ValidationError) one that may no
longer be sent again, then enqueues the fresh message on the same topic and returns it. It raises
ValidationError, with a sentence for the administrator, when there is nothing current to send. Its
`offered(message)` says, in a query or so, whether the page should offer it at all: one the writer would
refuse is not offered.
"""

from collections.abc import Callable

from .models import OutboundMessage

Writer = Callable[..., OutboundMessage]

_writers: dict[str, Writer] = {}
_offered: dict[str, Callable[[OutboundMessage], bool]] = {}


def register(kind: str, writer: Writer, *, offered: Callable[[OutboundMessage], bool]) -> None:
    _writers[kind] = writer
    _offered[kind] = offered


def writer_for(kind: str) -> Writer | None:
    return _writers.get(kind)


def offered(message: OutboundMessage) -> bool:
    """Whether the writer of `message`'s kind has something current to write for it."""
    check = _offered.get(message.kind)
    return check is not None and check(message)

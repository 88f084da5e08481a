"""Messages the app that wrote them can write again from what they are about as it is now.

The outbox keeps what a message said, not what it was about. A failed or interrupted meeting invitation,
sent again as it was, would tell its guest a time, place or list of occurrences since changed; the app that
wrote it registers, for the message's kind, a writer that makes a fresh message from the current state
(`outbox.services.message_rewrite`, "Send again with current details" on the outbox page).

A writer is called in a transaction as `writer(message=…, hold=…)`: it takes the locks it needs, in its
own order, then calls `hold()`, which locks the message and refuses (ValidationError) one that may no
longer be sent again, then enqueues the fresh message on the same topic and returns it. It raises
ValidationError, with a sentence for the administrator, when there is nothing current to send.
"""

from collections.abc import Callable

from .models import OutboundMessage

Writer = Callable[..., OutboundMessage]

_writers: dict[str, Writer] = {}


def register(kind: str, writer: Writer) -> None:
    _writers[kind] = writer


def writer_for(kind: str) -> Writer | None:
    return _writers.get(kind)

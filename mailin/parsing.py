"""Reading a raw email (RFC 822/5322): its addresses, subject, date, text, attachments, and what it forwards.

A forward arrives in one of two shapes: the original attached whole (message/rfc822, as Outlook's "forward
as attachment" and many mail servers do), or quoted in the body under a marker such as Gmail's "----------
Forwarded message ---------", Outlook's "-----Original Message-----" or Apple Mail's "Begin forwarded
message:", followed by the original's From, Date, Subject and To lines.
"""

import email
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.html import strip_tags

FORWARD_MARKERS = re.compile(
    r"^\s*(-{2,}\s*Forwarded message\s*-{2,}|-{2,}\s*Original Message\s*-{2,}|Begin forwarded message:)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
QUOTED_HEADER = re.compile(r"^\s*>?\s*(From|Date|Sent|Subject|To|Cc):\s*(.*)$", re.IGNORECASE)
SUBJECT_PREFIX = re.compile(r"^\s*((fwd?|fw|tr|wg|re|aw)\s*:\s*)+", re.IGNORECASE)
MAX_BODY = 50_000


@dataclass
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass
class Mail:
    message_id: str
    from_name: str
    from_address: str
    to: list[str]
    cc: list[str]
    subject: str
    sent_at: datetime | None
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    forwarded: "Mail | None" = None

    @property
    def recipients(self) -> list[str]:
        return self.to + [address for address in self.cc if address not in self.to]


def _addresses(message, header: str) -> list[str]:
    found = []
    for _name, address in email.utils.getaddresses([str(value) for value in message.get_all(header, [])]):
        address = address.strip().lower()
        if "@" in address and address not in found:
            found.append(address)
    return found


def _date(value) -> datetime | None:
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment and moment.tzinfo else None


def _text(part) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        content = strip_tags(re.sub(r"(?i)<br\s*/?>|</p>", "\n", content))
    return content.replace("\r\n", "\n").strip()[:MAX_BODY]


def _body(message) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return _text(part) if part is not None else ""


def clean_subject(subject: str) -> str:
    return SUBJECT_PREFIX.sub("", subject or "").strip()


def _quoted_forward(body: str) -> Mail | None:
    """The original of an inline forward: the header lines under the marker, and the text after them."""
    marker = FORWARD_MARKERS.search(body)
    if marker is None:
        return None
    lines = body[marker.end() :].lstrip("\n").split("\n")
    headers, body_start = {}, len(lines)
    for index, line in enumerate(lines):
        match = QUOTED_HEADER.match(line)
        if match:
            headers.setdefault(match.group(1).lower(), match.group(2).strip())
        elif headers:
            body_start = index
            break
    sender = email.utils.parseaddr(headers.get("from", ""))
    if "@" not in sender[1]:
        return None

    def listed(value: str) -> list[str]:
        return [a.lower() for _n, a in email.utils.getaddresses([value]) if "@" in a]

    return Mail(
        message_id="",
        from_name=sender[0],
        from_address=sender[1].lower(),
        to=listed(headers.get("to", "")),
        cc=listed(headers.get("cc", "")),
        subject=headers.get("subject", ""),
        sent_at=_date(headers.get("date") or headers.get("sent")),
        body="\n".join(lines[body_start:]).strip()[:MAX_BODY],
    )


def parse(raw: bytes) -> Mail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return _mail(message, raw)


def _own_name(filename: str | None) -> str:
    """An attachment's name without the folders a mail program may leave in it ("C:\\…\\plan.pdf",
    "../plan.pdf"): a name with ".." cannot be stored, and refusing it would lose the whole message."""
    name = re.split(r"[/\\]", filename or "")[-1].strip()
    return "" if name in (".", "..") else name


def _mail(message, raw: bytes | None = None) -> Mail:
    name, address = email.utils.parseaddr(str(message.get("from", "")))
    message_id = str(message.get("message-id", "")).strip()
    if not message_id and raw is not None:
        # Without a Message-ID the content names the message, so the same bytes sent twice log once.
        message_id = f"<sha256-{hashlib.sha256(raw).hexdigest()}@liaison-crm>"
    attachments, forwarded = [], None
    for part in message.iter_attachments():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_content()
            if forwarded is None and inner is not None:
                forwarded = _mail(inner)
                continue
        content = part.get_payload(decode=True)
        if content is None:
            continue
        filename = _own_name(part.get_filename()) or f"attachment-{len(attachments) + 1}"
        attachments.append(Attachment(filename[:200], part.get_content_type()[:100], content))
    body = _body(message)
    mail = Mail(
        message_id=message_id[:998],
        from_name=name[:200],
        from_address=address.strip().lower(),
        to=_addresses(message, "to"),
        cc=_addresses(message, "cc"),
        subject=str(message.get("subject", ""))[:500],
        sent_at=_date(message.get("date")),
        body=body,
        attachments=attachments,
    )
    mail.forwarded = forwarded or _quoted_forward(body)
    return mail

"""Reading a raw email (RFC 822/5322): its addresses, subject, date, text, attachments, and what it forwards.

A forward arrives in one of two shapes: the original attached whole (message/rfc822, as Outlook's "forward as
attachment" and many mail servers do), or quoted in the body under a marker such as Gmail's "----------
Forwarded message ---------", Outlook's "-----Original Message-----" or Apple Mail's "Begin forwarded
message:" (or the same in French, German or Spanish, as those mail programs write them), followed by the
original's From, Date, Subject and To lines (De, Envoyé, Objet, À; Von, Datum, Gesendet, Betreff, An; De,
Enviado or Enviado el, Fecha, Asunto, Para). Outlook for Microsoft 365 and Outlook on the web put a rule of
underscores there. Outlook's "-----Original Message-----" and that rule are above the message a reply quotes
too: only the subject's "FW:" (TR:, WG:, RV:) tells their forward from their reply. Outlook gives a sender its
address book knows by name alone ("From: Jane Smith"), and a long To or Cc list is wrapped over several lines.
Gmail, Apple Mail and Thunderbird may instead quote the original under one line naming its sender and date
("On … Jane Smith <jane@…> wrote:", "Le … a écrit :", "Am … schrieb …:", "El … escribió:"), as above a reply:
only the subject tells a forward.
"""

import email
import email.headerregistry
import email.policy
import email.utils
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

# The header lines a forward quotes, in each language mail programs write them, by what they are in English.
# Outlook and Gmail in French write "Objet" and "À"; Thunderbird writes "Sujet", "Pour" and "Copie à".
QUOTED_HEADER_NAMES = {
    "from": "from", "de": "from", "von": "from",
    "date": "date", "datum": "date", "fecha": "date",
    "sent": "sent", "envoyé": "sent", "gesendet": "sent", "enviado": "sent", "enviado el": "sent",
    "subject": "subject", "objet": "subject", "sujet": "subject", "betreff": "subject", "asunto": "subject",
    "to": "to", "à": "to", "pour": "to", "an": "to", "para": "to",
    "cc": "cc", "copie à": "cc",
}  # fmt: skip
# The names English mail programs write. A block naming any other is French, German or Spanish, where a
# slashed date is written day first ("Envoyé : 03/04/2026 10:15" is 3 April); Gmail keeps a few English
# names in those ("Von: … Date: …"), so one name in the block's own language tells.
ENGLISH_HEADER_NAMES = {"from", "date", "sent", "subject", "to", "cc"}


def _header_words(*meanings: str) -> str:
    """The quoted header names meaning one of `meanings`, as a pattern's alternatives."""
    return "|".join(name for name, meaning in QUOTED_HEADER_NAMES.items() if meaning in meanings)


# French puts a space before the colon: "De : Ana Costa <ana@river.example>", a no-break one in Outlook's HTML
# ("De&nbsp;:").
HEADER_COLON = r"[ \t\u00a0\u202f]?:"
# Spaces around a marker are on its own line: `\s*` would also read every blank line below each line's start,
# and an email of blank lines took a minute. The first marker in the body decides; a `quote` one marks a
# forward only when the subject says so, or an officer's reply would be logged as the stakeholder's message.
MARKERS = re.compile(
    r"^[ \t]*(?:"
    r"(?P<forward>-{2,}[ \t]*"
    r"(?:Forwarded message|Message transféré|Weitergeleitete Nachricht|Mensaje reenviado)[ \t]*-{2,}"
    r"|(?:Begin forwarded message|Début du message réexpédié|Anfang der weitergeleiteten Nachricht"
    r"|Inicio del mensaje reenviado) ?:)"
    r"|(?P<quote>-{2,}[ \t]*(?:Original Message|Message d'origine|Ursprüngliche Nachricht|Mensaje original)"
    r"[ \t]*-{2,}"
    rf"|_{{10,}}(?=[ \t]*\n[ \t]*(?:{_header_words('from')}){HEADER_COLON}))"
    r")[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# What a subject opens with in a forward (Outlook's "FW:", "TR:", "WG:", "RV:"; Gmail's "Fwd:") and a reply.
# Each is read so in a subject in any language: an English "RV: overnight parking on Mill Lane" (a camper) is
# summarised without its "RV" (the stored subject keeps it), and an Outlook quote under it is read as a
# forward. Reading "RV:" only where the quoted headers are Spanish would lose more than it keeps: a forward's
# summary is made from the original's own subject, written by its sender's mail program, while the header
# names are those of the officer's (English Outlook quotes a Spanish "RV: Obras" under "Subject:"); an email
# with no quote has no header names at all; and the summary is made from the stored subject alone, also once
# an officer has chosen whom a waiting email is with. A Spanish thread's "RE: RV: …" is far more common, and
# an English reply opens with "RE:", not with the "RV:" of the subject it answers.
FORWARD_PREFIXES = r"fwd?|tr|wg|rv"
FORWARD_SUBJECT = re.compile(rf"^\s*(?:{FORWARD_PREFIXES})\s*:", re.IGNORECASE)
SUBJECT_PREFIX = re.compile(rf"^\s*(?:(?:{FORWARD_PREFIXES}|re|aw)\s*:\s*)+", re.IGNORECASE)
# Gmail, Apple Mail and Thunderbird write a line above the message they quote, naming when it was sent and by
# whom: "On Tue, 12 Mar 2026 at 10:15, Jane Smith <jane@x.com> wrote:", "Le 12 mars 2026 à 10:15, Jean Dupont
# <j@x.fr> a écrit :", "Am 12.03.2026 um 10:15 schrieb Hans Müller <h@x.de>:", "El jue, 12 mar 2026 a las
# 10:15, Ana Costa (<ana@x.es>) escribió:" (Gmail wraps a long one over two lines). It is a `quote` marker: a
# forward's only when the subject says so. Only a whole line of that shape, whose date has a year and a time,
# is one: "Ana wrote: the works start Monday" is the body's own text. The date is what comes before its first
# colon, the time's, so each part has one place to go. Gmail and Apple Mail write "3:04\u202fPM" and French
# "a écrit\u00a0:" (Apple Mail's HTML "a écrit&nbsp;:"): a line is read with its spaces as plain ones.
# What follows the time is the date's too, not the start of the sender's name: a 12-hour clock's "AM" (in
# Latin-American Spanish "p. m.", "p.m.", Gmail's "a la(s) 2:34 p.m."), German "Uhr", and a zone ("10:15
# GMT+1", "UTC -05:00", "CET,": ZONE_BEFORE_SENDER).
#
# Such a line is the forward's only when nothing but the officer's note is above it and, in a plain text, the
# message below it is quoted with "> " (HTML quotes it in a <blockquote>, no longer seen in the text): the
# message a forward quotes may itself quote an older one under the same line, and Outlook's forward without
# its rule is a header block alone (HEADER_BLOCK_LINE), read as it was before such lines were.
REPLY_MARKER_OPENING = re.compile(r"^[ \t]*(?:On|Le|Am|El) ", re.MULTILINE)
MERIDIEM = r"[ap]\.? ?m\.?"
# The zones a date may name: Apple Mail's "GMT" or "UTC" (with an offset: "GMT+1", "UTC-05:00", "GMT -5", or
# with a minus sign, U+2212), the Central European times, also as written in German and French (MEZ,
# MESZ; HNEC, HAEC), and the North American ones Yahoo and Apple Mail in the US write ("10:15:00 AM EDT"),
# as RFC 5322 reads them. Not "BST": British Summer Time (UTC+1) to some, Bangladesh Standard Time (UTC+6)
# to others, and a date read five hours out is worse than one not read (the forward's own date is used).
ZONE_HOURS = {
    "gmt": 0, "utc": 0,
    "cet": 1, "mez": 1, "hnec": 1, "cest": 2, "mesz": 2, "haec": 2,
    "edt": -4, "est": -5, "cdt": -5, "cst": -6, "mdt": -6, "mst": -7, "pdt": -7, "pst": -8,
}  # fmt: skip
ZONE_NAME = "|".join(ZONE_HOURS)
ZONE_SHIFT = r" ?[+\-\u2212]\d{1,2}(?::?\d\d)?"
ZONE = rf"(?:{ZONE_NAME})(?:{ZONE_SHIFT})?"
REPLY_TIME = rf"\d:\d\d(?::\d\d)?(?: ?{MERIDIEM})?(?: Uhr)?"
# Where the sender's name follows the time, a zone's name alone is the date's only before a comma: Gmail
# writes "at 10:15 AM UTC Facilities <…> wrote:", where "UTC" is the name's. A name does not open with an
# offset ("GMT+1", "UTC -5"): such a zone is the date's with a comma after it or not.
ZONE_BEFORE_SENDER = rf"(?: (?:{ZONE_NAME})(?:{ZONE_SHIFT}|(?=,)))?"
REPLY_MARKER = re.compile(
    rf"On (?P<on>[^:]*?{REPLY_TIME}{ZONE_BEFORE_SENDER}),? (?P<on_sender>.+?) wrote:"
    rf"|Le (?P<le>[^:]*?{REPLY_TIME}{ZONE_BEFORE_SENDER}),? (?P<le_sender>.+?) a écrit ?:"
    rf"|Am (?P<am>[^:]*?{REPLY_TIME}(?: {ZONE})?),? schrieb (?P<am_sender>.+):"
    rf"|El (?P<el>[^:]*?{REPLY_TIME}{ZONE_BEFORE_SENDER}),? (?P<el_sender>.+?) escribió ?:",
    re.IGNORECASE,
)
YEAR = re.compile(r"\b\d{4}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2}")
HEADER_BLOCK_LINE = re.compile(
    rf"^[ \t]*(?:>[ \t]*)?(?:{_header_words('from', 'sent', 'date')}){HEADER_COLON}",
    re.IGNORECASE | re.MULTILINE,
)
# From a reply line's end: blank lines, then a line quoted with ">".
QUOTED_BELOW = re.compile(r"[ \t]*\n(?:[ \t]*\n)*[ \t]*>")
# Longer than any such line a mail program writes (a long name and address, the date in words).
MAX_REPLY_MARKER = 300
# Outlook 2016 and earlier quote an address as "Ana Costa [mailto:ana@river.example]", which is no address
# to Python's parser (it reads "Ana").
OUTLOOK_ADDRESS = re.compile(r"\[mailto:([^\[\]\s]+)\]", re.IGNORECASE)
# Each run of spaces has one place to go: `\s*>?\s*` could split a line of spaces between its two halves every
# way, and one of 20,000 spaces under a marker took most of a minute.
QUOTED_HEADER = re.compile(
    rf"^[ \t]*(?:>[ \t]*)?({'|'.join(QUOTED_HEADER_NAMES)}){HEADER_COLON}[ \t]*(.*)$", re.IGNORECASE
)
# The quoted headers whose value is a list of addresses, and may go on over several lines.
ADDRESS_LISTS = {"to", "cc"}
# What is read of a quoted header: Python's address parser takes about a second for 50,000 characters, and a
# list this long names a few hundred people (a name, a subject or a date is far shorter). A list is cut after
# its last whole address.
MAX_QUOTED_LIST = 10_000
MAX_QUOTED_VALUE = 1_000
# An address in a list is at most 254 characters (RFC 5321), its name written as RFC 2047 words a few hundred
# more. A run longer than this between two separators is nobody's address, and Python's address parser reads
# some ("@@@…") in time growing with the square of their length.
MAX_LIST_ENTRY = 1_000
# What is read of the email's own header fields. Python's header registry (policy=default) reads a field in
# time growing faster than its length (a To field of 20,000 quotes took 13 seconds, a Content-Type of 25,000
# characters 7), and the relay signs whatever anyone sends. A subject, a sender, a date, a Message-ID or a
# MIME type fits on one line, and a line is at most 998 characters (RFC 5322): so no field goes to the
# registry longer than this, and an address field is cut after its last whole address. (An attachment's
# name in RFC 2231 escapes can be longer: it is cut short, as it is at 200 characters when stored.)
# References and In-Reply-To are not read at all: an email is known by its own Message-ID. A structured field
# is cut only where a parameter or a folded line ends (FIELD_BREAK): Python's parser of MIME parameters fails
# outright (IndexError) on one cut in its name, as Outlook's long attachment names ("filename*12*=…") are.
MAX_HEADER_FIELD = 1_000
FIELD_BREAK = re.compile(r";|\r?\n(?=[ \t])")
# Unstructured fields (Subject, Sensitivity) are read in time about proportional to their length (4,000
# characters of RFC 2047 words in 30 ms), and a subject is stored up to 500 characters, which a Japanese or
# Russian one takes about 2,600 characters to write in encoded words. Cut at the last space or fold before
# this, so no encoded word is cut in two and shown raw ("=?utf-8?b?…").
MAX_UNSTRUCTURED_FIELD = 4_000
LAST_SPACE = re.compile(r"\s(?!.*\s)", re.DOTALL)
# What is read of an email's nesting: a forward attaches one email, seldom a few dozen, and a mail program
# nests a few multiparts in each. Python's parser reads each level recursively (100 nested forwards took
# seconds, 600 failed with RecursionError), and only the first level's forward is used: an email mentioning
# more is stored unread, for an officer to review.
MAX_ENCLOSED_EMAILS = 20
MAX_MULTIPARTS = 100
# The To and Cc lists are read by the parser quoted lists are (`_listed`), several times faster than the
# registry. A message to 500 people written as Outlook writes them ("Costa, Ana"
# <ana.costa@river-authority.example>, on folded lines) takes about 32,000 characters; To and Cc together
# are read up to this, in at most MAX_LIST_FIELDS fields of each (RFC 5322 allows one; a few programs split
# a long list), so a megabyte of them, or a thousand fields, costs what 40,000 characters do.
MAX_RECIPIENT_LISTS = 40_000
MAX_LIST_FIELDS = 10
# The fields whose value the header registry reads as addresses.
ADDRESS_FIELDS = {
    "from", "sender", "reply-to", "to", "cc", "bcc",
    "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-bcc",
}  # fmt: skip
LIST_SEPARATOR = re.compile(r"([,;])")
# What Outlook writes in the Sensitivity header (RFC 2156) when its sender marks a message other than normal.
SENSITIVE_MARKINGS = {"private", "company-confidential", "personal"}
# "Confidential", "[Confidential]", "(CONFIDENTIAL) …" at the start of a subject; not "Confidentiality …".
CONFIDENTIAL_SUBJECT = re.compile(r"^[\[(]?\s*confidential\b", re.IGNORECASE)
# How mail programs write the original's date in a forward, mostly without its zone: Gmail ("Mon, Nov 23,
# 2026 at 3:04 PM", "Mon, 23 Nov 2026 at 15:04"), Outlook ("Monday, November 23, 2026 3:04 PM", "23 November
# 2026 15:04") and Apple Mail ("23 November 2026 at 15:04:05 GMT"), read without the weekday, "at" and commas.
# Thunderbird writes the date in the sender's locale's numbers: with points ("12.03.26") the day comes first;
# with slashes French, German and Spanish put it first ("12/03/2026"), English may not ("3/12/26" is 12
# March in the US, 3 December in Britain), so an English one is read only when one of its first two numbers
# is over 12, and so can only be the day (SLASHED_DATE).
QUOTED_DATE_FORMATS = [
    f"{day} {time}"
    for day in (
        "%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%d/%m/%y",
    )
    for time in ("%I:%M %p", "%I:%M:%S %p", "%H:%M", "%H:%M:%S")
]  # fmt: skip
SLASHED_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/")
QUOTED_DATE_NOISE = re.compile(r"^\s*[A-Za-z]+day\b|^\s*[A-Za-z]{3}\b(?=,)|,|\bat\b", re.IGNORECASE)
# French, German and Spanish mail programs write the same dates in their words: Outlook ("jeudi 12 mars 2026
# 10:15", "Donnerstag, 12. März 2026 10:15", "jueves, 12 de marzo de 2026 10:15"), Gmail ("jeu. 12 mars 2026 à
# 10:15", "Do., 12. März 2026 um 10:15 Uhr", "jue, 12 mar 2026 a las 10:15", as in its "Le … a écrit", "Am …
# schrieb" and "El … escribió" above a reply) and Apple Mail ("12. März 2026 um 10:15:05 MEZ"), on a 24-hour
# clock but in Latin America, where Gmail writes "mié, 30 sept 2026 a la(s) 2:34 p.m." (MERIDIEM, read as
# "PM"); Spanish also abbreviates with a point ("jue., 12 mar. 2026"). Each word is read as the English one
# the formats above know; weekdays and "à", "um", "Uhr", "a las", "a la(s)", "de" say nothing the date does
# not. "mar." is Gmail's French and Spanish Tuesday ("mars" is March); Spanish "mar" is both, and English
# "Mar" March: either is March right after the day's number (MARCH_AFTER_DAY), else "mar." is a Tuesday, and
# "mar" one only where a weekday stands, first and before a comma (QUOTED_DATE_NOISE).
QUOTED_DATE_WORD = re.compile(r"[^\W\d_]+(?:\(s\)|\.)?")
QUOTED_DATE_WORDS = {
    **dict.fromkeys(
        (
            "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
            "lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.",
            "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonnabend", "sonntag",
            "mo.", "di.", "mi.", "do.", "fr.", "sa.", "so.",
            "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo",
            "lun", "mié", "jue", "vie", "sáb", "dom", "mié.", "jue.", "vie.", "sáb.", "dom.",
            "à", "um", "uhr", "a", "la", "las", "la(s)", "de",
        ),
        "",
    ),
    **{
        month: english
        for english, months in {
            "January": ("janvier", "janv.", "januar", "jan.", "enero", "ene", "ene."),
            "February": ("février", "févr.", "februar", "feb.", "febrero"),
            "March": ("mars", "märz", "mär.", "marzo"),
            "April": ("avril", "avr.", "apr.", "abril", "abr", "abr."),
            "May": ("mai", "mayo", "may."),
            "June": ("juin", "juni", "jun.", "junio"),
            "July": ("juillet", "juil.", "juli", "jul.", "julio"),
            "August": ("août", "aug.", "agosto", "ago", "ago."),
            "September": ("septembre", "sept.", "sept", "sep.", "septiembre", "setiembre"),
            "October": ("octobre", "oct.", "oktober", "okt.", "octubre"),
            "November": ("novembre", "nov.", "noviembre"),
            "December": ("décembre", "déc.", "dezember", "dez.", "diciembre", "dic", "dic."),
        }.items()
        for month in months
    },
}  # fmt: skip
# German writes the day with a point: "12. März".
DAY_POINT = re.compile(r"\b(\d{1,2})\.(?= )")
MARCH_AFTER_DAY = re.compile(r"(?<=\d )mar\b\.?", re.IGNORECASE)
# "2:34 p. m." as strptime reads it: "2:34 PM".
MERIDIEM_AFTER_TIME = re.compile(rf"(?<=:\d\d) ?({MERIDIEM})(?= |$)", re.IGNORECASE)
# Samsung's mail app writes the zone in brackets, as an offset from GMT: "03/04/2026 10:15 (GMT+01:00)".
DATE_ZONE = re.compile(rf" (?:({ZONE})|\(((?:gmt|utc)[+\-]\d\d:\d\d)\))$", re.IGNORECASE)
ZONE_OFFSET = re.compile(r" ?([+\-\u2212])(\d{1,2}):?(\d\d)?$")
# Zones are at most 14 hours from UTC (Kiribati's); an offset past it is no zone.
MAX_ZONE_OFFSET = timedelta(hours=14)
# Longer than any date a mail program writes: a line past it is no date, and is not read word by word.
MAX_QUOTED_DATE = 200
# A quoted date the formats above do not read goes to the standard library's reader only as an RFC 5322 date,
# as Thunderbird quotes the original's Date field ("Thu, 12 Mar 2026 10:15:00 +0100", perhaps with a comment
# naming its zone: "(CET)"). That reader takes the first five words and drops the rest, and a zone it does
# not know for UTC: "10:15 GMT+1 blah" would be read an hour out, "10:15 blah" in UTC, not the officer's time.
RFC_5322_DATE = re.compile(
    r"(?:[a-z]{3}, ?)?\d{1,2} [a-z]{3} \d\d(?:\d\d)? \d{1,2}:\d\d(?::\d\d)?"
    r" (?:[+-]\d{4}|UTC?|GMT|Z|[ECMP][SD]T)(?: \([^()]*\))?",
    re.IGNORECASE | re.ASCII,
)
UNSEEN_HTML = re.compile(r"(?i)<(script|style|head)\b|<!--")
# A tag, up to its ">" or the next "<": a "<" never closed is read past once, not once for each "<" before it.
ANY_TAG = re.compile(r"<[^<>]*>")
# A reader sees the source's line breaks and runs of spaces as one space; a line ends where a block (a
# paragraph, the <div> Gmail writes each line in) starts or ends, and at each <br>. In <pre> (Thunderbird
# quotes a forward in <pre class="moz-quote-pre">) the source's line breaks are the lines shown.
HTML_SPACES = re.compile(r"[ \t\r\n\f]+")
PRE_OPENING = re.compile(r"(?i)<pre\b")
PRE_SPACES = re.compile(r"[ \t\r\f]+")
HTML_BLOCK = re.compile(r"(?i)</?(p|div|li|ul|ol|tr|table|blockquote|pre|h[1-6])\b[^<>]*>")
HTML_BREAK = re.compile(r"(?i)<br\b[^<>]*>")
BLOCK_MARK = "\x00"
SPACES = re.compile(r"  +")
# Each block mark but the last of those ending one line (`\n*` reads each line end once: after one mark, up
# to the next).
BLOCK_MARKS_BUT_THE_LAST = re.compile(r"\x00(?=\n*\x00)")
MAX_BODY = 50_000
# The HTML read for a body (after its script, style and head) and for the images it shows: mail programs
# write far less than twenty characters of markup for each one shown, and reading on would cost time
# (seconds for a few MB) only to be cut at MAX_BODY.
MAX_HTML = 20 * MAX_BODY
# An image the HTML body shows (`<img src="cid:…">`): a signature's logo, a pasted screenshot, a photo.
CID_REFERENCE = re.compile(r"(?i)\bcid:([^\s\"'<>]+)")
# Below this an image the body shows is a signature's logo or icon (a few KB, seldom over 20), part of the
# message as read: no mail program lists it, and the raw email keeps it. A photo sent inline (hundreds of KB)
# or a pasted screenshot is what the stakeholder sent, kept as an attachment where users can open it.
LOGO_MAX_BYTES = 30_000


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
    # Naive only for a quoted forward's date written without its zone: in the forwarding officer's local time.
    sent_at: datetime | None
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    forwarded: "Mail | None" = None
    # Marked private or confidential by its sender (`is_sensitive`): it must not become readable by all staff.
    sensitive: bool = False

    @property
    def recipients(self) -> list[str]:
        # A set, not the list: a crafted email lists thousands of addresses in each.
        on_to = set(self.to)
        return self.to + [address for address in self.cc if address not in on_to]


def _recipients(message) -> tuple[list[str], list[str]]:
    """The addresses the email's To and Cc fields name, each list in order, read as far as
    MAX_RECIPIENT_LISTS and MAX_LIST_FIELDS go."""
    values, fields, left = {"to": [], "cc": []}, {"to": 0, "cc": 0}, MAX_RECIPIENT_LISTS
    # The stored text, not the registry's (raw_items; the registry is what is too slow): only the addresses
    # are kept, and their names' RFC 2047 words need no decoding.
    for name, value in message.raw_items():
        name = name.lower()
        if name not in fields or fields[name] == MAX_LIST_FIELDS:
            continue
        fields[name] += 1
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        value = value.replace("\r", "").replace("\n", "")
        kept = _whole_addresses(value, left)
        values[name].append(kept)
        left -= len(kept)
        if len(kept) < len(value) or left <= 0:
            break
    return _listed(", ".join(values["to"])), _listed(", ".join(values["cc"]))


# Since Python 3.11.10 (3.12.6, 3.13) the address parsers are strict by default, and return [("", "")] for a
# whole list with a trailing comma, a ";" between addresses or a comment cut short: every recipient lost.
# Email is read as mail programs write it, leniently, as before.
def _lenient() -> dict:
    return {"strict": False} if getattr(email.utils, "supports_strict_parsing", False) else {}


def _getaddresses(values: list[str]) -> list[tuple[str, str]]:
    return email.utils.getaddresses(values, **_lenient())


def _parseaddr(value: str) -> tuple[str, str]:
    return email.utils.parseaddr(value, **_lenient())


def _listed(value: str) -> list[str]:
    """The addresses in an address list, once each, in order."""
    try:
        addresses = _getaddresses([value])
    except RecursionError:
        # The parser recurses once a colon: a crafted list of a thousand is no list, not a failure.
        return []
    return list(dict.fromkeys(address.strip().lower() for _name, address in addresses if "@" in address))


def _whole_addresses(value: str, limit: int) -> str:
    """An address list as read: at most `limit` characters, cut after its last whole address, without runs
    longer than an address between separators (MAX_LIST_ENTRY)."""
    if len(value) > limit:
        value = value[:limit]
        value = value[: max(value.rfind(","), value.rfind(";"), 0)]
    if len(value) <= MAX_LIST_ENTRY:
        return value
    return "".join(part for part in LIST_SEPARATOR.split(value) if len(part) <= MAX_LIST_ENTRY)


def _bounded_field(name: str, value: str, unstructured: bool) -> str:
    """A header field's value as the registry reads it (MAX_HEADER_FIELD, MAX_UNSTRUCTURED_FIELD)."""
    if unstructured:
        if len(value) <= MAX_UNSTRUCTURED_FIELD:
            return value
        kept = value[:MAX_UNSTRUCTURED_FIELD]
        space = LAST_SPACE.search(kept)
        return kept[: space.start()] if space else kept
    if len(value) <= MAX_HEADER_FIELD:
        return value
    if name in ADDRESS_FIELDS:
        return _whole_addresses(value, MAX_HEADER_FIELD)
    kept = value[:MAX_HEADER_FIELD]
    breaks = [found.start() for found in FIELD_BREAK.finditer(kept)]
    return kept[: breaks[-1]] if breaks else ""


class BoundedPolicy(email.policy.EmailPolicy):
    """Python's default policy, reading no header field longer than MAX_HEADER_FIELD (MAX_UNSTRUCTURED_FIELD)
    with its registry, and a field it cannot read as what comes before its parameters, or as empty."""

    def header_fetch_parse(self, name, value):
        if not isinstance(value, str):
            return super().header_fetch_parse(name, value)
        kind = self.header_factory.registry.get(name.lower(), self.header_factory.default_class)
        value = _bounded_field(name.lower(), value, issubclass(kind, email.headerregistry.UnstructuredHeader))
        # Python's parsers fail outright (IndexError) on some fields anyone can write: a bare "filename*" in
        # a Content-Disposition, a From of one '"', a Message-ID of one "<". Such a field is read as its type
        # or disposition alone (an attachment then gets a numbered name), else as absent, not the whole
        # email as unreadable. Python's own reads (get_body) come here too.
        for readable in (value, value.split(";", 1)[0]):
            try:
                return super().header_fetch_parse(name, readable)
            except Exception:
                continue
        return super().header_fetch_parse(name, "")


POLICY = BoundedPolicy()


def _date(value) -> datetime | None:
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # "-0000" (RFC 5322: the time is UTC, the sender's zone unknown), and the obsolete zones read as it.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _quoted_date(value: str, *, day_first: bool) -> datetime | None:
    """The original's date in a forward's quoted header, as a mail program writes it (in English, French,
    German or Spanish) or as RFC 5322 does; None when it cannot be read, or may be read two ways ("12/03/2026"
    unless written in a language where the day comes `day_first`)."""
    if len(value) > MAX_QUOTED_DATE:
        return None
    text = spaced = " ".join(value.split())
    text = MERIDIEM_AFTER_TIME.sub(lambda meridiem: f" {meridiem[1][0].upper()}M", text)
    text = MARCH_AFTER_DAY.sub("March", text)
    text = QUOTED_DATE_WORD.sub(lambda word: QUOTED_DATE_WORDS.get(word[0].lower(), word[0]), text)
    text = " ".join(QUOTED_DATE_NOISE.sub(" ", DAY_POINT.sub(r"\1", text)).split())
    slashed = SLASHED_DATE.match(text)
    if slashed and not day_first:
        first, second = int(slashed[1]), int(slashed[2])
        if first <= 12 and second <= 12:
            return None
        if first <= 12:
            # Only the second can be the day: the formats read it first.
            text = f"{second}/{first}/{text[slashed.end() :]}"
    zone = DATE_ZONE.search(text)
    offset = _zone_offset(zone[1] or zone[2]) if zone else None
    if zone and offset is None:
        return None
    text = text[: zone.start()] if zone else text
    for layout in QUOTED_DATE_FORMATS:
        try:
            moment = datetime.strptime(text, layout)
        except ValueError:
            continue
        return moment if offset is None else moment.replace(tzinfo=timezone(offset))
    if not RFC_5322_DATE.fullmatch(spaced):
        return None
    moment = _date(spaced)
    # Python's reader takes any offset up to a day ("+2300"): one past any zone's is no zone, as a named one.
    return moment if moment and abs(moment.utcoffset()) <= MAX_ZONE_OFFSET else None


def _zone_offset(zone: str) -> timedelta | None:
    """How far a ZONE ("CET", "GMT+1", "UTC -05:00", "UTC\u22120530") is ahead of UTC; None past any zone's,
    and for a name that is no zone's."""
    numbers = ZONE_OFFSET.search(zone)
    name = zone[: numbers.start()] if numbers else zone
    # IGNORECASE also matches a few look-alike letters ("CE\u017fT" with a long s): such a name is no zone, as
    # such a header name is no header (`_header_name`).
    named_hours = ZONE_HOURS.get(name.lower())
    if named_hours is None:
        return None
    offset = timedelta(hours=named_hours)
    if numbers:
        sign, hours, minutes = numbers[1], int(numbers[2]), int(numbers[3] or 0)
        if minutes >= 60:
            return None
        shift = timedelta(hours=hours, minutes=minutes)
        offset += shift if sign == "+" else -shift
    return offset if abs(offset) <= MAX_ZONE_OFFSET else None


def _decoded(part) -> str:
    """The part's text; as UTF-8, unreadable bytes replaced, when its charset is unknown or wrong."""
    try:
        return part.get_content()
    except (LookupError, ValueError, AssertionError):
        return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


def _text(part) -> str:
    content = _decoded(part)
    if part.get_content_type() == "text/html":
        content = _seen_text(content)
    return content.replace("\r\n", "\n").strip()[:MAX_BODY]


def _seen_text(content: str) -> str:
    """What a reader of an HTML email saw: no script, style, head or comments, its lines as they were shown,
    and "&amp;" as "&".

    Each step reads the text once, whatever it holds: the email is anyone's to write. A pattern looking
    ahead for each opening's end, or Python's HTML parser (Django's strip_tags), takes minutes over a few
    hundred thousand "<style" or "<!--" that never close.
    """
    lowered, kept, start = content.lower(), [], 0
    while opening := UNSEEN_HTML.search(lowered, start):
        kept.append(content[start : opening.start()])
        hidden = opening.group(1)
        end = lowered.find(f"</{hidden}" if hidden else "-->", opening.end())
        start = lowered.find(">", end) + 1 if end != -1 else 0
        if start == 0:  # never closed: the rest was not seen either
            break
    else:
        kept.append(content[start:])
    text = _spaces_as_shown("".join(kept)[:MAX_HTML].replace(BLOCK_MARK, ""))
    text = ANY_TAG.sub("", HTML_BREAK.sub("\n", HTML_BLOCK.sub(BLOCK_MARK, text)))
    return html.unescape(_line_ends(text))


def _spaces_as_shown(text: str) -> str:
    """Each run of spaces and line breaks as one space, but in <pre> only the spaces: its lines stay."""
    lowered, shown, start = text.lower(), [], 0
    while opening := PRE_OPENING.search(lowered, start):
        end = lowered.find("</pre", opening.end())
        end = len(text) if end == -1 else end
        shown.append(HTML_SPACES.sub(" ", text[start : opening.start()]))
        shown.append(PRE_SPACES.sub(" ", text[opening.start() : end].replace("\r\n", "\n")))
        start = end
    shown.append(HTML_SPACES.sub(" ", text[start:]))
    return "".join(shown)


def _line_ends(text: str) -> str:
    """Blocks next to each other end one line; each <br> ends one more, as Gmail's <div><br></div> is a blank
    line. No spaces are left around a line's end. Replacing each run by a call into Python took seconds over
    a few MB of "a ": these replacements run in C."""
    text = SPACES.sub(" ", text)
    for spaced, bare in (
        (" \n", "\n"),
        ("\n ", "\n"),
        (f" {BLOCK_MARK}", BLOCK_MARK),
        (f"{BLOCK_MARK} ", BLOCK_MARK),
    ):
        text = text.replace(spaced, bare)
    return BLOCK_MARKS_BUT_THE_LAST.sub("", text).replace(BLOCK_MARK, "\n")


def _shown_in_body(message) -> set[str]:
    """The Content-IDs of the images the HTML body shows."""
    part = message.get_body(preferencelist=("html",))
    if part is None:
        return set()
    return {cid.lower() for cid in CID_REFERENCE.findall(_decoded(part)[:MAX_HTML])}


def _is_logo(part, content: bytes, shown: set[str]) -> bool:
    return (
        part.get_content_maintype() == "image"
        and len(content) < LOGO_MAX_BYTES
        and str(part.get("content-id", "")).strip().strip("<>").lower() in shown
    )


def _body(message) -> tuple[str, bool]:
    """The email's text, and whether it was read from HTML."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", False
    return _text(part), part.get_content_type() == "text/html"


def clean_subject(subject: str) -> str:
    return SUBJECT_PREFIX.sub("", subject or "").strip()


def is_sensitive(*, sensitivity: str, subject: str) -> bool:
    """Whether the sender marked the message private: by its mail program's Sensitivity header, or by writing
    "Confidential" at the start of its subject (after any "Re:" or "Fwd:")."""
    return sensitivity.strip().lower() in SENSITIVE_MARKINGS or bool(
        CONFIDENTIAL_SUBJECT.match(clean_subject(subject))
    )


# One entry of a quoted To or Cc list, as a line under it may hold a few: an address, a name and its address
# (Outlook 2016's "[mailto:…]" read as "<…>" first; Gmail's quoted name, a space, then the address; a name
# with its organisation in brackets), or a name alone (Outlook writes the people its address book knows by
# name). Each is one pass over the entry: no pattern here can read a character twice.
LIST_ENTRIES = re.compile(r'(?:"[^"]*"|[^,;"])+')
LIST_ADDRESS = re.compile(r"[^\s<>@,;:\"()\[\]]+@[^\s<>@,;:\"()\[\]]+")
LIST_NAMED_ADDRESS = re.compile(r'(?:"[^"]*" ?|[^<>@,;:"\[\]]*)<[^\s<>@,;:"()\[\]]+@[^\s<>@,;:"()\[\]]+>')
# A name alone is anything an address, a quoted name or a header line would have no part of ("Flood Team 2",
# "Planning & Development", "'Kofi Mensah'"): a line of them goes on with a list only up to a header not yet
# read (`_list_goes_on_to_a_header`), so the text after a list, names or not, is not taken for it.
LIST_NAME = re.compile(r'[^@<>:"]+|"[^@<>:"]*"')
# Apple Mail quotes the whole forwarded block, headers and all, with "> ".
QUOTE_PREFIX = re.compile(r"[ \t]*>[ \t]?")
# Longer than any line of names and addresses a mail program wraps a list at.
MAX_LIST_LINE = 1_000


def _list_line(line: str) -> str | None:
    """What a line under a quoted To or Cc holds when it holds only list entries: "addresses" when each is an
    address (with its name or not), "names" when some are names alone, else None (the text after the list,
    even when it starts with an address: "Grace Owusu <grace@coast.example> will lead the works").

    A list wrapped inside a quoted name ('"Owusu,\nGrace" <grace@…>') leaves a line whose entries cannot be
    told apart: a line without a colon (which no list has but a header or text) that ends with a whole
    "<address>", or an address and its separator, goes on with the list too."""
    text = OUTLOOK_ADDRESS.sub(r"<\1>", line.strip())
    if not text or len(text) > MAX_LIST_LINE:
        return None
    shape = "addresses"
    # What findall skips is only the separators between entries (and a quote left open is an entry's).
    if text.count('"') % 2 == 0:
        for entry in LIST_ENTRIES.findall(text):
            entry = " ".join(entry.split())
            if not entry or LIST_ADDRESS.fullmatch(entry) or LIST_NAMED_ADDRESS.fullmatch(entry):
                continue
            if LIST_NAME.fullmatch(entry):
                shape = "names"
                continue
            break
        else:
            return shape
    return "addresses" if ":" not in text and _ends_with_an_address(text) else None


def _ends_with_an_address(text: str) -> bool:
    """Whether `text` ends with "<address>" (then perhaps a separator), or with an address and a separator."""
    separated = text.endswith((",", ";"))
    end = text[:-1].rstrip() if separated else text
    if end.endswith(">"):
        opening = end.rfind("<")
        return opening != -1 and bool(LIST_ADDRESS.fullmatch(end[opening + 1 : -1]))
    last = re.split(r"[\s,;<>]", end)[-1]
    return separated and bool(LIST_ADDRESS.fullmatch(last))


def _in_block(line: str, quoted: bool) -> str | None:
    """A line under a quoted header as the block's own, without the "> " that quotes it when the header had
    it; None for a line the quote does not go on to (it is no longer the block's)."""
    if not quoted:
        return line
    prefix = QUOTE_PREFIX.match(line)
    return line[prefix.end() :] if prefix else None


def _header_name(match: re.Match) -> str:
    name = match.group(1).lower()
    # IGNORECASE also matches a few look-alike letters ("\u017fubject" with a long s, "ENV\u0130ADO" with a
    # dotted capital I): such a name is no header the block reads.
    return QUOTED_HEADER_NAMES.get(name, name)


def _list_goes_on_to_a_header(lines: list[str], start: int, *, read, quoted: bool) -> int | None:
    """The index of the quoted header line a list's lines lead to from `start`, or None when a blank line, a
    line of text or a header already `read` comes first: names alone under a list are its wrapped end only
    when a header of the block follows (text under it may say "Date: Monday 16 March")."""
    for index in range(start, len(lines)):
        if match := QUOTED_HEADER.match(lines[index]):
            return index if _header_name(match) not in read else None
        line = _in_block(lines[index], quoted)
        if line is None or not line.strip():
            return None
        if line[0] not in " \t" and _list_line(line) is None:
            return None
    return None


def _joined_lines(parts: list[str]) -> str:
    """A quoted header's lines as one value: a list wrapped between two addresses without its separator
    gets one, so neither address swallows the other (a name cut in two loses only its first half)."""
    pieces = [parts[0]]
    for part in parts[1:]:
        pieces.append(" " if pieces[-1].endswith((",", ";")) or not pieces[-1] else ", ")
        pieces.append(part)
    return "".join(pieces)


def _read_part(name: str, value: str) -> str:
    """As much of a quoted header's value as is read (MAX_QUOTED_LIST, MAX_QUOTED_VALUE)."""
    if name not in ADDRESS_LISTS:
        return value[:MAX_QUOTED_VALUE]
    return _whole_addresses(value, MAX_QUOTED_LIST)


def _bare_name(value: str) -> str:
    """The sender's name when the quoted From gives no address, as Outlook writes one it knows; "" for what
    is no name (empty, or an address cut short)."""
    name = " ".join(value.strip().strip("\"'").split())
    return "" if not name or any(sign in name for sign in "<>@") else name


def _reply_markers(body: str, end: int):
    """Each line (or two) in `body[:end]` above any quoted header block that is a REPLY_MARKER: where it ends,
    whether its language writes the day first, and the date and the sender it names."""
    header_block = HEADER_BLOCK_LINE.search(body, 0, end)
    end = header_block.start() if header_block else end
    for opening in REPLY_MARKER_OPENING.finditer(body, 0, end):
        line_end = body.find("\n", opening.end())
        line_end = len(body) if line_end == -1 else line_end
        ends = [line_end]
        # Gmail wraps a long line once.
        if line_end + 1 < end:
            next_end = body.find("\n", line_end + 1)
            ends.append(len(body) if next_end == -1 else next_end)
        for text_end in ends:
            if text_end - opening.start() > MAX_REPLY_MARKER:
                break
            # A whole reply line is not the end of the line above; one opening as one may be ("Jean-Pierre\nLe
            # Goff <jp@…> a écrit :").
            if text_end != line_end and _is_reply_line(body, line_end + 1, text_end):
                break
            found = REPLY_MARKER.fullmatch(" ".join(body[opening.start() : text_end].split()))
            if found is None:
                continue
            # Each language's alternative ends with its sender's group, named after its date's.
            language = found.lastgroup.removesuffix("_sender")
            if YEAR.search(found[language]):
                yield text_end, language != "on", found[language], found[f"{language}_sender"]
                break


def _is_reply_line(body: str, start: int, end: int) -> bool:
    """Whether `body[start:end]` is a REPLY_MARKER on its own."""
    return bool(
        REPLY_MARKER_OPENING.match(body, start) and REPLY_MARKER.fullmatch(" ".join(body[start:end].split()))
    )


def _reply_sender(sender: str) -> tuple[str, str] | None:
    """The name and address a reply line names its sender by: "Jane Smith <jane@…>" (split at its final
    "<address>": Python's parser reads "Smith, Jane <jane@…>" as two addresses), an address alone, or a name
    alone as Thunderbird writes it ("Jane Smith"); None for what is no sender. Gmail in Spanish puts the
    "<address>" in brackets ("Ana Costa (<ana@…>)"), which Python's parser would read as a comment."""
    if sender.endswith(">)") and (opening := sender.rfind("(<")) != -1:
        sender = sender[:opening] + sender[opening + 1 : -1]
    if sender.endswith(">") and (opening := sender.rfind("<")) != -1:
        address = sender[opening + 1 : -1].strip()
        name = " ".join(sender[:opening].split()).strip("\"'").strip()
        return (name, address) if LIST_ADDRESS.fullmatch(address) else None
    if "@" in sender:
        try:
            name, address = _parseaddr(sender)
        except RecursionError:
            return None
        return (name, address) if LIST_ADDRESS.fullmatch(address) else None
    name = _bare_name(sender)
    return (name, "") if name else None


def _quoted_reply(body: str, start: int, date: str, sender: str, *, day_first: bool) -> Mail | None:
    """The message quoted under a REPLY_MARKER naming `date` and `sender`, from `start` in `body`, without the
    "> " each of its lines is quoted with."""
    named = _reply_sender(sender)
    if named is None:
        return None
    name, address = named
    lines = body[start:].split("\n")
    text = "\n".join(line[quote.end() :] if (quote := QUOTE_PREFIX.match(line)) else line for line in lines)
    return Mail(
        message_id="",
        from_name=name[:200],
        from_address=address.strip().lower(),
        to=[],
        cc=[],
        subject="",
        sent_at=_quoted_date(date, day_first=day_first),
        body=text.strip()[:MAX_BODY],
    )


def _quoted_forward(body: str, subject: str, *, html: bool) -> Mail | None:
    """The original of an inline forward: the header lines under the marker, and the text after them; or the
    message quoted under a line naming its sender (REPLY_MARKER) when that line comes first. An `html` body's
    quote was a <blockquote>, and has no "> " in its text."""
    marker = MARKERS.search(body)
    for end, day_first, date, sender in _reply_markers(body, marker.start() if marker else len(body)):
        # The first such line decides: what is below it is the message it quotes, and may be an older one
        # that message quotes in turn (under a line of its own, or a forward's marker and header block).
        if not html and not QUOTED_BELOW.match(body, end):
            return None
        if original := _quoted_reply(body, end, date, sender, day_first=day_first):
            return original if FORWARD_SUBJECT.match(subject) else None
        if html:
            return None
        # In a plain text each line it quotes opens with "> ": a line further down is not inside that quote,
        # and this one, naming no sender, was the officer's note.
    if marker is None or (marker["quote"] and not FORWARD_SUBJECT.match(subject)):
        return None
    lines = body[marker.end() :].lstrip("\n").split("\n")
    found, body_start, day_first = {}, len(lines), False
    # The address list (To, Cc) the next line may go on with: a long one is wrapped over several lines (in
    # Apple Mail's block, each quoted as its header is: `quoted`). A line of names alone goes on with it only
    # up to the header line it leads to (`list_until`), found once.
    listing, quoted, list_until = None, False, -1
    for index, line in enumerate(lines):
        match = QUOTED_HEADER.match(line)
        if match:
            name = _header_name(match)
            written = match.group(1).lower()
            day_first = day_first or (written in QUOTED_HEADER_NAMES and written not in ENGLISH_HEADER_NAMES)
            listing = None
            if name not in found:
                found[name] = [OUTLOOK_ADDRESS.sub(r"<\1>", match.group(2).strip())]
                listing = name if name in ADDRESS_LISTS else None
                quoted = QUOTE_PREFIX.match(line) is not None
            continue
        listed = _in_block(line, quoted) if listing else None
        if listed and listed.strip():
            if listed[0] in " \t":  # folded, as RFC 5322 folds a header
                found[listing].append(OUTLOOK_ADDRESS.sub(r"<\1>", listed.strip()))
                continue
            shape = _list_line(listed)
            if shape == "names" and index > list_until:
                ahead = _list_goes_on_to_a_header(lines, index + 1, read=found, quoted=quoted)
                list_until = -1 if ahead is None else ahead
            if shape == "addresses" or (shape == "names" and index < list_until):
                found[listing].append(OUTLOOK_ADDRESS.sub(r"<\1>", listed.strip()))
                continue
        if found:
            body_start = index
            break
    headers = {name: _read_part(name, _joined_lines(parts)) for name, parts in found.items()}
    sender_name, sender_address = "", ""
    if "@" in headers.get("from", ""):
        try:
            sender_name, sender_address = _parseaddr(headers["from"])
        except RecursionError:
            # The parser recurses once a colon: a crafted line of a thousand is no sender, not a failure.
            return None
        if "@" not in sender_address:
            return None
    else:
        # Outlook names a sender its address book knows without their address: "From: Jane Smith".
        sender_name = _bare_name(headers.get("from", ""))
        if not sender_name:
            return None

    subject = headers.get("subject", "")
    return Mail(
        message_id="",
        from_name=sender_name[:200],
        from_address=sender_address.lower(),
        to=_listed(headers.get("to", "")),
        cc=_listed(headers.get("cc", "")),
        subject=subject,
        sent_at=_quoted_date(headers.get("date") or headers.get("sent") or "", day_first=day_first),
        body="\n".join(lines[body_start:]).strip()[:MAX_BODY],
        # A quoted forward keeps no Sensitivity header: only its subject can say so.
        sensitive=is_sensitive(sensitivity="", subject=subject),
    )


def content_key(raw: bytes) -> str:
    """What names an email without a Message-ID: its content, so the same bytes sent twice log once."""
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@liaison-crm>"


class Unreadable(ValueError):
    """An email this module does not read (nested too deep): stored as it came, for an officer to review."""


def parse(raw: bytes) -> Mail:
    """The email `raw` is; Unreadable when it encloses more emails or multiparts than are read."""
    # Counted in the whole text (a body mentioning one counts too): the count caps the depth, and the bytes
    # are read in C, not by the recursive parser.
    lowered = raw.lower()
    enclosed, multiparts = lowered.count(b"message/rfc822"), lowered.count(b"multipart/")
    if enclosed > MAX_ENCLOSED_EMAILS or multiparts > MAX_MULTIPARTS:
        raise Unreadable(f"more than {MAX_ENCLOSED_EMAILS} enclosed emails or {MAX_MULTIPARTS} multiparts")
    try:
        message = email.message_from_bytes(raw, policy=POLICY)
        return _mail(message, raw)
    except RecursionError as error:
        raise Unreadable("nested too deep") from error


def _own_name(filename: str | None) -> str:
    """An attachment's name without the folders a mail program may leave in it ("C:\\…\\plan.pdf",
    "../plan.pdf"): a name with ".." cannot be stored, and refusing it would lose the whole message."""
    # A long name cut short (MAX_HEADER_FIELD) may end inside a character its RFC 2231 escapes spell: it ends
    # before it, not in "\ufffd".
    name = re.split(r"[/\\]", filename or "")[-1].strip().rstrip("\ufffd")
    return "" if name in (".", "..") else name


def _mail(message, raw: bytes | None = None, *, enclosed: bool = False) -> Mail:
    """The email `message` is, with the email it forwards; for an `enclosed` one (the forward itself), not
    what it forwards in turn: nothing uses it."""
    name, address = _parseaddr(str(message.get("from", "")))
    message_id = str(message.get("message-id", "")).strip()
    if not message_id and raw is not None:
        # Without a Message-ID the content names the message, so the same bytes sent twice log once.
        message_id = content_key(raw)
    attachments, forwarded = [], None
    shown = _shown_in_body(message)
    for part in message.iter_attachments():
        if part.get_content_type() == "message/rfc822":
            if enclosed:
                continue
            inner = part.get_content()
            if forwarded is None and inner is not None:
                forwarded = _mail(inner, enclosed=True)
                continue
        content = part.get_payload(decode=True)
        if content is None or _is_logo(part, content, shown):
            continue
        filename = _own_name(part.get_filename()) or f"attachment-{len(attachments) + 1}"
        attachments.append(Attachment(filename[:200], part.get_content_type()[:100], content))
    body, html = _body(message)
    subject = str(message.get("subject", ""))
    to, cc = _recipients(message)
    mail = Mail(
        message_id=message_id[:998],
        from_name=name[:200],
        from_address=address.strip().lower(),
        to=to,
        cc=cc,
        subject=subject[:500],
        sent_at=_date(message.get("date")),
        body=body,
        attachments=attachments,
        sensitive=is_sensitive(sensitivity=str(message.get("sensitivity", "")), subject=subject),
    )
    if not enclosed:
        mail.forwarded = forwarded or _quoted_forward(body, subject, html=html)
    return mail

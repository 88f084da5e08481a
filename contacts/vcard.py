"""Address cards (.vcf): stakeholders in and out of phones, Outlook, Apple and Google contacts.

Reads vCard 3.0 (RFC 2426) and 4.0 (RFC 6350), and the common parts of 2.1 (bare type names,
quoted-printable, CHARSET): folded lines, groups (`item1.EMAIL`), parameters, escaped text and structured
values. Writes 3.0 by default, which every address book imports, or 4.0 on request.

Only what a stakeholder record holds is read: the name (FN, else N), form of address (N's honorific and
family name), emails, phones (not fax numbers), the organisation and department (ORG), role (TITLE),
languages (LANG), a time zone given by name (TZ), notes (NOTE) and categories as tags. The same is written,
languages and time zone in 4.0 only (3.0 has no LANG, and its TZ is an offset, which changes with the
clocks).
"""

import datetime as dt
import quopri
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

from .duplicates import name_words

VERSIONS = ("3.0", "4.0")
FOLD_OCTETS = 75
# Google Contacts' own groups, which its cards list among the categories: they say nothing of the person (its
# CSV marks them "* myContacts", and the CSV import leaves them out too).
GOOGLE_OWN_GROUPS = {"mycontacts", "starred"}


class VCardError(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Property:
    name: str
    params: dict[str, list[str]]
    value: str

    @property
    def types(self) -> set[str]:
        return {t.lower() for t in self.params.get("TYPE", [])}

    @property
    def preference(self) -> int:
        """1 for the most preferred: vCard 4.0 ranks with PREF=1 to PREF=100, 3.0 and 2.1 mark one with
        TYPE=pref; a property marked neither comes after every ranked one."""
        if "pref" in self.types:
            return 1
        ranks = [int(v) if v.isdigit() else 1 for v in self.params.get("PREF", [])]
        return min(ranks, default=101)


@dataclass
class Card:
    line: int
    properties: list[Property] = field(default_factory=list)

    def all(self, name: str) -> list[Property]:
        found = [p for p in self.properties if p.name == name]
        return sorted(found, key=lambda p: p.preference)

    def first(self, name: str) -> str:
        found = self.all(name)
        return found[0].value if found else ""


# --- reading -------------------------------------------------------------------------------------------


def _unfold(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Logical lines with the number of the physical line they start on; 2.1's soft breaks joined too."""
    current, start = None, 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if line[:1] in (" ", "\t") and current is not None:
            current += line[1:]
            continue
        if (
            current is not None
            and current.endswith("=")
            and "QUOTED-PRINTABLE" in current.upper().split(":")[0]
        ):
            current = current[:-1] + line
            continue
        if current is not None:
            yield start, current
        current, start = line, number
    if current is not None:
        yield start, current


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\", ":": ":"}


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def _parse_line(text: str, number: int) -> Property | None:
    # The name and parameters end at the first colon outside double quotes.
    in_quotes = False
    for index, char in enumerate(text):
        if char == '"':
            in_quotes = not in_quotes
        elif char == ":" and not in_quotes:
            head, value = text[:index], text[index + 1 :]
            break
    else:
        if not text.strip():
            return None
        raise VCardError(f"Line {number} is not a vCard property (no colon).", line=number)
    pieces = head.split(";")
    name = pieces[0].rsplit(".", 1)[-1].strip().upper()
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        key, sep, raw = piece.partition("=")
        if not sep:  # vCard 2.1: `TEL;WORK;VOICE:`
            key, raw = (
                ("ENCODING", key) if key.upper() in ("QUOTED-PRINTABLE", "BASE64", "B") else ("TYPE", key)
            )
        values = [v.strip('"') for v in raw.split(",")]
        params.setdefault(key.strip().upper(), []).extend(v for v in values if v)
    encoding = {v.upper() for v in params.get("ENCODING", [])}
    if "QUOTED-PRINTABLE" in encoding:
        charset = (params.get("CHARSET") or ["utf-8"])[0]
        try:
            value = quopri.decodestring(value.encode("latin-1", "replace")).decode(charset, "replace")
        except LookupError:
            value = quopri.decodestring(value.encode("latin-1", "replace")).decode("utf-8", "replace")
    return Property(name=name, params=params, value=value)


def parse(lines: Iterable[str]) -> Iterator[Card]:
    """The cards in a .vcf file, given as lines of text."""
    card = None
    seen_any = False
    for number, text in _unfold(lines):
        if not text.strip():
            continue
        upper = text.strip().upper()
        if upper == "BEGIN:VCARD":
            if card is not None:
                raise VCardError(
                    f"The card that starts on line {card.line} has no END:VCARD.", line=card.line
                )
            card, seen_any = Card(line=number), True
            continue
        if upper == "END:VCARD":
            if card is None:
                raise VCardError(f"END:VCARD on line {number} closes no card.", line=number)
            yield card
            card = None
            continue
        if card is None:
            if not seen_any:
                raise VCardError("This is not a vCard file: it does not start with BEGIN:VCARD.", line=number)
            continue
        prop = _parse_line(text, number)
        if prop is not None:
            card.properties.append(prop)
    if card is not None:
        raise VCardError(f"The card that starts on line {card.line} has no END:VCARD.", line=card.line)
    if not seen_any:
        raise VCardError("This is not a vCard file: it has no BEGIN:VCARD.")


def _looks_like_zone_name(value: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z]+(/[A-Za-z0-9_+\-]+)+", value))


def _phone_number(value: str) -> str:
    """The number as people write it. vCard 4.0 may give it as a URI, `tel:+1-555-555-0100;ext=12`: its
    parameters are not part of the number, and their semicolons would split it into numbers of their own."""
    if not value.lower().startswith("tel:"):
        return value
    number, *parameters = value[4:].split(";")
    extension = next((p[4:] for p in parameters if p.lower().startswith("ext=")), "")
    return f"{number} ext. {extension}" if extension else number


def _is_fax(prop: Property) -> bool:
    """A fax machine's number (Outlook's and Google's TYPE=FAX): nobody answers it, so it is not one of the
    person's phones, as the CSV import leaves out a file's fax columns. A line marked for voice as well is
    kept."""
    return "fax" in prop.types and not prop.types & {"voice", "cell", "text"}


def _email_address(value: str) -> str:
    """The address itself: some address books write it as a URI, `mailto:ana@example.org`, which 4.0 allows
    (VALUE=uri) and others copy; a URI's percent-escapes and headings (`?subject=`) are not the address."""
    if not value.lower().startswith("mailto:"):
        return value
    return unquote(value[7:].partition("?")[0])


def _name_parts(card: Card) -> tuple[str, str, str]:
    """(family, given, honorific) from the structured name (N)."""
    n_parts = [unescape(part).strip() for part in _split_unescaped(card.first("N"), ";")] + [""] * 5
    return n_parts[0], n_parts[1], n_parts[3]


def _structured_name(card: Card) -> str:
    family, given, _prefix = _name_parts(card)
    return " ".join(part for part in (given, family) if part)


def _organisation(card: Card) -> list[str]:
    return [unescape(part).strip() for part in _split_unescaped(card.first("ORG"), ";")]


def _shown_as_company(card: Card) -> bool:
    """Apple's "show as company" (vCard 3.0's X-ABShowAs:COMPANY): the card is listed, and its FN written,
    under the company's name."""
    return unescape(card.first("X-ABSHOWAS")).strip().lower() == "company"


def card_to_row(card: Card) -> dict[str, str]:
    """A card as the text cells of a stakeholder import row (see imports.columns)."""
    family, _given, prefix = _name_parts(card)
    emails = [_email_address(unescape(p.value).strip()) for p in card.all("EMAIL")]
    # A person's card shown as their company's has the company's name as its FN; theirs is in N.
    full_name = "" if _shown_as_company(card) else unescape(card.first("FN")).strip()
    name = full_name or _structured_name(card)
    # Address books keep people they only know by address (collected from mail): named by it until renamed.
    name = name or (emails[0] if emails else "")
    org = _organisation(card)
    phones = [_phone_number(unescape(prop.value).strip()) for prop in card.all("TEL") if not _is_fax(prop)]
    categories = []
    for prop in card.all("CATEGORIES"):
        for part in _split_unescaped(prop.value, ","):
            category = unescape(part).strip()
            if category and category.casefold() not in GOOGLE_OWN_GROUPS:
                categories.append(category)
    zone = unescape(card.first("TZ")).strip()
    return {
        "name": name,
        "form_of_address": f"{prefix} {family}" if prefix and family else "",
        "emails": "; ".join(e for e in emails if e),
        "phones": "; ".join(p for p in phones if p),
        "organisation": org[0] if org else "",
        "department": org[1] if len(org) > 1 else "",
        "role": unescape(card.first("TITLE")).strip(),
        "languages": "; ".join(unescape(p.value).strip() for p in card.all("LANG")),
        "time_zone": zone if _looks_like_zone_name(zone) else "",
        "notes": "\n\n".join(unescape(p.value).strip() for p in card.all("NOTE")),
        "tags": "; ".join(categories),
    }


# vCard 4.0's kind of a person's card (RFC 6350 6.1.4), which a card without a KIND is too.
PERSON = "individual"


def is_person(card: Card) -> bool:
    """A person's card: vCard 4.0's KIND:individual, or no KIND at all. Every other kind is not someone to
    add to the register: a contact group, organisation or place (KIND:group, org, location), an application
    or a device (KIND:application, RFC 6473; KIND:device, RFC 6869), and a kind we do not know (an x-name or
    a later one), which is left out rather than guessed to be a person. Nor are Apple's group cards, which it
    exports among the people (X-ADDRESSBOOKSERVER-KIND:group, listing their members), or its company cards:
    shown under the company's name (vCard 3.0's X-ABShowAs:COMPANY) with no one's name in N, or only the
    company's, however written: its ORG (or its FN, when it has an ORG) as the given or the family name, or
    its ORG split between them ("N:Générale;Société" for "Société Générale"). FN is not matched against the
    two put together: a client that rebuilds FN from N writes the person's own name there ("FN:John Smith"
    for "N:Smith;John") and may keep the X-ABShowAs it had. Shown so with a person's name, a given
    name or a family name that is not the company's, the card is that person at that company: how a card is
    shown is the address book's display preference, not what it holds. With no ORG there is no company's
    name to hold: Apple writes the person's own name into FN, and the card is theirs."""
    kinds = {unescape(card.first(name)).strip().lower() for name in ("KIND", "X-ADDRESSBOOKSERVER-KIND")}
    if kinds - {"", PERSON}:
        return False
    if not _shown_as_company(card):
        return True
    family, given, _prefix = _name_parts(card)
    organisation = _organisation(card)[0]
    if organisation and name_words(f"{given} {family}") == name_words(organisation):
        return False
    company_names = [organisation, unescape(card.first("FN"))] if organisation else []
    company = {name_words(name) for name in company_names}
    return any(part and name_words(part) not in company for part in (given, family))


def stakeholder_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The people in the file; its contact groups, organisations and places are not anyone to add to the
    register."""
    for card in parse(lines):
        if is_person(card):
            yield card.line, card_to_row(card)


# --- writing -------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace("\r\n", "\n")
        .replace("\n", "\\n")
        .replace(",", "\\,")
        .replace(";", "\\;")
    )


def fold(line: str) -> str:
    """Breaks a content line into 75-octet pieces (RFC 6350 3.2), never inside a UTF-8 character."""
    out, current, size = [], [], 0
    limit = FOLD_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [], 0, FOLD_OCTETS - 1
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n ".join(out)


def structured_name(name: str, form_of_address: str) -> tuple[str, str, str]:
    """N's family name, given names and honorific prefix, read from how the person is addressed.

    "Dr Ní Bhriain" for Siobhán Ní Bhriain, "Ms Chen" for Chen Meiling: the family name is the part of the
    name the form of address ends with, and the honorific what comes before it; reading the card back
    (card_to_row) joins the two again. A form of address that is not an honorific and part of the name
    ("Your Excellency", a first name alone) gives none: as a prefix it would come back joined to the family
    name. Without one, the family name is the name's last word.
    """
    words, address = name.split(), form_of_address.split()
    folded, ending = [w.casefold() for w in words], [w.casefold() for w in address]
    for size in range(min(len(words), len(address) - 1), 0, -1):
        for start in range(len(words) - size, -1, -1):
            if folded[start : start + size] == ending[-size:]:
                given = words[:start] + words[start + size :]
                return " ".join(words[start : start + size]), " ".join(given), " ".join(address[:-size])
    if len(words) > 1:
        return words[-1], " ".join(words[:-1]), ""
    return name, "", ""


def stakeholder_card(stakeholder, *, version: str = "3.0", positions=None) -> str:
    """One stakeholder as a vCard. `positions`: their current positions, when already fetched."""
    if version not in VERSIONS:
        raise ValueError(f"vCard version must be one of {VERSIONS}")
    v4 = version == "4.0"
    family, given, honorific = structured_name(stakeholder.name, stakeholder.form_of_address)
    lines = ["BEGIN:VCARD", f"VERSION:{version}"]
    if v4:
        lines.append("KIND:individual")
    lines += [
        "PRODID:-//Liaison CRM//EN",
        f"UID:urn:liaison-crm:stakeholder:{stakeholder.pk}",
        f"FN:{escape(stakeholder.name)}",
        f"N:{escape(family)};{escape(given)};;{escape(honorific)};",
    ]
    for index, email in enumerate(stakeholder.emails):
        if v4:
            lines.append(f"EMAIL{';PREF=1' if index == 0 else ''}:{escape(email)}")
        else:
            lines.append(f"EMAIL;TYPE=INTERNET{',PREF' if index == 0 else ''}:{escape(email)}")
    for index, phone in enumerate(stakeholder.phones):
        if v4:
            lines.append(f"TEL;VALUE=text{';PREF=1' if index == 0 else ''}:{escape(phone)}")
        else:
            lines.append(f"TEL;TYPE=VOICE{',PREF' if index == 0 else ''}:{escape(phone)}")
    if positions is None:
        positions = list(stakeholder.affiliations.held_now().select_related("organisation"))
    primary = next((p for p in positions if p.is_primary), positions[0] if positions else None)
    if primary is not None:
        org = escape(primary.organisation.name)
        lines.append(f"ORG:{org};{escape(primary.department)}" if primary.department else f"ORG:{org}")
        if primary.role:
            lines.append(f"TITLE:{escape(primary.role)}")
    if v4:
        for index, language in enumerate(stakeholder.languages):
            lines.append(f"LANG{';PREF=1' if index == 0 else ''}:{escape(language)}")
        lines.append(f"TZ:{escape(stakeholder.time_zone)}")
    tags = [tag.name for tag in stakeholder.tags.all()]
    if tags:
        lines.append("CATEGORIES:" + ",".join(escape(tag) for tag in tags))
    if stakeholder.notes:
        lines.append(f"NOTE:{escape(stakeholder.notes)}")
    if stakeholder.updated_at:
        lines.append(f"REV:{stakeholder.updated_at.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)

"""What each kind of import reads: its columns, the headings that name them, and how a cell is checked.

A cleaner turns one row of text cells into the values of the database columns it will fill (plus a few
extras the import resolves set-based: tags, positions, the people an interaction was with), or into errors
that name the column and say what is wrong in the officer's words. Everything a cleaner needs from the
database (organisations, staff, stakeholders' addresses) is loaded once per file, not once per row.
"""

import datetime as dt
import re
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import TIME_ZONE_CHOICES
from contacts.duplicates import name_words, plain_name
from contacts.models import (
    LANGUAGE_CHOICES,
    PART_OF_ITSELF,
    Affiliation,
    EngagementLevel,
    Organisation,
    OrganisationKind,
    PreferredChannel,
    Stakeholder,
    tag_name_normalised,
)
from contacts.search import email_address, plain_text, unaccent_table, unaccented
from interactions.models import Direction, InteractionKind, Sentiment, follow_up_problem
from liaison_crm.record_ids import record_id
from liaison_crm.text import unstorable_time_message
from liaison_crm.typed_dates import typed_date_problem

from .models import ImportKind


@dataclass(frozen=True)
class Column:
    """A field an import fills, and the headings a file may give it.

    `joiner` is set on a field several columns may fill (an address book exports a person's second and
    third email addresses in columns of their own): their cells are joined with it, in the file's order.
    Such a field is guessed from every heading its `aliases` or `pattern` name; `parts`, the headings of the
    pieces of a name, are taken together only when no heading names the whole.
    """

    name: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""
    joiner: str = ""
    pattern: re.Pattern | None = None
    parts: tuple[str, ...] = ()


def _c(name, label, *aliases, required=False, help="", joiner="", pattern=None, parts=()):
    return Column(
        name=name,
        label=label,
        required=required,
        aliases=aliases,
        help=help,
        joiner=joiner,
        pattern=re.compile(pattern) if pattern else None,
        parts=parts,
    )


# What split_list() and _PHONE_SPLIT below split a cell at.
LIST_HELP = gettext_lazy("Several separated by commas or semicolons, or in several columns.")
PHONES_HELP = gettext_lazy(
    "Several separated by semicolons (a comma may be part of a number: “+1 555 0100, ext. 12”), or in "
    "several columns."
)


def _list(name, label, *aliases, help=LIST_HELP, **options):
    return _c(name, label, *aliases, help=help, joiner="; ", **options)


# Outlook's "E-mail 2 Address", Google's "E-mail 1 - Value", "Work email", "Mail Addr", as normalise_heading
# gives them.
EMAIL_HEADING = (
    r"(?:(?:work|home|other|personal|business|private|primary) )?"
    r"(?:e ?)?mail(?: \d+)?(?: address| addr| value)?"
)
# Outlook's "Business Phone", "Mobile Phone 2", Google's "Phone 1 - Value", "Telephone Number"; not a fax or a
# phone's label, nor someone else's number (Outlook's "Assistant's Phone", "Company Main Phone", "Callback").
PHONE_HEADING = r"(?!assistant|company main|callback)(?:\w+ ){0,2}(?:tele)?phone(?: \d+)?(?: number| value)?"

COLUMNS: dict[str, list[Column]] = {
    ImportKind.ORGANISATIONS: [
        _c("name", gettext_lazy("Name"), "organisation", "organization", "company", "org", required=True),
        _c("kind", gettext_lazy("Kind"), "type", "category", help=gettext_lazy("e.g. Partner, Media.")),
        _c("sector", gettext_lazy("Sector"), "industry"),
        _c("website", gettext_lazy("Website"), "web", "url", "homepage"),
        _c("address", gettext_lazy("Address"), "postal address", "street"),
        _c("country", gettext_lazy("Country")),
        _c("parent", gettext_lazy("Part of"), "parent organisation", "parent organization", "parent"),
        _c("notes", gettext_lazy("Notes"), "description", "comments"),
        _list("tags", gettext_lazy("Tags"), "labels", "categories"),
    ],
    ImportKind.STAKEHOLDERS: [
        _c("name", gettext_lazy("Name"), "full name", "display name", "contact", "contact name",
           "contact person", "person", required=True,
           help=gettext_lazy("One column, or the columns of its parts (first name, last name)."), joiner=" ",
           parts=("first name", "given name", "middle name", "additional name", "last name", "family name",
                  "surname", "suffix", "name suffix")),
        # "Title" is the honorific (Mr, Ms, Dr) in Outlook's export, beside its "Job Title", and the role in
        # Salesforce's (beside its "Salutation") and most others': both name it (guess_mapping says which
        # takes it). Google's job title is "Organization 1 - Title".
        _c("form_of_address", gettext_lazy("Form of address"), "salutation", "address as", "title name",
           "name prefix", "prefix", "honorific", "title"),
        _list("emails", gettext_lazy("Emails"), "email addresses", pattern=EMAIL_HEADING),
        _list("phones", gettext_lazy("Phones"), "tel", "mobile", "mobile number", "cell", "cell number",
              "phone numbers", pattern=PHONE_HEADING, help=PHONES_HELP),
        _c("organisation", gettext_lazy("Organisation"), "organization", "company", "company name",
           "employer", "org", "organization name", "organisation name", "organization 1 name",
           "account name"),
        _c("role", gettext_lazy("Role"), "job title", "position", "organization title",
           "organization 1 title", "title"),
        _c("department", gettext_lazy("Department"), "dept", "unit", "organization department",
           "organization 1 department"),
        _c("owner", gettext_lazy("Owner"), "liaison", "officer", "primary liaison", "contact owner",
           help=gettext_lazy("Username, email or full name of a member of staff; you when empty.")),
        _list("languages", gettext_lazy("Languages"), "language", "preferred language"),
        _c("time_zone", gettext_lazy("Time zone"), "timezone", "tz"),
        _c("preferred_channel", gettext_lazy("Preferred channel"), "channel"),
        _c("preferred_hours", gettext_lazy("Preferred hours"), "hours"),
        _c("cultural_notes", gettext_lazy("Cultural notes")),
        _c("communication_notes", gettext_lazy("Communication notes")),
        _c("influence", gettext_lazy("Influence"), "power"),
        _c("interest", gettext_lazy("Interest")),
        _c("engagement_level", gettext_lazy("Engagement level"), "engagement"),
        _c("contact_cadence_days", gettext_lazy("Contact every (days)"), "cadence", "cadence days"),
        _c("notes", gettext_lazy("Notes"), "description", "comments", "comment", "note", "remarks", "remark",
           "memo"),
        _list("tags", gettext_lazy("Tags"), "labels", "categories", "group membership"),
        _c("is_archived", gettext_lazy("Archived"), "archived", help=gettext_lazy("Yes or no; no if empty.")),
    ],
    ImportKind.INTERACTIONS: [
        _c("occurred_at", gettext_lazy("When"), "date", "occurred", "occurred at", "datetime", "time",
           required=True, help=gettext_lazy("2024-03-05, 2024-03-05 14:30 or 05/03/2024 (day first).")),
        _c("kind", gettext_lazy("Kind"), "type", "channel", required=True),
        _c("summary", gettext_lazy("Summary"), "subject", "title", required=True),
        _c("stakeholders", gettext_lazy("Stakeholders"), "stakeholder", "with", "contact", "contacts",
           "contact name", "contact person", "people", "email", "emails", required=True, joiner="; ",
           help=gettext_lazy("Each by email address, #id or exact name; several separated by semicolons, "
                             "or in several columns.")),
        _c("direction", gettext_lazy("Direction")),
        _c("organisation", gettext_lazy("Organisation"), "organization", "company"),
        _c("notes", gettext_lazy("Notes"), "description", "details", "body"),
        _c("outcome", gettext_lazy("Outcome"), "result"),
        _c("sentiment", gettext_lazy("Sentiment"), "mood"),
        _list("topics", gettext_lazy("Topics"), "tags", "labels"),
        _c("follow_up_on", gettext_lazy("Follow up by"), "follow up", "follow up date", "due"),
        _c("follow_up_note", gettext_lazy("Agreed follow-up"), "follow up note", "next step"),
        _c("follow_up_done_at", gettext_lazy("Follow-up done"), "follow up done", "done at", "completed",
           help=gettext_lazy("When it was done, e.g. 2024-03-12 09:00; still open when empty.")),
        _c("follow_up_owner", gettext_lazy("Follow-up owner"), "follow up owner", "follow up by whom",
           help=gettext_lazy("Username, email or full name of who chases it; whoever logged it when empty.")),
        _c("is_confidential", gettext_lazy("Confidential"), "confidential", "private"),
        _c("logged_by", gettext_lazy("Logged by"), "author", "officer", "logged by",
           help=gettext_lazy("Administrators only: username, email or full name; you when empty.")),
    ],
}  # fmt: skip


def normalise_heading(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower().replace("_", " ")).split())


def ignored_headings(headers: list[str], mapping: dict) -> list[str]:
    """The file's headings no field takes, in the file's order: what an import leaves aside, such as the
    figures an export works out (last contact, contact due, a count of people) that no record stores."""
    taken = {heading for value in mapping.values() for heading in mapped_headings(value)}
    return [heading for heading in headers if heading not in taken]


def mapped_headings(value: str | list[str]) -> list[str]:
    """The headings a mapping gives a field: one as text, or a list where several columns fill it."""
    if isinstance(value, str):
        return [value] if value else []
    return list(value)


def mapping_value(headings: list[str]) -> str | list[str]:
    return headings[0] if len(headings) == 1 else headings


def guess_mapping(kind: str, headers: list[str], remembered: dict | None = None) -> dict:
    """{field: heading, or headings for a field several columns fill}: the person's last mapping where its
    headings are in this file, else by name; a field they left out last time (remembered empty) is not
    guessed."""
    columns = {column.name: column for column in COLUMNS[kind]}
    mapping = {}
    left_out = set()
    for name, value in (remembered or {}).items():
        headings = [heading for heading in headers if heading in mapped_headings(value)]
        if not value:
            left_out.add(name)
        elif headings and name in columns:
            mapping[name] = mapping_value(headings)
    taken = {heading for value in mapping.values() for heading in mapped_headings(value)}
    by_text = {}
    for heading in headers:
        by_text.setdefault(normalise_heading(heading), heading)
    # A heading two fields name ("Title": the role, or the form of address) is given to one of them only
    # after every field has had the headings that name it alone: to the one no other heading of the file
    # fills ("Title" beside "Job Title" is the form of address, beside "Salutation" the role), and when
    # neither is, to the one declared last (the role: a file with "Title" alone is seldom Outlook's, which
    # always has "Job Title").
    shared = _shared_names(kind)
    for unshared, order in ((True, list(columns.values())), (False, reversed(columns.values()))):
        for column in order:
            if column.name in mapping or column.name in left_out:
                continue
            headings = _headings_named(column, by_text, taken, shared if unshared else set())
            if headings:
                mapping[column.name] = mapping_value(headings)
                taken.update(headings)
    return mapping


def _names(column: Column) -> list[str]:
    return [normalise_heading(candidate) for candidate in (column.name, str(column.label), *column.aliases)]


def _shared_names(kind: str) -> set[str]:
    """The headings more than one field of `kind` is named by."""
    seen, shared = set(), set()
    for column in COLUMNS[kind]:
        names = set(_names(column))
        shared |= seen & names
        seen |= names
    return shared


def _headings_named(
    column: Column, by_text: dict[str, str], taken: set[str], skipped: set[str] = frozenset()
) -> list[str]:
    """The free headings that name `column`, in the file's order: every one, for a list whose numbered
    headings a pattern knows (Outlook's and Google's emails and phones); else the first its names find (or,
    for a name given in parts, its parts). Two columns a list's names merely both fit ("Contact" and "Email"
    for an interaction's people) are not guessed to be one list: the person maps them if they are."""
    names = [name for name in _names(column) if name not in skipped]
    if column.joiner and column.pattern is not None:
        return [
            heading
            for text, heading in by_text.items()
            if heading not in taken and (text in names or column.pattern.fullmatch(text))
        ]
    for text in names:
        heading = by_text.get(text)
        if heading is not None and heading not in taken:
            return [heading]
    return [heading for text, heading in by_text.items() if text in column.parts and heading not in taken]


class RowError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


# Google's contacts export puts several values with one label in one cell, separated by " ::: ".
_LIST_SPLIT = re.compile(r"[;\n]+|,(?=\s*\S)|:::")
# Phones and an interaction's people, whose cells may hold commas: "+1 555 0100, ext. 12", "Reid, Alan".
_PHONE_SPLIT = re.compile(r"[;\n]+|:::")
_EMAIL = EmailValidator()
_URL = URLValidator(schemes=["http", "https"])
_TIME_ZONES = {name.lower(): name for name, _label in TIME_ZONE_CHOICES}
_TRUE = {"yes", "y", "true", "1", "x", "on"}
_FALSE = {"no", "n", "false", "0", "off", ""}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d")
DATETIME_FORMATS = tuple(f"{date} {time}" for date in DATE_FORMATS for time in ("%H:%M", "%H:%M:%S"))


def split_list(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]


@dataclass(frozen=True)
class Options:
    """What a choice cell accepts, whatever its case: a choice's label, its code (with or without
    underscores) or an alias; and the labels a wrong cell is answered with, as the app shows them."""

    lookup: dict
    labels: tuple


def _options(choices, aliases=None) -> Options:
    lookup = {}
    labels = []
    for value, label in choices:
        labels.append(str(label))
        lookup[str(value).lower()] = value
        lookup[labels[-1].lower()] = value
        lookup[str(value).lower().replace("_", " ")] = value
    return Options(lookup=lookup | (aliases or {}), labels=tuple(labels))


class Cleaner:
    """Checks the rows of one file of one kind; loads what it looks up once, when it is made."""

    kind: str

    def __init__(self, *, actor):
        self.actor = actor
        # Read now: rows are cleaned while a COPY holds the connection, so nothing may query during clean().
        self.actor_is_admin = actor.is_crm_admin
        self.tz = zoneinfo.ZoneInfo(actor.time_zone or settings.TIME_ZONE)
        self.now = timezone.now()
        self.warnings: dict[str, int] = defaultdict(int)
        User = get_user_model()
        self.users: dict[str, int] = {}
        full_names: dict[str, list[int]] = defaultdict(list)
        self.service_accounts: set[int] = set()
        staff = User.objects.filter(is_active=True).values_list(
            "pk", "username", "email", "first_name", "last_name", "is_service_account"
        )
        for pk, username, email, first_name, last_name, is_service_account in staff:
            if is_service_account:
                self.service_accounts.add(pk)
            self.users[username.lower()] = pk
            if email:
                self.users.setdefault(email.lower(), pk)
            if full_name := " ".join(f"{first_name} {last_name}".lower().split()):
                full_names[full_name].append(pk)
        # A list export names staff in full; a name two people share is left out rather than guessed.
        for full_name, pks in full_names.items():
            if len(pks) == 1:
                self.users.setdefault(full_name, pks[0])

    # Cell checks: each returns the cleaned value or raises RowError(column, message).

    def text(self, row, name, max_length=None, *, required=False) -> str:
        value = (row.get(name) or "").strip()
        if required and not value:
            raise RowError(name, _("Required; this cell is empty."))
        if max_length and len(value) > max_length:
            raise RowError(
                name,
                _("At most %(max)d characters; this cell has %(length)d.")
                % {"max": max_length, "length": len(value)},
            )
        return value

    def choice(self, row, name, options: Options, default):
        value = self.text(row, name)
        if not value:
            return default
        found = options.lookup.get(value.lower())
        if found is None:
            raise RowError(
                name,
                _("“%(value)s” is not one of: %(options)s.")
                % {"value": value, "options": ", ".join(options.labels)},
            )
        return found

    def integer(self, row, name, low, high, default):
        value = self.text(row, name)
        if not value:
            return default
        try:
            number = int(float(value))
        except ValueError:
            raise RowError(name, _("“%(value)s” is not a number.") % {"value": value[:40]}) from None
        if not low <= number <= high:
            raise RowError(name, _("Between %(low)d and %(high)d.") % {"low": low, "high": high})
        return number

    def boolean(self, row, name) -> bool:
        value = self.text(row, name).lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise RowError(name, _("Write yes or no."))

    def tag_names(self, row, name) -> list[str]:
        """The names as tags keep them (tag_name_normalised), each once: names the database holds as one tag
        (tag_keys) are linked once by the import."""
        names = {}
        for part in split_list(self.text(row, name)):
            if part.startswith("* "):
                # Google's own labels ("* myContacts", "* starred") say nothing of the person.
                continue
            try:
                cleaned = tag_name_normalised(part)[:60]
            except ValidationError as error:
                raise RowError(name, error.messages[0]) from None
            names.setdefault(cleaned)
        return list(names)

    def user(self, row, name) -> int:
        value = self.text(row, name)
        if not value:
            return self.actor.pk
        pk = self.users.get(" ".join(value.lower().split()))
        if pk is None:
            raise RowError(
                name, _("No active member of staff is called “%(value)s”.") % {"value": value[:80]}
            )
        return pk

    def date(self, row, name) -> dt.date | None:
        value = self.text(row, name)
        if not value:
            return None
        for pattern in DATE_FORMATS:
            try:
                day = dt.datetime.strptime(value, pattern).date()
            except ValueError:
                continue
            if problem := typed_date_problem(day):
                raise RowError(name, str(problem))
            return day
        raise RowError(name, _("“%(value)s” is not a date such as 2024-03-05.") % {"value": value[:40]})

    def moment(self, row, name) -> dt.datetime:
        value = self.text(row, name, required=True)
        moment = None
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            for pattern in DATETIME_FORMATS + DATE_FORMATS:
                try:
                    moment = dt.datetime.strptime(value, pattern)
                    break
                except ValueError:
                    continue
        if moment is None:
            raise RowError(
                name,
                _("“%(value)s” is not a date and time such as 2024-03-05 14:30.") % {"value": value[:40]},
            )
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=self.tz)
        if message := unstorable_time_message(moment) or typed_date_problem(moment):
            raise RowError(name, str(message))
        return moment

    def clean(self, row: dict[str, str]) -> dict:
        raise NotImplementedError


class OrganisationIndex:
    """Organisations by name, case and accents ignored; a name several share gives a top-level one, then the
    oldest. A name as written in the register wins over one that differs from it only in its accents, so
    "Agence regionale" typed plainly is the register's "Agence régionale", not a new organisation."""

    def __init__(self):
        self.by_name: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
        self.by_plain_name: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
        # Read now: names are looked up while COPY holds the connection.
        unaccent_table()
        for pk, name, parent_id in Organisation.objects.order_by("pk").values_list("pk", "name", "parent_id"):
            self.by_name[name.lower()].append((pk, parent_id))
            self.by_plain_name[self.plain(name)].append((pk, parent_id))

    @staticmethod
    def plain(name: str) -> str:
        return plain_text(name)

    def find(self, name: str) -> tuple[int | None, bool]:
        """(id or None, whether the name was ambiguous)."""
        matches = self.by_name.get(name.lower()) or self.by_plain_name.get(self.plain(name))
        if not matches:
            return None, False
        top_level = [pk for pk, parent in matches if parent is None]
        return (top_level or [matches[0][0]])[0], len(matches) > 1


AMBIGUOUS_ORGANISATION = gettext_lazy(
    "Some rows name an organisation that several records share; the top-level (or oldest) one was used."
)


class OrganisationCleaner(Cleaner):
    kind = ImportKind.ORGANISATIONS

    def __init__(self, *, actor):
        super().__init__(actor=actor)
        # Labels as the officer's screen shows them in the language active for this file, not at import.
        self.kinds = _options(OrganisationKind.choices)
        self.organisations = OrganisationIndex()

    def clean(self, row):
        errors = []
        values = {}

        def attempt(name, function, *args, **kwargs):
            try:
                values[name] = function(row, *args, **kwargs)
            except RowError as error:
                errors.append(error)

        attempt("name", self.text, "name", 200, required=True)
        attempt("kind", self.choice, "kind", self.kinds, OrganisationKind.OTHER)
        attempt("sector", self.text, "sector", 120)
        attempt("website", self.website)
        attempt("address", self.text, "address")
        attempt("country", self.text, "country", 80)
        attempt("notes", self.text, "notes")
        attempt("tags", self.tag_names, "tags")
        attempt("parent_name", self.text, "parent", 200)
        values["parent_id"] = None
        parent = values.get("parent_name")
        if parent:
            plain = self.organisations.plain
            if values.get("name") and plain(parent) == plain(values["name"]):
                errors.append(RowError("parent", str(PART_OF_ITSELF)))
            else:
                values["parent_id"], ambiguous = self.organisations.find(parent)
                if ambiguous:
                    self.warnings[str(AMBIGUOUS_ORGANISATION)] += 1
        return values, errors

    def website(self, row):
        value = self.text(row, "website", 200)
        if value and "://" not in value:
            value = f"https://{value}"
        if value:
            try:
                _URL(value)
            except ValidationError:
                raise RowError(
                    "website", _("“%(value)s” is not a web address.") % {"value": value[:80]}
                ) from None
        return value


class StakeholderCleaner(Cleaner):
    kind = ImportKind.STAKEHOLDERS

    def __init__(self, *, actor):
        super().__init__(actor=actor)
        # Labels as the officer's screen shows them in the language active for this file, not at import.
        self.channels = _options(PreferredChannel.choices)
        self.levels = _options(EngagementLevel.choices)
        self.language_codes = {code.lower(): code for code, _name in LANGUAGE_CHOICES} | {
            str(name).lower(): code for code, name in LANGUAGE_CHOICES
        }
        self.organisations = OrganisationIndex()

    def clean(self, row):
        errors = []
        values = {}

        def attempt(name, function, *args, **kwargs):
            try:
                values[name] = function(row, *args, **kwargs)
            except RowError as error:
                errors.append(error)

        attempt("name", self.text, "name", 200, required=True)
        attempt("form_of_address", self.text, "form_of_address", 120)
        attempt("emails", self.emails)
        attempt("phones", self.phones)
        attempt("languages", self.languages)
        attempt("time_zone", self.time_zone)
        attempt("preferred_channel", self.choice, "preferred_channel", self.channels, PreferredChannel.EMAIL)
        attempt("preferred_hours", self.text, "preferred_hours", 120)
        attempt("cultural_notes", self.text, "cultural_notes")
        attempt("communication_notes", self.text, "communication_notes")
        attempt("notes", self.text, "notes")
        attempt("influence", self.integer, "influence", 1, 5, 3)
        attempt("interest", self.integer, "interest", 1, 5, 3)
        attempt("engagement_level", self.choice, "engagement_level", self.levels, EngagementLevel.CONSULT)
        attempt("contact_cadence_days", self.integer, "contact_cadence_days", 1, 730, None)
        attempt("owner_id", self.user, "owner")
        attempt("tags", self.tag_names, "tags")
        attempt("is_archived", self.boolean, "is_archived")
        attempt("role", self.text, "role", 160)
        attempt("department", self.text, "department", 160)
        attempt("organisation_name", self.text, "organisation", 200)
        values["organisation_id"] = None
        if values.get("organisation_name"):
            values["organisation_id"], ambiguous = self.organisations.find(values["organisation_name"])
            if ambiguous:
                self.warnings[str(AMBIGUOUS_ORGANISATION)] += 1
        return values, errors

    def emails(self, row) -> list[str]:
        emails = []
        for part in split_list(self.text(row, "emails")):
            email = part.lower().strip("<>")
            try:
                _EMAIL(email)
            except ValidationError:
                raise RowError(
                    "emails", _("“%(value)s” is not an email address.") % {"value": part[:80]}
                ) from None
            if len(email) > 254:
                raise RowError("emails", _("An email address has at most 254 characters."))
            if email not in emails:
                emails.append(email)
        return emails

    def phones(self, row) -> list[str]:
        phones = {}
        for part in _PHONE_SPLIT.split(self.text(row, "phones")):
            # An address book lists a number again under another label: the same digits are kept once.
            phones.setdefault("".join(part.split()), " ".join(part.split()))
        phones.pop("", None)
        if any(len(phone) > 40 for phone in phones.values()):
            raise RowError("phones", _("A phone number has at most 40 characters."))
        return list(phones.values())

    def languages(self, row) -> list[str]:
        codes = []
        for part in split_list(self.text(row, "languages")):
            code = self.language_codes.get(part.lower())
            if code is None:
                raise RowError(
                    "languages", _("“%(value)s” is not a language we know.") % {"value": part[:40]}
                )
            if code not in codes:
                codes.append(code)
        return codes

    def time_zone(self, row) -> str:
        value = self.text(row, "time_zone")
        if not value:
            return settings.TIME_ZONE
        found = _TIME_ZONES.get(value.lower().replace(" ", "_"))
        if found is None:
            raise RowError(
                "time_zone", _("“%(value)s” is not a time zone such as Europe/Paris.") % {"value": value[:60]}
            )
        return found


def _spaced(name: str) -> str:
    """A name case-folded with its words one space apart: a name pasted with two spaces ("Ana  Costa") is the
    one a file types plainly, either way round."""
    return " ".join(name.casefold().split())


# Words of courtesy around a name, not part of it ("Dr Alan Reid"), left out when a name written with an
# address is compared with its one holder's.
HONORIFICS = frozenset({"dr", "mr", "mrs", "ms", "mx", "prof", "sir", "dame", "hon"})
# The titles that tell a man from a woman: "Mr Smith" and "Mrs Smith" are two people; "Mrs" and "Ms" may be
# one.
ADDRESSED_AS = {"mr": "mr", "mrs": "ms", "ms": "ms"}
_PARENTHESISED = re.compile(r"\([^()]*\)")


def written_name(name: str) -> tuple[str, ...]:
    """A person's name's words in the order they are read, titles and bracketed text aside (and accents,
    case and punctuation): "Dr Alan Reid" and Outlook's "Reid, Alan (MOH)" are Alan Reid. Only the
    "Surname, Given" of an email program is turned round; otherwise the order is the name's, as "Li Wei" and
    "Wei Li" are two people."""
    return name_orders(name)[0]


def name_orders(name: str) -> tuple[tuple[str, ...], ...]:
    """The orders a name's words (as `written_name` gives them, which comes first) may be read in: a surname
    a comma or capitals mark ("Nguyễn, Văn Minh", "COSTA Ana") either before the given names or after them,
    as the register holds names in both orders (seed_demo: Vietnamese and Chinese names family first)."""
    bare = _PARENTHESISED.sub(" ", name)
    family, comma, given = bare.partition(",")
    if comma and "," not in given:
        family_words, given_words = _words(_read_words(family)), _words(_read_words(given))
        return _distinct(given_words + family_words, family_words + given_words)
    read = _read_words(bare)
    surname = _words(word for word in read if word[1])
    if not surname or len(surname) == len(read):
        return (_words(read),)
    given = _words(word for word in read if not word[1])
    return _distinct(_words(read), given + surname, surname + given)


def addressed_as(name: str) -> str | None:
    """Whether a name is written as a man's ("mr") or a woman's ("ms"), by its title; None if it says not."""
    titles = {ADDRESSED_AS[word] for word in plain_name(unaccented(name)).split() if word in ADDRESSED_AS}
    return titles.pop() if len(titles) == 1 else None


def _read_words(text: str) -> list[tuple[str, bool]]:
    """A name's words, titles aside, each with whether it is written in capitals (of more than one letter: an
    initial is no surname)."""
    read = []
    for written in unaccented(text).split():
        in_capitals = sum(letter.isalpha() for letter in written) > 1 and written.isupper()
        read.extend((word, in_capitals) for word in plain_name(written).split() if word not in HONORIFICS)
    return read


def _words(read) -> tuple[str, ...]:
    return tuple(word for word, _in_capitals in read)


def _distinct(*orders: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(dict.fromkeys(orders))


def _word_counts(name: str, *, courtesy_aside: bool) -> Counter:
    """A name's words, each as often as it is written ("Reid, Alan Reid" is not Alan Reid); with
    courtesy_aside, titles and bracketed text aside (Outlook's "Reid, Alan (MOH)")."""
    return Counter(written_name(name) if courtesy_aside else name_words(name))


def _unmatched(reference: str) -> RowError:
    return RowError(
        "stakeholders",
        _("No stakeholder (or more than one) matches “%(value)s”; use their email or #id.")
        % {"value": reference[:80]},
    )


def _listed_names(names: list[str]) -> str:
    shown = ", ".join(names[:3])
    return f"{shown}, …" if len(names) > 3 else shown


class StakeholderIndex:
    """Active and archived stakeholders by address, by #id and by case-folded name, for interaction rows.

    An address may be several people's (a shared mailbox: info@ministry held by two of its staff); every
    holder is kept, and the name written with the address says which is meant, or the row is refused.
    """

    def __init__(self):
        self.by_email: dict[str, list[int]] = defaultdict(list)
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.names: dict[int, str] = {}
        self.archived: set[int] = set()
        # Read now: rows are cleaned while a COPY holds the connection.
        unaccent_table()
        for pk, name, emails, archived in Stakeholder.objects.order_by("pk").values_list(
            "pk", "name", "emails", "is_archived"
        ):
            self.names[pk] = name
            self.by_name[_spaced(name)].append(pk)
            for email in emails:
                holders = self.by_email[email.lower()]
                if pk not in holders:
                    holders.append(pk)
            if archived:
                self.archived.add(pk)
        self.primary_organisation: dict[int, int] = {}
        for stakeholder_id, organisation_id in (
            Affiliation.objects.primary_first()
            .filter(is_primary=True)
            .values_list("stakeholder_id", "organisation_id")
        ):
            self.primary_organisation.setdefault(stakeholder_id, organisation_id)

    def find(self, reference: str) -> int:
        """The one stakeholder a reference names: an #id, one email address one person has, or a name nobody
        else has; else RowError."""
        reference = reference.strip()
        if reference.startswith("#") and (pk := record_id(reference[1:])) is not None:
            if pk in self.names:
                return pk
            raise _unmatched(reference)
        if "@" in reference:
            address = email_address(reference)
            if address is None:
                raise _unmatched(reference)
            return self.addressed(reference, "", address)
        matches = self.named(reference)
        if len(matches) != 1:
            raise _unmatched(reference)
        return matches[0]

    def addressed(self, reference: str, name: str, address: str) -> int:
        """Who "Name <address>" (or the address alone, without a name) is: its one holder, or of several who
        share it the one the name says. A name that is not its holder's ("Ana Costa <li@example.org>") is
        refused, not overruled by the address; a first name or surname alone will do ("Ana <ana@…>")."""
        holders = self.by_email.get(address, [])
        if not holders:
            raise _unmatched(reference)
        if name:
            named = self.holders_called(name, holders)
            if not named:
                raise RowError(
                    "stakeholders",
                    _("“%(value)s” names %(name)s, but %(address)s is the address of %(holders)s; correct "
                      "the name or the address.")
                    % {
                        "value": reference[:80],
                        "name": name[:80],
                        "address": address,
                        "holders": _listed_names([self.names[pk] for pk in holders]),
                    },
                )  # fmt: skip
            holders = named
        if len(holders) > 1:
            raise RowError(
                "stakeholders",
                _("More than one stakeholder matches “%(value)s”: %(address)s is the address of %(holders)s. "
                  "Write whose it is, as “Name <%(address)s>”, or use their #id.")
                % {
                    "value": reference[:80],
                    "address": address,
                    "holders": _listed_names([self.names[pk] for pk in holders]),
                },
            )  # fmt: skip
        return holders[0]

    def holders_called(self, name: str, holders: list[int], *, whole: bool = False) -> list[int]:
        """The holders of an address a name written with it names: by all their words, else (unless whole) by
        some of them ("Ana <ana@…>"), each as often as written. The one holder of an address is compared with
        titles and bracketed text aside ("Dr Alan Reid", "Reid, Alan (MOH)"); among several who share one, the
        name is taken as written."""
        courtesy_aside = len(holders) == 1
        words = _word_counts(name, courtesy_aside=courtesy_aside)
        theirs = {pk: _word_counts(self.names[pk], courtesy_aside=courtesy_aside) for pk in holders}
        named = [pk for pk in holders if theirs[pk] == words]
        if named or whole:
            return named
        return [pk for pk in holders if words <= theirs[pk]]

    def named(self, name: str) -> list[int]:
        """Everyone called exactly so, case and spacing aside."""
        return self.by_name.get(_spaced(name), [])


# A recipient as an email program writes one, an address in angle brackets after its name: quoted
# ("\"Reid, Alan\" <alan@example.org>") or not ("Ana Costa <ana@example.org>", and Outlook's
# "Reid, Alan <alan@example.org>", whose comma is the name's, not a list's), or no name ("<ana@example.org>").
_RECIPIENT = re.compile(r'(?:"(?P<quoted>(?:[^"\\]|\\.)*)"\s*)?<(?P<address>[^<>]*)>')


@dataclass(frozen=True)
class Reference:
    """A piece of a people cell: a recipient ("Name <address>"), or text (names, addresses or #ids, which
    commas may separate). A recipient's earlier piece is the text before the comma before its name: the
    surname of Outlook's "Reid, Alan <alan@…>" when the two together are the holder's name, else someone
    of its own ("Ana Costa, Alan Reid <alan@…>")."""

    text: str
    name: str = ""
    address: str | None = None
    earlier: str = ""


def _same_address(text: str, address: str) -> bool:
    """Whether the text is the address, quoted or not: Outlook names someone it has no name for by their
    address ("'alan@x.org' <alan@x.org>")."""
    text = text.strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return (written := email_address(text)) is not None and written == email_address(address)


def _could_be_a_name(piece: str) -> bool:
    """Whether a piece of a people cell may be the start of the name after it: not blank, an address, quoted
    or an #id."""
    piece = piece.strip()
    return bool(piece) and "@" not in piece and '"' not in piece and not piece.startswith("#")


def references(cell: str) -> list[Reference] | None:
    """The recipients in a piece of a people cell, and the text between them, in order; None when an address
    in angle brackets follows something that is no one's name ("ana@example.org Li Wei <li@example.org>").

    Recipients are taken out whole before the rest is split at its commas: the comma of "Reid, Alan
    <alan@example.org>" may be inside the name. An unquoted name is the text after the last comma before its
    address, and the piece before that comma its earlier piece (`Reference`), which the cleaner joins to it
    only when the two are the holder's name: never more, so a name or #id listed before a recipient is not
    swallowed into theirs. Mail's own parser (email.utils.getaddresses, as mailin reads headers) splits
    Outlook's "Reid, Alan" at its comma into two people.
    """
    found, start = [], 0
    for match in _RECIPIENT.finditer(cell):
        before = cell[start : match.start()]
        address = match["address"].strip()
        pieces = before.split(",")
        earlier = ""
        if match["quoted"] is not None:
            name = re.sub(r"\\(.)", r"\1", match["quoted"])
        elif _same_address(pieces[-1], address):
            # Outlook names someone it has no name for by their address: "alan@x.org <alan@x.org>".
            name, before = "", ",".join(pieces[:-1])
        else:
            if "@" in pieces[-1] or '"' in pieces[-1]:
                return None
            name, before = pieces[-1], ",".join(pieces[:-1])
            if name.strip() and len(pieces) > 1 and _could_be_a_name(pieces[-2]):
                earlier, before = " ".join(pieces[-2].split()), ",".join(pieces[:-2])
        name = " ".join(name.strip(" ,").split())
        if _same_address(name, address):
            name = ""
        if before.strip(" ,"):
            found.append(Reference(before.strip(" ,")))
        text = f"{name} <{address}>" if name else f"<{address}>"
        found.append(Reference(text, name, email_address(address) or "", earlier))
        start = match.end()
    if rest := cell[start:].strip(" ,"):
        found.append(Reference(rest))
    return found


class InteractionCleaner(Cleaner):
    kind = ImportKind.INTERACTIONS
    FUTURE_TOLERANCE = dt.timedelta(minutes=10)

    def __init__(self, *, actor):
        super().__init__(actor=actor)
        # Labels as the officer's screen shows them in the language active for this file, not at import.
        self.kinds = _options(InteractionKind.choices)
        self.directions = _options(Direction.choices, {"out": Direction.OUTBOUND, "in": Direction.INBOUND})
        self.sentiments = _options(
            Sentiment.choices,
            {str(value): value for value in Sentiment.values}
            | {f"+{value}": value for value in Sentiment.values if value > 0},
        )
        self.organisations = OrganisationIndex()
        self.stakeholders = StakeholderIndex()

    def clean(self, row):
        errors = []
        values = {}

        def attempt(name, function, *args, **kwargs):
            try:
                values[name] = function(row, *args, **kwargs)
            except RowError as error:
                errors.append(error)

        attempt("occurred_at", self.occurred_at)
        attempt("kind", self.choice, "kind", self.kinds, None)
        attempt("summary", self.text, "summary", 300, required=True)
        attempt("stakeholder_ids", self.people)
        attempt("direction", self.choice, "direction", self.directions, Direction.OUTBOUND)
        attempt("notes", self.text, "notes")
        attempt("outcome", self.text, "outcome")
        attempt("sentiment", self.choice, "sentiment", self.sentiments, Sentiment.NEUTRAL)
        attempt("topics", self.tag_names, "topics")
        attempt("follow_up_on", self.date, "follow_up_on")
        attempt("follow_up_note", self.text, "follow_up_note", 300)
        attempt("is_confidential", self.boolean, "is_confidential")
        attempt("logged_by_id", self.author)
        attempt("follow_up_owner_id", self.follow_up_owner, values)
        attempt("follow_up_done_at", self.follow_up_done_at, values)
        attempt("organisation_id", self.organisation)
        if values.get("kind", "") is None:
            errors.append(RowError("kind", _("Required; this cell is empty.")))
        if problem := follow_up_problem(values.get("follow_up_on"), values.get("occurred_at"), self.tz):
            errors.append(RowError("follow_up_on", problem))
        if values.get("organisation_id") is None and values.get("stakeholder_ids"):
            primary = {self.stakeholders.primary_organisation.get(pk) for pk in values["stakeholder_ids"]}
            values["organisation_id"] = primary.pop() if len(primary) == 1 else None
        for name in ("occurred_at", "follow_up_on", "follow_up_done_at"):
            if isinstance(values.get(name), dt.date):
                values[name] = values[name].isoformat()
        return values, errors

    def occurred_at(self, row):
        moment = self.moment(row, "occurred_at")
        if moment > self.now + self.FUTURE_TOLERANCE:
            raise RowError(
                "occurred_at", _("An interaction is logged after it happens: this time is in the future.")
            )
        return moment

    def people(self, row) -> list[int]:
        found = []
        for part in _PHONE_SPLIT.split(self.text(row, "stakeholders", required=True)):
            pieces = references(part.strip())
            if pieces is None:
                raise _unmatched(part.strip())
            for piece in pieces:
                for reference, pk in self._found(piece):
                    if pk in self.stakeholders.archived:
                        raise RowError(
                            "stakeholders",
                            _("“%(value)s” is archived; restore them first.") % {"value": reference[:80]},
                        )
                    if pk not in found:
                        found.append(pk)
        return found

    def _found(self, piece: Reference) -> list[tuple[str, int]]:
        """(reference, stakeholder) for each person a piece of a people cell names; RowError for one it does
        not name exactly."""
        if piece.address is not None:
            if piece.earlier:
                # Outlook's "Reid, Alan" only when the two are the holder's whole name: "Reid, Alan Reid <…>"
                # and "Ana Costa, Alan Reid <…>" are two people each, and an unread one is data lost.
                whole = f"{piece.earlier}, {piece.name}"
                holders = self.stakeholders.by_email.get(piece.address, [])
                if self.stakeholders.holders_called(whole, holders, whole=True):
                    text = f"{whole} <{piece.address}>"
                    return [(text, self.stakeholders.addressed(text, whole, piece.address))]
                return [
                    *self._found(Reference(piece.earlier)),
                    (piece.text, self.stakeholders.addressed(piece.text, piece.name, piece.address)),
                ]
            return [(piece.text, self.stakeholders.addressed(piece.text, piece.name, piece.address))]
        if "," not in piece.text:
            return [(piece.text, self.stakeholders.find(piece.text))]
        # A name with a comma ("Sir Alan Reid, KCMG", as the list's export writes it) is one person when
        # someone is called so, and a name two people share is theirs to tell apart, not pieces to find
        # others by; otherwise commas separate people, as in other lists.
        named = self.stakeholders.named(piece.text)
        if len(named) > 1:
            raise _unmatched(piece.text)
        if named:
            return [(piece.text, named[0])]
        return [(reference, self.stakeholders.find(reference)) for reference in split_list(piece.text)]

    def author(self, row) -> int:
        pk = self.user(row, "logged_by")
        if pk != self.actor.pk and not self.actor_is_admin:
            raise RowError("logged_by", _("Only administrators import interactions logged by someone else."))
        return pk

    def follow_up_done_at(self, row, values) -> dt.datetime | None:
        """When a follow-up the file carries was done (an export's "Follow-up done"); open when empty."""
        if not self.text(row, "follow_up_done_at"):
            return None
        if "follow_up_on" not in values:
            return None  # the date's own error is reported
        if values["follow_up_on"] is None:
            raise RowError("follow_up_done_at", _("Only a follow-up with a date (Follow up by) can be done."))
        moment = self.moment(row, "follow_up_done_at")
        if moment > self.now + self.FUTURE_TOLERANCE:
            raise RowError(
                "follow_up_done_at", _("A follow-up is marked done once it is: this time is in the future.")
            )
        return moment

    def follow_up_owner(self, row, values) -> int | None:
        """Whoever the cell names, or the interaction's author; nobody without a follow-up date."""
        if "follow_up_on" not in values:
            return None  # the date's own error is reported
        if values["follow_up_on"] is None:
            if self.text(row, "follow_up_owner"):
                raise RowError(
                    "follow_up_owner", _("Give the follow-up a date before naming who follows it up.")
                )
            return None
        if not self.text(row, "follow_up_owner"):
            return values.get("logged_by_id")
        pk = self.user(row, "follow_up_owner")
        if pk in self.service_accounts:
            raise RowError("follow_up_owner", _("Another tool's account cannot follow anything up."))
        return pk

    def organisation(self, row):
        name = self.text(row, "organisation", 200)
        if not name:
            return None
        pk, ambiguous = self.organisations.find(name)
        if pk is None:
            raise RowError("organisation", _("No organisation is called “%(value)s”.") % {"value": name[:80]})
        if ambiguous:
            self.warnings[str(AMBIGUOUS_ORGANISATION)] += 1
        return pk


CLEANERS = {
    ImportKind.ORGANISATIONS: OrganisationCleaner,
    ImportKind.STAKEHOLDERS: StakeholderCleaner,
    ImportKind.INTERACTIONS: InteractionCleaner,
}

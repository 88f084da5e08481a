"""How a search box's words become a PostgreSQL query: full-text by word prefix, names also by trigram.

Officers type names without their accents ("ostergard" for "Østergård", "adebayo" for "Adébáyọ̀"), so both
sides of every comparison are unaccented by PostgreSQL's `unaccent` rules (the extension's rules file, which
also spells out letters such as Ø, Ł and ß): the stored tsvectors through the SEARCH_CONFIG text search
configuration, names through `immutable_unaccent` (contacts migration 0012). Names are shown as stored.
"""

import functools
import itertools
import re
import unicodedata

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import Overlap, TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchQuery,
    SearchVector,
    SearchVectorExact,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import BooleanField, Case, Func, Q, QuerySet, TextField, Value, When

# 'simple' with the unaccent dictionary before it: words are unaccented, then lower-cased, never stemmed
# (names and many languages in one register). Used for the stored tsvectors and the queries alike.
SEARCH_CONFIG = "simple_unaccent"


class Unaccented(Func):
    """The text without its accents, as the trigram indexes on names hold it (`gin_trgm_ops` on this).

    Typed text passed as a `Value` is a constant the planner unaccents once (the function is immutable).
    """

    function = "immutable_unaccent"
    arity = 1
    output_field = TextField()


# Every character of the Basic Multilingual Plane but the surrogates: the unaccent rules hold Latin, Greek
# (ά, ΐ), Cyrillic (Ё, й), punctuation, ligatures, full-width and other letters, and a table of only some
# blocks let Python keep an accent PostgreSQL takes away ("Αθήνα" and "Αθηνα" two organisations).
_BMP = (range(0x20, 0xD800), range(0xE000, 0x10000))


@functools.cache
def unaccent_table() -> dict[int, str]:
    """PostgreSQL's unaccent rules as a `str.translate` table, read once from the database (one query of
    about a third of a second, once per process).

    For comparing names in Python where no query may run (an import's rows are cleaned while COPY holds the
    connection): call it first, outside that, and `unaccented()` then agrees with `Unaccented`.
    """
    characters = [chr(code) for code in itertools.chain(*_BMP)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c, immutable_unaccent(c) FROM unnest(%s::text[]) AS c WHERE immutable_unaccent(c) <> c",
            [characters],
        )
        return {ord(character): plain for character, plain in cursor.fetchall()}


def unaccented(text: str) -> str:
    """The text without its accents, as `immutable_unaccent` gives it (the letters `unaccent_table` has)."""
    return text.translate(unaccent_table())


def plain_text(text: str) -> str:
    """The text unaccented and case-folded: how Python keys a name it compares with another, accents and case
    aside. Case-folded rather than lower-cased: Python's lower() gives a Greek word's last sigma its final
    form, which PostgreSQL's lower() and a name typed in capitals do not; casefold() writes every sigma
    alike."""
    return unaccented(text).casefold()


# One whole address, as someone pastes it from an email: "ana@river.example", "<ana@river.example>",
# "ana@river.example;" from a list of recipients, "mailto:ana@river.example" from a link.
_EMAIL_ADDRESS = re.compile(r"[^\s@<>,;:]+@[^\s@<>,;:]+\.[^\s@<>,;:]+")
_AROUND_ADDRESS = " \t\r\n<>,;"
EMAIL_MAX_LENGTH = 254


def email_address(text: str) -> str | None:
    """The text as stakeholders' addresses are stored (trimmed, lower-case: Stakeholder.clean_fields) when it
    is one email address. Their tsvector holds names and notes, not addresses: a search finds the address by
    it."""
    address = text.strip().strip(_AROUND_ADDRESS).lower().removeprefix("mailto:").strip(_AROUND_ADDRESS)
    # No address is longer (an EmailField's limit); the pattern backtracks on a long run of dots.
    if len(address) > EMAIL_MAX_LENGTH:
        return None
    return address if _EMAIL_ADDRESS.fullmatch(address) else None


# Fewer digits are a year, a reference or an extension rather than a number anyone calls (`phone_numbers`
# leaves out stored numbers this short too).
PHONE_MIN_DIGITS = 6


class PhoneKeys(Func):
    """The last nine digits of each number the phones hold (`phone_keys`, contacts migrations 0017 to 0022),
    which the GIN index on stakeholders' phones holds: it finds the few who may have a number,
    `SharesPhoneNumber` then tells. Filter on `PhoneKeys("phones")` itself, the index's expression, for it to
    be used.

    Nine digits match a number written with its country code to the same written with the trunk prefix:
    "+44 20 7946 0000", "020 7946 0000" and "0044 (0)20-7946-0000 ext 12" all end 079460000. They keep the
    last digit of a British area code, where eight made Birmingham's 0121 496 0000 Edinburgh's
    0131 496 0000. A number written with its country code whose national number has six to eight digits
    (Singapore's "+65 6123 4567", Andorra's "+376 812 345") is keyed by that national number too, which is
    how "6123 4567" finds it; for Italy and San Marino, without a fixed line's 0 ("+39 0471 12345" is keyed
    47112345, as "0471 12345" is; "+39 (0)471 12345" is "+39 0471 12345"). Two numbers `SharesPhoneNumber`
    calls one always share a key. Missed: a number typed without its area code.
    """

    function = "phone_keys"
    arity = 1
    output_field = ArrayField(TextField())


class SharesPhoneNumber(Func):
    """Whether the first phones and the second hold one number (`shares_phone_number`): past the country
    code's + or the trunk 0, the shorter of two numbers is the end of the longer. "212 555 0100" is
    "+1 212 555 0100", not "(312) 555-0100", whose last nine digits agree. A number of six to eight digits
    is only the one written with a country code and then it ("6123 4567" is "+65 6123 4567", not
    "+44 20 6123 4567"); two numbers written with their country codes are the same digits
    ("+1 901 234 5678" is not "+81 90 1234 5678"); a number written without + is at most the other's national
    number, or all of it with the code ("022 123 45 67" is not "+32 2 123 45 67"; "1 212 555 0134" is
    "+1 212 555 0134"). A number written with a trunk 0 is not one of a country that has none, nor a North
    American one written with +1 or the 1 dialled at home, unless that 0 begins the 011 or 010 dialled
    abroad ("0212 555 0134" is neither "+1 212 555 0134" nor "1 212 555 0134"; "06 12 34 56 78" is not
    "+34 612 345 678", "011 34 612 345 678" is). Italy and San Marino keep a fixed line's 0 after their codes:
    "06 1234 5678" is "+39 06 1234 5678" and "+39 (0)6 1234 5678", "0471 12345" is "+39 0471 12345". Russia
    and Kazakhstan dial 8 where others dial a trunk 0: "8 (495) 123-45-67", an 8 written on its own and ten
    digits, is also "+7 495 123 45 67" (digits alone tell no trunk prefix: "812 345" is Andorra's,
    "(84) 99512-3456" Brazil's), and "0495 123 45 67" is not. Australia's 0011 is read as +."""

    function = "shares_phone_number"
    arity = 2
    output_field = BooleanField()


def has_phone_number(number: str, *, field: str = "phones") -> Q:
    """A filter: the phones hold the number typed (a constant the planner reduces once: the functions are
    immutable)."""
    typed = Value([number], output_field=ArrayField(TextField()))
    return Q(Overlap(PhoneKeys(field), PhoneKeys(typed))) & Q(SharesPhoneNumber(field, typed))


# Stored numbers are at most 40 characters (Stakeholder.phones): longer text is not one, and is never
# given to the pattern.
PHONE_MAX_LENGTH = 60

# One phone number typed or pasted alone: groups of digits (with the + and brackets of "(+44)" and "(0)20")
# joined by spaces or by one of . / -, an extension after it at most ("ext 12", "x12", "ext: 12", "Ext-12",
# "ext #12", ", #12"). The same number `phone_numbers` reads (contacts migration 0018), which leaves
# extensions out of the numbers a phone holds.
# Linear whatever the text: a group, a separator and an extension each start with characters the others
# cannot, so the possessive quantifiers give back nothing another part could take.
_PHONE_NUMBER = re.compile(
    r"(?P<number>[0-9()+]++(?:(?: ++|[./-])[0-9()+]++)*+)"
    r"(?:,?+ *+(?:extension|extn|ext|x|#)[.:#-]?+ *+[.:#-]?+ *+[0-9]++)?+",
    re.IGNORECASE,
)
# Spaces other than a space found between a number's digits: a tab, no-break, figure, thin, narrow no-break
# and ideographic spaces, as `phone_numbers` reads them too.
_SPACES = str.maketrans("\t\u00a0\u2007\u2009\u202f\u3000", "      ")
# A date is digits and separators too: 2024-11-27, 27/11/2024, 27.11.24.
_DATE = re.compile(r"[0-9]{4}([-./])[0-9]{1,2}\1[0-9]{1,2}|[0-9]{1,2}([-./])[0-9]{1,2}\2[0-9]{2,4}")


def phone_number(text: str) -> str | None:
    """The text, trimmed, when it is one phone number of at least PHONE_MIN_DIGITS digits and not a date:
    searched for by `has_phone_number`. Phone numbers are not in the stakeholders' tsvector."""
    text = text.translate(_SPACES).strip()
    if len(text) > PHONE_MAX_LENGTH:
        return None
    number = _PHONE_NUMBER.fullmatch(text)
    if number is None or _DATE.fullmatch(text):
        return None
    return text if sum(character.isdigit() for character in number["number"]) >= PHONE_MIN_DIGITS else None


def search_terms(text: str) -> list[str]:
    """The first eight words typed, lower-cased. A combining mark stays in its word, as PostgreSQL's parser
    keeps it: "ọ̀" is ọ and a combining grave (no single character has both), and "Ẹ̀kọ́" split at the marks
    would look for words starting "ẹ" and "kọ" rather than one starting "eko"."""
    terms, word = [], []
    for char in f"{text.lower()} ":  # the space ends the last word
        if char.isalnum() or char == "_" or (word and unicodedata.category(char).startswith("M")):
            word.append(char)
        elif word:
            terms.append("".join(word))
            word = []
    return terms[:8]


def prefix_query(text: str) -> SearchQuery | None:
    """Every word must match the start of a word: "marg okaf" finds "Margaret Okafor"."""
    terms = search_terms(text)
    if not terms:
        return None
    return SearchQuery(" & ".join(f"{term}:*" for term in terms), search_type="raw", config=SEARCH_CONFIG)


def name_resembles(phrase: str, *, name_field: str = "name") -> TrigramWordSimilar:
    """A filter: the name has a stretch like the phrase, accents ignored on both sides (`%>`, served by the
    trigram index on the unaccented name)."""
    return TrigramWordSimilar(Unaccented(name_field), Unaccented(Value(phrase)))


def name_starts(text: str, *, name_field: str = "name", vector_field: str | None = None) -> Q:
    """A filter: the name alone has a word starting with each word typed, accents ignored; `text` must hold
    a word. What else the row's tsvector holds (notes) does not count. With `vector_field`, a stored tsvector
    holding the name, its GIN index finds the rows whose names are then read; without one, every row's name
    is (staff: a few hundred)."""
    query = prefix_query(text)
    in_name = Q(SearchVectorExact(SearchVector(name_field, config=SEARCH_CONFIG), query))
    if vector_field is not None:
        in_name &= Q(**{vector_field: query})
    return in_name


def name_word_similarity(phrase: str, *, name_field: str = "name") -> TrigramWordSimilarity:
    """How well the phrase matches a stretch of the name, accents ignored on both sides (0 to 1)."""
    return TrigramWordSimilarity(Unaccented(Value(phrase)), Unaccented(name_field))


def search_by_name(queryset: QuerySet, text: str, *, name_field: str = "name", ahead=None) -> QuerySet:
    """Rows whose text matches every word's prefix, or whose name resembles the words (misspellings).

    Both conditions are served by GIN indexes (the stored tsvector and the trigram index on the unaccented
    name); results come best match first. With `ahead`, a condition, the rows it holds are found too, ahead
    of the rest, alike to the words in full as a matching name would be.
    """
    query = prefix_query(text)
    if query is None:
        return queryset
    phrase = " ".join(search_terms(text))
    matches = Q(search_vector=query) | Q(name_resembles(phrase, name_field=name_field))
    similarity = name_word_similarity(phrase, name_field=name_field)
    if ahead is not None:
        matches |= Q(ahead)
        similarity = Case(When(ahead, then=Value(1.0)), default=similarity)
    return (
        queryset.filter(matches)
        .annotate(name_similarity=similarity)
        .order_by("-name_similarity", name_field, "pk")
    )

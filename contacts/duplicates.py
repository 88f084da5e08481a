"""Finding records probably in the register twice: people (one email, or similar names) and organisations.

Names are compared by trigram similarity, as PostgreSQL's pg_trgm does it: each word, lower-cased and padded
("  li", " li", "li ") is cut into three-letter pieces, and two names score the share of pieces they have in
common (1.0 the same, 0.5 half). "Margret Okafor" and "Margaret Okafor" score about 0.7; two different
people with the same first name at an organisation about 0.3. Accents are removed first, by PostgreSQL's
`immutable_unaccent` (contacts.search): "Zoe Akerlund Nunez" is "Zoë Äkerlund-Ñúñez" typed plainly.

Trigrams miss the commonest typos in short words: "Bilal Shiekh" and "Bilal Sheikh", two letters swapped,
score 0.53. So anywhere in the register a name is also "nearly the same" when the names, unaccented,
lower-cased and with their punctuation gone, are a slip or two apart word by word (`within_slips`): a slip
is a letter wrong, missing, added, or swapped with its neighbour (optimal string alignment distance). How
many slips a word may hold depends on its length, because in a short word one letter is what tells two
people apart ("Li Wei" and "Li Mei", "Mark Smith" and "Mary Smith"): a word under eight letters (the longer
of the two) only a swap of two neighbouring letters, which rarely makes another real name; from eight
letters one slip of any kind; from sixteen, two. Names of different numbers of words (joined or split, as
"Mary-Ann" and "Maryann", or with a middle initial) are compared as one word each. The names compared this
way are the twenty most similar that the trigram index finds (pg_trgm's `%`, similarity 0.3 or more, which a
name a slip or two from the typed one reaches), so the register is never read through.

Organisations are checked the same way when one is added or renamed, against those at the same level:
top-level organisations against each other, a department against its parent's other departments (two
councils may each have a "Finance" department).

Three readers: the stakeholder and organisation forms (one new record against the register, by query), the
import check (a file's rows against each organisation's people, with `TrigramIndex` so that only names
sharing pieces are scored), and the duplicate check (every pair in the register, stored for the review
page). The last two compare people at one organisation only, with the lower threshold of 0.5, which a
transposition in a name of two words usually reaches; they do not count slips.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import CharField, F, Value
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from .models import Organisation, Stakeholder
from .querysets import held_on_sql
from .search import Unaccented, unaccented

# Two people at one organisation whose names are at least this similar are probably one person.
NAME_SIMILARITY = 0.5
# Anywhere in the register, only a near-identical name is worth a question.
NAME_SIMILARITY_ANYWHERE = 0.8
# The most similar names found by the trigram index that are then compared letter by letter (`within_slips`).
NEARBY_NAMES = 20
# An address more people than this share is a shared mailbox (info@, a team's list): it tells nobody apart
# from anybody, and its holders' pairs (a council's 200 people: 19,900) would bury the review page.
SHARED_MAILBOX = 5
_WORD = re.compile(r"[^\W_]+")


def trigrams(text: str) -> frozenset[str]:
    pieces = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        pieces.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(pieces)


def similarity(first: str, second: str) -> float:
    return trigram_share(trigrams(first), trigrams(second))


def trigram_share(first: frozenset[str], second: frozenset[str]) -> float:
    """The share of their `trigrams` two texts have in common: their `similarity`, of trigrams read once."""
    if not first or not second:
        return 0.0
    shared = len(first & second)
    return shared / (len(first) + len(second) - shared)


class TrigramIndex:
    """People's names by trigram, to find the most similar name without scoring every name.

    Each person is (id, name, unaccented name): the unaccented names are compared (`Unaccented` gives them,
    as PostgreSQL unaccents), the names as stored are returned.
    """

    def __init__(self, people: Iterable[tuple[int, str, str]]):
        self.people: list[tuple[int, str, frozenset[str]]] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        for pk, name, unaccented_name in people:
            pieces = trigrams(unaccented_name)
            position = len(self.people)
            self.people.append((pk, name, pieces))
            for piece in pieces:
                self.postings[piece].append(position)

    def best(self, unaccented: str, threshold: float) -> tuple[int, str, float] | None:
        """(id, name, similarity) of the person whose name is most similar to this unaccented name, if they
        score at least `threshold`; or None."""
        pieces = trigrams(unaccented)
        if not pieces or not self.people:
            return None
        shared = Counter()
        for piece in pieces:
            shared.update(self.postings.get(piece, ()))
        best = None
        for position, count in shared.items():
            pk, other, other_pieces = self.people[position]
            score = count / (len(pieces) + len(other_pieces) - count)
            if score >= threshold and (best is None or score > best[2]):
                best = (pk, other, score)
        return best


def plain_name(name: str) -> str:
    """An unaccented name case-folded, its words separated by one space and its punctuation gone (case-folded:
    a Greek name's last sigma as PostgreSQL lower-cases it, `contacts.search.plain_text`)."""
    return " ".join(_WORD.findall(name.casefold()))


def name_words(name: str) -> tuple[str, ...]:
    """A name's words in the order of the alphabet, accents, case, punctuation and spacing aside: an email
    program's "Reid, Alan" is Alan Reid, an address book's "N:Authority;Port" is "Port Authority".

    Unaccented by PostgreSQL's rules, which an import's check reads before COPY holds the connection
    (contacts.search.unaccent_table)."""
    return tuple(sorted(plain_name(unaccented(name)).split()))


# The most slips two words may be apart (`_words_within_slips`).
MOST_SLIPS = 2


def slips(first: str, second: str) -> int:
    """How many letters are wrong, missing, added or swapped with their neighbour between the two texts
    (optimal string alignment distance), up to MOST_SLIPS; MOST_SLIPS + 1 for any more.

    Each letter missing or added moves the alignment one letter off the diagonal, so texts MOST_SLIPS apart
    at most align within MOST_SLIPS of it: only that band is worked out, in time linear in the letters (a
    file of 2,000 long, loosely alike names at one address took 141 s comparing every letter with every
    other)."""
    too_many = MOST_SLIPS + 1
    if abs(len(first) - len(second)) > MOST_SLIPS:
        return too_many
    # Three rows (two back, for a swap) are reused: each row's band is worked out, and the cell either side of
    # it marked too many, which is all the next rows read of it.
    before, previous_row, row = ([min(j, too_many) for j in range(len(second) + 1)] for _ in range(3))
    previous_fewest = 0
    for i, letter in enumerate(first, start=1):
        before, previous_row, row = previous_row, row, before
        low, high = max(1, i - MOST_SLIPS), min(len(second), i + MOST_SLIPS)
        row[low - 1] = fewest = i if i <= MOST_SLIPS else too_many
        if high < len(second):
            row[high + 1] = too_many
        for j in range(low, high + 1):
            other = second[j - 1]
            changed = previous_row[j - 1] + (letter != other)
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, changed, too_many)
            if i > 1 and j > 1 and letter == second[j - 2] and first[i - 2] == other:
                row[j] = min(row[j], before[j - 2] + 1)
            fewest = min(fewest, row[j])
        if fewest == too_many and previous_fewest == too_many:
            return too_many  # two rows past it: no later row can come back, not even by a swap
        previous_fewest = fewest
    return row[len(second)]


def within_slips(first: str, second: str) -> bool:
    """Whether two unaccented names are a slip or two apart, word by word, each word as few as its length
    allows (see above)."""
    first_words, second_words = plain_name(first).split(), plain_name(second).split()
    if len(first_words) != len(second_words):
        # A name joined or split ("Mary-Ann", "Maryann"; "Al Rashid", "Alrashid"), or a middle initial
        # added: its letters, read as one word.
        return _words_within_slips("".join(first_words), "".join(second_words))
    return all(_words_within_slips(one, other) for one, other in zip(first_words, second_words, strict=True))


def _words_within_slips(first: str, second: str) -> bool:
    distance = slips(first, second)
    if distance == 1 and len(first) == len(second) and sorted(first) == sorted(second):
        return True  # two neighbouring letters swapped
    return distance <= min(max(len(first), len(second)) // 8, MOST_SLIPS)


@dataclass(frozen=True)
class Candidate:
    """A record already in the register that may be the one being saved: a stakeholder or an organisation."""

    record: Stakeholder | Organisation
    reason: str
    similarity: float


def _nearly_the_same_names(records, name: str) -> list:
    """The records whose names are near-identical to this one, accents ignored, most similar first, each with
    its `similarity` and `same_name` (only case, accents or punctuation differ): one query."""
    typed = Unaccented(Value(name))
    nearby = (
        records.filter(TrigramSimilar(Unaccented("name"), typed))
        .annotate(
            similarity=TrigramSimilarity(Unaccented("name"), typed),
            plain=Unaccented("name"),
            plain_typed=typed,
        )
        .order_by("-similarity", "pk")[:NEARBY_NAMES]
    )
    found = []
    for record in nearby:
        record.same_name = plain_name(record.plain) == plain_name(record.plain_typed)
        if (
            record.same_name
            or record.similarity >= NAME_SIMILARITY_ANYWHERE
            or within_slips(record.plain, record.plain_typed)
        ):
            found.append(record)
    return found


def _personal_addresses(emails: list[str], *, exclude_pk: int | None) -> RawSQL:
    """Those of these addresses that, with this person, no more than SHARED_MAILBOX people would hold: the
    rest are shared mailboxes, which the duplicate check pairs nobody by either (`CANDIDATES_SQL`)."""
    # The planner uses stakeholder_emails_gin only for a constant array of the column's type: `&&` with the
    # typed list finds the holders by index (with `@> ARRAY[email]` alone, a correlated value, it read the
    # whole register for each address: 700 ms at 200,000 people, against 8 ms).
    return RawSQL(
        """ARRAY(
            SELECT email FROM unnest(%s::varchar[]) AS email
            WHERE (
                SELECT count(*) FROM (
                    SELECT 1 FROM contacts_stakeholder holder
                    WHERE holder.emails && %s::varchar(254)[]
                        AND holder.emails @> ARRAY[email]::varchar(254)[] AND holder.id <> %s
                    LIMIT %s
                ) holders
            ) < %s
        )""",
        (emails, emails, exclude_pk or 0, SHARED_MAILBOX, SHARED_MAILBOX),
        output_field=ArrayField(CharField()),
    )


def likely_duplicates(
    *, name: str, emails: Iterable[str] = (), organisation=None, exclude_pk: int | None = None, limit: int = 5
) -> list[Candidate]:
    """People already in the register who may be this person, the likeliest first."""
    emails = [email.lower() for email in emails if email]
    found: dict[int, Candidate] = {}
    base = Stakeholder.objects.exclude(pk=exclude_pk) if exclude_pk else Stakeholder.objects.all()
    if emails:
        # `emails__overlap=emails` first: the typed addresses, a constant, let the index find the few people
        # holding any of them; then only those whose shared address is a personal one.
        same_email = (
            base.filter(emails__overlap=emails)
            .annotate(personal_emails=_personal_addresses(emails, exclude_pk=exclude_pk))
            .filter(emails__overlap=F("personal_emails"))
        )
        for stakeholder in same_email[:limit]:
            shared = sorted(set(stakeholder.emails) & set(stakeholder.personal_emails))
            reason = _("Same email: %(email)s") % {"email": ", ".join(shared)}
            found[stakeholder.pk] = Candidate(stakeholder, reason, 1.0)
    name = " ".join(name.split())
    if name:
        typed = Unaccented(Value(name))
        similar = base.annotate(similarity=TrigramSimilarity(Unaccented("name"), typed))
        if organisation is not None:
            # `%` (TrigramSimilar) first: pg_trgm's similarity_threshold, 0.3 (set for every connection in
            # the settings), is under NAME_SIMILARITY, so it drops no name that reaches it, and the trigram
            # index finds those few names instead of every person at the organisation and its departments
            # being scored (a ministry of 40,000 people).
            at_organisation = (
                similar.filter(TrigramSimilar(Unaccented("name"), typed))
                .at_organisation(organisation)
                .filter(similarity__gte=NAME_SIMILARITY)
            )
            for stakeholder in at_organisation.order_by("-similarity")[:limit]:
                if stakeholder.pk not in found:
                    reason = _("Similar name at %(organisation)s") % {"organisation": organisation}
                    found[stakeholder.pk] = Candidate(stakeholder, reason, stakeholder.similarity)
        for stakeholder in _nearly_the_same_names(base, name):
            if stakeholder.pk not in found:
                found[stakeholder.pk] = Candidate(
                    stakeholder, _("Nearly the same name"), stakeholder.similarity
                )
    ranked = sorted(found.values(), key=lambda candidate: -candidate.similarity)
    return ranked[:limit]


def likely_duplicate_organisations(
    *, name: str, parent: Organisation | None = None, exclude_pk: int | None = None, limit: int = 5
) -> list[Candidate]:
    """Organisations at the same level (see above) whose names are the same or nearly, the likeliest first."""
    name = " ".join(name.split())
    if not name:
        return []
    same_level = Organisation.objects.filter(parent=parent)
    if exclude_pk:
        same_level = same_level.exclude(pk=exclude_pk)
    return [
        Candidate(
            organisation,
            _("Same name") if organisation.same_name else _("Nearly the same name"),
            organisation.similarity,
        )
        for organisation in _nearly_the_same_names(same_level, name)[:limit]
    ]


@dataclass(frozen=True)
class Pair:
    first_id: int
    first_name: str
    second_id: int
    second_name: str
    similarity: float
    reason: str


# Every pair in the register, for the duplicate check (contacts.services.duplicates_check) to store; pairs
# by email only of addresses no more than SHARED_MAILBOX people hold.
# Names are compared unaccented. Each current position's name is unaccented once (the materialised `people`):
# unaccented in the pairs' join, a name at an organisation of fifty was unaccented for each of its 49 pairs
# (100,000 people in 2,000 organisations, one process: 18 s, against 11 s comparing names as stored; 9 s so).
# Scoring every pair at an organisation grows with the square of its people (5,000 people: 12.5 million
# scores, 68 s), so at an organisation of more than LARGE_ORGANISATION people only pairs that may reach the
# threshold are scored. Two names whose similarity (the share of their trigrams they have in common) reaches
# the threshold have at least that share of each one's trigrams in common; so, with each name's trigrams
# ranked rarest first, their `rarest_trigrams` (all but that many less one) share one: pairs that share none
# are never scored. The ranking is the same for everyone (ties broken by the trigram, byte by byte), so both
# sides' rarest trigrams are cut from one order; the same argument bounds the number of trigrams of the
# other name. `floor` rather than the exact bound: a slack of one trigram that a rounding in the product can
# never cut into. The pairs kept are then scored by `similarity` as at a smaller organisation, so the check
# finds the same pairs (on 100,000 people, one organisation of 5,000: 128 s before, 40 s). Below that size
# ranking trigrams costs more than the scores it saves (2,000 organisations of 50: 9.4 s scoring every
# pair, 11.4 s filtering), as it does where names are much alike (one organisation of 4,000 Vietnamese
# names, a few family and middle names shared by all: 44 s against 66 s).
LARGE_ORGANISATION = 200
# The names scored, `scored` (organisation_id, first_id, second_id, score): a WITH list of CANDIDATES_SQL.
NAME_SCORES_SQL = f"""
people AS MATERIALIZED (
    SELECT held.stakeholder_id, held.organisation_id, immutable_unaccent(s.name) AS name,
           count(*) OVER (PARTITION BY held.organisation_id) AS organisation_people
    FROM (
        SELECT DISTINCT p.stakeholder_id, p.organisation_id FROM contacts_affiliation p
        WHERE {held_on_sql("p", "%(day)s")}
    ) held
    JOIN contacts_stakeholder s ON s.id = held.stakeholder_id
),
held_trigrams AS MATERIALIZED (
    SELECT stakeholder_id, organisation_id, trigram,
           count(*) OVER (PARTITION BY stakeholder_id, organisation_id) AS name_trigrams
    FROM people, unnest(show_trgm(name)) AS trigram
    WHERE organisation_people > %(large_organisation)s
),
trigram_rarity AS (
    SELECT trigram, row_number() OVER (ORDER BY count(*), trigram COLLATE "C") AS rarity
    FROM held_trigrams GROUP BY trigram
),
rarest_trigrams AS MATERIALIZED (
    SELECT stakeholder_id, organisation_id, rarity, name_trigrams
    FROM (
        SELECT held.stakeholder_id, held.organisation_id, held.name_trigrams, trigram_rarity.rarity,
               row_number() OVER (
                   PARTITION BY held.organisation_id, held.stakeholder_id ORDER BY trigram_rarity.rarity
               ) AS rank
        FROM held_trigrams held JOIN trigram_rarity USING (trigram)
    ) ranked
    WHERE rank <= name_trigrams - floor(name_trigrams * %(threshold)s) + 1
),
may_be_alike AS (
    SELECT DISTINCT r1.organisation_id, r1.stakeholder_id AS first_id, r2.stakeholder_id AS second_id
    FROM rarest_trigrams r1
    JOIN rarest_trigrams r2 ON r2.organisation_id = r1.organisation_id AND r2.rarity = r1.rarity
        AND r1.stakeholder_id < r2.stakeholder_id
    WHERE r2.name_trigrams >= floor(r1.name_trigrams * %(threshold)s)
        AND r1.name_trigrams >= floor(r2.name_trigrams * %(threshold)s)
),
scored AS (
    SELECT pair.organisation_id, pair.first_id, pair.second_id, similarity(p1.name, p2.name)::float AS score
    FROM may_be_alike pair
    JOIN people p1 ON p1.stakeholder_id = pair.first_id AND p1.organisation_id = pair.organisation_id
    JOIN people p2 ON p2.stakeholder_id = pair.second_id AND p2.organisation_id = pair.organisation_id
    UNION ALL
    SELECT p1.organisation_id, p1.stakeholder_id, p2.stakeholder_id, similarity(p1.name, p2.name)::float
    FROM people p1
    JOIN people p2 ON p2.organisation_id = p1.organisation_id AND p1.stakeholder_id < p2.stakeholder_id
    WHERE p1.organisation_people <= %(large_organisation)s
)"""
CANDIDATES_SQL = f"""
WITH addresses AS MATERIALIZED (
    SELECT id, unnest(emails) AS email FROM contacts_stakeholder
),
personal_addresses AS (
    SELECT email FROM addresses GROUP BY email HAVING count(DISTINCT id) BETWEEN 2 AND {SHARED_MAILBOX}
),
email_pairs AS (
    SELECT a.id AS first_id, b.id AS second_id, 1.0::float AS score, 'email' AS reason, a.email AS detail
    FROM addresses a JOIN addresses b ON a.email = b.email AND a.id < b.id
    WHERE a.email IN (SELECT email FROM personal_addresses)
),
{NAME_SCORES_SQL},
name_pairs AS (
    SELECT scored.first_id, scored.second_id, scored.score, 'name' AS reason, o.name AS detail
    FROM scored JOIN contacts_organisation o ON o.id = scored.organisation_id
    WHERE scored.score >= %(threshold)s
),
pairs AS (
    SELECT DISTINCT ON (first_id, second_id) first_id, second_id, score, reason, detail
    FROM (SELECT * FROM email_pairs UNION ALL SELECT * FROM name_pairs) found
    ORDER BY first_id, second_id, score DESC
)
INSERT INTO contacts_duplicatecandidate (first_id, second_id, similarity, reason, detail)
SELECT first_id, second_id, score, reason, left(detail, 254) FROM pairs
"""

REVIEW_SQL = """
SELECT c.first_id, s1.name, c.second_id, s2.name, c.similarity, c.reason, c.detail
FROM contacts_duplicatecandidate c
JOIN contacts_stakeholder s1 ON s1.id = c.first_id
JOIN contacts_stakeholder s2 ON s2.id = c.second_id
WHERE NOT EXISTS (
    SELECT 1 FROM contacts_duplicatedismissal d WHERE d.first_id = c.first_id AND d.second_id = c.second_id
)
ORDER BY c.similarity DESC, c.first_id, c.second_id
LIMIT %(limit)s OFFSET %(offset)s
"""


def duplicate_pairs(*, limit: int = 50, offset: int = 0) -> list[Pair]:
    """The pairs the last duplicate check found, most alike first, but those marked "not the same person"."""
    with connection.cursor() as cursor:
        cursor.execute(REVIEW_SQL, {"limit": limit, "offset": offset})
        rows = cursor.fetchall()
    pairs = []
    for first_id, first_name, second_id, second_name, score, reason, detail in rows:
        if reason == "email":
            text = _("Same email: %(email)s") % {"email": detail}
        else:
            text = _("Similar names at %(organisation)s") % {"organisation": detail}
        pairs.append(Pair(first_id, first_name, second_id, second_name, score, text))
    return pairs


def ordered_pair(first_id: int, second_id: int) -> tuple[int, int]:
    return (first_id, second_id) if first_id < second_id else (second_id, first_id)

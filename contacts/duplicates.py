"""Finding people who are probably in the register twice: one email, or similar names at one organisation.

Names are compared by trigram similarity, as PostgreSQL's pg_trgm does it: each word, lower-cased and padded
("  li", " li", "li ") is cut into three-letter pieces, and two names score the share of pieces they have in
common (1.0 the same, 0.5 half). "Margret Okafor" and "Margaret Okafor" score about 0.7; two different
people with the same first name at an organisation about 0.3. Accents are removed first, by PostgreSQL's
`immutable_unaccent` (contacts.search): "Zoe Akerlund Nunez" is "Zoë Äkerlund-Ñúñez" typed plainly.

Three readers: the stakeholder form (one new person against the register, by query), the import check (a
file's rows against each organisation's people, with `TrigramIndex` so that only names sharing pieces are
scored), and the duplicate check (every pair in the register, stored for the review page).
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Value
from django.utils.translation import gettext as _

from .models import Stakeholder
from .querysets import held_on_sql
from .search import Unaccented

# Two people at one organisation whose names are at least this similar are probably one person.
NAME_SIMILARITY = 0.5
# Anywhere in the register, only a near-identical name is worth a question.
NAME_SIMILARITY_ANYWHERE = 0.8
_WORD = re.compile(r"[^\W_]+")


def trigrams(text: str) -> frozenset[str]:
    pieces = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        pieces.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(pieces)


def similarity(first: str, second: str) -> float:
    a, b = trigrams(first), trigrams(second)
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


class TrigramIndex:
    """People's names by trigram, to find the most similar name without scoring every name.

    Each person is (id, name, unaccented name): the unaccented names are compared (`Unaccented` gives them,
    as PostgreSQL unaccents), the names as stored are returned.
    """

    def __init__(self, people: Iterable[tuple[int, str, str]]):
        self.people: list[tuple[int, str, frozenset[str]]] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        for pk, name, unaccented in people:
            pieces = trigrams(unaccented)
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


@dataclass(frozen=True)
class Candidate:
    stakeholder: Stakeholder
    reason: str
    similarity: float


def likely_duplicates(
    *, name: str, emails: Iterable[str] = (), organisation=None, exclude_pk: int | None = None, limit: int = 5
) -> list[Candidate]:
    """People already in the register who may be this person, the likeliest first."""
    emails = [email.lower() for email in emails if email]
    found: dict[int, Candidate] = {}
    base = Stakeholder.objects.exclude(pk=exclude_pk) if exclude_pk else Stakeholder.objects.all()
    if emails:
        for stakeholder in base.filter(emails__overlap=emails)[:limit]:
            shared = sorted(set(stakeholder.emails) & set(emails))
            reason = _("Same email: %(email)s") % {"email": ", ".join(shared)}
            found[stakeholder.pk] = Candidate(stakeholder, reason, 1.0)
    name = " ".join(name.split())
    if name:
        typed = Unaccented(Value(name))
        similar = base.annotate(similarity=TrigramSimilarity(Unaccented("name"), typed))
        if organisation is not None:
            at_organisation = similar.at_organisation(organisation).filter(similarity__gte=NAME_SIMILARITY)
            for stakeholder in at_organisation.order_by("-similarity")[:limit]:
                if stakeholder.pk not in found:
                    reason = _("Similar name at %(organisation)s") % {"organisation": organisation}
                    found[stakeholder.pk] = Candidate(stakeholder, reason, stakeholder.similarity)
        # The trigram operator lets the name index find candidates; the score then keeps near-identical ones.
        anywhere = similar.filter(
            TrigramSimilar(Unaccented("name"), typed), similarity__gte=NAME_SIMILARITY_ANYWHERE
        )
        for stakeholder in anywhere.order_by("-similarity")[:limit]:
            if stakeholder.pk not in found:
                found[stakeholder.pk] = Candidate(
                    stakeholder, _("Nearly the same name"), stakeholder.similarity
                )
    ranked = sorted(found.values(), key=lambda candidate: -candidate.similarity)
    return ranked[:limit]


@dataclass(frozen=True)
class Pair:
    first_id: int
    first_name: str
    second_id: int
    second_name: str
    similarity: float
    reason: str


# Every pair in the register, for the duplicate check (contacts.services.duplicates_check) to store.
# Names are compared unaccented. Each current position's name is unaccented once (the materialised `people`):
# unaccented in the pairs' join, a name at an organisation of fifty was unaccented for each of its 49 pairs
# (100,000 people in 2,000 organisations, one process: 18 s, against 11 s comparing names as stored; 9 s so).
CANDIDATES_SQL = f"""
WITH email_pairs AS (
    SELECT a.id AS first_id, b.id AS second_id, 1.0::float AS score, 'email' AS reason, a.email AS detail
    FROM (SELECT id, unnest(emails) AS email FROM contacts_stakeholder) a
    JOIN (SELECT id, unnest(emails) AS email FROM contacts_stakeholder) b ON a.email = b.email AND a.id < b.id
),
people AS MATERIALIZED (
    SELECT p.stakeholder_id, p.organisation_id, immutable_unaccent(s.name) AS name
    FROM contacts_affiliation p
    JOIN contacts_stakeholder s ON s.id = p.stakeholder_id
    WHERE {held_on_sql("p", "%(day)s")}
),
name_pairs AS (
    SELECT p1.stakeholder_id AS first_id, p2.stakeholder_id AS second_id,
           similarity(p1.name, p2.name)::float AS score, 'name' AS reason, o.name AS detail
    FROM people p1
    JOIN people p2 ON p2.organisation_id = p1.organisation_id AND p1.stakeholder_id < p2.stakeholder_id
    JOIN contacts_organisation o ON o.id = p1.organisation_id
    WHERE similarity(p1.name, p2.name) >= %(threshold)s
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

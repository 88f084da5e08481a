"""The search box in every page's header: stakeholders, organisations, interactions and meetings in one list.

Each kind is asked separately, and each query lets an index do the filtering before anything is scored:

- Stakeholders and organisations: the first CANDIDATES rows whose stored tsvector matches every word's
  prefix (GIN) — or, when none does, the rows whose name resembles the words (`%>`, the trigram GIN index on
  the unaccented name) —
  are scored: the name's trigram word similarity plus the full-text rank (normalised to 0 to 1). Scoring every
  match of a short or common word ("mar" matches one person in twenty) would read thousands of rows.
- Stakeholders, when the words are one email address pasted in: those who have it (the GIN index on the
  addresses), ahead of everything else. When they are one phone number, those who have it (the GIN index on
  the numbers' last digits: contacts.search.has_phone_number) come ahead of everything else, and the word
  matches as ever after them: a reference, a date or an amount looks like a number.
- Interactions and meetings: the matching rows (GIN; meetings also by the names of their organiser and of
  those invited, `meetings.querysets.people_matches`, from a GIN index of each meeting's names), newest
  first, at most CANDIDATES of them — so a common
  word does not rank half a million rows — are then kept if the reader may see them
  (`Interaction.objects.visible_to(user)`: a confidential one is found only by those who may read it),
  ranked by full text, and the best few kept. When that leaves too few, and there were more matches than
  candidates, the newest CANDIDATES matches the reader may see are ranked instead (at a million
  interactions: 10 to 40 ms for the first query, 60 to 150 ms for the second).

The scores put a person or organisation whose name matches ahead of the interactions that mention it, and
otherwise order each kind by how well its text matches (a meeting found by a name alone, after those whose
text matches). Accents are ignored on both sides (contacts.search):
"ostergard" finds "Østergård".
"""

from dataclasses import dataclass

from django.contrib.postgres.search import SearchRank
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, Value, When, Window
from django.db.models.functions import Cast, NthValue
from django.utils.translation import gettext as _

from contacts.models import Organisation, Stakeholder
from contacts.search import (
    email_address,
    name_resembles,
    name_word_similarity,
    prefix_query,
    search_terms,
)
from interactions.models import Interaction
from meetings.models import Meeting
from meetings.querysets import people_matches as meetings_by_people

# Full-text rank divided by itself + 1: a score between 0 and 1 whatever the document's length.
RANK_NORMALISATION = 32
CANDIDATES = 200
MIN_LENGTH = 2


@dataclass(frozen=True)
class Result:
    kind: str
    kind_label: str
    title: str
    detail: str
    url: str
    score: float
    badge: str = ""
    when: object = None


def _rank(query):
    return SearchRank(F("search_vector"), query, normalization=RANK_NORMALISATION)


def _named(queryset, query, phrase, *, fields: tuple[str, ...], limit: int, ahead=None) -> list:
    """The best `limit` of the first word matches; the names resembling the words when no word matches.
    With `ahead`, a condition, the rows it holds too, ahead of everything else."""
    score = Cast(name_word_similarity(phrase), FloatField()) + _rank(query)
    if ahead is not None:
        score = Case(When(ahead, then=Value(2.0)), default=score)
    first_matches = queryset.filter(search_vector=query).order_by().values("pk")[:CANDIDATES]
    for matches in (Q(pk__in=first_matches), Q(name_resembles(phrase))):
        if ahead is not None:
            matches |= Q(ahead)
        found = list(
            queryset.filter(matches)
            .only(*fields)
            .annotate(score=score)
            .order_by("-score", "name", "pk")[:limit]
        )
        if found:
            return found
    return []


def _recent_then_ranked(
    visible, matching: Q, query, date_field: str, *, fields: tuple[str, ...], limit: int
) -> list:
    """The best ranked `limit` of the newest CANDIDATES rows `matching` finds (by index) `visible` allows.

    Visibility is first checked on the candidates only: the confidentiality rule's subqueries then run for at
    most CANDIDATES rows instead of for every interaction of every stakeholder the reader owns. When the
    candidates were cut and too few of them may be read (a word mostly found in others' confidential notes),
    the newest CANDIDATES matches the reader may see are ranked instead: slower, but it finds them.
    """
    model = visible.model
    newest_first = (f"-{date_field}", "-pk")
    candidates = model.objects.filter(matching).order_by(*newest_first).values("pk")[:CANDIDATES]
    ranked = list(
        model.objects.filter(pk__in=candidates)
        .annotate(
            # A reader who may see every row (staff and meetings) needs no test: asked anyway, PostgreSQL
            # reads the whole table's ids to answer it.
            readable=Exists(visible.filter(pk=OuterRef("pk")))
            if visible.query.has_filters()
            else Value(True),
            # The last candidate's id if there were as many as asked for (the matches were cut), else NULL.
            last_candidate=Window(NthValue("pk", nth=CANDIDATES)),
            score=_rank(query),
        )
        .only(*fields)
        .order_by("-readable", "-score", *newest_first)[:limit]
    )
    # Rows the reader may not see came back only to say whether the candidates were cut: they go no further.
    found = [row for row in ranked if row.readable]
    if len(found) == limit or not ranked or ranked[0].last_candidate is None:
        return found
    readable = visible.filter(matching).order_by(*newest_first).values("pk")[:CANDIDATES]
    return list(
        model.objects.filter(pk__in=readable)
        .annotate(score=_rank(query))
        .only(*fields)
        .order_by("-score", *newest_first)[:limit]
    )


def _position_or_address(person) -> str:
    """What tells two people of one name apart: their role and organisation, else how they are addressed."""
    position = person.current_position or {}
    return ", ".join(filter(None, [position.get("role"), position.get("organisation_name")])) or (
        person.form_of_address
    )


def global_search(*, user, text: str, per_kind: int = 5) -> list[Result]:
    """The best matches of each kind the user may see, as one list ordered by score."""
    text = " ".join(text.split())
    # An address pasted in is looked for as stored, without "mailto:" or the "<>;" that came around it.
    address = email_address(text)
    text = address or text
    query = prefix_query(text)
    if query is None or len(text) < MIN_LENGTH:
        return []
    phrase = " ".join(search_terms(text))
    results: list[Result] = []

    people_fields = ("pk", "name", "form_of_address", "is_archived")
    people = Stakeholder.objects.visible_to(user).with_current_position()
    # Whoever has the address or number pasted in comes before anything that merely mentions it; the digits
    # may as well be a reference or a date, the address a mistyped one, so its words are looked for too.
    holders = people.having_contact_detail(text)
    for person in _named(people, query, phrase, fields=people_fields, limit=per_kind, ahead=holders):
        results.append(
            Result(
                kind="stakeholder",
                kind_label=_("Stakeholder"),
                title=person.name,
                detail=_position_or_address(person),
                url=person.get_absolute_url(),
                score=person.score,
                badge=_("archived") if person.is_archived else "",
            )
        )

    organisations = _named(
        Organisation.objects.visible_to(user), query, phrase, fields=("pk", "name", "sector"), limit=per_kind
    )
    for organisation in organisations:
        results.append(
            Result(
                kind="organisation",
                kind_label=_("Organisation"),
                title=organisation.name,
                detail=organisation.sector,
                url=organisation.get_absolute_url(),
                score=organisation.score,
            )
        )

    interactions = _recent_then_ranked(
        Interaction.objects.visible_to(user),
        Q(search_vector=query),
        query,
        "occurred_at",
        fields=("pk", "summary", "kind", "occurred_at", "is_confidential"),
        limit=per_kind,
    )
    for interaction in interactions:
        results.append(
            Result(
                kind="interaction",
                kind_label=interaction.get_kind_display(),
                title=interaction.summary,
                detail="",
                when=interaction.occurred_at,
                url=interaction.get_absolute_url(),
                score=interaction.score,
                badge=_("confidential") if interaction.is_confidential else "",
            )
        )

    visible_meetings = Meeting.objects.visible_to(user)
    meeting_fields = ("pk", "title", "starts_at", "status")
    meetings = _recent_then_ranked(
        visible_meetings, Q(search_vector=query), query, "starts_at", fields=meeting_fields, limit=per_kind
    )
    if len(meetings) < per_kind:
        # Then those found by who is in them: taken with the text's matches, a common name's many meetings
        # (a weekly series) filled the candidates and pushed out the meeting whose title was asked for.
        meetings += _recent_then_ranked(
            visible_meetings,
            meetings_by_people(text) & ~Q(pk__in=[meeting.pk for meeting in meetings]),
            query,
            "starts_at",
            fields=meeting_fields,
            limit=per_kind - len(meetings),
        )
    for meeting in meetings:
        results.append(
            Result(
                kind="meeting",
                # Not "Meeting": that is how an interaction of that kind reads, the record of one held.
                kind_label=_("Scheduled meeting"),
                title=meeting.title,
                detail="",
                when=meeting.starts_at,
                url=meeting.get_absolute_url(),
                score=meeting.score,
                badge=meeting.get_status_display() if meeting.status != "planned" else "",
            )
        )
    return sorted(results, key=lambda result: -result.score)

"""How a search box's words become a PostgreSQL query: full-text by word prefix, names also by trigram."""

import re

from django.contrib.postgres.search import SearchQuery, TrigramWordSimilarity
from django.db.models import Q, QuerySet

SEARCH_CONFIG = "simple"
_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(text: str) -> list[str]:
    return _WORD.findall(text.lower())[:8]


def prefix_query(text: str) -> SearchQuery | None:
    """Every word must match the start of a word: "marg okaf" finds "Margaret Okafor"."""
    terms = search_terms(text)
    if not terms:
        return None
    return SearchQuery(" & ".join(f"{term}:*" for term in terms), search_type="raw", config=SEARCH_CONFIG)


def search_by_name(queryset: QuerySet, text: str, *, name_field: str = "name") -> QuerySet:
    """Rows whose text matches every word's prefix, or whose name resembles the words (misspellings).

    Both conditions are served by GIN indexes (the stored tsvector and the trigram index on the name);
    results come best match first.
    """
    query = prefix_query(text)
    if query is None:
        return queryset
    phrase = " ".join(search_terms(text))
    return (
        queryset.filter(Q(search_vector=query) | Q(**{f"{name_field}__trigram_word_similar": phrase}))
        .annotate(name_similarity=TrigramWordSimilarity(phrase, name_field))
        .order_by("-name_similarity", name_field, "pk")
    )

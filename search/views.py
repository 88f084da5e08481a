from django.shortcuts import render

from .queries import MIN_LENGTH, global_search

DROPDOWN_PER_KIND = 4
PAGE_PER_KIND = 20


def search(request):
    """/search/?q=…: the whole page, or (for the header's search box, through htmx) its dropdown."""
    text = request.GET.get("q", "")[:200]
    dropdown = request.htmx and request.htmx.target == "global-search-results"
    results = global_search(
        user=request.user, text=text, per_kind=DROPDOWN_PER_KIND if dropdown else PAGE_PER_KIND
    )
    template = "search/_dropdown.html" if dropdown else "search/results.html"
    # One letter is not searched: saying that nothing matches it would be wrong.
    too_short = 0 < len(text.strip()) < MIN_LENGTH
    return render(request, template, {"q": text.strip(), "results": results, "too_short": too_short})

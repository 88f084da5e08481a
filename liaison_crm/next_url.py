"""Where to go after a form: the page that sent it (`next`), if it is on this site, else a default."""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, default) -> str:
    """`next` from the form, or `default` (a URL, a URL name or a model): never another site's address."""
    following = request.POST.get("next") or request.GET.get("next") or ""
    if following and url_has_allowed_host_and_scheme(
        following, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return following
    return resolve_url(default)

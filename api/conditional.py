"""ETags for optimistic concurrency: a PUT, PATCH or DELETE with a stale If-Match is refused with 412."""

import hashlib
import json

from django.utils.http import parse_etags
from rest_framework.utils.encoders import JSONEncoder

from .errors import PreconditionFailed


def etag_for(data) -> str:
    """A strong ETag of the representation: it changes whenever anything the client sees changes."""
    body = json.dumps(data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def matches(header: str | None, etag: str, *, weak: bool) -> bool:
    """Whether the header names `etag`, by RFC 9110's comparisons: If-None-Match compares weakly (`W/"x"`
    names `"x"`); If-Match strongly, where a weak tag never matches, since it does not vouch that the
    representation is the one the write would replace."""
    if header is None:
        return False
    tags = parse_etags(header)
    if weak:
        tags = [tag.removeprefix("W/") for tag in tags]
    return "*" in tags or etag in tags


def require_current(request, etag: str) -> None:
    """Without If-Match the write goes ahead (last write wins); with it, it must name the current ETag."""
    header = request.headers.get("If-Match")
    if header is not None and not matches(header, etag, weak=False):
        raise PreconditionFailed()

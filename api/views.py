import functools
import hashlib

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required, login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import etag
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import mixins, viewsets

from .filtersets import DeletionFilterSet
from .models import Deletion
from .serializers import DeletionSerializer
from .viewsets import ApiViewMixin, keep_private


class SchemaView(ApiViewMixin, SpectacularAPIView):
    """The OpenAPI schema, in YAML or JSON as Accept asks, with the caching headers of every API answer.

    It is the same for every reader (SERVE_PUBLIC), but only given to a token or a signed-in session: it is
    kept `private` all the same, so that no shared cache hands it to a visitor who has neither.
    """


class SignInFirst(ApiViewMixin):
    """The documentation pages are for people: an anonymous visitor is sent to the login page.

    They carry the caching headers of every API answer: the Swagger UI script holds the reader's CSRF token,
    which no shared cache may hand to anyone else, and the pages are for signed-in staff only. They depend on
    the session cookie (in Vary, as the session's own middleware puts it there).
    """

    @classmethod
    def as_view(cls, **initkwargs):
        return login_required(super().as_view(**initkwargs))


# The split view serves its start-up script as a file, so Swagger UI runs under `script-src 'self'`;
# its page keeps one small <style> block.
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class SwaggerView(SignInFirst, SpectacularSwaggerSplitView):
    pass


# Our page starts Redoc from its element rather than an inline script, so scripts stay `'self'`; Redoc writes
# its styles into <style> elements and runs its search in a worker it makes from a blob.
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}), name="dispatch")
class RedocView(SignInFirst, SpectacularRedocView):
    template_name = "api/redoc.html"

    def _redoc_standalone(self):
        return reverse("api-redoc-script")


REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
# Redoc signs its menu "API docs by Redocly" with a logo from its CDN, whatever its options say (`hideLogo`
# is the API's own `x-logo`): our img-src refuses it, and the page would tell Redocly of every reader. An
# empty picture in its place keeps the words and fetches nothing.
REDOCLY_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
NO_LOGO = b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"


@functools.cache
def _redoc_bundle() -> bytes:
    with open(finders.find(REDOC_BUNDLE), "rb") as bundle:
        return bundle.read().replace(REDOCLY_LOGO, NO_LOGO)


@functools.cache
def _redoc_bundle_etag() -> str:
    return '"' + hashlib.sha256(_redoc_bundle()).hexdigest()[:32] + '"'


# The same file for everyone, signed in or not: any cache may keep it, and asks again with its ETag, which
# changes only when the package does (the address does not).
@login_not_required
@cache_control(public=True, no_cache=True)
@etag(lambda request: _redoc_bundle_etag())
def redoc_script(request):
    """Redoc as the sidecar package ships it, but for the logo it would fetch from its CDN."""
    return HttpResponse(_redoc_bundle(), content_type="text/javascript; charset=utf-8")


@csrf_exempt
@login_not_required
def not_found(request, *args, **kwargs):
    response = JsonResponse({"detail": _("No API endpoint at this address.")}, status=404)
    # As every API answer, though it is the same for all: a 404 is kept by caches told nothing, and the
    # address may answer after the next release.
    keep_private(response, vary=["Authorization"])
    return response


class DeletionViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Records deleted, oldest first, so that a tool syncing by `updated_since` can drop its copies.

    Interactions, stakeholders (a duplicate merged into another: `merged_into` names the one kept), positions
    (affiliations), tags and meeting documents. A confidential interaction's deletion is listed only to those
    who could read it when it was deleted; the rest to all staff.

    A confidential interaction that stays but is taken from some who could read it is listed with `reason`
    `hidden` to those who could read it before and cannot now: made confidential; its stakeholders or
    follow-up owner changed; a stakeholder of it given another owner (an edit, a handover, a merge); the
    person who logged or chases it, or owns a stakeholder of it, moved to another team; the reader moved to
    another team or given a lesser role. It no longer comes back in their lists, so drop it. Made readable
    to them again by an edit of the interaction, a merge or a handover of its follow-up, it comes back
    through `updated_since`, changed after this entry's `deleted_at`; what a stakeholder's new owner, a team
    or a role makes readable does not: sync again after those.

    Kept for API_DELETIONS_KEEP_DAYS days (90 unless set): a `since` older than that is answered 410, and the
    tool should sync in full again.
    """

    serializer_class = DeletionSerializer
    filterset_class = DeletionFilterSet
    ordering_fields = ["deleted_at"]
    ordering = ("deleted_at",)
    error_responses = {"410": "`since` is older than the deletions kept: sync in full again."}

    def get_queryset(self):
        return Deletion.objects.visible_to(self.request.user)

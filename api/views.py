from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import mixins, viewsets

from .filtersets import DeletionFilterSet
from .models import Deletion
from .serializers import DeletionSerializer
from .viewsets import ApiViewMixin


class SchemaView(ApiViewMixin, SpectacularAPIView):
    """The OpenAPI schema, in YAML or JSON as Accept asks, with the caching headers of every API answer."""


class SignInFirst:
    """The documentation pages are for people: an anonymous visitor is sent to the login page."""

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


@csrf_exempt
@login_not_required
def not_found(request, *args, **kwargs):
    return JsonResponse({"detail": _("No API endpoint at this address.")}, status=404)


class DeletionViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Records deleted, oldest first, so that a tool syncing by `updated_since` can drop its copies.

    Interactions, stakeholders (a duplicate merged into another: `merged_into` names the one kept), positions
    (affiliations), tags and meeting documents. A confidential interaction's deletion is listed only to those
    who could read it when it was deleted; the rest to all staff. Kept for API_DELETIONS_KEEP_DAYS days
    (90 unless set): a `since` older than that is answered 410, and the tool should sync in full again.
    """

    serializer_class = DeletionSerializer
    filterset_class = DeletionFilterSet
    ordering_fields = ["deleted_at"]
    ordering = ("deleted_at",)
    error_responses = {"410": "`since` is older than the deletions kept: sync in full again."}

    def get_queryset(self):
        return Deletion.objects.visible_to(self.request.user)

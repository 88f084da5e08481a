from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


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

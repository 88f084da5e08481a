from django.contrib.auth.decorators import login_not_required, login_required
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView


class SignInFirst:
    """The documentation pages are for people: an anonymous visitor is sent to the login page."""

    @classmethod
    def as_view(cls, **initkwargs):
        return login_required(super().as_view(**initkwargs))


class SwaggerView(SignInFirst, SpectacularSwaggerView):
    pass


class RedocView(SignInFirst, SpectacularRedocView):
    pass


@csrf_exempt
@login_not_required
def not_found(request, *args, **kwargs):
    return JsonResponse({"detail": _("No API endpoint at this address.")}, status=404)

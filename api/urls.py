"""Mounts each app's API (`<app>/api/urls.py`) under /api/v1/, with the schema and its documentation.

The docs pages need a signed-in session (they redirect to the login page); the schema also takes a token.
"""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from .views import DeletionViewSet, RedocView, SchemaView, SwaggerView, not_found, redoc_script

router = SimpleRouter()
router.register("deletions", DeletionViewSet, basename="deletion")

v1 = [
    path("", include("contacts.api.urls")),
    path("", include("interactions.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("webhooks.api.urls")),
    path("", include("meetings.api.urls")),
    path("", include("commitments.api.urls")),
    path("", include("concerns.api.urls")),
    *router.urls,
]

urlpatterns = [
    path("v1/", include((v1, "api"))),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("docs/redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("docs/redoc/redoc.standalone.js", redoc_script, name="api-redoc-script"),
    re_path(r"^", not_found),
]

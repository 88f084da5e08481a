from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import views as account_views

# A database outage that escapes liaison_crm.outages' middleware is still answered with a 503.
handler500 = "liaison_crm.outages.server_error"
handler400 = "api.errors.bad_request"
handler403 = "accounts.views.permission_denied"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboards:my_day"), name="home"),
    path("", include("contacts.urls")),
    path("", include("interactions.urls")),
    path("", include("meetings.urls")),
    path("", include("commitments.urls")),
    path("", include("concerns.urls")),
    path("", include("outbox.urls")),
    path("", include("dashboards.urls")),
    path("", include("imports.urls")),
    path("", include("search.urls")),
    path("", include("mailin.urls")),
    path("", include("history.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", include("accounts.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCHMARK:
    # The benchmark's calibration endpoints (bench/views.py); never mounted in a normal run.
    urlpatterns.append(path("bench/", include("bench.urls")))

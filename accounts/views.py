import math

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_POST

from liaison_crm.form_errors import add_service_errors

from . import services
from .forms import AccountDetailsForm, ApiTokenForm, StaffPasswordResetForm
from .models import ApiToken, Role
from .permissions import WhoCanHelp
from .throttling import PasswordResetThrottled, password_reset_throttle

# The new key waits in the (server-side) session between the POST and the page that shows it, once.
NEW_TOKEN = "accounts:new_api_token"


@never_cache
def api_tokens(request):
    """Lists the tokens a person may manage and creates one, showing its key once.

    Creating answers with a redirect, so refreshing the page that shows the key does not send the form again
    (and make another token); the key is taken out of the session as it is shown.
    """
    form = ApiTokenForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created, key = services.api_token_create(
                user=form.cleaned_data["user"], name=form.cleaned_data["name"], actor=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session[NEW_TOKEN] = {"name": created.name, "key": key}
            return redirect("accounts:api_tokens")
    tokens = ApiToken.objects.manageable_by(request.user).select_related("user")
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "new_token": request.session.pop(NEW_TOKEN, None)},
    )


@require_POST
def api_token_revoke(request, pk):
    token = get_object_or_404(ApiToken.objects.manageable_by(request.user).select_related("user"), pk=pk)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:api_tokens")


def account(request):
    """My account: who the CRM takes you for, and your own name, email address and time zone to change."""
    user = request.user
    form = AccountDetailsForm(
        request.POST or None, initial={name: getattr(user, name) for name in services.OWN_DETAILS}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_details_update(user=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your account is saved."))
            return redirect("accounts:account")
    roles = [Role(name).label for name in Role.values if name in user.role_names]
    return render(request, "accounts/account.html", {"form": form, "roles": roles})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        services.user_password_change(user=form.user, password=form.cleaned_data["new_password1"])
        # The new password signs out every other session of the account; this one stays signed in.
        update_session_auth_hash(self.request, form.user)
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    extra_email_context = {"site_url": settings.SITE_URL}

    def form_valid(self, form):
        refusal = password_reset_throttle(
            email=form.cleaned_data["email"],
            # The client as django-axes sees it, so sign-in lockouts and this limit agree on who asked.
            client_ip=get_client_ip_address(self.request),
        )
        if refusal is None:
            return super().form_valid(form)
        if refusal.reason is PasswordResetThrottled.ADDRESS:
            # Nothing sent, and the page a sent reset leads to: it must not tell whether the address has an
            # account.
            return HttpResponseRedirect(self.get_success_url())
        minutes = None if refusal.retry_after is None else math.ceil(refusal.retry_after / 60)
        response = render(
            self.request, "registration/password_reset_throttled.html", {"minutes": minutes}, status=429
        )
        if refusal.retry_after is not None:
            response["Retry-After"] = str(refusal.retry_after)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        services.user_password_change(
            user=form.user, password=form.cleaned_data["new_password1"], forgotten=True
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


@requires_csrf_token
def permission_denied(request, exception):
    """handler403: the reason, and who could lift it, both as the refusal gives them
    (accounts.permissions.require). A refusal none of ours raised is the reader's manager's to lift."""
    who_can_help = getattr(exception, "who_can_help", WhoCanHelp.MANAGER)
    context = {"exception": str(exception), "who_can_help": who_can_help}
    return render(request, "403.html", context, status=403)

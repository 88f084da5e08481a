from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from liaison_crm.form_errors import add_service_errors

from . import services
from .forms import ApiTokenForm
from .models import ApiToken

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

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


@never_cache
def api_tokens(request):
    """Lists the tokens a person may manage and creates one, showing its key once, on this response only."""
    form = ApiTokenForm(request.POST or None, actor=request.user)
    created = key = None
    if request.method == "POST" and form.is_valid():
        try:
            created, key = services.api_token_create(
                user=form.cleaned_data["user"], name=form.cleaned_data["name"], actor=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = ApiTokenForm(actor=request.user)
    tokens = ApiToken.objects.manageable_by(request.user).select_related("user")
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "created": created, "key": key},
    )


@require_POST
def api_token_revoke(request, pk):
    token = get_object_or_404(ApiToken.objects.manageable_by(request.user).select_related("user"), pk=pk)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:api_tokens")

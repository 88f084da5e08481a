from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from liaison_crm.admin import ReadOnlyAdmin

from . import services
from .models import WebhookDelivery, WebhookEndpoint

SERVICE_FIELDS = ["url", "description", "events", "secret", "active"]


class WebhookEndpointAdminForm(forms.ModelForm):
    secret = forms.CharField(
        label=_("Secret"),
        required=False,
        min_length=16,
        max_length=128,
        # Never written into the page: whoever reads the admin need not learn how deliveries are signed.
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Signs each delivery (X-Liaison-Signature). Left blank, a new endpoint gets one generated and a "
            "saved one keeps its own."
        ),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "secret", "owner", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Blank, as the page shows it: otherwise every save would record the secret as changed.
        self.initial["secret"] = ""


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Endpoints are made and changed through the services, as the API makes them: a secret generated when
    none is given, each event once."""

    form = WebhookEndpointAdminForm
    list_display = ["url", "owner", "events", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "description", "owner__username"]
    list_select_related = ["owner"]

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in SERVICE_FIELDS}
        owner = form.cleaned_data["owner"]
        if change:
            # Read again: the form has already put its blank secret on `obj`.
            saved = WebhookEndpoint.objects.get(pk=obj.pk)
            endpoint = services.webhook_endpoint_update(
                endpoint=saved, actor=request.user, owner=owner, **fields
            )
        else:
            endpoint = services.webhook_endpoint_create(owner=owner, **fields)
        # The admin goes on with `obj` (its log entry and redirect): make it the saved endpoint.
        obj.pk, obj.secret, obj.events = endpoint.pk, endpoint.secret, endpoint.events
        obj.created_at, obj.updated_at = endpoint.created_at, endpoint.updated_at
        obj._state.adding = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The delivery log, read-only; a failed delivery can be sent again."""

    list_display = ["created_at", "endpoint", "event", "status", "attempts", "response_code", "sent_at"]
    list_filter = ["status", "event"]
    search_fields = ["id", "event_id", "endpoint__url"]
    list_select_related = ["endpoint"]
    actions = ["send_again"]

    @admin.action(description=_("Send the selected failed deliveries again"))
    def send_again(self, request, queryset):
        for delivery in queryset.select_related("endpoint"):
            services.delivery_retry(delivery=delivery, actor=request.user)

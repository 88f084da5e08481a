from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from liaison_crm.admin import ReadOnlyAdmin

from . import services
from .models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    # The signing secret is its owner's, shown once when the endpoint is made.
    exclude = ["secret"]
    list_display = ["url", "owner", "events", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "description", "owner__username"]
    list_select_related = ["owner"]


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

from django.contrib import admin

from .models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    """Read-only: messages are written by the outbox services and re-sent from the outbox page."""

    list_display = ["created_at", "status", "kind", "to", "subject", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["key", "to", "subject", "group"]
    # The outbox grows without end: no exact count on every page.
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

from django.contrib import admin

from liaison_crm.admin import ReadOnlyAdmin

from .models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: messages are written by the outbox services and re-sent from the outbox page."""

    list_display = ["created_at", "status", "kind", "to", "subject", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["key", "to", "subject", "group", "topic"]
    # The outbox grows without end: no exact count on every page.
    show_full_result_count = False

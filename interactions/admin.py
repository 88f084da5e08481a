from django.contrib import admin

from liaison_crm.admin import ReadOnlyAdmin

from .models import Interaction


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Administrators see every interaction, confidential ones included."""

    list_display = ["summary", "kind", "occurred_at", "logged_by", "sentiment", "is_confidential"]
    list_filter = ["kind", "direction", "sentiment", "is_confidential"]
    search_fields = ["summary"]
    date_hierarchy = "occurred_at"

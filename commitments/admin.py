from django.contrib import admin

from .models import Commitment


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["description", "direction", "stakeholder", "owner", "due_on", "renews_on", "status"]
    list_filter = ["status", "direction"]
    search_fields = ["description", "stakeholder__name"]
    date_hierarchy = "due_on"
    list_select_related = ["stakeholder", "owner"]
    raw_id_fields = [
        "stakeholder",
        "organisation",
        "owner",
        "source_interaction",
        "source_meeting",
        "created_by",
    ]
    readonly_fields = ["overdue_notified_at", "created_at", "updated_at"]

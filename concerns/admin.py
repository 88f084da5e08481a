from django.contrib import admin

from .models import Concern


@admin.register(Concern)
class ConcernAdmin(admin.ModelAdmin):
    list_display = ["title", "stakeholder", "severity", "status", "owner", "raised_on", "escalated_at"]
    list_filter = ["status", "severity"]
    search_fields = ["title", "stakeholder__name"]
    date_hierarchy = "raised_on"
    list_select_related = ["stakeholder", "owner"]
    raw_id_fields = ["stakeholder", "organisation", "owner", "interactions", "created_by"]
    readonly_fields = ["escalated_at", "created_at", "updated_at"]

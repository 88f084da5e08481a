from django.contrib import admin

from liaison_crm.admin import ReadOnlyAdmin

from .models import Concern


@admin.register(Concern)
class ConcernAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["title", "stakeholder", "severity", "status", "owner", "raised_on", "escalated_at"]
    list_filter = ["status", "severity"]
    search_fields = ["title", "stakeholder__name"]
    date_hierarchy = "raised_on"
    list_select_related = ["stakeholder", "owner"]

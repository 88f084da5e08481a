from django.contrib import admin

from liaison_crm.admin import ReadOnlyAdmin

from .models import Commitment


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["description", "direction", "stakeholder", "owner", "due_on", "renews_on", "status"]
    list_filter = ["status", "direction"]
    search_fields = ["description", "stakeholder__name"]
    date_hierarchy = "due_on"
    list_select_related = ["stakeholder", "owner"]

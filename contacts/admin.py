from django.contrib import admin

from .models import Affiliation, MergeRecord, Organisation, PortfolioHandover, Stakeholder, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "country"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["parent", "tags"]


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "engagement_level", "last_contacted_at", "is_archived"]
    list_filter = ["engagement_level", "is_archived", "preferred_channel"]
    search_fields = ["name", "emails"]
    autocomplete_fields = ["tags"]
    raw_id_fields = ["owner"]
    readonly_fields = ["last_contacted_at", "archived_at"]
    inlines = [AffiliationInline]


@admin.register(MergeRecord)
class MergeRecordAdmin(admin.ModelAdmin):
    list_display = ["duplicate_name", "kept_name", "merged_by", "merged_at"]
    search_fields = ["duplicate_name", "kept_name"]
    raw_id_fields = ["kept", "merged_by"]
    readonly_fields = ["duplicate_snapshot", "moved"]


@admin.register(PortfolioHandover)
class PortfolioHandoverAdmin(admin.ModelAdmin):
    """Read only: a handover is made on its page (or through the API), where the service records it."""

    list_display = ["from_officer", "to_officer", "organisation", "handed_over_by", "created_at"]
    list_select_related = ["from_officer", "to_officer", "organisation", "handed_over_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from liaison_crm.admin import ReadOnlyAdmin

from .models import Affiliation, MergeRecord, Organisation, PortfolioHandover, Stakeholder, Tag


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "country"]
    list_filter = ["kind"]
    search_fields = ["name"]


class AffiliationInline(ReadOnlyAdmin, admin.TabularInline):
    model = Affiliation
    extra = 0


@admin.register(Stakeholder)
class StakeholderAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["name", "owner", "engagement_level", "last_contacted_at", "is_archived"]
    list_filter = ["engagement_level", "is_archived", "preferred_channel"]
    search_fields = ["name", "emails"]
    raw_id_fields = ["owner"]
    inlines = [AffiliationInline]


@admin.register(MergeRecord)
class MergeRecordAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["duplicate_name", "kept_name", "merged_by", "merged_at"]
    search_fields = ["duplicate_name", "kept_name"]
    readonly_fields = ["duplicate_snapshot", "moved"]


@admin.register(PortfolioHandover)
class PortfolioHandoverAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read only: a handover is made on its page (or through the API), where the service records it."""

    list_display = ["from_officer", "to_officer", "organisation", "handed_over_by", "created_at"]
    list_select_related = ["from_officer", "to_officer", "organisation", "handed_over_by"]
    date_hierarchy = "created_at"

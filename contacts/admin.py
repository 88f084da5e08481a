from django.contrib import admin

from .models import Affiliation, MergeRecord, Organisation, Stakeholder, Tag


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

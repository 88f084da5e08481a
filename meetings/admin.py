from django.contrib import admin

from .models import ActionItem, AgendaItem, Attendee, Decision, Meeting, MeetingDocument


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


class AttendeeInline(admin.TabularInline):
    model = Attendee
    extra = 0
    raw_id_fields = ["stakeholder", "user"]


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    """Read the record here; schedule and change meetings in the app so attendees are told."""

    list_display = ["title", "starts_at", "organiser", "status"]
    list_filter = ["status"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["organiser", "organisation", "interaction", "series"]
    readonly_fields = ["uid", "sequence", "original_start", "held_at"]
    inlines = [AgendaItemInline, AttendeeInline, DecisionInline]


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["description", "meeting", "owner_user", "owner_stakeholder", "due_on", "status"]
    list_filter = ["status"]
    raw_id_fields = ["meeting", "owner_user", "owner_stakeholder", "created_by"]


@admin.register(MeetingDocument)
class MeetingDocumentAdmin(admin.ModelAdmin):
    list_display = ["name", "meeting", "size", "uploaded_by", "uploaded_at"]
    raw_id_fields = ["meeting", "uploaded_by"]

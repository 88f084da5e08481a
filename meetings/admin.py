from django.contrib import admin

from liaison_crm.admin import ReadOnlyAdmin

from .models import ActionItem, AgendaItem, Attendee, Decision, Meeting, MeetingDocument


class AgendaItemInline(ReadOnlyAdmin, admin.TabularInline):
    model = AgendaItem
    extra = 0


class AttendeeInline(ReadOnlyAdmin, admin.TabularInline):
    model = Attendee
    extra = 0


class DecisionInline(ReadOnlyAdmin, admin.TabularInline):
    model = Decision
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read the record here; schedule and change meetings in the app so attendees are told."""

    list_display = ["title", "starts_at", "organiser", "status"]
    list_filter = ["status"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    inlines = [AgendaItemInline, AttendeeInline, DecisionInline]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["description", "meeting", "owner_user", "owner_stakeholder", "due_on", "status"]
    list_filter = ["status"]


@admin.register(MeetingDocument)
class MeetingDocumentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["name", "meeting", "size", "uploaded_by", "uploaded_at"]

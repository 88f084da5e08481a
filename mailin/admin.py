from django.contrib import admin

from .models import InboundAttachment, InboundMessage


class InboundAttachmentInline(admin.TabularInline):
    model = InboundAttachment
    extra = 0


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "from_address", "author", "status", "received_at"]
    list_filter = ["status", "direction"]
    search_fields = ["subject", "from_address", "message_id"]
    raw_id_fields = ["author", "interaction", "reviewed_by"]
    inlines = [InboundAttachmentInline]

from django.contrib import admin

from liaison_crm.admin import ReadOnlyAdmin

from .models import InboundAttachment, InboundMessage


class InboundAttachmentInline(ReadOnlyAdmin, admin.TabularInline):
    model = InboundAttachment
    extra = 0


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["subject", "from_address", "author", "status", "received_at"]
    list_filter = ["status", "direction"]
    search_fields = ["subject", "from_address", "message_id"]
    inlines = [InboundAttachmentInline]

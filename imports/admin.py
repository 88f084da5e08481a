from django.contrib import admin

from liaison_crm.admin import ReadOnlyAdmin

from .models import ImportJob, ImportMapping


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "original_name",
        "kind",
        "status",
        "total_rows",
        "error_count",
        "created_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "status"]


@admin.register(ImportMapping)
class ImportMappingAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["user", "kind", "updated_at"]

from django.contrib import admin

from .models import ImportJob, ImportMapping


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
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
    readonly_fields = ["errors", "warnings", "duplicates", "preview", "mapping", "headers"]


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "updated_at"]

from django.contrib import admin

from veche.intake.models import ColumnMapping, ImportRun, Outbound, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin[Source]):
    list_display = ["name", "municipality", "channel", "is_active", "last_success_at", "failures"]
    list_filter = ["municipality", "channel", "is_active"]
    readonly_fields = [
        "last_attempt_at",
        "last_success_at",
        "next_attempt_at",
        "failures",
        "last_error",
        "received_total",
    ]


@admin.register(Outbound)
class OutboundAdmin(admin.ModelAdmin[Outbound]):
    list_display = ["case", "kind", "state", "attempts", "created_at", "sent_at"]
    list_select_related = ["case"]
    list_filter = ["state", "kind"]
    readonly_fields = [f.name for f in Outbound._meta.fields]


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin[ColumnMapping]):
    list_display = ["name", "municipality", "kind", "created_at"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin[ImportRun]):
    list_display = ["file_name", "municipality", "kind", "state", "created", "updated", "failed"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]

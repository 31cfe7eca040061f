from django.contrib import admin

from veche.reports.models import Report, ReportTemplate


@admin.register(ReportTemplate)
class ReportTemplateAdmin(admin.ModelAdmin[ReportTemplate]):
    list_display = ["title", "municipality", "kind", "updated_at"]
    list_filter = ["kind", "municipality"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    """Read-only: reports are made by the task, never edited by hand."""

    list_display = ["__str__", "municipality", "state", "progress", "created_at", "finished_at"]
    list_filter = ["kind", "state", "municipality"]
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

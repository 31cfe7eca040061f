from django.contrib import admin
from django.http import HttpRequest

from veche.deadlines.models import CalendarOverride, CalendarYear


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin[CalendarOverride]):
    list_display = ["date", "kind", "municipality", "reason", "updated_at"]
    list_filter = ["kind", "municipality"]
    search_fields = ["reason"]
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    """Loaded with `veche calendar import`, which checks the file; here only seen or
    removed (removing brings back the year shipped with Veche)."""

    list_display = ["year", "imported_at"]
    readonly_fields = ["year", "document", "imported_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from veche.deadlines.models import (
    CalendarOverride,
    CalendarYear,
    Digest,
    Notification,
    ReminderRule,
    StaffContact,
)
from veche.deadlines.reminders import reschedule_reminders


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


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin[ReminderRule]):
    """A change of the ladder makes the running clocks be looked at again on the next run."""

    list_display = [
        "percent",
        "municipality",
        "notify_executor",
        "notify_department_head",
        "notify_block_head",
        "notify_centre_head",
    ]
    list_filter = ["municipality"]

    def save_model(self, request: HttpRequest, obj: ReminderRule, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        reschedule_reminders(obj.municipality)

    def delete_model(self, request: HttpRequest, obj: ReminderRule) -> None:
        super().delete_model(request, obj)
        reschedule_reminders(obj.municipality)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ReminderRule]) -> None:
        super().delete_queryset(request, queryset)
        reschedule_reminders(None)


@admin.register(StaffContact)
class StaffContactAdmin(admin.ModelAdmin[StaffContact]):
    list_display = ["user", "telegram_chat_id", "email_digest", "telegram_digest"]
    raw_id_fields = ["user"]


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin[Digest]):
    """Written by the digest runs; here only seen."""

    list_display = ["day", "user", "items", "emailed_at", "telegram_at", "error"]
    list_filter = ["day"]
    readonly_fields = ["user", "day", "created_at", "items", "emailed_at", "telegram_at", "error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    """Written by the reminder runs; here only seen."""

    list_display = ["created_at", "user", "text", "audience", "read_at", "digested_at"]
    list_filter = ["audience", "step"]
    readonly_fields = [
        "user", "municipality", "case", "clock", "item_key", "subject", "url", "due_at",
        "settled_at", "step", "audience", "text", "created_at", "read_at", "digested_at",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

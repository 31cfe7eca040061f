"""Cases are read-only here: every change goes through cases.services (with its Event)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from veche.cases.models import Case, PersonalDataAccess


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "received_at", "regime", "channel", "status", "department"]
    list_filter = ["municipality", "regime", "channel", "status"]
    search_fields = ["number", "external_id"]
    exclude = ["author", "search_lemmas"]
    show_full_result_count = False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "citizen", "case", "purpose"]
    list_filter = ["purpose"]
    date_hierarchy = "at"

"""Read-only views of the privacy records: they change through privacy.services and the
purge only (each checks rights and writes its trace)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from veche.privacy.models import DestructionAct, LegalHold, RetentionRule


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RetentionRule)
class RetentionRuleAdmin(ReadOnlyAdmin):
    list_display = ["municipality", "regime", "status", "days", "changed_at"]


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnlyAdmin):
    list_display = ["case", "reason", "placed_at", "released_at"]


@admin.register(DestructionAct)
class DestructionActAdmin(ReadOnlyAdmin):
    list_display = ["number", "municipality", "finished_at", "cases_count", "subjects_count"]

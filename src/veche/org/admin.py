from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from veche.org.models import ApiClient, Block, Department, Membership, Municipality, Territory, User


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin[Municipality]):
    list_display = ["name", "oktmo", "time_zone", "case_number_prefix"]
    search_fields = ["name", "oktmo"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin[Territory]):
    list_display = ["name", "kind", "parent", "municipality"]
    list_filter = ["municipality", "kind"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin[Block]):
    list_display = ["name", "head", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ["name", "kind", "block", "phone", "email", "is_active", "municipality"]
    list_filter = ["municipality", "kind", "block", "is_active"]
    search_fields = ["name", "short_name"]


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 0
    autocomplete_fields = ["department", "block"]


@admin.register(User)
class StaffAdmin(UserAdmin[User]):
    inlines = [MembershipInline]
    list_display = ["username", "last_name", "first_name", "position", "is_active", "is_staff"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Должность", {"fields": ("middle_name", "position")}),
    )


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin[ApiClient]):
    """Tokens are issued by `veche apitoken` (shown once); here they can be switched off."""

    list_display = ["name", "user", "token_prefix", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["name", "user", "token_prefix", "created_at", "last_used_at"]
    fields = ["name", "user", "token_prefix", "is_active", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

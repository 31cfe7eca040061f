from django.contrib import admin

from veche.catalog.models import Channel, Topic


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin[Channel]):
    list_display = ["name", "code", "is_active"]
    list_editable = ["is_active"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin[Topic]):
    list_display = ["name", "parent", "severity", "socially_significant", "totk_code", "is_active"]
    list_filter = [
        "socially_significant",
        "severity",
        "is_active",
        ("parent", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "im_name", "totk_code", "pos_code"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["blocks"]

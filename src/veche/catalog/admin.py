from django.contrib import admin

from veche.catalog.models import AnswerTemplate, Channel, Topic


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


@admin.register(AnswerTemplate)
class AnswerTemplateAdmin(admin.ModelAdmin[AnswerTemplate]):
    list_display = ["name", "topic", "municipality", "is_active"]
    list_filter = ["is_active", ("municipality", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "text"]
    autocomplete_fields = ["topic"]

from django.contrib import admin

from veche.feedback.models import QualityPolicy, Repeat, Survey, SurveyPolicy


@admin.register(QualityPolicy)
class QualityPolicyAdmin(admin.ModelAdmin[QualityPolicy]):
    list_display = ("municipality", "blocking")


@admin.register(SurveyPolicy)
class SurveyPolicyAdmin(admin.ModelAdmin[SurveyPolicy]):
    list_display = ("municipality", "on_unhappy", "unhappy_at_most", "unsolved_is_unhappy")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin[Survey]):
    """Read-only: ratings come from citizens only."""

    list_display = ("case", "asked_via", "created_at", "answered_at", "rating", "solved", "outcome")
    list_filter = ("outcome", "asked_via")
    readonly_fields = [f.name for f in Survey._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Repeat)
class RepeatAdmin(admin.ModelAdmin[Repeat]):
    list_display = ("case", "answer", "found_at")
    raw_id_fields = ("case", "answer")

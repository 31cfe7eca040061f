from django.contrib import admin

from veche.feedback.models import QualityPolicy


@admin.register(QualityPolicy)
class QualityPolicyAdmin(admin.ModelAdmin[QualityPolicy]):
    list_display = ("municipality", "blocking")

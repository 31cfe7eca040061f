"""Forms of the publishing pages: times are entered in the municipality's zone, stored in UTC."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import QuerySet

from veche.publishing.models import OfficialPage, PostTemplate

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    """A `datetime-local` input read in the given zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)

    def __init__(self, *, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(input_formats=[DATETIME_LOCAL], **kwargs)
        self.zone = zone

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        return parsed.replace(tzinfo=None).replace(tzinfo=self.zone)


class PostForm(forms.Form):
    page = forms.ModelChoiceField(queryset=OfficialPage.objects.none(), label="Страница")
    text = forms.CharField(
        label="Текст", widget=forms.Textarea(attrs={"rows": 8}), max_length=15_000
    )

    def __init__(self, *args: Any, pages: QuerySet[OfficialPage], zone: ZoneInfo, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["page"].queryset = pages  # type: ignore[attr-defined]
        self.fields["scheduled_at"] = LocalDateTimeField(zone=zone, label="Опубликовать")


class TemplatePlanForm(forms.Form):
    template = forms.ModelChoiceField(queryset=PostTemplate.objects.none(), label="Шаблон")

    def __init__(self, *args: Any, templates: QuerySet[PostTemplate], zone: ZoneInfo, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]
        self.fields["scheduled_at"] = LocalDateTimeField(zone=zone, label="Опубликовать")


class PageForm(forms.ModelForm[OfficialPage]):
    url = forms.URLField(label="Адрес", required=False, assume_scheme="https")

    class Meta:
        model = OfficialPage
        fields = [
            "network",
            "name",
            "institution",
            "department",
            "owner",
            "url",
            "remote_id",
            "token_env",
            "app_key_env",
            "secret_env",
            "category",
            "topics",
            "posts_per_week",
            "max_silence_days",
            "is_active",
            "is_verified",
            "description",
            "phone",
            "address",
            "hours",
            "has_avatar",
            "has_cover",
            "has_widgets",
        ]


def first_error(form: forms.Form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return ""

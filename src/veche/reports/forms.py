"""The «Сформировать» form and the template editor's form."""

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from veche.analytics.indicators import Period
from veche.analytics.params import InvalidParams
from veche.org.models import Municipality
from veche.reports.models import ReportKind
from veche.reports.template import (
    SectionChoice,
    TemplateData,
    default_period,
    parse_period,
    period_code,
    period_label,
)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label="Отчёт", choices=ReportKind.choices, widget=forms.RadioSelect, initial="quarterly"
    )
    period = forms.CharField(
        label="Период",
        max_length=10,
        help_text="квартал — 2026-Q3, месяц — 2026-10",
        widget=forms.TextInput(attrs={"list": "report-periods", "size": 10}),
    )
    municipality = forms.ModelChoiceField(
        label="МО", queryset=Municipality.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, municipalities: QuerySet[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = municipalities
        self.only = municipalities.first() if municipalities.count() == 1 else None
        if self.only is not None:  # nothing to choose: not asked, not required
            field.initial, field.required, field.widget = self.only, False, forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("municipality") and self.only is not None:
            data["municipality"] = self.only
        if "kind" in data and "period" in data:
            try:
                data["parsed"] = parse_period(ReportKind(data["kind"]), data["period"])
            except InvalidParams as exc:
                self.add_error("period", exc.message)
        return data


def recent_periods(today: date) -> list[tuple[str, str]]:
    """The last eight quarters and twelve months, for the period field's suggestions."""
    found: list[tuple[str, str]] = []
    quarter = default_period(ReportKind.QUARTERLY, today)
    for _ in range(8):
        found.append((period_code(quarter), period_label(quarter)))
        quarter = quarter.previous()
    month = default_period(ReportKind.MONTHLY, today)
    for _ in range(12):
        found.append((period_code(month), period_label(month)))
        month = month.previous()
    return found


def initial_period(today: date) -> str:
    period: Period = default_period(ReportKind.QUARTERLY, today)
    return period_code(period)


class TemplateForm(forms.Form):
    """The scalar fields; the sections come as parallel lists (`sections_from`)."""

    title = forms.CharField(label="Заголовок", max_length=300)
    intro = forms.CharField(
        label="Вступление",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="подстановки: {мо} — название МО, {период} — период отчёта",
    )
    signature_position = forms.CharField(label="Должность", max_length=300, required=False)
    signature_name = forms.CharField(label="ФИО", max_length=200, required=False)


def sections_from(post: QueryDict) -> list[SectionChoice]:
    """The sections as posted: `key`, `title` and `order` per row (parallel lists), `enabled`
    the keys ticked; sorted by the order numbers, ties kept in page order."""
    getlist = post.getlist
    keys, titles, orders = getlist("key"), getlist("section_title"), getlist("order")
    enabled = set(getlist("enabled"))
    rows = []
    for n, key in enumerate(keys):
        title = titles[n].strip()[:200] if n < len(titles) else ""
        try:
            order = float(orders[n]) if n < len(orders) else n
        except ValueError:
            order = n
        rows.append((order, n, SectionChoice(key, title, key in enabled)))
    return [choice for *_, choice in sorted(rows, key=lambda r: (r[0], r[1]))]


def template_initial(data: TemplateData) -> dict[str, str]:
    return {
        "title": data.title,
        "intro": data.intro,
        "signature_position": data.signature_position,
        "signature_name": data.signature_name,
    }

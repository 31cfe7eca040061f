"""Forms of the road map pages: they parse and validate, nothing more. Every choice (problem,
territory, department, official) is limited to the road map's municipality, so a form never
offers, nor accepts, another municipality's."""

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from veche.catalog.models import Topic
from veche.org.models import Department, Municipality, Territory, User
from veche.problems.models import Action, Problem, Roadmap
from veche.problems.roadmaps import ActionData, RoadmapData

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _check_year(value: date | None) -> date | None:
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(f"Дата вне {EARLIEST_YEAR}–{LATEST_YEAR} годов.")
    return value


def staff_of(municipality: Municipality) -> QuerySet[User]:
    return (
        User.objects.filter(memberships__municipality=municipality, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}, {obj.position}" if obj.position else obj.display_name


class TopicChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Topic) -> str:
        return f"\u2003{obj.name}" if obj.parent_id else f"{obj.name} (вся группа)"


class RoadmapForm(forms.Form):
    title = forms.CharField(label="Название", max_length=300)
    problem = forms.ModelChoiceField(
        label="Проблема", queryset=Problem.objects.none(), required=False, empty_label="—"
    )
    topic = TopicChoiceField(
        label="Тема или группа тем", queryset=Topic.objects.none(), required=False, empty_label="—"
    )
    territory = forms.ModelChoiceField(
        label="Территория", queryset=Territory.objects.none(), required=False, empty_label="—"
    )
    owner = StaffChoiceField(
        label="Ответственный", queryset=User.objects.none(), required=False, empty_label="—"
    )
    department = forms.ModelChoiceField(
        label="Подразделение", queryset=Department.objects.none(), required=False, empty_label="—"
    )
    started_on = forms.DateField(label="Начало работ", widget=_date_input())
    expected_effect = forms.CharField(
        label="Ожидаемый эффект",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Например: «сообщений о ямах на ул. Ленина меньше на 80 % к августу».",
    )
    target_percent = forms.IntegerField(
        label="Снижение сообщений, %", required=False, min_value=1, max_value=100
    )
    target_date = forms.DateField(label="К дате", required=False, widget=_date_input())
    status = forms.ChoiceField(label="Состояние", choices=Roadmap.Status.choices)
    is_public = forms.BooleanField(
        label="Публиковать ход выполнения (без персональных данных)", required=False
    )

    def __init__(self, data: Any = None, *, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        fields: dict[str, Any] = self.fields
        # Named problems and repeats (the problems list), not every single case's grouping;
        # the road map's own problem stays whatever it is.
        current = self.initial.get("problem") or 0
        fields["problem"].queryset = Problem.objects.filter(
            Q(named_at__isnull=False) | Q(case_count__gt=1) | Q(pk=current),
            municipality=municipality,
        ).order_by("-last_at")
        fields["topic"].queryset = Topic.objects.order_by(
            Coalesce("parent__name", "name"), F("parent_id").asc(nulls_first=True), "name"
        )
        fields["territory"].queryset = Territory.objects.filter(municipality=municipality).order_by(
            "name"
        )
        fields["owner"].queryset = staff_of(municipality)
        fields["department"].queryset = Department.objects.filter(
            municipality=municipality, is_active=True
        )

    def clean_started_on(self) -> date | None:
        return _check_year(self.cleaned_data.get("started_on"))

    def clean_target_date(self) -> date | None:
        return _check_year(self.cleaned_data.get("target_date"))

    def to_data(self) -> RoadmapData:
        data = self.cleaned_data
        return RoadmapData(
            title=data["title"],
            started_on=data["started_on"],
            problem=data["problem"],
            topic=data["topic"],
            territory=data["territory"],
            owner=data["owner"],
            department=data["department"],
            expected_effect=data["expected_effect"],
            target_percent=data["target_percent"],
            target_date=data["target_date"],
            status=data["status"],
            is_public=data["is_public"],
        )

    @staticmethod
    def initial_for(roadmap: Roadmap) -> dict[str, Any]:
        return {
            "title": roadmap.title,
            "problem": roadmap.problem_id,
            "topic": roadmap.topic_id,
            "territory": roadmap.territory_id,
            "owner": roadmap.owner_id,
            "department": roadmap.department_id,
            "started_on": roadmap.started_on,
            "expected_effect": roadmap.expected_effect,
            "target_percent": roadmap.target_percent,
            "target_date": roadmap.target_date,
            "status": roadmap.status,
            "is_public": roadmap.is_public,
        }


class ProgressForm(forms.Form):
    """What the responsible official reports: the state, how far, a note."""

    status = forms.ChoiceField(label="Состояние", choices=Action.Status.choices)
    progress = forms.IntegerField(label="Выполнено, %", min_value=0, max_value=100)
    note = forms.CharField(
        label="Примечание",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ActionForm(ProgressForm):
    title = forms.CharField(label="Мероприятие", max_length=500)
    responsible = StaffChoiceField(
        label="Ответственный", queryset=User.objects.none(), required=False, empty_label="—"
    )
    department = forms.ModelChoiceField(
        label="Подразделение", queryset=Department.objects.none(), required=False, empty_label="—"
    )
    due_on = forms.DateField(label="Срок", widget=_date_input())
    cost = forms.DecimalField(
        label="Стоимость, руб.",
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
    )
    field_order = [
        "title", "responsible", "department", "due_on", "status", "progress", "cost", "note"
    ]  # fmt: skip

    def __init__(self, data: Any = None, *, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["responsible"].queryset = staff_of(municipality)
        fields["department"].queryset = Department.objects.filter(
            municipality=municipality, is_active=True
        )
        fields["progress"].initial = 0

    def clean_due_on(self) -> date | None:
        return _check_year(self.cleaned_data.get("due_on"))

    def to_data(self) -> ActionData:
        data = self.cleaned_data
        return ActionData(
            title=data["title"],
            due_on=data["due_on"],
            responsible=data["responsible"],
            department=data["department"],
            status=data["status"],
            progress=data["progress"],
            cost=data["cost"],
            note=data["note"],
        )

    @staticmethod
    def initial_for(action: Action) -> dict[str, Any]:
        return {
            "title": action.title,
            "responsible": action.responsible_id,
            "department": action.department_id,
            "due_on": action.due_on,
            "status": action.status,
            "progress": action.progress,
            "cost": action.cost,
            "note": action.note,
        }


class DocumentForm(forms.Form):
    file = forms.FileField(label="Документ")

"""Forms of the meeting and instruction pages: they parse and validate, nothing more. Every
choice (a participant, an owner, a department, a problem, a road map) is limited to the
meeting's municipality, so a form never offers, nor accepts, another municipality's."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from veche.org.models import Department, Municipality, User
from veche.problems.meetings import InstructionData, MeetingData
from veche.problems.models import Instruction, Problem, Roadmap

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def staff_of(municipality: Municipality) -> QuerySet[User]:
    return (
        User.objects.filter(memberships__municipality=municipality, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _check_year(value: date | None) -> None:
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(f"Дата вне {EARLIEST_YEAR}–{LATEST_YEAR} годов.")


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}, {obj.position}" if obj.position else obj.display_name


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}, {obj.position}" if obj.position else obj.display_name


class MeetingForm(forms.Form):
    title = forms.CharField(label="Тема", max_length=300)
    held_at = forms.DateTimeField(
        label="Дата и время",
        input_formats=[DATETIME_FORMAT, "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    agenda = forms.CharField(
        label="Повестка", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    participants = StaffMultipleChoiceField(
        label="Участники",
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    guests = forms.CharField(
        label="Другие участники",
        required=False,
        max_length=1000,
        help_text="Не сотрудники Вече: фамилии и организации.",
    )
    minutes = forms.CharField(
        label="Протокол", required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = staff_of(municipality)  # type: ignore[attr-defined]

    def clean_held_at(self) -> Any:
        held_at = self.cleaned_data["held_at"]
        _check_year(held_at.date())
        return held_at

    def data_object(self) -> MeetingData:
        data = self.cleaned_data
        return MeetingData(
            title=data["title"],
            held_at=data["held_at"],
            agenda=data["agenda"],
            participants=list(data["participants"]),
            guests=data["guests"],
            minutes=data["minutes"],
        )


class InstructionForm(forms.Form):
    text = forms.CharField(
        label="Поручение", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = StaffChoiceField(label="Исполнитель", queryset=User.objects.none())
    due_on = forms.DateField(label="Срок", widget=_date_input(), validators=[_check_year])
    controller = StaffChoiceField(
        label="На контроле у", queryset=User.objects.none(), required=False, empty_label="—"
    )
    department = forms.ModelChoiceField(
        label="Подразделение", queryset=Department.objects.none(), required=False, empty_label="—"
    )
    problem = forms.ModelChoiceField(
        label="Проблема", queryset=Problem.objects.none(), required=False, empty_label="—"
    )
    roadmap = forms.ModelChoiceField(
        label="Дорожная карта", queryset=Roadmap.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = staff_of(municipality)
        fields: dict[str, Any] = self.fields
        fields["owner"].queryset = staff
        fields["controller"].queryset = staff
        fields["department"].queryset = Department.objects.filter(
            municipality=municipality, is_active=True
        ).order_by("name")
        # Named problems and real groupings: not every pair the pipeline put together.
        fields["problem"].queryset = Problem.objects.filter(
            Q(named_at__isnull=False) | Q(case_count__gt=1), municipality=municipality
        ).order_by("-last_at", "-pk")
        fields["roadmap"].queryset = (
            Roadmap.objects.filter(municipality=municipality)
            .exclude(status=Roadmap.Status.CANCELLED)
            .order_by("-started_on", "-pk")
        )

    def data_object(self) -> InstructionData:
        data = self.cleaned_data
        return InstructionData(
            text=data["text"],
            owner=data["owner"],
            due_on=data["due_on"],
            controller=data["controller"],
            department=data["department"],
            problem=data["problem"],
            roadmap=data["roadmap"],
        )

    @staticmethod
    def initial_of(instruction: Instruction) -> dict[str, Any]:
        return {
            "text": instruction.text,
            "owner": instruction.owner_id,
            "due_on": instruction.due_on,
            "controller": instruction.controller_id,
            "department": instruction.department_id,
            "problem": instruction.problem_id,
            "roadmap": instruction.roadmap_id,
        }


class ReportForm(forms.Form):
    report = forms.CharField(
        label="Что сделано", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class AcceptForm(forms.Form):
    comment = forms.CharField(label="Замечание", required=False, max_length=5000)


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="Почему возвращено", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_on = forms.DateField(
        label="Новый срок", required=False, widget=_date_input(), validators=[_check_year]
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label="Почему снимается с контроля", max_length=5000)


class RegisterFilter(forms.Form):
    """The instructions register: mine, overdue, by status («на проверке» is an open
    instruction with a report)."""

    STATUSES = [
        ("", "все"),
        ("open", "на исполнении"),
        ("review", "на проверке"),
        ("done", "исполнено"),
        ("cancelled", "снято с контроля"),
    ]

    mine = forms.BooleanField(label="мои", required=False)
    overdue = forms.BooleanField(label="просроченные", required=False)
    status = forms.ChoiceField(label="Состояние", choices=STATUSES, required=False)

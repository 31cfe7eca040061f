"""Forms of the inbox and the case card: they parse and validate input, nothing more.

Choices come from the viewer's scope (`org.selectors`), so a form never offers, nor accepts,
a department, block or territory of a municipality the viewer has no role in.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from veche.cases.models import Answer, Case
from veche.cases.selectors import DUE_FILTERS, SORTS, CaseFilter, visible_cases
from veche.cases.workflow import Regime, Status, allowed_transitions
from veche.catalog.models import Channel, Topic
from veche.org.models import Block, Department, Territory, User
from veche.org.selectors import (
    visible_blocks,
    visible_departments,
    visible_territories,
)
from veche.web.widgets import FastSelect

SORT_LABELS: dict[str, str] = {
    "-received_at": "сначала новые",
    "received_at": "сначала старые",
    "-priority": "по приоритету",
    "number": "по номеру ↑",
    "-number": "по номеру ↓",
}
SORT_CHOICES = [(key, SORT_LABELS.get(key, key)) for key in SORTS]

# Dates outside this range are typos, and the far ends overflow when turned into UTC datetimes.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
MAX_BULK = 500


def _topics() -> QuerySet[Topic]:
    """Groups first, each followed by its topics."""
    return Topic.objects.order_by(
        Coalesce("parent__name", "name"), F("parent_id").asc(nulls_first=True), "name"
    )


class TopicChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    widget = FastSelect  # the rubricator's 540 topics, on every case card

    def label_from_instance(self, obj: Topic) -> str:
        return f"\u2003{obj.name}" if obj.parent_id else obj.name


def _date_input() -> forms.DateInput:
    # <input type="date"> speaks ISO dates whatever the language of the page.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _check_year(value: date | None) -> date | None:
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(f"Дата вне {EARLIEST_YEAR}–{LATEST_YEAR} годов.")
    return value


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class InboxFilterForm(forms.Form):
    """The inbox filters from the query string. A value that does not parse is dropped (and
    named in `ignored`), so a hand-edited URL gives a page, never an error."""

    status = forms.MultipleChoiceField(
        label="Статус", choices=Status.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    regime = forms.ChoiceField(
        label="Режим", choices=[("", "любой"), *Regime.choices], required=False
    )
    channel = forms.ChoiceField(label="Канал", required=False)
    topic = TopicChoiceField(
        label="Тема", queryset=Topic.objects.none(), required=False, empty_label="любая"
    )
    department = forms.ModelChoiceField(
        label="Исполнитель", queryset=Department.objects.none(), required=False, empty_label="любой"
    )
    block = forms.ModelChoiceField(
        label="Блок", queryset=Block.objects.none(), required=False, empty_label="любой"
    )
    territory = forms.ModelChoiceField(
        label="Территория", queryset=Territory.objects.none(), required=False, empty_label="любая"
    )
    received_from = forms.DateField(label="Поступило с", required=False, widget=_date_input())
    received_to = forms.DateField(label="по", required=False, widget=_date_input())
    q = forms.CharField(label="Поиск", required=False, max_length=200)
    urgent = forms.BooleanField(label="только срочные", required=False)
    needs_review = forms.BooleanField(label="нужен разбор", required=False)
    due = forms.ChoiceField(
        label="Срок", choices=[("", "любой"), *DUE_FILTERS.items()], required=False
    )
    sort = forms.ChoiceField(label="Порядок", choices=SORT_CHOICES, required=False)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        fields: dict[str, Any] = self.fields
        fields["channel"].choices = [
            ("", "любой"),
            *Channel.objects.order_by("name").values_list("code", "name"),
        ]
        fields["topic"].queryset = _topics()
        fields["department"].queryset = visible_departments(user)
        fields["block"].queryset = visible_blocks(user)
        fields["territory"].queryset = visible_territories(user)
        fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": "номер или слова из текста"}
        )

    def clean_received_from(self) -> date | None:
        return _check_year(self.cleaned_data.get("received_from"))

    def clean_received_to(self) -> date | None:
        return _check_year(self.cleaned_data.get("received_to"))

    @property
    def ignored(self) -> list[str]:
        """Labels of the filters whose values were not understood and are not applied."""
        self.is_valid()
        return [str(self.fields[name].label) for name in self.errors if name in self.fields]

    @property
    def sort_key(self) -> str:
        self.is_valid()
        return str(self.cleaned_data.get("sort") or "-received_at")

    def to_filter(self) -> CaseFilter:
        self.is_valid()  # fills cleaned_data with the fields that parsed
        data = self.cleaned_data

        def pk(name: str) -> int | None:
            obj = data.get(name)
            return obj.pk if obj is not None else None

        day_from: date | None = data.get("received_from")
        day_to: date | None = data.get("received_to")
        return CaseFilter(
            status=tuple(Status(s) for s in data.get("status") or ()),
            regime=Regime(data["regime"]) if data.get("regime") else None,
            channel=data.get("channel") or None,
            topic_id=pk("topic"),
            department_id=pk("department"),
            block_id=pk("block"),
            territory_id=pk("territory"),
            received_from=_local_midnight(day_from) if day_from else None,
            received_to=_local_midnight(day_to + timedelta(days=1)) if day_to else None,
            text=data.get("q") or "",
            urgent=bool(data.get("urgent")),
            needs_review=bool(data.get("needs_review")),
            due=data.get("due") or "",
            sort=self.sort_key,
        )


class CaseIdsField(forms.Field):
    """The ticked checkboxes of the inbox: many `case` values, each a case id."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        ids = sorted({int(v) for v in value or () if str(v).isdigit() and len(str(v)) < 19})
        if not ids:
            raise ValidationError("Не выбрано ни одного обращения.")
        if len(ids) > MAX_BULK:
            raise ValidationError(f"За один раз можно назначить не более {MAX_BULK} обращений.")
        return ids


class BulkAssignForm(forms.Form):
    case = CaseIdsField(label="Обращения")
    department = forms.ModelChoiceField(
        label="Исполнитель",
        queryset=Department.objects.none(),
        empty_label="— исполнитель —",
        error_messages={"required": "Выберите исполнителя."},
    )

    def __init__(self, data: Any = None, *, user: User) -> None:
        super().__init__(data)
        field: Any = self.fields["department"]
        field.queryset = visible_departments(user).filter(is_active=True)


# --- the case card ------------------------------------------------------------------------------


class CaseActionForm(forms.Form):
    """A form of one action on one case: it knows the case to offer the right choices."""

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        case: Case,
        user: User,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, files, initial=initial)
        self.case = case
        self.user = user


class AssignForm(CaseActionForm):
    prefix = "assign"
    department = forms.ModelChoiceField(
        label="Исполнитель",
        queryset=Department.objects.none(),
        empty_label="— выберите —",
        error_messages={"required": "Выберите исполнителя."},
    )
    comment = forms.CharField(label="Комментарий", required=False, max_length=2000)

    def __init__(self, data: Any = None, files: Any = None, *, case: Case, user: User) -> None:
        super().__init__(data, files, case=case, user=user)
        field: Any = self.fields["department"]
        field.queryset = visible_departments(user).filter(
            municipality_id=case.municipality_id, is_active=True
        )
        field.initial = case.department_id


class TopicForm(CaseActionForm):
    prefix = "topic"
    topic = TopicChoiceField(
        label="Тема", queryset=Topic.objects.none(), required=False, empty_label="— без темы —"
    )

    def __init__(self, data: Any = None, files: Any = None, *, case: Case, user: User) -> None:
        super().__init__(data, files, case=case, user=user)
        field: Any = self.fields["topic"]
        field.queryset = _topics().filter(is_active=True)
        field.initial = case.topic_id


class AcceptPlaceForm(CaseActionForm):
    """Accept the place triage found in the gazetteer: its point and territory, as read."""

    prefix = "place"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        analysis = getattr(self.case, "analysis", None)
        if analysis is None or analysis.place_lat is None or analysis.place_lon is None:
            raise forms.ValidationError("Разбор не нашёл места в справочнике.")
        return data


class AttachForm(CaseActionForm):
    """Evidence for the answer: photos of the work done, an act, a letter."""

    prefix = "attach"
    file = forms.FileField(
        label="Файл (фото, акт, документ)",
        error_messages={"required": "Выберите файл.", "empty": "Файл пустой."},
    )


class StatusForm(CaseActionForm):
    prefix = "status"
    to = forms.ChoiceField(
        label="Новый статус",
        choices=Status.choices,
        error_messages={"required": "Выберите новый статус."},
    )
    comment = forms.CharField(
        label="Комментарий к смене статуса",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "комментарий (необязательно)"}),
    )


class CommentForm(CaseActionForm):
    prefix = "note"
    text = forms.CharField(
        label="Внутренний комментарий",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Напишите текст комментария."},
    )


class AnswerForm(CaseActionForm):
    prefix = "answer"
    kind = forms.ChoiceField(
        label="Вид ответа",
        choices=Answer.Kind.choices,
        initial=Answer.Kind.FINAL,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label="Текст ответа",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Напишите текст ответа."},
    )

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        case: Case,
        user: User,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, files, case=case, user=user, initial=initial)
        # Offer a final answer only where the workflow lets the case go to approval next.
        if Status.ANSWER_DRAFTED not in allowed_transitions(
            Status(case.status), Regime(case.regime)
        ):
            self.fields["kind"].initial = Answer.Kind.INTERIM


def first_error(form: forms.Form) -> str:
    """One readable sentence for the card: the first error of the first invalid field."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        message = str(errors[0])
        return f"{label}: {message}" if label else message
    return "Проверьте введённые данные."


class LinkForm(CaseActionForm):
    """Link the case to another one the viewer can see, found by its registration number."""

    prefix = "link"
    number = forms.CharField(
        label="Номер обращения",
        max_length=32,
        error_messages={"required": "Укажите номер обращения."},
        widget=forms.TextInput(attrs={"placeholder": "например, КЛС-2026-000123"}),
    )
    how = forms.ChoiceField(
        choices=[("merge", "Объединить"), ("duplicate", "Дубликат")],
        error_messages={"required": "Выберите, как связать."},
    )

    def clean_number(self) -> Case:
        number = self.cleaned_data["number"].strip()
        target = (
            visible_cases(self.user)
            .filter(municipality_id=self.case.municipality_id, number__in={number, number.upper()})
            .first()
        )
        if target is None:
            raise forms.ValidationError(f"Обращение {number} не найдено.")
        return target

"""Forms of the problem pages: they parse and validate input, the services decide.

Choices come from the problem's municipality and the viewer's scope, so a form never offers,
nor accepts, a territory, department, block, problem or case from elsewhere.
"""

from typing import Any

from django import forms
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from veche.cases.forms import TopicChoiceField
from veche.cases.models import Case
from veche.catalog.models import Topic
from veche.org.models import Block, Department, Territory, User
from veche.org.selectors import visible_territories
from veche.problems.models import Problem
from veche.problems.selectors import SORTS, ProblemFilter
from veche.problems.services import CAUSE_LENGTH, NAME_LENGTH, ProblemChanges

NAMED_CHOICES = [("", "все"), ("yes", "названные"), ("no", "не названные")]


def _topics() -> QuerySet[Topic]:
    """Groups first, each followed by its topics."""
    return Topic.objects.order_by(
        Coalesce("parent__name", "name"), F("parent_id").asc(nulls_first=True), "name"
    )


class ProblemListForm(forms.Form):
    """The list's filters from the query string. A value that does not parse is dropped (and
    named in `ignored`), so a hand-edited URL gives a page, never an error."""

    q = forms.CharField(label="Название содержит", max_length=200, required=False)
    status = forms.ChoiceField(
        label="Состояние", choices=[("", "любое"), *Problem.Status.choices], required=False
    )
    named = forms.ChoiceField(label="Название", choices=NAMED_CHOICES, required=False)
    topic = TopicChoiceField(
        label="Тема", queryset=Topic.objects.none(), required=False, empty_label="любая"
    )
    territory = forms.ModelChoiceField(
        label="Территория",
        queryset=Territory.objects.none(),
        required=False,
        empty_label="любая",
    )
    sort = forms.ChoiceField(label="Порядок", choices=list(SORTS.items()), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topic: Any = self.fields["topic"]
        topic.queryset = _topics()
        territory: Any = self.fields["territory"]
        territory.queryset = visible_territories(user).order_by("name")
        self.ignored: list[str] = []

    def filters(self) -> ProblemFilter:
        self.is_valid()
        self.ignored = [str(self.fields[name].label) for name in self.errors]
        data = self.cleaned_data
        named = {"yes": True, "no": False}.get(data.get("named") or "")
        topic, territory = data.get("topic"), data.get("territory")
        return ProblemFilter(
            status=data.get("status") or "",
            named=named,
            topic_id=topic.pk if topic else None,
            territory_id=territory.pk if territory else None,
            text=data.get("q") or "",
            sort=data.get("sort") or "last",
        )


class ProblemForm(forms.Form):
    """An officer's edit of a problem: its name, state, cause, topic, place and owner."""

    title = forms.CharField(label="Название", max_length=NAME_LENGTH)
    status = forms.ChoiceField(label="Состояние", choices=Problem.Status.choices)
    cause = forms.CharField(
        label="Первопричина",
        max_length=CAUSE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    topic = TopicChoiceField(
        label="Тема", queryset=Topic.objects.none(), required=False, empty_label="—"
    )
    territory = forms.ModelChoiceField(
        label="Территория", queryset=Territory.objects.none(), required=False, empty_label="—"
    )
    place = forms.CharField(label="Место", max_length=NAME_LENGTH, required=False)
    department = forms.ModelChoiceField(
        label="Ответственное подразделение",
        queryset=Department.objects.none(),
        required=False,
        empty_label="—",
    )
    block = forms.ModelChoiceField(
        label="Отраслевой блок",
        queryset=Block.objects.none(),
        required=False,
        empty_label="по подразделению",
    )

    def __init__(self, *args: Any, problem: Problem, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "title": problem.title,
                "status": problem.status,
                "cause": problem.cause,
                "topic": problem.topic_id,
                "territory": problem.territory_id,
                "place": problem.place,
                "department": problem.department_id,
                "block": problem.block_id,
            },
        )
        super().__init__(*args, **kwargs)
        municipality = problem.municipality_id
        choices: dict[str, QuerySet[Any]] = {
            "topic": _topics(),
            "territory": Territory.objects.filter(municipality_id=municipality).order_by("name"),
            # An inactive department stays offered to the problem it already owns.
            "department": Department.objects.filter(
                Q(is_active=True) | Q(pk=problem.department_id), municipality_id=municipality
            ).order_by("name"),
            "block": Block.objects.filter(municipality_id=municipality).order_by("name"),
        }
        for name, queryset in choices.items():
            field: Any = self.fields[name]
            field.queryset = queryset

    def changes(self) -> ProblemChanges:
        data = self.cleaned_data
        return ProblemChanges(
            title=data["title"],
            status=data["status"],
            cause=data["cause"],
            topic=data["topic"],
            territory=data["territory"],
            place=data["place"],
            department=data["department"],
            block=data["block"],
        )


class MergeForm(forms.Form):
    """The problems, ticked in the search results, that are the same as this one."""

    others = forms.ModelMultipleChoiceField(
        label="Объединить с",
        queryset=Problem.objects.none(),
        error_messages={
            "required": "Отметьте проблемы, которые объединить с этой.",
            "invalid_choice": "Проблема не найдена в этом МО.",
            "invalid_pk_value": "Неверный номер проблемы.",
        },
    )

    def __init__(self, *args: Any, others: QuerySet[Problem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["others"]
        field.queryset = others


class SplitForm(forms.Form):
    """The ticked cases of a problem go to a new problem with this title."""

    cases = forms.ModelMultipleChoiceField(
        label="Обращения",
        queryset=Case.objects.none(),
        error_messages={
            "required": "Отметьте обращения, которые выделить в новую проблему.",
            "invalid_choice": "Обращение не найдено в этой проблеме.",
            "invalid_pk_value": "Неверный номер обращения.",
        },
    )
    title = forms.CharField(
        label="Название новой проблемы",
        max_length=NAME_LENGTH,
        error_messages={"required": "Укажите название новой проблемы."},
    )

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["cases"]
        field.queryset = cases


class MoveForm(forms.Form):
    """The problem a case goes to."""

    target = forms.ModelChoiceField(
        label="Перенести в",
        queryset=Problem.objects.none(),
        error_messages={
            "required": "Выберите проблему, в которую перенести обращение.",
            "invalid_choice": "Проблема не найдена в этом МО.",
        },
    )

    def __init__(self, *args: Any, targets: QuerySet[Problem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["target"]
        field.queryset = targets


def first_error(form: forms.Form) -> str:
    """The first message of an invalid form, for a flash message or an API reply."""
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return "Неверные данные формы."

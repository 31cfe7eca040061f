"""Forms of the staff pages: they parse and validate, nothing more. Territory, problem and road
map are limited to the poll's municipality."""

from typing import Any

from django import forms

from veche.org.models import Municipality, Territory
from veche.participation.discussions import DiscussionData
from veche.participation.models import Poll, Question
from veche.participation.services import PollData
from veche.problems.models import Problem, Roadmap


def _when() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PollForm(forms.Form):
    title = forms.CharField(label="Название", max_length=300)
    description = forms.CharField(label="Описание", widget=forms.Textarea, required=False)
    confirmation = forms.ChoiceField(
        label="Подтверждение голоса", choices=Poll.Confirmation.choices
    )
    territory = forms.ModelChoiceField(
        label="Для жителей территории", queryset=Territory.objects.none(), required=False
    )
    problem = forms.ModelChoiceField(
        label="Проблема", queryset=Problem.objects.none(), required=False
    )
    roadmap = forms.ModelChoiceField(
        label="Дорожная карта", queryset=Roadmap.objects.none(), required=False
    )
    opens_at = forms.DateTimeField(label="Начало", widget=_when(), required=False)
    closes_at = forms.DateTimeField(label="Окончание", widget=_when(), required=False)
    results_public = forms.BooleanField(
        label="Показывать итоги жителям после окончания", required=False, initial=True
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["territory"].queryset = Territory.objects.filter(municipality=municipality)
        fields["problem"].queryset = Problem.objects.filter(municipality=municipality)
        fields["roadmap"].queryset = Roadmap.objects.filter(municipality=municipality)

    def data_object(self) -> PollData:
        d = self.cleaned_data
        return PollData(
            title=d["title"],
            description=d["description"],
            confirmation=d["confirmation"],
            territory=d["territory"],
            problem=d["problem"],
            roadmap=d["roadmap"],
            opens_at=d["opens_at"],
            closes_at=d["closes_at"],
            results_public=d["results_public"],
        )


def poll_initial(poll: Poll) -> dict[str, Any]:
    return {
        "title": poll.title,
        "description": poll.description,
        "confirmation": poll.confirmation,
        "territory": poll.territory_id,
        "problem": poll.problem_id,
        "roadmap": poll.roadmap_id,
        "opens_at": poll.opens_at,
        "closes_at": poll.closes_at,
        "results_public": poll.results_public,
    }


class QuestionForm(forms.Form):
    text = forms.CharField(label="Вопрос", max_length=500)
    kind = forms.ChoiceField(label="Вид", choices=Question.Kind.choices)
    required = forms.BooleanField(label="Обязательный", required=False, initial=True)
    choices = forms.CharField(
        label="Варианты, по одному в строке",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def choice_list(self) -> list[str]:
        return [line[:300] for line in str(self.cleaned_data["choices"]).splitlines()]


class DiscussionForm(forms.Form):
    title = forms.CharField(label="Название", max_length=300)
    document = forms.CharField(label="Текст документа", widget=forms.Textarea(attrs={"rows": 12}))
    opens_at = forms.DateTimeField(label="Начало", widget=_when())
    closes_at = forms.DateTimeField(label="Окончание", widget=_when())

    def data_object(self) -> DiscussionData:
        d = self.cleaned_data
        return DiscussionData(
            title=d["title"],
            document=d["document"],
            opens_at=d["opens_at"],
            closes_at=d["closes_at"],
        )

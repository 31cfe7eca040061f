"""Forms of the routing rules page: a rule, and a trial case for the «Проверить» box.

Choices are those of one municipality, the one whose settings are open; the services check the
same again (`veche.catalog.services`), so a form is a convenience, not the guard.
"""

from typing import Any

from django import forms
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from veche.catalog.models import Channel, RoutingRule, Topic
from veche.catalog.services import NO_CONDITION, RuleData, clean_keywords
from veche.org.models import Department, Municipality, Territory


class TopicChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Groups first, each followed by its topics, indented: a group stands for all of them."""

    def label_from_instance(self, obj: Topic) -> str:
        return f"\u2003{obj.name}" if obj.parent_id else f"{obj.name} (вся группа)"


def topic_choices(current: Topic | None = None) -> QuerySet[Topic]:
    active = Topic.objects.filter(is_active=True)
    if current is not None:
        active = active | Topic.objects.filter(pk=current.pk)
    return active.order_by(
        Coalesce("parent__name", "name"), F("parent_id").asc(nulls_first=True), "name"
    )


def territory_tree(municipality: Municipality) -> list[tuple[Territory, int]]:
    """The municipality's territories in tree order, each with its depth."""
    rows = list(Territory.objects.filter(municipality=municipality).order_by("name"))
    children: dict[int | None, list[Territory]] = {}
    for territory in rows:
        children.setdefault(territory.parent_id, []).append(territory)
    ordered: list[tuple[Territory, int]] = []
    stack = [(t, 0) for t in reversed(children.get(None, []))]
    while stack:
        territory, depth = stack.pop()
        ordered.append((territory, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(territory.pk, [])))
    return ordered


class CaseTopicField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A case's own topic: a topic, never a whole group."""

    def label_from_instance(self, obj: Topic) -> str:
        return f"{obj.parent.name} — {obj.name}" if obj.parent else obj.name


def _territory_field(
    municipality: Municipality, *, empty: str, help_text: str = ""
) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    field: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[type-arg]
        queryset=Territory.objects.filter(municipality=municipality),
        required=False,
        label="Территория",
        help_text=help_text,
    )
    field.choices = [("", empty)] + [
        (t.pk, "\u2003" * depth + t.name) for t, depth in territory_tree(municipality)
    ]
    return field


def _channel_field(*, empty: str, current: Channel | None = None) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    channels = Channel.objects.filter(is_active=True)
    if current is not None:
        channels = channels | Channel.objects.filter(pk=current.pk)
    return forms.ModelChoiceField(
        queryset=channels.order_by("name"), required=False, label="Канал", empty_label=empty
    )


class RoutingRuleForm(forms.Form):
    name = forms.CharField(
        label="Название", max_length=200, required=False, help_text="для себя; можно не заполнять"
    )
    topic = TopicChoiceField(
        queryset=Topic.objects.none(),
        required=False,
        label="Тема или группа тем",
        empty_label="любая",
    )
    keywords = forms.CharField(
        label="Ключевые слова",
        max_length=1000,
        required=False,
        help_text="через запятую; хватит одного; в любой форме: «яма» найдёт «ямы», «ям»",
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label="Исполнитель", empty_label="выберите"
    )
    is_active = forms.BooleanField(label="Действует", required=False, initial=True)

    def __init__(
        self,
        data: Any = None,
        *,
        municipality: Municipality,
        rule: RoutingRule | None = None,
    ) -> None:
        initial = _initial(rule) if rule is not None else None
        super().__init__(data, initial=initial)
        fields: dict[str, Any] = self.fields
        fields["topic"].queryset = topic_choices(rule.topic if rule else None)
        fields["territory"] = _territory_field(
            municipality, empty="любая", help_text="со всем, что входит в неё"
        )
        fields["channel"] = _channel_field(empty="любой", current=rule.channel if rule else None)
        departments = Department.objects.filter(municipality=municipality, is_active=True)
        if rule is not None:
            departments = departments | Department.objects.filter(pk=rule.department_id)
        fields["department"].queryset = departments.order_by("name")
        self.order_fields(
            ["name", "topic", "territory", "channel", "keywords", "department", "is_active"]
        )

    def clean(self) -> dict[str, Any]:
        """Say at once that a rule needs a condition, with the other errors of the form; the
        service checks it again (and everything else)."""
        data = super().clean() or {}
        keywords, problems = clean_keywords(data.get("keywords") or "")
        others = any(data.get(name) for name in ("topic", "territory", "channel"))
        if not (others or keywords or problems):
            self.add_error(None, NO_CONDITION)
        return data

    def rule_data(self) -> RuleData:
        data = self.cleaned_data
        return RuleData(
            department=data["department"],
            name=data["name"],
            topic=data["topic"],
            territory=data["territory"],
            channel=data["channel"],
            keywords=data["keywords"],
            is_active=data["is_active"],
        )


def _initial(rule: RoutingRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "topic": rule.topic_id,
        "territory": rule.territory_id,
        "channel": rule.channel_id,
        "keywords": rule.keywords,
        "department": rule.department_id,
        "is_active": rule.is_active,
    }


class RuleCheckForm(forms.Form):
    """A case as the rules would see it: its text, topic, territory and channel."""

    text = forms.CharField(
        label="Текст обращения",
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Вставьте текст обращения"}),
    )
    topic = CaseTopicField(
        queryset=Topic.objects.none(), required=False, label="Тема", empty_label="не определена"
    )

    def __init__(self, data: Any = None, *, municipality: Municipality) -> None:
        super().__init__(data)
        fields: dict[str, Any] = self.fields
        fields["topic"].queryset = topic_choices().filter(parent__isnull=False)
        fields["territory"] = _territory_field(municipality, empty="не определена")
        fields["channel"] = _channel_field(empty="не указан")

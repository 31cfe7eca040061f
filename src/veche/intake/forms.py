"""Forms of the intake pages: the operator's quick entry and the citizens' public form."""

from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from veche.cases.models import Case
from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.org.access import Action
from veche.org.models import Municipality, User
from veche.org.selectors import actor_scope

# Channels an operator types in by hand (DOMAIN.md §1.2: oral appeals at a reception, calls,
# paper letters); the others arrive by themselves.
MANUAL_CHANNELS = [Channel.Code.PHONE, Channel.Code.RECEPTION, Channel.Code.LETTER]
MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the Django documentation's recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_FILES:
            raise ValidationError(f"Не больше {MAX_FILES} файлов.")
        return [single(item, initial) for item in files]


class TopicField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Topic) -> str:
        return f"{obj.parent.name} — {obj.name}" if obj.parent else obj.name


def topic_choices() -> Any:
    return (
        Topic.objects.filter(parent__isnull=False)
        .select_related("parent")
        .order_by("parent__name", "name")
    )


class OperatorCaseForm(forms.Form):
    """A call, a visit or a paper letter, typed in by the МЦУ operator."""

    municipality = forms.ModelChoiceField(queryset=Municipality.objects.none(), label="МО")
    channel = forms.ChoiceField(
        label="Как поступило", choices=[(c.value, c.label) for c in MANUAL_CHANNELS]
    )
    regime = forms.ChoiceField(label="Режим", choices=Regime.choices, initial=Regime.APPEAL)
    received_at = forms.DateTimeField(
        label="Когда поступило",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M"],
    )
    text = forms.CharField(label="Суть обращения", widget=forms.Textarea(attrs={"rows": 6}))
    topic = TopicField(
        queryset=Topic.objects.none(), required=False, label="Тема", empty_label="не выбрана"
    )
    address_raw = forms.CharField(label="Адрес проблемы", max_length=500, required=False)
    full_name = forms.CharField(label="ФИО заявителя", max_length=300, required=False)
    phone = forms.CharField(label="Телефон", max_length=50, required=False)
    email = forms.EmailField(label="E-mail", required=False)
    postal_address = forms.CharField(label="Почтовый адрес", max_length=500, required=False)
    priority = forms.TypedChoiceField(
        label="Приоритет", choices=Case.Priority.choices, coerce=int, initial=Case.Priority.NORMAL
    )
    attachments = MultipleFileField(label="Файлы (скан письма, фото)", required=False)

    def __init__(self, data: Any = None, files: Any = None, *, user: User) -> None:
        super().__init__(data, files)
        allowed = actor_scope(user).municipality_ids(Action.ASSIGN)
        fields: dict[str, Any] = self.fields
        fields["municipality"].queryset = Municipality.objects.filter(pk__in=allowed)
        if len(allowed) == 1:
            fields["municipality"].initial = next(iter(allowed))
            fields["municipality"].widget = forms.HiddenInput()
        fields["topic"].queryset = topic_choices()
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["received_at"].initial = now

    def clean_received_at(self) -> Any:
        value = self.cleaned_data["received_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise ValidationError("Дата поступления в будущем.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # 59-ФЗ ст. 7 ч. 1 and ст. 11 ч. 1 (DOMAIN.md §1.2–1.3): a written appeal names its
        # author and an address for the answer; without them it is not answered.
        if data.get("regime") == Regime.APPEAL and data.get("channel") == Channel.Code.LETTER:
            if not data.get("full_name"):
                self.add_error("full_name", "Для обращения по 59-ФЗ укажите ФИО (ст. 7).")
            if not (data.get("postal_address") or data.get("email")):
                self.add_error(
                    "postal_address", "Для ответа нужен почтовый адрес или e-mail (ст. 7)."
                )
        return data

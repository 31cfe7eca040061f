"""The upload form and the column-mapping form."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet

from veche.intake.imports.fields import REQUIRED, Field
from veche.intake.models import ImportKind
from veche.org.models import Municipality

AUTO = "auto"
# Header words that suggest a field on the mapping page (the officer confirms each choice).
HINTS: dict[Field, tuple[str, ...]] = {
    Field.EXTERNAL_ID: ("номер сообщения", "номер обращения", "id", "номер"),
    Field.RECEIVED_AT: ("дата создания", "дата поступления", "дата регистрации", "дата"),
    Field.TEXT: ("текст сообщения", "текст обращения", "текст", "описание"),
    Field.SUBJECT: ("заголовок", "тема сообщения"),
    Field.TOPIC: ("подкатегория", "категория", "рубрика", "тема"),
    Field.STATUS: ("статус",),
    Field.DEPARTMENT: ("ответственный", "исполнитель", "отдел"),
    Field.AUTHOR_NAME: ("фио", "заявитель", "автор"),
    Field.AUTHOR_PHONE: ("телефон",),
    Field.AUTHOR_EMAIL: ("e-mail", "email", "почта"),
    Field.ADDRESS: ("адрес",),
    Field.ANSWER: ("текст ответа", "ответ"),
    Field.ANSWERED_AT: ("дата ответа",),
    Field.APPEAL_FLAG: ("59-фз", "обращение"),
}


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="Вид выгрузки",
        choices=[(AUTO, "Определить по заголовкам"), *ImportKind.choices],
        initial=AUTO,
    )
    file = forms.FileField(label="Файл XLSX или CSV")
    municipality = forms.ModelChoiceField(label="МО", queryset=Municipality.objects.none())

    def __init__(self, *args: Any, municipalities: QuerySet[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["municipality"]
        field.queryset = municipalities
        field.empty_label = None
        self.only = municipalities.first() if municipalities.count() == 1 else None
        if self.only is not None:
            field.widget = forms.HiddenInput()
            field.required = False

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.VECHE_MAX_IMPORT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"Файл больше {limit // 2**20} МБ. Разбейте выгрузку на части по датам."
            )
        return upload

    def clean_municipality(self) -> Municipality | None:
        chosen: Municipality | None = self.cleaned_data.get("municipality")
        return chosen or self.only


class MappingForm(forms.Form):
    """One select per Veche field, offering the file's headers."""

    kind = forms.ChoiceField(label="Вид выгрузки", choices=ImportKind.choices)
    name = forms.CharField(label="Название сопоставления", max_length=200)

    def __init__(self, *args: Any, headers: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— нет в файле —"), *((h, h) for h in headers if h)]
        for field in Field:
            self.fields[field.value] = forms.ChoiceField(
                label=field.label,
                choices=choices,
                required=field in REQUIRED,
                initial=_guess(field, headers),
            )

    def columns(self) -> dict[Field, str]:
        return {f: self.cleaned_data[f.value] for f in Field if self.cleaned_data.get(f.value)}

    def field_rows(self) -> list[forms.BoundField]:
        return [self[f.value] for f in Field]


def _guess(field: Field, headers: Sequence[str]) -> str:
    folded = {h.casefold(): h for h in headers if h}
    for hint in HINTS.get(field, ()):
        if hint in folded:
            return folded[hint]
    for hint in HINTS.get(field, ()):
        for low, header in folded.items():
            if len(hint) > 3 and hint in low:
                return header
    return ""

"""The citizens' public form: a message with photos and a pin on the map, with spam checks
that need no outside service (a hidden trap field, a signed time stamp, a link limit)."""

import re
import time
import uuid
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from veche.cases.errors import CaseError
from veche.cases.files import check_upload
from veche.intake.forms import MultipleFileField, TopicField, topic_choices

SALT = "veche.intake.public-form"
MIN_SECONDS = 3  # a person needs longer than this to write anything
MAX_AGE = 24 * 3600
MAX_PHOTOS = 5
MAX_LINKS = 2
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
PHOTO_KINDS = {"jpg", "png", "gif", "webp", "heic", "avif"}


def new_ticket() -> str:
    """The form's signed ticket: when it was shown and a submission id (a double click or a
    resent form files one message, not two)."""
    return signing.dumps({"id": uuid.uuid4().hex, "t": int(time.time())}, salt=SALT)


class PublicReportForm(forms.Form):
    topic = TopicField(
        queryset=topic_choices(), required=False, label="Тема", empty_label="не знаю / другое"
    )
    text = forms.CharField(
        label="Опишите проблему",
        min_length=10,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 5000}),
    )
    address = forms.CharField(label="Адрес или место", max_length=500, required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    photos = MultipleFileField(label="Фотографии (до 5)", required=False)
    full_name = forms.CharField(label="Как к вам обращаться", max_length=300, required=False)
    email = forms.EmailField(label="E-mail для ответа", required=False)
    phone = forms.CharField(label="Телефон", max_length=50, required=False)
    consent = forms.BooleanField(
        label="Согласен(на) на обработку персональных данных для рассмотрения сообщения "
        "(152-ФЗ, ст. 9)",
        error_messages={"required": "Без согласия мы не можем принять сообщение."},
    )
    ticket = forms.CharField(widget=forms.HiddenInput)
    # A trap: hidden from people by CSS, filled in by robots.
    website = forms.CharField(required=False, label="Оставьте пустым")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ticket"].initial = new_ticket()
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean_ticket(self) -> str:
        try:
            ticket = signing.loads(self.cleaned_data["ticket"], salt=SALT, max_age=MAX_AGE)
        except signing.BadSignature:
            raise ValidationError("Форма устарела: обновите страницу и отправьте снова.") from None
        if time.time() - ticket["t"] < MIN_SECONDS:
            raise ValidationError("Форма отправлена слишком быстро. Попробуйте ещё раз.")
        return str(ticket["id"])

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"].strip()
        if len(LINK.findall(text)) > MAX_LINKS:
            raise ValidationError("Слишком много ссылок в тексте.")
        return text

    def clean_photos(self) -> list[UploadedFile]:
        photos: list[UploadedFile] = self.cleaned_data["photos"]
        if len(photos) > MAX_PHOTOS:
            raise ValidationError(f"Не больше {MAX_PHOTOS} фотографий.")
        for photo in photos:
            try:
                kind = check_upload(photo)
            except CaseError as exc:
                raise ValidationError(exc.message) from None
            if kind.extension not in PHOTO_KINDS:
                raise ValidationError(f"«{photo.name}» — не фотография.")
        return photos

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            raise ValidationError("Сообщение не принято.")
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError("Отметка на карте неполная: поставьте её ещё раз.")
        return data

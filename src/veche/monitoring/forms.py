"""The monitoring pages' forms."""

from django import forms

from veche.monitoring.models import MonitoredSource


class SourceForm(forms.ModelForm[MonitoredSource]):
    class Meta:
        model = MonitoredSource
        fields = [
            "municipality",
            "kind",
            "name",
            "address",
            "schedule_minutes",
            "is_active",
            "config",
        ]
        help_texts = {
            "address": "RSS: адрес ленты; ВКонтакте: id владельца стены («-12345») или короткое "
            "имя; Telegram: имя публичного канала.",
            "config": 'ВКонтакте: {"token_env": "ИМЯ_ПЕРЕМЕННОЙ"} — ключ доступа.',
        }

    def clean_schedule_minutes(self) -> int:
        value = int(self.cleaned_data["schedule_minutes"])
        if not 5 <= value <= 24 * 60:
            raise forms.ValidationError("От 5 минут до суток.")
        return value


class WatchWordForm(forms.Form):
    municipality = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    phrase = forms.CharField(max_length=200, label="Слово или фраза")


class FeedQuery(forms.Form):
    source = forms.IntegerField(required=False, min_value=1, label="Источник")
    subject = forms.CharField(required=False, max_length=200, label="Место или слово")
    min_risk = forms.FloatField(required=False, min_value=0, max_value=1, label="Риск от")
    reposts = forms.BooleanField(required=False, label="С репостами")


class HandleForm(forms.Form):
    response = forms.CharField(
        max_length=5000, label="Принятые меры", widget=forms.Textarea(attrs={"rows": 3})
    )

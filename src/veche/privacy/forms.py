"""The forms of the privacy pages: they parse; the services decide."""

from django import forms

from veche.cases.workflow import Regime, Status
from veche.privacy.retention import FINAL_STATUSES
from veche.privacy.services import MAX_RETENTION_DAYS

ANY = [("", "любой")]


class RuleForm(forms.Form):
    municipality = forms.TypedChoiceField(label="МО", coerce=int, choices=[])
    regime = forms.ChoiceField(label="Режим", choices=ANY + list(Regime.choices), required=False)
    status = forms.ChoiceField(
        label="Итоговый статус",
        choices=ANY + [(s.value, s.label) for s in Status if s in FINAL_STATUSES],
        required=False,
    )
    days = forms.IntegerField(label="Срок, дней", min_value=1, max_value=MAX_RETENTION_DAYS)

    def __init__(self, *args: object, municipalities: list[tuple[int, str]], **kwargs: object):
        kwargs.setdefault("auto_id", "id_rule_%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["municipality"].choices = municipalities  # type: ignore[attr-defined]


class HoldForm(forms.Form):
    number = forms.CharField(label="Рег. номер обращения", max_length=32)
    reason = forms.CharField(label="Основание", max_length=500)

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "id_hold_%s")  # the page has two «number» fields
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class SubjectForm(forms.Form):
    number = forms.CharField(label="Рег. номер обращения заявителя", max_length=32)

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "id_subject_%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class AccessFilterForm(forms.Form):
    user = forms.CharField(label="Сотрудник (логин)", max_length=150, required=False)
    citizen = forms.IntegerField(label="Заявитель №", min_value=1, required=False)
    since = forms.DateField(
        label="С", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="По", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RequestDateForm(forms.Form):
    received = forms.DateField(
        label="Запрос получен", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

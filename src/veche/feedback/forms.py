"""The citizen's rating form: 1–5, «Проблема решена?», an optional comment."""

from django import forms

from veche.feedback.services import COMMENT_LENGTH, SCALE, Rating

SOLVED = {"yes": True, "no": False, "unknown": None}


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Оцените ответ",
        choices=[(n, str(n)) for n in SCALE],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Выберите оценку от 1 до 5."},
    )
    solved = forms.ChoiceField(
        label="Проблема решена?",
        choices=[("yes", "Да"), ("no", "Нет"), ("unknown", "Не знаю / пока рано судить")],
        initial="unknown",
        widget=forms.RadioSelect,
        required=False,
    )
    comment = forms.CharField(
        label="Комментарий (необязательно)",
        max_length=COMMENT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_LENGTH}),
    )

    def rating_given(self) -> Rating:
        data = self.cleaned_data
        return Rating(data["rating"], SOLVED.get(data.get("solved") or "unknown"), data["comment"])

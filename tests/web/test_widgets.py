"""The Python-written <select> gives Django's markup, escaped."""

import re

from django import forms

from veche.web.widgets import FastSelect

CHOICES = [
    ("", "---------"),
    ("Группа", [(1, "Ямы <b>"), (2, '"Свет" & тьма')]),
    (3, "\u2003<script>alert(1)</script>"),
]


def _same(html: str) -> str:
    return re.sub(r"\s+", "", html)


def test_fast_select_renders_what_djangos_select_renders() -> None:
    attrs = {"id": "id_topic", "required": True, "disabled": False, "data-x": 'a"b'}
    for value in (None, 2, 3):
        django_html = forms.Select(choices=CHOICES, attrs=attrs).render("topic", value)
        ours = FastSelect(choices=CHOICES, attrs=attrs).render("topic", value)

        assert _same(ours) == _same(django_html)
    assert "<script>" not in ours and "&lt;script&gt;" in ours
    assert '<option value="3" selected>' in ours

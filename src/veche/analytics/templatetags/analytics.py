"""`{{ figure.value|indicator:figure.spec.kind }}` and friends for the analytics pages."""

from django import template

from veche.analytics import formatting

register = template.Library()


@register.filter
def indicator(amount: float | None, kind: str) -> str:
    return formatting.value(kind, amount)


@register.filter
def relative_change(relative: float | None) -> str:
    return formatting.change(relative)

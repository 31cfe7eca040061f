"""Small presentation filters shared by every page."""

from django import template

register = template.Library()


@register.filter
def thousands(value: int | str) -> str:
    """12345 → «12 345» with a no-break space, as Russian typography writes numbers."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,}".replace(",", "\u00a0")

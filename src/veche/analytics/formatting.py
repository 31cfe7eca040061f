"""Indicator values as people read them: «1 234», «83 %», «2,5 ч», «3,5 из 5»."""

from veche.analytics.indicators import Kind

NBSP = "\u00a0"


def number(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}".replace(",", NBSP).replace(".", ",")


def duration(seconds: float) -> str:
    """Minutes under an hour, hours under two days, days beyond."""
    if seconds < 3_600:
        return f"{number(seconds / 60)}{NBSP}мин"
    if seconds < 2 * 86_400:
        return f"{number(seconds / 3_600, 1)}{NBSP}ч"
    return f"{number(seconds / 86_400, 1)}{NBSP}дн"


def value(kind: Kind | str, amount: float | None) -> str:
    if amount is None:
        return "—"
    if kind == Kind.COUNT:
        return number(amount)
    if kind == Kind.SHARE:
        return f"{number(amount * 100, 1 if 0 < amount < 0.1 else 0)}{NBSP}%"
    if kind == Kind.DURATION:
        return duration(amount)
    return number(amount, 1)


def change(relative: float | None) -> str:
    """A relative change: «+12 %», «−3 %», «без изменений»."""
    if relative is None:
        return ""
    if abs(relative) < 0.005:
        return "без изменений"
    sign = "+" if relative > 0 else "−"
    return f"{sign}{number(abs(relative) * 100)}{NBSP}%"

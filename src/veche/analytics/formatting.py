"""Numbers as people read them: «1 234», «83 %», «2,5 ч», «3,5 из 5», «p < 0,001», «3 ряда».
Every analytics page, API summary and explanation formats its numbers here."""

from veche.analytics.indicators import Kind

NBSP = "\u00a0"


def number(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}".replace(",", NBSP).replace(".", ",")


def tenths(value: float) -> str:
    """To a tenth, and a whole number without one: «4», «4,5», «3,2»."""
    return number(value, 0 if float(value).is_integer() else 1)


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


def probability(value: float) -> str:
    """A p-value after «p»: «< 0,001», «= 0,023»."""
    if value < 0.001:
        return "< 0,001"
    return f"= {number(value, 3)}"


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian form for n: 1 ряд, 3 ряда, 11 рядов."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many

"""What a report section produces, independent of the file format: a table of typed values
and, where a picture helps, a chart drawn from some of its columns. `xlsx.py` and `pdf.py`
render the same content, so the workbook and the printout always carry the same figures."""

from dataclasses import dataclass, field
from enum import StrEnum


class Fmt(StrEnum):
    TEXT = "text"
    INT = "int"
    NUMBER = "number"  # a mean, two decimals
    SHARE = "share"  # a fraction 0…1, shown as per cent
    CHANGE = "change"  # a relative change, shown as a signed per cent
    HOURS = "hours"  # a duration in hours
    DAYS = "days"  # a duration in days


@dataclass(frozen=True)
class Num:
    """A value whose format differs from its column's (one row per indicator)."""

    value: float | None
    fmt: Fmt


Value = str | int | float | None | Num


@dataclass(frozen=True)
class Column:
    label: str
    fmt: Fmt = Fmt.TEXT
    width: float = 1.0  # relative, for the PDF


@dataclass(frozen=True)
class Chart:
    """`columns`: the table columns plotted as series, by index; categories come from the
    first column. "barh" suits long labels (topics, departments), "line" time."""

    kind: str  # "bar", "barh" or "line"
    columns: tuple[int, ...]
    title: str = ""


@dataclass
class Content:
    columns: list[Column]
    rows: list[list[Value]] = field(default_factory=list)
    chart: Chart | None = None
    note: str = ""
    empty: str = "Нет данных за период."

    @property
    def wide(self) -> bool:
        """Printed on a landscape page."""
        return sum(c.width for c in self.columns) > 9


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    content: Content


@dataclass
class Document:
    """A generated report before it is written to a file."""

    title: str
    municipality: str
    period: str
    intro: str
    generated: str
    signature_position: str = ""
    signature_name: str = ""
    sections: list[Section] = field(default_factory=list)


SECONDS = {Fmt.HOURS: 3600, Fmt.DAYS: 86400}


def duration(seconds: float | None, fmt: Fmt) -> float | None:
    """Seconds as hours or days (the unit is said in the column label)."""
    return None if seconds is None else seconds / SECONDS[fmt]


def plain(value: Value) -> str | int | float | None:
    return value.value if isinstance(value, Num) else value


def fmt_of(value: Value, column: Column) -> Fmt:
    return value.fmt if isinstance(value, Num) else column.fmt


def shown(value: Value, column: Column) -> str:
    """A value as printed (Russian decimal comma)."""
    raw, fmt = plain(value), fmt_of(value, column)
    if raw is None or raw == "":
        return "—"
    if isinstance(raw, str):
        return raw
    if fmt == Fmt.INT:
        return f"{int(raw):,}".replace(",", "\u00a0")
    if fmt == Fmt.SHARE:
        return f"{raw * 100:.1f}".replace(".", ",") + "\u00a0%"
    if fmt == Fmt.CHANGE:
        return f"{raw * 100:+.1f}".replace(".", ",").replace("-", "−") + "\u00a0%"
    if fmt == Fmt.HOURS:
        return f"{raw:.1f}".replace(".", ",") + "\u00a0ч"
    if fmt == Fmt.DAYS:
        return f"{raw:.1f}".replace(".", ",") + "\u00a0дн."
    return f"{raw:.2f}".replace(".", ",")

"""A report template as data: title, intro, the ordered sections with their titles and
switches, and the signature block; the default of each kind is built here, in code.

The sections a kind can have are listed in `sections.CATALOGUE`. A stored template is read
against that list: a section the code no longer has is dropped, and a section added to the
code after the template was saved is appended switched off, so a municipality's document
never changes without someone deciding it.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from veche.analytics.indicators import Period
from veche.analytics.params import MONTH, QUARTER, InvalidParams
from veche.analytics.slices import MONTHS
from veche.org.models import Municipality
from veche.reports.models import ReportKind, ReportTemplate
from veche.reports.sections import CATALOGUE

TITLES = {
    ReportKind.QUARTERLY: (
        "Отчёт об эффективности работы администрации и подведомственных учреждений "
        "с сообщениями и обращениями граждан"
    ),
    ReportKind.MONTHLY: (
        "Оценка качества ответов на сообщения, поступившие через Платформу обратной связи "
        "и Инцидент Менеджмент"
    ),
}
INTROS = {
    ReportKind.QUARTERLY: (
        "Отчёт подготовлен муниципальным центром управления ({мо}) за {период} по данным "
        "учёта сообщений и обращений граждан, поступивших по всем каналам. Показатели "
        "сравниваются с предыдущим кварталом; сроки ответа считаются от поступления "
        "сообщения, доли — от случаев, по которым показатель известен."
    ),
    ReportKind.MONTHLY: (
        "Оценка качества ответов на сообщения Платформы обратной связи (ПОС) и Инцидент "
        "Менеджмента за {период} ({мо}): своевременность первой реакции и окончательного "
        "ответа, ответы, похожие на отписку, возвраты на доработку и оценки заявителей."
    ),
}
ROMAN = ("I", "II", "III", "IV")


@dataclass
class SectionChoice:
    key: str
    title: str
    enabled: bool = True


@dataclass
class TemplateData:
    title: str
    intro: str
    sections: list[SectionChoice] = field(default_factory=list)
    signature_position: str = ""
    signature_name: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TemplateData":
        return cls(
            title=str(data.get("title", "")),
            intro=str(data.get("intro", "")),
            sections=[SectionChoice(**s) for s in data.get("sections", [])],
            signature_position=str(data.get("signature_position", "")),
            signature_name=str(data.get("signature_name", "")),
        )

    def enabled(self) -> list[SectionChoice]:
        return [s for s in self.sections if s.enabled]

    def intro_for(self, municipality: Municipality, period: Period) -> str:
        """The intro with {мо} and {период} filled in (plain replacement: the text is the
        МЦУ's own and may contain other braces)."""
        return self.intro.replace("{мо}", municipality.name).replace(
            "{период}", period_label(period)
        )


def default_template(kind: ReportKind) -> TemplateData:
    return TemplateData(
        title=TITLES[kind],
        intro=INTROS[kind],
        sections=[SectionChoice(spec.key, spec.title) for spec in CATALOGUE[kind]],
    )


def current_template(municipality: Municipality, kind: ReportKind) -> TemplateData:
    """The municipality's template of the kind, or the default."""
    stored = ReportTemplate.objects.filter(municipality=municipality, kind=kind).first()
    if stored is None:
        return default_template(kind)
    return TemplateData(
        title=stored.title,
        intro=stored.intro,
        sections=known_sections(kind, stored.sections),
        signature_position=stored.signature_position,
        signature_name=stored.signature_name,
    )


def known_sections(kind: ReportKind, stored: list[dict[str, Any]]) -> list[SectionChoice]:
    """The stored choices of sections the code knows, then the ones it added since, off."""
    titles = {spec.key: spec.title for spec in CATALOGUE[kind]}
    found: list[SectionChoice] = []
    for item in stored:
        key = str(item.get("key", ""))
        if key in titles and key not in {s.key for s in found}:
            title = str(item.get("title") or "").strip() or titles[key]
            found.append(SectionChoice(key, title, bool(item.get("enabled", True))))
    seen = {s.key for s in found}
    found += [SectionChoice(k, t, enabled=False) for k, t in titles.items() if k not in seen]
    return found


def period_label(period: Period) -> str:
    """«IV квартал 2026 г.», «ноябрь 2026 г.», or the dates of any other period."""
    start, end = period.start, period.end
    if period == Period.month(start.year, start.month):
        return f"{MONTHS[start.month - 1]} {start.year} г."
    if start.month % 3 == 1 and period == Period.quarter(start.year, start.month // 3 + 1):
        return f"{ROMAN[start.month // 3]} квартал {start.year} г."
    return f"{start:%d.%m.%Y} — {end:%d.%m.%Y}"


def parse_period(kind: ReportKind, text: str) -> Period:
    """«2026-Q3» for the quarterly report, «2026-10» for the monthly one."""
    text = text.strip()
    if kind == ReportKind.QUARTERLY:
        if match := QUARTER.match(text):
            return Period.quarter(int(match[1]), int(match[2]))
        raise InvalidParams(f"Квартал «{text}» не понят: нужен вид 2026-Q3.")
    if match := MONTH.match(text):
        return Period.month(int(match[1]), int(match[2]))
    raise InvalidParams(f"Месяц «{text}» не понят: нужен вид 2026-10.")


def period_code(period: Period) -> str:
    """The period as `parse_period` reads it back (dates for any other period)."""
    start = period.start
    if period == Period.month(start.year, start.month):
        return f"{start:%Y-%m}"
    if start.month % 3 == 1 and period == Period.quarter(start.year, start.month // 3 + 1):
        return f"{start.year}-Q{start.month // 3 + 1}"
    return f"{period.start:%Y-%m-%d}_{period.end:%Y-%m-%d}"


def default_period(kind: ReportKind, today: date) -> Period:
    """The last whole quarter or month before today: what a report is usually due for."""
    last_month = today.replace(day=1) - timedelta(days=1)
    if kind == ReportKind.MONTHLY:
        return Period.month(last_month.year, last_month.month)
    quarter = (today.month - 1) // 3 + 1
    return Period.quarter(today.year, quarter).previous()

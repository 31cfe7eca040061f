"""One export row → what Veche records about its case, or the reasons the row is refused.

A row is refused only when a case cannot be made of it (no key, no date, no text, bytes of
another encoding); a value that cannot be read in an optional column is reported and left
out, and the row is kept.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from veche.cases.services import CaseDraft, CitizenData
from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel
from veche.intake.imports.fields import ADDRESS_PARTS, Field
from veche.intake.imports.history import IM_STEPS, POS_STATUSES, AnswerFact, Facts
from veche.intake.imports.parse import (
    ValueProblem,
    parse_datetime,
    parse_duration,
    parse_flag,
    text,
)
from veche.intake.imports.presets import Columns
from veche.intake.imports.readers import BROKEN
from veche.intake.models import ImportKind

LIMITS = {Field.EXTERNAL_ID: 200, Field.SUBJECT: 500, Field.ADDRESS: 500}


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    reason: str
    skipped: bool  # True: the row was not imported; False: only this value was left out


@dataclass(frozen=True)
class Lookups:
    """Reference data by the names exports use (keys case-folded, «ё» as «е»)."""

    topics: Mapping[str, int] = field(default_factory=dict)
    topic_codes: Mapping[str, int] = field(default_factory=dict)
    departments: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    row: int
    draft: CaseDraft
    facts: Facts
    regime: Regime


def fold(value: str) -> str:
    return " ".join(value.split()).casefold().replace("ё", "е")


class RowReader:
    def __init__(
        self,
        kind: ImportKind,
        columns: Columns,
        headers: Sequence[str],
        *,
        channel: Channel,
        tz: tzinfo,
        lookups: Lookups,
    ) -> None:
        self.kind = kind
        self.columns = columns
        self.headers = headers
        self.channel = channel
        self.tz = tz
        self.lookups = lookups
        self.statuses = IM_STEPS if kind == ImportKind.IM else POS_STATUSES

    def read(self, number: int, values: Sequence[object]) -> tuple[Parsed | None, list[Problem]]:
        """The parsed row (None if refused) and what was wrong in it."""
        cells = _Cells(number, values, self.columns, self.headers)
        broken = cells.broken()
        if broken is not None:
            return None, [broken]
        key = cells.text(Field.EXTERNAL_ID)
        received_at = cells.moment(Field.RECEIVED_AT, self.tz, None)
        body = cells.text(Field.TEXT)
        if not key:
            cells.refuse(Field.EXTERNAL_ID, "нет внешнего номера")
        elif len(key) > LIMITS[Field.EXTERNAL_ID]:
            cells.refuse(Field.EXTERNAL_ID, "внешний номер длиннее 200 знаков")
        if received_at is None and not cells.failed(Field.RECEIVED_AT):
            cells.refuse(Field.RECEIVED_AT, "нет даты поступления")
        if not body:
            cells.refuse(Field.TEXT, "пустой текст")
        refused = [p for p in cells.problems if p.skipped]
        if refused or received_at is None:
            return None, refused
        return self._build(cells, key, received_at, body), cells.problems

    def _build(self, cells: "_Cells", key: str, received_at: datetime, body: str) -> Parsed:
        regime = self._regime(cells)
        facts = Facts(
            received_at=received_at,
            status=self._status(cells),
            department_id=self._department(cells),
            assigned_at=cells.moment(Field.ASSIGNED_AT, self.tz, received_at),
            answers=self._answers(cells, received_at),
            finished_at=cells.moment(Field.FINISHED_AT, self.tz, received_at),
        )
        subject = cells.text(Field.SUBJECT)
        if subject and self.kind == ImportKind.IM:
            subject = f"Инцидент № {subject}"
        draft = CaseDraft(
            channel=self.channel,
            regime=regime,
            text=body,
            received_at=received_at,
            external_id=key,
            subject=subject[: LIMITS[Field.SUBJECT]],
            author=self._author(cells),
            address_raw=self._address(cells)[: LIMITS[Field.ADDRESS]],
            topic_id=self._topic(cells),
        )
        return Parsed(cells.number, draft, facts, regime)

    def _regime(self, cells: "_Cells") -> Regime:
        if self.kind == ImportKind.IM:
            return Regime.INCIDENT
        raw = cells.raw(Field.APPEAL_FLAG)
        try:
            appeal = parse_flag(raw) if raw is not None else False
        except ValueProblem as exc:
            cells.warn(Field.APPEAL_FLAG, f"{exc}; принято «сообщение»")
            appeal = False
        return Regime.APPEAL if appeal else Regime.MESSAGE

    def _status(self, cells: "_Cells") -> Status:
        raw = cells.text(Field.STATUS)
        if raw:
            found = self.statuses.get(fold(raw))
            if found is not None:
                return found
            cells.warn(Field.STATUS, f"статус «{raw}» неизвестен; оставлен «Зарегистрировано»")
            return Status.REGISTERED
        if cells.text(Field.OUTCOME) or cells.text(Field.FINISHED_AT):
            return Status.CLOSED
        return Status.REGISTERED

    def _department(self, cells: "_Cells") -> int | None:
        names = [cells.text(f) for f in (Field.DEPARTMENT, Field.EXECUTOR)]
        for name in names:
            found = self.lookups.departments.get(fold(name)) if name else None
            if found is not None:
                return found
        if any(names):
            field_ = Field.DEPARTMENT if names[0] else Field.EXECUTOR
            cells.warn(field_, f"подразделение «{names[0] or names[1]}» не найдено в справочнике")
        return None

    def _topic(self, cells: "_Cells") -> int | None:
        code = cells.text(Field.TOPIC_CODE)
        if code and code in self.lookups.topic_codes:
            return self.lookups.topic_codes[code]
        name = cells.text(Field.TOPIC)
        found = self.lookups.topics.get(fold(name)) if name else None
        if (name or code) and found is None:
            cells.warn(
                Field.TOPIC if name else Field.TOPIC_CODE,
                f"тема «{name or code}» не найдена в рубрикаторе",
            )
        return found

    def _answers(self, cells: "_Cells", received_at: datetime) -> tuple[AnswerFact, ...]:
        first_at = cells.moment(Field.FIRST_ANSWER_DELAY, self.tz, received_at)
        answer_1_at = cells.moment(Field.ANSWER_1_AT, self.tz, received_at)
        answered_at = cells.moment(Field.ANSWERED_AT, self.tz, received_at)
        items = [
            AnswerFact(cells.text(Field.FIRST_ANSWER), first_at),
            AnswerFact(cells.text(Field.ANSWER_1), answer_1_at),
            AnswerFact(cells.text(Field.ANSWER_2)),
            AnswerFact(cells.text(Field.ANSWER_3)),
            AnswerFact(cells.text(Field.ANSWER), answered_at),
        ]
        unique: dict[str, AnswerFact] = {}
        for item in items:
            if item.text and item.text not in unique:
                unique[item.text] = item
        return tuple(unique.values())

    def _author(self, cells: "_Cells") -> CitizenData | None:
        data = CitizenData(
            full_name=cells.text(Field.AUTHOR_NAME)[:300],
            phone=cells.text(Field.AUTHOR_PHONE)[:50],
            email=cells.text(Field.AUTHOR_EMAIL)[:254],
        )
        return data if any(vars(data).values()) else None

    def _address(self, cells: "_Cells") -> str:
        whole = cells.text(Field.ADDRESS)
        if whole:
            return whole
        return ", ".join(p for p in (cells.text(f) for f in ADDRESS_PARTS) if p)


class _Cells:
    """The cells of one row by Veche field, collecting what could not be read."""

    def __init__(
        self, number: int, values: Sequence[object], columns: Columns, headers: Sequence[str]
    ) -> None:
        self.number = number
        self.values = values
        self.columns = columns
        self.headers = headers
        self.problems: list[Problem] = []
        self._failed: set[Field] = set()

    def raw(self, f: Field) -> object:
        index = self.columns.get(f)
        if index is None or index >= len(self.values):
            return None
        return self.values[index]

    def text(self, f: Field) -> str:
        return text(self.raw(f))

    def header(self, f: Field) -> str:
        index = self.columns.get(f)
        return self.headers[index] if index is not None and index < len(self.headers) else ""

    def problem(self, f: Field, reason: str, *, skipped: bool) -> Problem:
        return Problem(self.number, self.header(f), self.text(f)[:300], reason, skipped)

    def refuse(self, f: Field, reason: str) -> None:
        self.problems.append(self.problem(f, reason, skipped=True))

    def warn(self, f: Field, reason: str) -> None:
        self.problems.append(self.problem(f, reason, skipped=False))

    def failed(self, f: Field) -> bool:
        return f in self._failed

    def moment(self, f: Field, tz: tzinfo, base: datetime | None) -> datetime | None:
        """A date, or for a column holding a duration, `base` plus it."""
        raw = self.raw(f)
        try:
            return parse_datetime(raw, tz)
        except ValueProblem as exc:
            problem: ValueProblem = exc
        if base is not None:
            try:
                delay = parse_duration(raw)
            except ValueProblem as exc:
                problem = exc
            else:
                return base + delay if delay is not None else None
        self._failed.add(f)
        required = f == Field.RECEIVED_AT
        reason = str(problem) if required else f"{problem}; значение не учтено"
        self.problems.append(self.problem(f, reason, skipped=required))
        return None

    def broken(self) -> Problem | None:
        for f in self.columns:
            if BROKEN in self.text(f):
                return self.problem(
                    f,
                    "в значении есть байты не в кодировке файла (UTF-8): строка не загружена; "
                    "пересохраните файл в одной кодировке",
                    skipped=True,
                )
        return None

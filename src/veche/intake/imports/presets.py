"""Which export a file is, told by its header row, and where each Veche field is in it.

Инцидент Менеджмент has a built-in preset: the 42 columns of a real export (DOMAIN.md §3).
No ПОС export header has been published (DOMAIN.md §2.5), so a ПОС file is mapped once by an
officer on the mapping page and found again by its headers (`ColumnMapping`).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from veche.intake.imports.fields import REQUIRED, Field
from veche.intake.models import ColumnMapping, ImportKind

IM_HEADERS: tuple[str, ...] = (
    "Кабинет",
    "ID",
    "Номер инцидента",
    "Отдел",
    "Исполнитель",
    "Общее время первого ответа",
    "Общий текст первого ответа",
    "Время с даты создания инцидента до времени первого ответа",
    "Время с даты создания инцидента до времени первого ответа, рабочее время",
    "Время назначения последнего исполнителя",
    "Время 1го ответа ПИ",
    "Первая реакция с момента назн. ПИ",
    "Уложились или нет после назн. ПИ",
    "Время с начала создания инцидента до окончания",
    "Время отправки первого ответа ПИ на согласование",
    "Время, которое первый ответ ПИ находился на согласовании",
    "Текущий шаг инцидента",
    "Дата создания",
    "Дата окончания",
    "Группа тем",
    "Тема",
    "Регион",
    "Муниципалитет",
    "Населенный пункт",
    "Улица",
    "Дом",
    "Объект старый",
    "Объект",
    "Тип инцидента",
    "Итог",
    "Есть медиафайл в ответе",
    "Есть медиафайл в сообщении",
    "Текст инцидента",
    "1ый ответ ПИ",
    "2ой ответ ПИ",
    "3ий ответ ПИ",
    "Причина закрытия",
    "Аудитория",
    "Вовлеченность",
    "Теги",
    "Время попадания на шаг оценка удовлетворенности",
    "Опрос отправлен",
)

# Veche field → ИМ header. «ID» is the key: «Номер инцидента» is for people and is kept in
# the subject. Columns not listed (audience, tags, …) are not used yet.
IM_COLUMNS: dict[Field, str] = {
    Field.EXTERNAL_ID: "ID",
    Field.SUBJECT: "Номер инцидента",
    Field.RECEIVED_AT: "Дата создания",
    Field.TEXT: "Текст инцидента",
    Field.TOPIC: "Тема",
    Field.DEPARTMENT: "Отдел",
    Field.EXECUTOR: "Исполнитель",
    Field.STATUS: "Текущий шаг инцидента",
    Field.OUTCOME: "Итог",
    Field.MUNICIPALITY: "Муниципалитет",
    Field.SETTLEMENT: "Населенный пункт",
    Field.STREET: "Улица",
    Field.HOUSE: "Дом",
    Field.ASSIGNED_AT: "Время назначения последнего исполнителя",
    Field.FIRST_ANSWER: "Общий текст первого ответа",
    Field.FIRST_ANSWER_DELAY: "Время с даты создания инцидента до времени первого ответа",
    Field.ANSWER_1: "1ый ответ ПИ",
    Field.ANSWER_1_AT: "Время 1го ответа ПИ",
    Field.ANSWER_2: "2ой ответ ПИ",
    Field.ANSWER_3: "3ий ответ ПИ",
    Field.FINISHED_AT: "Дата окончания",
}
# A file is an ИМ export when it has the mapped columns and most of the rest: versions add
# or drop a column now and then, so an exact match is not required.
IM_MIN_SHARE = 0.8

Columns = dict[Field, int]


def normalise(header: object) -> str:
    """A header as it is compared: whitespace collapsed, case folded."""
    return " ".join(str(header or "").split()).casefold()


@dataclass(frozen=True)
class Detected:
    kind: ImportKind
    columns: Columns
    mapping: ColumnMapping | None = None


def detect(headers: Sequence[object], mappings: Iterable[ColumnMapping]) -> Detected | None:
    """The export a header row belongs to: the ИМ preset, or a saved mapping whose columns
    are all present (the one sharing most headers with the file wins). None: unknown."""
    columns = resolve(IM_COLUMNS, headers)
    names = {normalise(h) for h in headers}
    share = len(names & {normalise(h) for h in IM_HEADERS}) / len(IM_HEADERS)
    if columns is not None and share >= IM_MIN_SHARE:
        return Detected(ImportKind.IM, columns)
    best: tuple[int, Detected] | None = None
    for mapping in mappings:
        found = resolve(_fields(mapping.columns), headers)
        if found is None:
            continue
        overlap = len(names & {normalise(h) for h in mapping.headers})
        if best is None or overlap > best[0]:
            best = (overlap, Detected(ImportKind(mapping.kind), found, mapping))
    return best[1] if best else None


def resolve(wanted: Mapping[Field, str], headers: Sequence[object]) -> Columns | None:
    """Field → column index, or None when a mapped header is missing from the file."""
    index = {normalise(h): i for i, h in reversed(list(enumerate(headers))) if normalise(h)}
    columns: Columns = {}
    for field, header in wanted.items():
        if normalise(header) not in index:
            return None
        columns[field] = index[normalise(header)]
    return columns if all(f in columns for f in REQUIRED) else None


def missing_headers(wanted: Mapping[Field, str], headers: Sequence[object]) -> list[str]:
    names = {normalise(h) for h in headers}
    return [h for h in wanted.values() if normalise(h) not in names]


def _fields(raw: Mapping[str, str]) -> dict[Field, str]:
    return {Field(k): v for k, v in raw.items() if k in Field.values and v}

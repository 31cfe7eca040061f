"""A small fixed month, October 2026 in Moscow, whose indicators were counted by hand
(test_indicators.py says what each should be): nine cases with the edge cases — a case
received before the month and answered in it, a reopened case, a redirected case, a paused
clock, a case moved to another department, an answer returned for rework, and an appeal left
open past its due date.

Times are UTC; Moscow is UTC+3. October 2026 starts on a Thursday.
"""

from datetime import UTC, datetime
from typing import Any

from tests.personas import World, make_case
from veche.analytics.indicators import Period
from veche.analytics.rollups import update_rollups
from veche.cases.models import Answer, Case
from veche.cases.services import (
    approve_answer,
    assign_case,
    change_status,
    draft_answer,
    record_answer_sent,
)
from veche.cases.workflow import Regime, Status
from veche.feedback.models import Survey
from veche.feedback.services import Rating, ask, rate_survey
from veche.org.models import Department, User

OCTOBER = Period.month(2026, 10)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# Answers on the merits, each different (the brush-off check flags copies of one answer).
GOOD = {
    "A": "Подрядчик МКУ «Благоустройство» заасфальтирует выбоину у подъезда 2 до {day}; "
    "ответственный — мастер участка Сидоров А. В., тел. 22-33-44.",
    "B": "Остановка на ул. Мира получит новый павильон: контракт № 45 заключён, монтаж "
    "назначен на {day}, контроль за отделом дорожного хозяйства.",
    "C": "Светофор на перекрёстке Садовой и Школьной перенастроят до {day}: заявка "
    "передана ГКУ «Организатор движения», срок исполнения согласован.",
    "E": "Крышу дома 12 по ул. Гагарина отремонтирует управляющая компания «Уют» до {day} "
    "по предписанию жилищной инспекции от 20.10.2026.",
    "F": "Детскую площадку во дворе дома 7 огородят и покрасят до {day}; работы включены в "
    "план МБУ «Городское хозяйство» на ноябрь.",
    "I": "Подвал дома 3 по ул. Лесной откачают до {day}, подрядчик ООО «Водоканал-Сервис» "
    "выезжает по заявке 1187.",
}
QUESTIONS = {
    "A": "У подъезда 2 нашего дома огромная выбоина в асфальте, заасфальтируйте её.",
    "B": "На остановке на ул. Мира сломан павильон, нужен новый павильон.",
    "C": "Светофор на перекрёстке Садовой и Школьной работает неправильно, перенастройте.",
    "D": "Прошу разобраться с работой поликлиники: запись к врачу недоступна.",
    "E": "Течёт крыша дома 12 по ул. Гагарина, отремонтируйте крышу.",
    "F": "Детская площадка во дворе дома 7 без ограждения и облезла, огородите и покрасьте.",
    "G": "Прошу провести капитальный ремонт дома 9 по ул. Кирова.",
    "H": "Во дворе дома 1 по ул. Речной не убирают мусор.",
    "I": "Подвал дома 3 по ул. Лесной затоплен, откачайте воду из подвала.",
}
BRUSH_OFF = "Ваше обращение рассмотрено. Информация принята к сведению."
DAY = 86_400


def at(day: int, hour: int = 6, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def _executor(world: World, department: Department) -> User:
    return world.roads_executor if department == world.roads else world.housing_executor


def _answer(
    world: World,
    case: Case,
    key: str,
    when: datetime,
    *,
    kind: Answer.Kind = Answer.Kind.FINAL,
    text: str = "",
) -> Answer:
    case.refresh_from_db()
    assert case.department is not None
    by = _executor(world, case.department)
    if case.status in {Status.ASSIGNED, Status.REOPENED}:
        change_status(case, Status.IN_WORK, by=by, now=when)
    text = text or GOOD[key].format(day=f"{when.day:02}.{when.month + 1:02}.2026")
    answer = draft_answer(case, text, by=by, now=when, kind=kind)
    approve_answer(answer, by=world.head, now=when)
    return record_answer_sent(answer, at=when, via="manual", by=world.head)


def _case(
    world: World,
    commits: Any,
    key: str,
    department: Department,
    received: datetime,
    regime: Regime = Regime.MESSAGE,
) -> Case:
    with commits(execute=True):  # the clocks start after the case is committed
        return make_case(
            world.municipality,
            text=QUESTIONS[key],
            regime=regime,
            received_at=received,
            department=department,
        )


def _rate(answer: Answer, stars: int, solved: bool, when: datetime) -> None:
    ask(answer, via="email", now=when)
    rate_survey(Survey.objects.get(answer=answer), Rating(stars, solved), via="web", now=when)


def build_october(world: World, commits: Any) -> dict[str, Case]:
    """Nine cases; `update_rollups` runs between steps, as the minute task would."""
    housing, roads = world.housing, world.roads
    cases: dict[str, Case] = {}
    # A: received on 30 September, answered on 2 October (45 h).
    cases["A"] = _case(world, commits, "A", housing, at(30, 12, month=9))
    _answer(world, cases["A"], "A", at(2, 9))
    # B: an interim answer after 2 h, the final one after 4 days; rated 5, solved; closed.
    cases["B"] = b = _case(world, commits, "B", roads, at(1))
    interim = "Выезд специалиста на остановку назначен, о результатах сообщим до 05.10.2026."
    _answer(world, b, "B", at(1, 8), kind=Answer.Kind.INTERIM, text=interim)
    _rate(_answer(world, b, "B", at(5)), 5, True, at(6))
    change_status(b, Status.CLOSED, by=world.head, now=at(7))
    update_rollups()
    # C: answered after a day, rated 2, not solved, reopened and answered again.
    cases["C"] = c = _case(world, commits, "C", roads, at(5))
    _rate(_answer(world, c, "C", at(6)), 2, False, at(7))
    c.refresh_from_db()
    if c.status != Status.REOPENED:
        change_status(c, Status.REOPENED, by=world.head, now=at(7, 7))
    again = "Светофор перенастроен 08.10.2026, режим работы проверен инспектором ГИБДД на месте."
    _answer(world, c, "C", at(8), text=again)
    # D: an appeal redirected to another body the next day, then closed.
    cases["D"] = d = _case(world, commits, "D", housing, at(10), Regime.APPEAL)
    change_status(d, Status.REDIRECTED, by=world.head, now=at(11))
    change_status(d, Status.CLOSED, by=world.head, now=at(12))
    update_rollups()
    # E: answered after 29 days: past the 10 working days of a message.
    cases["E"] = _case(world, commits, "E", housing, at(1))
    _answer(world, cases["E"], "E", at(30))
    # F: on hold for two weeks, answered 18 days after receipt: in time, the pause is not
    # counted.
    cases["F"] = f = _case(world, commits, "F", housing, at(12))
    change_status(f, Status.IN_WORK, by=world.housing_executor, now=at(12, 7))
    change_status(f, Status.ON_HOLD, by=world.housing_executor, now=at(12, 7))
    change_status(f, Status.IN_WORK, by=world.housing_executor, now=at(26, 7))
    _answer(world, f, "F", at(30))
    # G: an appeal still open on 20 November: its 30 days ran out on 31 October.
    cases["G"] = _case(world, commits, "G", housing, at(1), Regime.APPEAL)
    update_rollups()
    # H: with roads first, its draft returned for rework, then moved to housing, whose
    # brush-off answer went out after a day.
    cases["H"] = h = _case(world, commits, "H", roads, at(15))
    change_status(h, Status.IN_WORK, by=world.roads_executor, now=at(15, 7))
    draft_answer(h, "Проект без срока.", by=world.roads_executor, now=at(15, 8))
    change_status(h, Status.IN_WORK, by=world.head, now=at(15, 9))
    assign_case(h, housing, by=world.operator, now=at(15, 10))
    _answer(world, h, "H", at(16), text=BRUSH_OFF)
    # I: all in September, for the previous period.
    cases["I"] = _case(world, commits, "I", housing, at(10, month=9))
    _answer(world, cases["I"], "I", at(11, month=9))
    update_rollups()
    return cases

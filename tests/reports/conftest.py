"""A small fixed dataset for the reports: a few cases taken through the services with answers,
a return for rework, a brush-off, survey ratings, and one case in the previous quarter."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.personas import NOW, World, make_case
from veche.analytics.rollups import update_rollups
from veche.cases.models import Answer, Case
from veche.cases.services import (
    approve_answer,
    change_status,
    change_topic,
    draft_answer,
    record_answer_sent,
)
from veche.cases.workflow import Regime, Status
from veche.feedback.models import Survey
from veche.feedback.services import Rating, rate_survey
from veche.org.models import User

GOOD = (
    "Глубокие ямы во дворе дома 5 по улице Ленина засыпят щебнем и заасфальтируют до 30 ноября: "
    "ремонт поручен подрядчику МБУ «Благоустройство», машины смогут проехать после укладки."
)
EARLIER = (
    "Ямы во дворе дома 5 по улице Ленина включены в план ямочного ремонта на сентябрь: "
    "подрядчик МБУ «Благоустройство» уложит асфальт до 15 сентября, проезд машин сохранится."
)
BRUSH_OFF = (
    "Ваше обращение рассмотрено. Информация принята к сведению. Вопрос будет рассмотрен "
    "в рамках компетенции при наличии финансирования."
)


@dataclass
class Dataset:
    world: World
    answered: Case  # ПОС, ЖКХ, answered well, rated 5
    brushed_off: Case  # ИМ, roads, returned once, then a brush-off, rated 2
    waiting: Case  # ПОС, education, no answer yet
    earlier: Case  # ПОС, ЖКХ, in the previous quarter (August)


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def dataset(world: World, django_capture_on_commit_callbacks: Any) -> Dataset:
    capture = django_capture_on_commit_callbacks

    def case(*args: Any, **kwargs: Any) -> Case:
        with capture(execute=True):  # registration starts the clocks after commit
            return make_case(*args, **kwargs)

    answered = case(world.municipality, department=world.housing)
    change_topic(answered, world.topic_heating, by=world.operator, now=NOW)
    _answer(answered, GOOD, world.housing_executor, world.head, capture, hours=20)
    _rate(answered, 5, True, at=NOW + timedelta(days=1))

    brushed_off = case(
        world.municipality,
        channel="im",
        regime=Regime.INCIDENT,
        department=world.roads,
        received_at=NOW + timedelta(hours=1),
    )
    change_topic(brushed_off, world.topic_pits, by=world.operator, now=NOW + timedelta(hours=1))
    change_status(
        brushed_off, Status.IN_WORK, by=world.roads_executor, now=NOW + timedelta(minutes=90)
    )
    draft_answer(brushed_off, "Проверим.", by=world.roads_executor, now=NOW + timedelta(hours=2))
    change_status(
        brushed_off, Status.IN_WORK, by=world.head, now=NOW + timedelta(hours=3), comment="мало"
    )
    _answer(brushed_off, BRUSH_OFF, world.roads_executor, world.head, capture, hours=30)
    _rate(brushed_off, 2, False, at=NOW + timedelta(days=2))

    waiting = case(
        world.municipality, department=world.education, received_at=NOW + timedelta(days=2)
    )
    earlier = case(
        world.municipality, department=world.housing, received_at=NOW - timedelta(days=100)
    )
    _answer(earlier, EARLIER, world.housing_executor, world.head, capture, hours=50)
    make_case(world.neighbour, department=world.neighbour_housing)  # never in these reports
    update_rollups()
    return Dataset(world, answered, brushed_off, waiting, earlier)


def _answer(case: Case, text: str, executor: User, head: User, capture: Any, *, hours: int) -> None:
    case.refresh_from_db()
    at = case.received_at + timedelta(hours=hours)
    if case.status != Status.IN_WORK:
        change_status(case, Status.IN_WORK, by=executor, now=at - timedelta(hours=1))
    answer = draft_answer(case, text, by=executor, now=at - timedelta(minutes=30))
    approve_answer(answer, by=head, now=at - timedelta(minutes=10))
    with capture(execute=True):
        record_answer_sent(answer, at=at, via="manual")


def _rate(case: Case, mark: int, solved: bool, *, at: datetime) -> None:
    """The survey was asked at the real time of the test run; move it to the dataset's."""
    survey = Survey.objects.get(answer__case=case, answer__kind=Answer.Kind.FINAL)
    Survey.objects.filter(pk=survey.pk).update(
        created_at=at - timedelta(hours=2), expires_at=at + timedelta(days=14)
    )
    survey.refresh_from_db()
    rate_survey(survey, Rating(mark, solved), via="web", now=at)

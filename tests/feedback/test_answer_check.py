"""The brush-off check beside a draft answer, and a municipality that makes it binding."""

import pytest
from django.test import Client

from tests.personas import NOW, World, make_case
from veche.cases.errors import CaseError
from veche.cases.models import Answer, Case
from veche.cases.services import (
    approve_answer,
    assign_case,
    change_status,
    draft_answer,
    record_answer_sent,
)
from veche.cases.workflow import Regime, Status
from veche.feedback.models import AnswerCheck, QualityPolicy

QUESTION = "Во дворе дома 5 по улице Ленина яма на дороге, машины бьют колёса."
BRUSH_OFF = (
    "Ваше обращение рассмотрено. Информация принята к сведению. Вопрос будет рассмотрен "
    "в рамках компетенции при наличии финансирования."
)
GOOD = (
    "Яму во дворе дома 5 по улице Ленина заделали асфальтом 20 ноября, работы выполнил "
    "подрядчик МБУ «Благоустройство»; фотографии после ремонта приложены."
)


def _drafted(world: World, text: str) -> Case:
    case = make_case(world.municipality, text=QUESTION, regime=Regime.APPEAL)
    assign_case(case, world.housing, by=world.operator, now=NOW)
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    draft_answer(case, text, by=world.housing_executor, now=NOW)
    return case


def test_the_card_shows_why_a_draft_looks_like_a_brush_off(world: World) -> None:
    case = _drafted(world, BRUSH_OFF)
    answer = Answer.objects.get(case=case)
    client = Client()
    client.force_login(world.housing_executor)

    card = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/feedback/answers/{answer.pk}/check/" in card
    panel = client.get(f"/feedback/answers/{answer.pk}/check/").content.decode()

    assert "Похоже на отписку" in panel and "Без канцелярских штампов" in panel
    assert AnswerCheck.objects.get(answer=answer).brush_off
    client.force_login(world.roads_executor)  # another department's executor
    assert client.get(f"/feedback/answers/{answer.pk}/check/").status_code == 404


def test_advice_only_by_default_binding_when_the_municipality_says_so(world: World) -> None:
    case = _drafted(world, BRUSH_OFF)
    change_status(case, Status.ANSWER_APPROVED, by=world.head, now=NOW)  # advice only
    assert Answer.objects.get(case=case).state == Answer.State.APPROVED

    QualityPolicy.objects.create(municipality=world.municipality, blocking=["stock_phrases"])
    second = _drafted(world, BRUSH_OFF)
    with pytest.raises(CaseError, match="Без канцелярских штампов"):
        change_status(second, Status.ANSWER_APPROVED, by=world.head, now=NOW)
    second.refresh_from_db()
    assert second.status == Status.ANSWER_DRAFTED

    # Fixed: a new draft passes, and approval goes through.
    change_status(second, Status.IN_WORK, by=world.head, now=NOW, comment="доработать")
    draft_answer(second, GOOD, by=world.housing_executor, now=NOW)
    change_status(second, Status.ANSWER_APPROVED, by=world.head, now=NOW)
    second.refresh_from_db()
    assert second.status == Status.ANSWER_APPROVED


def test_a_sent_answers_check_is_what_it_was_when_it_went_out(world: World) -> None:
    """The panel of a sent answer shows the stored check: it counts in the analytics as the
    verdict at sending, so viewing the card must not change it."""
    case = _drafted(world, GOOD)
    answer = Answer.objects.get(case=case)
    approve_answer(answer, by=world.head, now=NOW)
    record_answer_sent(answer, at=NOW, via="manual", by=world.head)
    stored = AnswerCheck.objects.get(answer=answer)
    AnswerCheck.objects.filter(pk=stored.pk).update(brush_off=True, checked_at=NOW)
    client = Client()
    client.force_login(world.housing_executor)

    panel = client.get(f"/feedback/answers/{answer.pk}/check/").content.decode()

    assert "Похоже на отписку" in panel
    assert AnswerCheck.objects.get(answer=answer).checked_at == NOW

"""Answer templates: the most specific first, the case's facts filled in on the card."""

from django.test import Client

from tests.personas import NOW, World, make_case
from veche.cases.answer_templates import fill, templates_for
from veche.cases.services import assign_case, change_topic
from veche.catalog.models import AnswerTemplate

TEXT = (
    "Уважаемый заявитель! Ваше обращение № {номер} от {дата} по теме «{тема}» рассмотрено "
    "({исполнитель}, тел. {телефон_исполнителя}). {подпись}"
)


def test_the_topic_s_template_comes_first_and_is_filled_from_the_case(world: World) -> None:
    case = make_case(world.municipality)
    change_topic(case, world.topic_pits, by=None, now=NOW)
    world.roads.phone = "+7 (49444) 2-16-52"
    world.roads.save()
    assign_case(case, world.roads, by=None, now=NOW)
    case.refresh_from_db()
    general = AnswerTemplate.objects.create(name="Общий", text="Ответ по {номер}")
    group = AnswerTemplate.objects.create(
        name="Дороги", topic=world.topic_pits.parent, text="Дороги: {номер}"
    )
    own = AnswerTemplate.objects.create(
        name="Ямы", topic=world.topic_pits, municipality=world.municipality, text=TEXT
    )
    AnswerTemplate.objects.create(name="Отопление", topic=world.topic_heating, text="x")
    AnswerTemplate.objects.create(name="Соседи", municipality=world.neighbour, text="x")

    assert templates_for(case) == [own, group, general]
    text = fill(own, case)
    assert case.number in text and "Ямы во дворах (тест)" in text
    assert "Комитет по дорогам, тел. +7 (49444) 2-16-52" in text
    assert text.endswith("{подпись}")  # an unknown placeholder stays visible

    client = Client()
    client.force_login(world.roads_executor)
    page = client.get(f"/cases/{case.pk}/", {"template": own.pk}).content.decode()
    assert "Шаблон ответа" in page and f"№ {case.number}" in page

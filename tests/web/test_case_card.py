"""The case card: who sees it, what it shows, how citizen text is rendered."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.personas import NOW, World, make_case
from tests.web.conftest import HX
from veche.cases.models import Answer, Case
from veche.cases.services import add_comment, assign_case, change_status
from veche.cases.workflow import Status


def url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def test_detail_url_is_named(housing_case: Case) -> None:
    assert url(housing_case) == f"/cases/{housing_case.pk}/"


@pytest.mark.parametrize(
    "persona", ["operator", "head", "housing_executor", "block_head", "observer", "regional"]
)
def test_people_in_scope_see_the_card(
    client: Client, world: World, housing_case: Case, persona: str
) -> None:
    client.force_login(getattr(world, persona))
    response = client.get(url(housing_case))
    assert response.status_code == 200
    assert housing_case.number in response.content.decode()


@pytest.mark.parametrize("persona", ["roads_executor", "neighbour_operator", "nobody"])
def test_people_out_of_scope_get_404(
    client: Client, world: World, housing_case: Case, persona: str
) -> None:
    client.force_login(getattr(world, persona))
    assert client.get(url(housing_case)).status_code == 404


def test_anonymous_is_sent_to_login(client: Client, housing_case: Case) -> None:
    response = client.get(url(housing_case))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_huge_id_is_404(client: Client, world: World) -> None:
    client.force_login(world.operator)
    assert client.get("/cases/99999999999999999999999/").status_code == 404


def test_card_shows_the_facts(client: Client, world: World, housing_case: Case) -> None:
    client.force_login(world.operator)
    html = client.get(url(housing_case)).content.decode()
    assert "<h1>" + housing_case.number + "</h1>" in html
    assert '<span class="badge st-assigned">Назначено</span>' in html
    assert "Сообщение" in html
    assert "ПОС (Госуслуги)" in html
    assert "<dt>Поступило</dt><dd>23.11.2026 12:00</dd>" in html
    assert "<dt>Зарегистрировано</dt><dd>23.11.2026 12:00</dd>" in html
    assert "<dt>Исполнитель</dt><dd>Комитет ЖКХ</dd>" in html
    assert "<dt>Блок</dt><dd>Городское хозяйство</dd>" in html
    assert "глубокие ямы" in html


def test_citizen_text_is_escaped_and_keeps_line_breaks(client: Client, world: World) -> None:
    case = make_case(
        world.municipality,
        text='<script>alert("x")</script>\nВторая строка <b>жирно</b>',
        department=world.housing,
    )
    client.force_login(world.operator)
    html = client.get(url(case)).content.decode()
    assert "<script>alert" not in html
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert f"{escaped}<br>Вторая строка &lt;b&gt;жирно&lt;/b&gt;" in html


def test_timeline_speaks_in_names(client: Client, world: World, housing_case: Case) -> None:
    assign_case(housing_case, world.roads, by=world.operator, now=NOW, comment="по компетенции")
    add_comment(housing_case, "Позвонить <заявителю>", by=world.operator, now=NOW)
    client.force_login(world.operator)
    html = client.get(url(housing_case)).content.decode()
    assert "статус: Новое → Зарегистрировано" in html
    assert "исполнитель: не назначен → Комитет ЖКХ" in html
    assert "исполнитель: Комитет ЖКХ → Комитет по дорогам" in html
    assert "по компетенции" in html
    assert "Позвонить &lt;заявителю&gt;" in html
    assert "канал: ПОС (Госуслуги)" in html
    assert f"{world.operator.display_name}</span>" in html
    assert "система</span>" in html


def test_answers_are_listed(client: Client, world: World, housing_case: Case) -> None:
    Answer.objects.create(
        case=housing_case, kind=Answer.Kind.INTERIM, text="Проверим до пятницы", created_at=NOW
    )
    client.force_login(world.operator)
    html = client.get(url(housing_case)).content.decode()
    assert "Промежуточный</strong>, проект" in html
    assert "Проверим до пятницы" in html


@pytest.mark.parametrize(
    ("persona", "visible", "hidden"),
    [
        (
            "operator",
            [
                "Назначить исполнителя",
                "Тема",
                "Взять в работу",
                "Добавить комментарий",
                "Сохранить проект",
            ],
            ["Согласовать ответ"],
        ),
        (
            "housing_executor",
            ["Взять в работу", "Добавить комментарий", "Сохранить проект"],
            ["Назначить исполнителя"],
        ),
        (
            "observer",
            ["История", "статус: Новое → Зарегистрировано"],
            [
                "Действия",
                "Назначить исполнителя",
                "Взять в работу",
                "Добавить комментарий",
                "Сохранить проект",
            ],
        ),
    ],
)
def test_card_offers_only_allowed_actions(
    client: Client,
    world: World,
    housing_case: Case,
    persona: str,
    visible: list[str],
    hidden: list[str],
) -> None:
    client.force_login(getattr(world, persona))
    html = client.get(url(housing_case)).content.decode()
    for text in visible:
        assert text in html
    for text in hidden:
        assert text not in html


def test_transition_buttons_follow_the_workflow(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.housing_executor)
    html = client.get(url(housing_case)).content.decode()
    # From «Назначено» (cases/workflow.py); merging needs a target, so it has no button.
    values = {"in_work", "redirected", "on_hold", "assigned"}
    for value in values:
        assert f'name="status-to" value="{value}"' in html
    assert 'value="merged"' not in html
    assert 'value="closed"' not in html
    assert 'value="answer_approved"' not in html


def test_only_approvers_get_the_approve_button(
    client: Client, world: World, housing_case: Case
) -> None:
    for to in (Status.IN_WORK, Status.ANSWER_DRAFTED):
        change_status(housing_case, to, by=None, now=NOW)
    client.force_login(world.operator)  # dispatches, does not approve
    assert 'value="answer_approved"' not in client.get(url(housing_case)).content.decode()
    client.force_login(world.head)
    assert 'value="answer_approved"' in client.get(url(housing_case)).content.decode()


def test_final_answer_is_offered_only_when_the_workflow_allows(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.housing_executor)
    html = client.get(url(housing_case)).content.decode()
    assert 'value="interim"' in html
    assert 'value="final"' not in html
    change_status(housing_case, Status.IN_WORK, by=None, now=NOW)
    assert 'value="final"' in client.get(url(housing_case)).content.decode()


def test_htmx_get_returns_the_card_fragment(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.operator)
    html = client.get(url(housing_case), headers=HX).content.decode()
    assert "<html" not in html
    assert f"<h1>{housing_case.number}</h1>" in html


def test_attachment_of_an_invisible_case_is_404(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.roads_executor)
    assert client.get(reverse("cases:attachment", args=[housing_case.pk, 1])).status_code == 404
    client.force_login(world.operator)
    assert client.get(reverse("cases:attachment", args=[housing_case.pk, 1])).status_code == 404


def test_card_queries_do_not_grow_with_the_timeline(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.operator)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(url(housing_case))
        return len(captured.captured_queries)

    few = count()
    for department in (world.roads, world.housing, world.roads):
        assign_case(housing_case, department, by=world.operator, now=NOW)
        add_comment(housing_case, "ещё", by=world.head, now=NOW)
    assert count() == few

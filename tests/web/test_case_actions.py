"""Actions on the card: each calls one service; people out of scope change nothing."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.personas import NOW, World, make_case
from tests.web.conftest import HX
from veche.cases.models import Answer, Case, Event, PersonalDataAccess
from veche.cases.services import change_status, draft_answer
from veche.cases.workflow import Status


@dataclass(frozen=True)
class Snapshot:
    """Everything an action could change, to assert that nothing did."""

    status: str
    department_id: int | None
    topic_id: int | None
    events: int
    answers: int
    reveals: int

    @classmethod
    def of(cls, case: Case) -> "Snapshot":
        case.refresh_from_db()
        return cls(
            case.status,
            case.department_id,
            case.topic_id,
            case.events.count(),
            case.answers.count(),
            PersonalDataAccess.objects.filter(case=case).count(),
        )


def action_posts(world: World) -> dict[str, dict[str, Any]]:
    """A valid post for every action endpoint of the card."""
    return {
        "assign": {"assign-department": world.roads.pk},
        "topic": {"topic-topic": world.topic_pits.pk},
        "status": {"status-to": "in_work", "status-comment": "Выехали"},
        "comment": {"note-text": "Позвонить в управляющую компанию"},
        "answer": {"answer-kind": "interim", "answer-text": "Работы запланированы"},
        "reveal": {},
        "link": {"link-number": "МЦУ-2026-000001", "link-how": "duplicate"},
    }


def post(client: Client, name: str, case: Case, data: dict[str, Any], **kw: Any) -> Any:
    return client.post(reverse(f"cases:{name}", args=[case.pk]), data, **kw)


def new_events(case: Case, before: int) -> list[tuple[str, dict[str, Any], dict[str, Any], str]]:
    return [
        (e.kind, e.before, e.after, e.comment) for e in case.events.order_by("at", "id")[before:]
    ]


# --- the right user: the effect, exactly ----------------------------------------------------------


def test_assign_moves_the_case_to_another_department(
    client: Client, world: World, housing_case: Case
) -> None:
    before = housing_case.events.count()
    client.force_login(world.operator)
    response = post(
        client,
        "assign",
        housing_case,
        {"assign-department": world.roads.pk, "assign-comment": "по компетенции"},
        headers=HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Исполнитель назначен: Комитет по дорогам." in html
    assert "<dt>Исполнитель</dt><dd>Комитет по дорогам</dd>" in html
    housing_case.refresh_from_db()
    assert housing_case.department_id == world.roads.pk
    assert housing_case.status == Status.ASSIGNED
    assert new_events(housing_case, before) == [
        (
            "assigned",
            {"department": world.housing.pk},
            {"department": world.roads.pk},
            "по компетенции",
        )
    ]
    assert housing_case.events.last().actor == world.operator  # type: ignore[union-attr]


def test_assign_registers_a_new_case(client: Client, world: World) -> None:
    case = make_case(world.municipality)
    client.force_login(world.operator)
    assert (
        post(
            client, "assign", case, {"assign-department": world.housing.pk}, headers=HX
        ).status_code
        == 200
    )
    case.refresh_from_db()
    assert (case.status, case.department_id) == (Status.ASSIGNED, world.housing.pk)
    assert [k for k, *_ in new_events(case, 1)] == ["status_changed", "assigned", "status_changed"]


def test_change_topic(client: Client, world: World, housing_case: Case) -> None:
    before = housing_case.events.count()
    client.force_login(world.housing_executor)
    response = post(client, "topic", housing_case, {"topic-topic": world.topic_pits.pk}, headers=HX)
    assert response.status_code == 200
    assert "Тема изменена: Ямы во дворах (тест)." in response.content.decode()
    housing_case.refresh_from_db()
    assert housing_case.topic_id == world.topic_pits.pk
    assert new_events(housing_case, before) == [
        ("topic_changed", {"topic": None}, {"topic": world.topic_pits.pk}, "")
    ]


def test_clear_topic(client: Client, world: World, housing_case: Case) -> None:
    Case.objects.filter(pk=housing_case.pk).update(topic=world.topic_pits)
    client.force_login(world.housing_executor)
    response = post(client, "topic", housing_case, {"topic-topic": ""}, headers=HX)
    assert response.status_code == 200
    housing_case.refresh_from_db()
    assert housing_case.topic_id is None


def test_change_status_with_a_comment(client: Client, world: World, housing_case: Case) -> None:
    before = housing_case.events.count()
    client.force_login(world.housing_executor)
    response = post(
        client,
        "status",
        housing_case,
        {"status-to": "in_work", "status-comment": "Выехали"},
        headers=HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Статус изменён: В работе." in html
    assert '<span class="badge st-in_work">В работе</span>' in html
    assert "статус: Назначено → В работе" in html
    housing_case.refresh_from_db()
    assert housing_case.status == Status.IN_WORK
    assert new_events(housing_case, before) == [
        ("status_changed", {"status": "assigned"}, {"status": "in_work"}, "Выехали")
    ]


def test_add_comment(client: Client, world: World, housing_case: Case) -> None:
    before = housing_case.events.count()
    client.force_login(world.housing_executor)
    response = post(
        client, "comment", housing_case, {"note-text": "  Позвонить в УК  "}, headers=HX
    )
    assert response.status_code == 200
    assert "Комментарий добавлен." in response.content.decode()
    assert new_events(housing_case, before) == [("comment", {}, {}, "Позвонить в УК")]


def test_draft_interim_answer_keeps_the_status(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.housing_executor)
    response = post(
        client,
        "answer",
        housing_case,
        {"answer-kind": "interim", "answer-text": "Работы в мае"},
        headers=HX,
    )
    assert response.status_code == 200
    housing_case.refresh_from_db()
    assert housing_case.status == Status.ASSIGNED
    answer = housing_case.answers.get()
    assert (answer.kind, answer.state, answer.text, answer.created_by) == (
        Answer.Kind.INTERIM,
        Answer.State.DRAFT,
        "Работы в мае",
        world.housing_executor,
    )
    assert housing_case.events.last().kind == Event.Kind.ANSWER_DRAFTED  # type: ignore[union-attr]


def test_draft_final_answer_sends_it_to_approval(
    client: Client, world: World, housing_case: Case
) -> None:
    change_status(housing_case, Status.IN_WORK, by=None, now=NOW)
    client.force_login(world.housing_executor)
    response = post(
        client,
        "answer",
        housing_case,
        {"answer-kind": "final", "answer-text": "Яма заделана"},
        headers=HX,
    )
    assert response.status_code == 200
    housing_case.refresh_from_db()
    assert housing_case.status == Status.ANSWER_DRAFTED
    assert housing_case.answers.get().kind == Answer.Kind.FINAL


def test_head_approves_an_answer(client: Client, world: World, housing_case: Case) -> None:
    change_status(housing_case, Status.IN_WORK, by=None, now=NOW)
    draft_answer(housing_case, "Яма заделана 12 мая.", by=world.housing_executor, now=NOW)
    client.force_login(world.head)
    response = post(client, "status", housing_case, {"status-to": "answer_approved"}, headers=HX)
    assert response.status_code == 200
    housing_case.refresh_from_db()
    assert housing_case.status == Status.ANSWER_APPROVED
    assert housing_case.answers.get().state == Answer.State.APPROVED


def test_approval_without_a_draft_is_a_clear_refusal(
    client: Client, world: World, housing_case: Case
) -> None:
    for to in (Status.IN_WORK, Status.ANSWER_DRAFTED):
        change_status(housing_case, to, by=None, now=NOW)
    client.force_login(world.head)
    response = post(client, "status", housing_case, {"status-to": "answer_approved"}, headers=HX)
    assert response.status_code == 400
    assert "Нет проекта окончательного ответа" in response.content.decode()


# --- without JavaScript: plain posts and redirects ------------------------------------------------


def test_plain_post_redirects_to_the_card_with_a_message(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.housing_executor)
    response = post(client, "status", housing_case, {"status-to": "in_work"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[housing_case.pk])
    html = client.get(response["Location"]).content.decode()
    assert "Статус изменён: В работе." in html
    housing_case.refresh_from_db()
    assert housing_case.status == Status.IN_WORK


def test_plain_post_error_shows_the_whole_page(
    client: Client, world: World, housing_case: Case
) -> None:
    client.force_login(world.housing_executor)
    response = post(client, "status", housing_case, {"status-to": "closed"})
    assert response.status_code == 409
    assert response.content.decode().startswith("<!DOCTYPE html>")


def test_action_that_takes_the_case_away_redirects_to_the_inbox(
    client: Client, world: World
) -> None:
    case = make_case(world.municipality, department=world.housing)
    client.force_login(world.block_head)  # heads «Городское хозяйство»
    response = post(client, "assign", case, {"assign-department": world.education.pk}, headers=HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("cases:inbox")
    case.refresh_from_db()
    assert case.department_id == world.education.pk


# --- refusals: a readable message, never a 500 ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "status", "message"),
    [
        ("status", {"status-to": "closed"}, 409, "Переход «Назначено» → «Закрыто» не разрешён"),
        ("status", {"status-to": "extended"}, 409, "не разрешён для режима «Сообщение»"),
        ("status", {"status-to": "nonsense"}, 400, "Новый статус: Выберите корректный вариант."),
        ("status", {}, 400, "Выберите новый статус."),
        ("comment", {"note-text": "   "}, 400, "Напишите текст комментария."),
        (
            "answer",
            {"answer-kind": "final", "answer-text": "Готово"},
            409,
            "Переход «Назначено» → «Проект ответа» не разрешён",
        ),
        (
            "answer",
            {"answer-kind": "secret", "answer-text": "x"},
            400,
            "Вид ответа: Выберите корректный вариант.",
        ),
        ("topic", {"topic-topic": "abc"}, 400, "Тема: Выберите корректный вариант."),
        (
            "assign",
            {"assign-department": "999999"},
            400,
            "Исполнитель: Выберите корректный вариант.",
        ),
        ("assign", {}, 400, "Выберите исполнителя."),
    ],
)
def test_refusals_are_readable(
    client: Client,
    world: World,
    housing_case: Case,
    name: str,
    data: dict[str, Any],
    status: int,
    message: str,
) -> None:
    snapshot = Snapshot.of(housing_case)
    client.force_login(world.operator)
    response = post(client, name, housing_case, data, headers=HX)
    assert response.status_code == status
    html = response.content.decode()
    assert message in html
    assert 'class="msg msg-error"' in html
    assert "<html" not in html
    assert Snapshot.of(housing_case) == snapshot


def test_department_of_another_municipality_is_refused(
    client: Client, world: World, housing_case: Case
) -> None:
    snapshot = Snapshot.of(housing_case)
    client.force_login(world.operator)
    response = post(
        client,
        "assign",
        housing_case,
        {"assign-department": world.neighbour_housing.pk},
        headers=HX,
    )
    assert response.status_code == 400
    assert "Исполнитель: Выберите корректный вариант." in response.content.decode()
    assert Snapshot.of(housing_case) == snapshot


def test_approval_without_the_right_is_403(
    client: Client, world: World, housing_case: Case
) -> None:
    for to in (Status.IN_WORK, Status.ANSWER_DRAFTED):
        change_status(housing_case, to, by=None, now=NOW)
    snapshot = Snapshot.of(housing_case)
    client.force_login(world.operator)
    response = post(client, "status", housing_case, {"status-to": "answer_approved"}, headers=HX)
    assert response.status_code == 403
    assert "Недостаточно прав для этого действия." in response.content.decode()
    assert Snapshot.of(housing_case) == snapshot


def test_typed_text_survives_a_refusal(client: Client, world: World, housing_case: Case) -> None:
    client.force_login(world.housing_executor)
    response = post(
        client,
        "answer",
        housing_case,
        {"answer-kind": "final", "answer-text": "Мой длинный ответ"},
        headers=HX,
    )
    assert response.status_code == 409
    assert "Мой длинный ответ</textarea>" in response.content.decode()


# --- people who may not act: nothing changes ------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["assign", "topic", "status", "comment", "answer", "reveal", "link"]
)
@pytest.mark.parametrize("persona", ["roads_executor", "neighbour_operator", "nobody"])
def test_out_of_scope_actions_are_404_and_change_nothing(
    client: Client, world: World, housing_case: Case, name: str, persona: str
) -> None:
    snapshot = Snapshot.of(housing_case)
    client.force_login(getattr(world, persona))
    for headers in ({}, HX):
        response = post(client, name, housing_case, action_posts(world)[name], headers=headers)
        assert response.status_code == 404
    assert Snapshot.of(housing_case) == snapshot


@pytest.mark.parametrize(
    "name", ["assign", "topic", "status", "comment", "answer", "reveal", "link"]
)
def test_observer_gets_403_and_changes_nothing(
    client: Client, world: World, housing_case: Case, name: str
) -> None:
    snapshot = Snapshot.of(housing_case)
    client.force_login(world.observer)
    for headers in ({}, HX):
        response = post(client, name, housing_case, action_posts(world)[name], headers=headers)
        assert response.status_code == 403
        assert "Иванов Иван Иванович" not in response.content.decode()
    assert Snapshot.of(housing_case) == snapshot


@pytest.mark.parametrize("name", ["assign", "topic", "status", "comment", "answer"])
def test_executor_cannot_assign_but_can_work(
    client: Client, world: World, housing_case: Case, name: str
) -> None:
    client.force_login(world.housing_executor)
    response = post(client, name, housing_case, action_posts(world)[name], headers=HX)
    assert response.status_code == (403 if name == "assign" else 200)


@pytest.mark.parametrize(
    "name", ["assign", "topic", "status", "comment", "answer", "reveal", "link"]
)
def test_anonymous_actions_redirect_to_login(
    client: Client, world: World, housing_case: Case, name: str
) -> None:
    snapshot = Snapshot.of(housing_case)
    response = post(client, name, housing_case, action_posts(world)[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    assert Snapshot.of(housing_case) == snapshot


@pytest.mark.parametrize("name", ["assign", "topic", "status", "comment", "answer", "reveal"])
def test_actions_refuse_get(client: Client, world: World, housing_case: Case, name: str) -> None:
    client.force_login(world.operator)
    assert client.get(reverse(f"cases:{name}", args=[housing_case.pk])).status_code == 405


@pytest.mark.parametrize(
    ("how", "status"), [("merge", Status.MERGED), ("duplicate", Status.ASSIGNED)]
)
def test_link_to_another_case_by_its_number(
    client: Client, world: World, housing_case: Case, how: str, status: Status
) -> None:
    other = make_case(world.municipality, department=world.housing)
    client.force_login(world.operator)

    response = post(
        client,
        "link",
        other,
        {"link-number": housing_case.number.lower(), "link-how": how},
        headers=HX,
    )

    assert response.status_code == 200
    other.refresh_from_db()
    assert other.status == status
    assert (other.parent if how == "merge" else other.duplicate_of) == housing_case


def test_link_to_an_unknown_or_invisible_number_is_a_readable_400(
    client: Client, world: World, housing_case: Case
) -> None:
    roads_case = make_case(world.municipality, department=world.roads)
    client.force_login(world.housing_executor)
    snapshot = Snapshot.of(housing_case)

    for number in ("МЦУ-2099-000001", roads_case.number):
        response = post(
            client, "link", housing_case, {"link-number": number, "link-how": "merge"}, headers=HX
        )
        assert response.status_code == 400
        assert f"Обращение {number} не найдено." in response.content.decode()
    assert Snapshot.of(housing_case) == snapshot


def test_an_answer_posted_by_hand_in_pos_is_recorded_as_sent(
    client: Client, world: World, housing_case: Case
) -> None:
    change_status(housing_case, Status.IN_WORK, by=None, now=NOW)
    draft_answer(housing_case, "Яма заделана 12 мая.", by=world.housing_executor, now=NOW)
    change_status(housing_case, Status.ANSWER_APPROVED, by=world.head, now=NOW)
    client.force_login(world.housing_executor)
    card = client.get(f"/cases/{housing_case.pk}/").content.decode()
    assert "Вернуть на доработку" in card and "Ответ направлен" in card

    post(client, "status", housing_case, {"status-to": "answered", "status-comment": "ПОС №77"})

    answer = housing_case.answers.get()
    assert answer.state == Answer.State.SENT and answer.sent_at is not None
    sent = Event.objects.get(case=housing_case, kind=Event.Kind.ANSWER_SENT)
    assert sent.actor == world.housing_executor
    assert sent.after["via"] == "manual" and sent.after["reference"] == "ПОС №77"


def test_an_executor_attaches_a_photo_of_the_work_done(
    client: Client, world: World, housing_case: Case, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(world.housing_executor)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    photo = SimpleUploadedFile("после.png", png, content_type="image/png")
    response = post(client, "attach", housing_case, {"attach-file": photo}, headers=HX)
    assert response.status_code == 200 and "Файл приложен" in response.content.decode()
    added = Event.objects.get(case=housing_case, kind=Event.Kind.ATTACHMENT_ADDED)
    assert added.actor == world.housing_executor

    fake = SimpleUploadedFile("акт.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    refused = post(client, "attach", housing_case, {"attach-file": fake}, headers=HX)
    assert refused.status_code == 400
    assert housing_case.attachments.count() == 1

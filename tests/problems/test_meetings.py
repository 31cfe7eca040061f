"""Meetings and instructions: the МЦУ records a meeting and gives instructions tied to its
problems and road maps; the owner reports, the controller accepts or returns; who sees what;
the pages, and a malformed request answered with a 4xx, never a 500."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from tests.personas import NOW, World
from veche.cases.errors import CaseError, ErrorCode
from veche.org.models import User
from veche.problems.meetings import (
    InstructionData,
    MeetingData,
    accept_instruction,
    cancel_instruction,
    create_meeting,
    give_instruction,
    report_instruction,
    return_instruction,
    update_instruction,
    update_meeting,
)
from veche.problems.models import Instruction, Meeting, Problem, Roadmap

DUE = date(2026, 11, 30)
MOSCOW = ZoneInfo("Europe/Moscow")  # the Демо municipality's zone
HTMX = {"HX-Request": "true"}


def _in_days(days: int) -> date:
    """A day counted from the real today: the pages act at the real moment."""
    return timezone.localdate(timezone.now(), MOSCOW) + timedelta(days=days)


def _problem(world: World, *, neighbour: bool = False) -> Problem:
    return Problem.objects.create(
        municipality=world.neighbour if neighbour else world.municipality,
        title="Ямы во дворе дома 5 по ул. Ленина",
        named_at=NOW,
        first_at=NOW,
        last_at=NOW,
        created_at=NOW,
    )


def _roadmap(world: World) -> Roadmap:
    return Roadmap.objects.create(
        municipality=world.municipality,
        title="Ремонт дворов",
        status=Roadmap.Status.ACTIVE,
        started_on=date(2026, 11, 1),
        created_at=NOW,
    )


def _meeting(world: World, **fields: Any) -> Meeting:
    data = MeetingData(
        title=fields.get("title", "Оперативное совещание МЦУ"),
        held_at=NOW,
        agenda="1. Ямы во дворах.\n2. Отопление.",
        participants=fields.get("participants", [world.head, world.housing_executor]),
        guests="Иванов И. И., УК «Уют»",
        minutes="Решили: обследовать дворы.",
    )
    return create_meeting(world.municipality, data, by=world.operator, now=NOW)


def _instruction(
    world: World, *, owner: User | None = None, meeting: Meeting | None = None, **fields: Any
) -> Instruction:
    data = InstructionData(
        text=fields.get("text", "Обследовать дворы по ул. Ленина и составить акт."),
        owner=owner or world.housing_executor,
        due_on=fields.get("due_on", DUE),
        controller=fields.get("controller", world.head),
        department=fields.get("department", world.housing),
        problem=fields.get("problem"),
        roadmap=fields.get("roadmap"),
    )
    return give_instruction(world.municipality, data, by=world.operator, now=NOW, meeting=meeting)


def _refused(code: ErrorCode, call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(CaseError) as failure:
        call(*args, **kwargs)
    assert failure.value.code == code
    return failure.value.message


# --- services --------------------------------------------------------------------------------


def test_the_mcu_records_a_meeting_and_gives_an_instruction_for_a_problem(world: World) -> None:
    problem, roadmap = _problem(world), _roadmap(world)
    meeting = _meeting(world)

    instruction = _instruction(world, meeting=meeting, problem=problem, roadmap=roadmap)

    meeting.refresh_from_db()
    assert (meeting.title, meeting.held_at, meeting.created_by) == (
        "Оперативное совещание МЦУ",
        NOW,
        world.operator,
    )
    assert set(meeting.participants.all()) == {world.head, world.housing_executor}
    instruction.refresh_from_db()
    assert (instruction.meeting, instruction.municipality, instruction.owner) == (
        meeting,
        world.municipality,
        world.housing_executor,
    )
    assert (instruction.problem, instruction.roadmap, instruction.controller) == (
        problem,
        roadmap,
        world.head,
    )
    assert (instruction.status, instruction.due_on, instruction.done_at) == ("open", DUE, None)


def test_a_meeting_is_changed_with_its_participants(world: World) -> None:
    meeting = _meeting(world)
    data = MeetingData(
        title="  Совещание   по дорогам ",
        held_at=NOW + timedelta(hours=2),
        participants=[world.roads_executor],
    )

    update_meeting(meeting, data, by=world.head, now=NOW)

    meeting.refresh_from_db()
    assert (meeting.title, meeting.held_at, meeting.minutes) == (
        "Совещание по дорогам",
        NOW + timedelta(hours=2),
        "",
    )
    assert list(meeting.participants.all()) == [world.roads_executor]


def test_only_the_mcu_records_meetings_and_gives_instructions(world: World) -> None:
    data = MeetingData(title="Совещание", held_at=NOW)
    for outsider in (world.housing_executor, world.observer, world.neighbour_operator):
        _refused(
            ErrorCode.FORBIDDEN, create_meeting, world.municipality, data, by=outsider, now=NOW
        )
        instruction = InstructionData(text="Сделать", owner=world.housing_executor, due_on=DUE)
        _refused(
            ErrorCode.FORBIDDEN,
            give_instruction,
            world.municipality,
            instruction,
            by=outsider,
            now=NOW,
        )
    assert (Meeting.objects.count(), Instruction.objects.count()) == (0, 0)


def test_a_problem_a_person_or_a_meeting_of_another_municipality_is_refused(
    world: World,
) -> None:
    foreign = _problem(world, neighbour=True)

    message = _refused(ErrorCode.INVALID, _instruction, world, problem=foreign)
    assert message == "Проблема из другого МО."
    message = _refused(ErrorCode.INVALID, _instruction, world, owner=world.neighbour_operator)
    assert message == "Исполнитель: сотрудник не работает в этом МО."
    message = _refused(ErrorCode.INVALID, _instruction, world, controller=world.nobody)
    assert message == "На контроле: сотрудник не работает в этом МО."
    message = _refused(ErrorCode.INVALID, _instruction, world, department=world.neighbour_housing)
    assert message == "Подразделение из другого МО."
    neighbours = create_meeting(
        world.neighbour,
        MeetingData(title="Совещание соседей", held_at=NOW),
        by=world.neighbour_operator,
        now=NOW,
    )
    assert _refused(ErrorCode.INVALID, _instruction, world, meeting=neighbours) == (
        "Совещание из другого МО."
    )
    bad = MeetingData(title="Совещание", held_at=NOW, participants=[world.neighbour_operator])
    _refused(ErrorCode.INVALID, create_meeting, world.municipality, bad, by=world.head, now=NOW)
    assert Instruction.objects.count() == 0
    assert list(Meeting.objects.values_list("title", flat=True)) == ["Совещание соседей"]


def test_a_due_day_in_the_past_and_an_empty_text_are_refused(world: World) -> None:
    assert _refused(ErrorCode.INVALID, _instruction, world, due_on=date(2026, 11, 22)) == (
        "Срок исполнения не может быть в прошлом."
    )
    assert _refused(ErrorCode.INVALID, _instruction, world, text="   ") == "Укажите, что поручено."
    assert _instruction(world, due_on=date(2026, 11, 23)).due_on == date(2026, 11, 23)  # today


def test_the_owner_reports_and_the_controller_accepts(world: World) -> None:
    instruction = _instruction(world)
    later = NOW + timedelta(days=2)

    _refused(
        ErrorCode.FORBIDDEN,
        report_instruction,
        instruction,
        report="Сделано",
        by=world.roads_executor,
        now=later,
    )
    _refused(
        ErrorCode.TRANSITION_NOT_ALLOWED, accept_instruction, instruction, by=world.head, now=later
    )
    report_instruction(
        instruction,
        report="Дворы обследованы, акт составлен.",
        by=world.housing_executor,
        now=later,
    )
    _refused(
        ErrorCode.TRANSITION_NOT_ALLOWED,
        report_instruction,
        instruction,
        report="Ещё раз",
        by=world.housing_executor,
        now=later,
    )
    accept_instruction(instruction, by=world.head, now=later + timedelta(hours=1))

    instruction.refresh_from_db()
    assert (instruction.status, instruction.done_at) == ("done", later)
    assert instruction.report == (
        "25.11.2026, housing_executor. Отчёт об исполнении: Дворы обследованы, акт составлен."
        "\n\n25.11.2026, head. Исполнение принято."
    )
    _refused(
        ErrorCode.TRANSITION_NOT_ALLOWED,
        cancel_instruction,
        instruction,
        reason="не нужно",
        by=world.head,
        now=later,
    )


def test_nobody_accepts_his_own_report_unless_he_controls_it(world: World) -> None:
    """The operator works МЦУ-wide, but owns this one: the head (its controller) decides."""
    instruction = _instruction(world, owner=world.operator)
    report_instruction(instruction, report="Готово", by=world.operator, now=NOW)

    _refused(ErrorCode.FORBIDDEN, accept_instruction, instruction, by=world.operator, now=NOW)
    _refused(
        ErrorCode.FORBIDDEN,
        accept_instruction,
        instruction,
        by=world.housing_executor,
        now=NOW,
    )
    assert Instruction.objects.get().status == "open"

    accept_instruction(instruction, by=world.head, now=NOW)
    assert Instruction.objects.get().status == "done"


def test_a_returned_instruction_goes_back_with_the_reason_and_a_new_day(world: World) -> None:
    instruction = _instruction(world)
    report_instruction(instruction, report="Сделано", by=world.housing_executor, now=NOW)

    _refused(ErrorCode.INVALID, return_instruction, instruction, reason=" ", by=world.head, now=NOW)
    return_instruction(
        instruction,
        reason="Нет акта обследования.",
        due_on=date(2026, 12, 7),
        by=world.head,
        now=NOW,
    )

    instruction.refresh_from_db()
    assert (instruction.status, instruction.done_at, instruction.due_on) == (
        "open",
        None,
        date(2026, 12, 7),
    )
    assert instruction.report.endswith(
        "23.11.2026, head. Возвращено на доработку: Нет акта обследования."
    )
    report_instruction(instruction, report="Акт приложен", by=world.housing_executor, now=NOW)
    assert Instruction.objects.get().report.count("Отчёт об исполнении") == 2


def test_an_instruction_is_withdrawn_by_the_mcu_with_a_reason(world: World) -> None:
    instruction = _instruction(world)
    _refused(
        ErrorCode.FORBIDDEN,
        cancel_instruction,
        instruction,
        reason="не нужно",
        by=world.housing_executor,
        now=NOW,
    )
    _refused(ErrorCode.INVALID, cancel_instruction, instruction, reason="", by=world.head, now=NOW)

    cancel_instruction(instruction, reason="Работы переданы области.", by=world.operator, now=NOW)

    instruction.refresh_from_db()
    assert instruction.status == "cancelled"
    assert instruction.report == "23.11.2026, operator. Снято с контроля: Работы переданы области."
    _refused(
        ErrorCode.TRANSITION_NOT_ALLOWED,
        report_instruction,
        instruction,
        report="Сделано",
        by=world.housing_executor,
        now=NOW,
    )


def test_the_mcu_changes_an_open_instruction(world: World) -> None:
    instruction = _instruction(world)
    data = InstructionData(
        text="Обследовать дворы и сфотографировать ямы.",
        owner=world.roads_executor,
        due_on=date(2026, 12, 4),
        department=world.roads,
    )

    _refused(
        ErrorCode.FORBIDDEN,
        update_instruction,
        instruction,
        data,
        by=world.housing_executor,
        now=NOW,
    )
    update_instruction(instruction, data, by=world.operator, now=NOW)

    instruction.refresh_from_db()
    assert (
        instruction.owner,
        instruction.due_on,
        instruction.controller,
        instruction.department,
    ) == (
        world.roads_executor,
        date(2026, 12, 4),
        None,
        world.roads,
    )


# --- who sees what ---------------------------------------------------------------------------


def test_an_executor_sees_and_reports_his_own_instruction_only(world: World) -> None:
    meeting = _meeting(world, participants=[world.head])
    mine = _instruction(world, meeting=meeting)
    other = _instruction(world, owner=world.roads_executor, department=world.roads)
    client = Client()
    client.force_login(world.housing_executor)

    page = client.get(f"/problems/instructions/{mine.pk}/").content.decode()
    assert "Обследовать дворы по ул. Ленина" in page and "Отчитаться об исполнении" in page
    assert f'href="/problems/meetings/{meeting.pk}/"' not in page  # not a participant
    assert client.get(f"/problems/instructions/{other.pk}/").status_code == 404
    assert client.get(f"/problems/meetings/{meeting.pk}/").status_code == 404
    register = client.get("/problems/meetings/").content.decode()
    assert f"/problems/instructions/{mine.pk}/" in register
    assert f"/problems/instructions/{other.pk}/" not in register
    assert "Новое совещание" not in register

    reply = client.post(f"/problems/instructions/{mine.pk}/report/", {"report": "Обследовали."})

    assert reply.status_code == 302
    assert Instruction.objects.get(pk=mine.pk).done_at is not None


def test_a_participant_sees_the_meeting_and_its_instructions(world: World) -> None:
    meeting = _meeting(world, participants=[world.roads_executor])
    instruction = _instruction(world, meeting=meeting)
    client = Client()
    client.force_login(world.roads_executor)

    page = client.get(f"/problems/meetings/{meeting.pk}/").content.decode()

    assert (
        "Решили: обследовать дворы." in page and f"/problems/instructions/{instruction.pk}/" in page
    )
    assert "Дать поручение" not in page  # not the МЦУ
    assert client.get(f"/problems/instructions/{instruction.pk}/").status_code == 200


def test_another_municipality_sees_nothing(world: World) -> None:
    meeting = _meeting(world)
    instruction = _instruction(world, meeting=meeting)
    client = Client()
    client.force_login(world.neighbour_operator)

    assert client.get(f"/problems/meetings/{meeting.pk}/").status_code == 404
    assert client.get(f"/problems/instructions/{instruction.pk}/").status_code == 404
    assert (
        client.post(f"/problems/instructions/{instruction.pk}/cancel/", {"reason": "x"}).status_code
        == 404
    )
    assert "Оперативное совещание" not in client.get("/problems/meetings/").content.decode()
    client.force_login(world.observer)  # sees the municipality, may not work in it
    assert client.get(f"/problems/meetings/{meeting.pk}/").status_code == 200
    assert client.get("/problems/meetings/new/").status_code == 403
    client.logout()
    assert client.get("/problems/meetings/").status_code == 302


# --- pages -----------------------------------------------------------------------------------


def test_the_mcu_records_a_meeting_on_its_page(world: World) -> None:
    client = Client()
    client.force_login(world.operator)
    assert 'name="held_at"' in client.get("/problems/meetings/new/").content.decode()

    reply = client.post(
        "/problems/meetings/new/",
        {
            "municipality": world.municipality.pk,
            "title": "Совещание по отоплению",
            "held_at": "2026-11-23T15:30",
            "agenda": "Отопление в школе № 2",
            "participants": [world.head.pk, world.housing_executor.pk],
            "guests": "",
            "minutes": "<script>alert(1)</script>",
        },
    )

    meeting = Meeting.objects.get()
    assert reply.status_code == 302 and reply["Location"] == f"/problems/meetings/{meeting.pk}/"
    assert meeting.held_at == datetime.fromisoformat("2026-11-23T12:30:00+00:00")  # Moscow
    page = client.get(f"/problems/meetings/{meeting.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_an_instruction_is_added_inline_on_the_meeting_page(world: World) -> None:
    meeting = _meeting(world)
    client = Client()
    client.force_login(world.operator)
    form = {
        "text": "Проверить отопление в школе № 2",
        "owner": world.housing_executor.pk,
        "due_on": f"{_in_days(4)}",
        "controller": world.head.pk,
        "department": world.housing.pk,
        "problem": "",
        "roadmap": "",
    }

    fragment = client.post(f"/problems/meetings/{meeting.pk}/instructions/", form, headers=HTMX)

    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert 'id="meeting-instructions"' in body
    assert "<html" not in body and "Проверить отопление в школе № 2" in body
    plain = client.post(f"/problems/meetings/{meeting.pk}/instructions/", form)
    assert plain.status_code == 302
    assert Instruction.objects.filter(meeting=meeting).count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"owner": ""}, "Исполнитель: Обязательное поле."),
        ({"due_on": "завтра"}, "Срок: Введите правильную дату."),
        ({"due_on": "2026-11-01"}, "Срок исполнения не может быть в прошлом."),
        ({"problem": "999999"}, "Проблема: Выберите корректный вариант"),
        ({"owner": "abc"}, "Исполнитель: Выберите корректный вариант"),
    ],
)
def test_a_malformed_instruction_gets_a_400_with_the_reason(
    world: World, change: dict[str, str], message: str
) -> None:
    meeting = _meeting(world)
    foreign = _problem(world, neighbour=True)
    client = Client()
    client.force_login(world.operator)
    form = {"text": "Сделать", "owner": world.housing_executor.pk, "due_on": f"{_in_days(4)}"}
    form |= {k: (str(foreign.pk) if v == "999999" else v) for k, v in change.items()}

    reply = client.post(f"/problems/meetings/{meeting.pk}/instructions/", form)

    assert reply.status_code == 400
    assert message in reply.content.decode()
    assert Instruction.objects.count() == 0


def test_malformed_requests_get_a_4xx_never_a_500(world: World) -> None:
    instruction = _instruction(world)
    client = Client()
    client.force_login(world.operator)

    assert client.get("/problems/meetings/?status=bogus").status_code == 400
    assert client.get("/problems/meetings/?page=x&mpage=-1").status_code == 200
    assert client.get("/problems/meetings/new/?municipality=abc").status_code == 403
    assert (
        client.get(f"/problems/meetings/new/?municipality={world.neighbour.pk}").status_code == 403
    )
    bad = {"title": "", "held_at": "вчера"}
    assert client.post("/problems/meetings/new/", bad).status_code == 400
    assert client.post(f"/problems/instructions/{instruction.pk}/report/", {}).status_code == 400
    # The operator is not its owner: a refusal, shown on the page.
    refused = client.post(f"/problems/instructions/{instruction.pk}/report/", {"report": "x"})
    assert refused.status_code == 403
    assert "Отчитаться может исполнитель поручения." in refused.content.decode()
    assert client.post(f"/problems/instructions/{instruction.pk}/accept/").status_code == 409
    assert (
        client.post(
            f"/problems/instructions/{instruction.pk}/return/", {"reason": "x", "due_on": "31.02"}
        ).status_code
        == 400
    )
    assert client.get(f"/problems/instructions/{instruction.pk}/report/").status_code == 405
    assert client.get("/problems/instructions/999999/").status_code == 404


def test_the_controller_accepts_and_returns_on_the_instruction_page(world: World) -> None:
    instruction = _instruction(world)
    report_instruction(instruction, report="Готово", by=world.housing_executor, now=NOW)
    client = Client()
    client.force_login(world.head)
    page = client.get(f"/problems/instructions/{instruction.pk}/").content.decode()
    assert "Принять исполнение" in page and "на проверке" in page

    reply = client.post(
        f"/problems/instructions/{instruction.pk}/return/",
        {"reason": "Нет фото", "due_on": f"{_in_days(10)}"},
    )

    assert reply.status_code == 302
    instruction.refresh_from_db()
    assert (instruction.done_at, instruction.due_on) == (None, _in_days(10))
    report_instruction(instruction, report="Фото приложены", by=world.housing_executor, now=NOW)
    assert (
        client.post(f"/problems/instructions/{instruction.pk}/accept/", {"comment": ""}).status_code
        == 302
    )
    assert Instruction.objects.get(pk=instruction.pk).status == "done"


def test_a_standalone_instruction_for_a_problem(world: World) -> None:
    problem = _problem(world)
    client = Client()
    client.force_login(world.operator)
    page = client.get(f"/problems/instructions/new/?problem={problem.pk}").content.decode()
    assert f'<option value="{problem.pk}" selected>' in page

    reply = client.post(
        "/problems/instructions/new/",
        {
            "municipality": world.municipality.pk,
            "text": "Подготовить дорожную карту по ямам",
            "owner": world.roads_executor.pk,
            "due_on": f"{_in_days(8)}",
            "problem": problem.pk,
        },
    )

    instruction = Instruction.objects.get()
    assert (
        reply.status_code == 302
        and reply["Location"] == f"/problems/instructions/{instruction.pk}/"
    )
    assert (instruction.meeting, instruction.problem) == (None, problem)


def test_the_register_filters_mine_overdue_and_by_status(world: World) -> None:
    """The pages count days from the real today, in the municipality's zone."""
    due_today = _instruction(world, text="Первое", due_on=_in_days(0))
    late = _instruction(world, text="Второе", owner=world.roads_executor)
    Instruction.objects.filter(pk=late.pk).update(due_on=_in_days(-3))
    reported = _instruction(world, text="Третье", owner=world.head)
    report_instruction(reported, report="Готово", by=world.head, now=NOW)
    client = Client()
    client.force_login(world.head)

    def listed(query: str) -> set[int]:
        reply = client.get(f"/problems/meetings/?{query}")
        assert reply.status_code == 200
        return {
            pk
            for pk in (due_today.pk, late.pk, reported.pk)
            if f"/problems/instructions/{pk}/" in reply.content.decode()
        }

    assert listed("") == {due_today.pk, late.pk, reported.pk}
    assert listed("overdue=on") == {late.pk}
    assert listed("status=review") == {reported.pk}
    assert listed("status=open") == {due_today.pk, late.pk}
    assert listed("mine=on") == {due_today.pk, late.pk, reported.pk}  # controls two, owns one
    client.force_login(world.roads_executor)
    assert listed("mine=on") == {late.pk}
    assert "просрочено" in client.get("/problems/meetings/?mine=on").content.decode()

"""Overdue instructions and road-map actions remind their owners like case deadlines do: a
notification once per item, step and person, in the same «Уведомления» list and the same
daily digest; the МЦУ's head gets the municipality's overdue instructions; what is done,
withdrawn or moved stops reminding."""

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.personas import NOW, World, make_case
from veche.cases.services import assign_case, change_status
from veche.cases.workflow import Regime, Status
from veche.deadlines.digests import send_digests
from veche.deadlines.items import ItemReminder, notify_items
from veche.deadlines.models import Audience, Clock, Notification
from veche.deadlines.notifications import unread_count
from veche.deadlines.reminders import remind
from veche.org.models import User
from veche.problems.meetings import (
    InstructionData,
    give_instruction,
    report_instruction,
    update_instruction,
)
from veche.problems.models import Action, Instruction, Roadmap
from veche.problems.reminders import remind_items
from veche.problems.tasks import remind_instructions_and_actions_task

DUE = date(2026, 11, 25)  # a Wednesday
MOSCOW = ZoneInfo("Europe/Moscow")  # the Демо municipality's zone


def _moscow(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MOSCOW).astimezone(UTC)


def _emails(world: World) -> None:
    for user in (world.housing_executor, world.roads_executor, world.head, world.block_head):
        user.email = f"{user.username}@example.ru"
        user.save()


def _instruction(world: World, owner: User, *, text: str = "Обследовать дворы") -> Instruction:
    data = InstructionData(text=text, owner=owner, due_on=DUE, controller=world.block_head)
    return give_instruction(world.municipality, data, by=world.operator, now=NOW)


def _action(world: World, responsible: User | None = None) -> Action:
    roadmap = Roadmap.objects.create(
        municipality=world.municipality,
        title="Ремонт дворов",
        status=Roadmap.Status.ACTIVE,
        started_on=date(2026, 11, 1),
        created_at=NOW,
    )
    return Action.objects.create(
        roadmap=roadmap,
        title="Заделать ямы во дворе дома 5",
        responsible=responsible or world.roads_executor,
        due_on=DUE,
        updated_at=NOW,
    )


def _told() -> set[tuple[str, str, int, str]]:
    rows = Notification.objects.filter(clock__isnull=True).values_list(
        "user__username", "item_key", "step", "audience"
    )
    return set(rows)


def test_due_today_reminds_the_owners_and_overdue_adds_the_controller_and_the_head(
    world: World,
) -> None:
    instruction = _instruction(world, world.housing_executor)
    action = _action(world)
    i_key, a_key = f"instruction:{instruction.pk}", f"action:{action.pk}"

    assert remind_items(now=_moscow(24, 23)) == 0
    assert remind_items(now=_moscow(25, 9)) == 2
    assert remind_items(now=_moscow(25, 9)) == 0
    assert _told() == {
        ("housing_executor", i_key, 100, "executor"),
        ("roads_executor", a_key, 100, "executor"),
    }

    assert remind_items(now=_moscow(26, 0, 5)) == 4
    assert remind_items(now=_moscow(27, 9)) == 0  # overdue is told once, like a clock's step
    assert _told() - {
        ("housing_executor", i_key, 100, "executor"),
        ("roads_executor", a_key, 100, "executor"),
    } == {
        ("housing_executor", i_key, 110, "executor"),
        ("block_head", i_key, 110, "controller"),
        ("head", i_key, 110, "centre_head"),
        ("roads_executor", a_key, 110, "executor"),
    }
    note = Notification.objects.get(user=world.head)
    assert note.text == (
        f"Поручение №{instruction.pk} «Обследовать дворы»: срок исполнения просрочен — "
        "истёк 25.11.2026."
    )
    assert note.url == f"/problems/instructions/{instruction.pk}/"
    assert note.municipality == world.municipality and note.case is None


def test_an_item_already_overdue_tells_each_owner_once_and_twice_run_makes_no_duplicates(
    world: World,
) -> None:
    instruction = _instruction(world, world.housing_executor)
    action = _action(world)

    made = remind_items(now=_moscow(28, 9))
    again = remind_items(now=_moscow(28, 9))

    assert (made, again) == (4, 0)
    per_owner = Notification.objects.filter(user__in=[world.housing_executor, world.roads_executor])
    assert sorted(per_owner.values_list("user__username", "item_key", "step")) == [
        ("housing_executor", f"instruction:{instruction.pk}", 110),
        ("roads_executor", f"action:{action.pk}", 110),
    ]


def test_the_reminders_are_in_the_owners_list_and_the_top_bar(world: World) -> None:
    instruction = _instruction(world, world.housing_executor, text="Проверить <b>подвал</b>")
    remind_items(now=_moscow(26, 9))
    client = Client()
    client.force_login(world.housing_executor)

    page = client.get("/deadlines/notifications/").content.decode()

    assert f'href="/problems/instructions/{instruction.pk}/"' in page
    assert "Проверить &lt;b&gt;подвал&lt;/b&gt;" in page and "<b>подвал" not in page
    assert unread_count(world.housing_executor) == 1
    assert (
        'aria-label="Непрочитанных уведомлений о сроках: 1"'
        in client.get("/cases/").content.decode()
    )


def test_the_daily_digest_mails_them_and_the_head_gets_every_overdue_instruction(
    world: World,
) -> None:
    _emails(world)
    housing = _instruction(world, world.housing_executor, text="Обследовать дворы")
    roads = _instruction(world, world.roads_executor, text="Заделать ямы на ул. Мира")
    action = _action(world)
    remind_items(now=_moscow(26, 0, 5))

    assert send_digests(now=_moscow(26, 7, 55)) == 0  # before 8:00 local time
    assert send_digests(now=_moscow(26, 8, 5)) == 4  # two owners, the controller, the head
    assert send_digests(now=_moscow(26, 9, 5)) == 0

    mails = {message.to[0]: message for message in mail.outbox}
    head = mails["head@example.ru"]
    assert head.subject == "Вече: сроки на 26.11.2026 — поручений и мероприятий: 2"
    assert "Просрочено (2):" in head.body
    for instruction in (housing, roads):
        assert (
            f"— Поручение №{instruction.pk} «{instruction.text}»: срок поручения — по 25.11.2026"
            in head.body
        )
        assert f"http://localhost:8000/problems/instructions/{instruction.pk}/" in head.body
    assert "Ремонт дворов" not in head.body  # actions are their owners' business
    owner = mails["roads_executor@example.ru"].body
    assert f"Поручение №{roads.pk}" in owner and f"Поручение №{housing.pk}" not in owner
    assert "Мероприятие «Заделать ямы во дворе дома 5» дорожной карты «Ремонт дворов»" in owner
    assert (
        f"http://localhost:8000/problems/roadmaps/{action.roadmap_id}/#action-{action.pk}" in owner
    )
    assert mails["housing_executor@example.ru"].subject.endswith("поручений и мероприятий: 1")


def test_cases_and_instructions_share_one_digest(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    _emails(world)
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(world.municipality, regime=Regime.APPEAL, channel="letter")
    assign_case(case, world.housing, by=world.head, now=NOW)
    change_status(case, Status.IN_WORK, by=world.head, now=NOW)
    answer = Clock.objects.filter(case=case, kind="answer")
    assert answer.update(due_at=_moscow(27, 0), next_reminder_at=None) == 1
    _instruction(world, world.housing_executor)

    remind(now=_moscow(26, 7))
    remind_items(now=_moscow(26, 7))

    assert send_digests(now=_moscow(26, 8, 5)) >= 1
    message = next(m for m in mail.outbox if m.to == ["housing_executor@example.ru"])
    assert message.subject == "Вече: сроки на 26.11.2026 — обращений: 1, поручений и мероприятий: 1"
    assert message.body.startswith("Сроки на 26.11.2026.")
    assert case.number in message.body and "Поручение №" in message.body


def test_a_reported_instruction_stops_reminding_and_leaves_the_digest(world: World) -> None:
    _emails(world)
    instruction = _instruction(world, world.housing_executor)
    remind_items(now=_moscow(26, 0, 5))

    report_instruction(instruction, report="Сделано", by=world.housing_executor, now=_moscow(26, 7))

    assert send_digests(now=_moscow(26, 8, 5)) == 0
    assert mail.outbox == []
    assert remind_items(now=_moscow(27, 9)) == 0
    assert Notification.objects.filter(settled_at__isnull=True).count() == 0
    client = Client()
    client.force_login(world.housing_executor)
    assert "уже не актуально" in client.get("/deadlines/notifications/").content.decode()
    assert unread_count(world.housing_executor) == 0  # settled is read: nothing left to do


def test_a_done_action_is_settled_by_the_next_run(world: World) -> None:
    """The road-map pages change an action without knowing about reminders."""
    _emails(world)
    action = _action(world)
    remind_items(now=_moscow(26, 0, 5))
    Action.objects.filter(pk=action.pk).update(
        status=Action.Status.DONE, done_on=date(2026, 11, 26)
    )

    assert remind_items(now=_moscow(26, 7)) == 0

    assert Notification.objects.get(item_key=f"action:{action.pk}").settled_at == _moscow(26, 7)
    assert send_digests(now=_moscow(26, 8, 5)) == 0


def test_a_moved_due_day_or_a_new_owner_reminds_again(world: World) -> None:
    instruction = _instruction(world, world.housing_executor)
    remind_items(now=_moscow(26, 9))
    data = InstructionData(
        text=instruction.text,
        owner=world.roads_executor,
        due_on=date(2026, 11, 30),
        controller=world.block_head,
    )

    update_instruction(instruction, data, by=world.operator, now=_moscow(26, 10))
    assert remind_items(now=_moscow(26, 11)) == 0  # not due yet on the new day
    assert remind_items(now=_moscow(30, 9)) == 1

    assert list(
        Notification.objects.filter(settled_at__isnull=True).values_list("user__username", "step")
    ) == [("roads_executor", 100)]
    assert Notification.objects.filter(settled_at__isnull=False).count() == 3


def test_a_draft_road_map_and_another_municipality_are_left_alone(world: World) -> None:
    action = _action(world)
    Roadmap.objects.filter(pk=action.roadmap_id).update(status=Roadmap.Status.DRAFT)
    give_instruction(
        world.neighbour,
        InstructionData(text="Соседское поручение", owner=world.neighbour_operator, due_on=DUE),
        by=world.neighbour_operator,
        now=NOW,
    )

    remind_items(now=_moscow(26, 9))

    assert _told() == {
        ("neighbour_operator", f"instruction:{Instruction.objects.get().pk}", 110, "executor")
    }


def test_the_periodic_task_runs_the_reminders_at_the_moment_it_runs(
    world: World, monkeypatch: Any
) -> None:
    _instruction(world, world.housing_executor)
    monkeypatch.setattr("veche.problems.tasks.timezone.now", lambda: _moscow(25, 9))

    assert remind_instructions_and_actions_task.call_local() == 1
    assert remind_instructions_and_actions_task.call_local() == 0


def test_an_item_of_another_kind_is_not_settled_by_this_run(world: World) -> None:
    """The deadlines notifications of items are shared: a run settles only its own kinds."""
    other = ItemReminder(
        key="publication:7",
        municipality_id=world.municipality.pk,
        zone="Europe/Moscow",
        subject="Публикация №7",
        url="/publishing/7/",
        due_on=DUE,
        step=110,
        recipients={world.head.pk: Audience.EXECUTOR},
    )
    assert notify_items([other], now=_moscow(26, 9)) == 1

    remind_items(now=_moscow(26, 10))

    assert Notification.objects.get(item_key="publication:7").settled_at is None


def test_the_queries_of_a_run_do_not_grow_with_the_items(world: World) -> None:
    def run_queries(day: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            remind_items(now=_moscow(day, 9))
        return len(queries)

    _instruction(world, world.housing_executor)
    _action(world)
    Roadmap.objects.update(owner=world.operator)
    one_each = run_queries(26)
    for n in range(4):
        _instruction(world, world.roads_executor, text=f"Поручение {n}")
        _action(world, world.housing_executor)
    Roadmap.objects.update(owner=world.operator)
    Notification.objects.all().delete()

    assert run_queries(26) == one_each

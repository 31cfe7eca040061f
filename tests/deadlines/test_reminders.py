"""Reminders and escalation: the ladder's steps notify the right people once, only those who
see the case; one digest a day per person by e-mail and Telegram; the «Уведомления» page and
the unread count in the top bar."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tests.intake.fake_telegram import TOKEN, FakeTelegram
from tests.personas import World, make_case
from veche.cases.models import Case
from veche.cases.services import assign_case, change_status
from veche.cases.workflow import Regime, Status
from veche.deadlines.calendar import ProductionCalendar
from veche.deadlines.clocks import Term, Unit, due_at, share_reached_at, used_share
from veche.deadlines.digests import send_digests
from veche.deadlines.models import REMINDED_ALL, Clock, Digest, Notification, StaffContact
from veche.deadlines.notifications import unread_count
from veche.deadlines.reminders import remind
from veche.deadlines.services import extend_deadline
from veche.org.models import Membership, Role, User

RECEIVED = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)  # 09:00 in Moscow, the Демо zone


@pytest.fixture
def department_head(world: World) -> User:
    """«руководитель отдела ЖКХ»"""
    user = User.objects.create_user(username="housing_head", last_name="Начальник ЖКХ")
    Membership.objects.create(
        user=user,
        role=Role.DEPARTMENT_HEAD,
        municipality=world.municipality,
        department=world.housing,
    )
    return user


def _appeal(world: World, capture: Any, *, received: datetime = RECEIVED) -> Case:
    with capture(execute=True):
        case = make_case(
            world.municipality, regime=Regime.APPEAL, channel="letter", received_at=received
        )
    assign_case(case, world.housing, by=world.head, now=received + timedelta(hours=1))
    change_status(case, Status.IN_WORK, by=world.head, now=received + timedelta(hours=2))
    return case


def _answer_clock(case: Case) -> Clock:
    return Clock.objects.get(case=case, kind="answer")


def _at(case: Case, share: float) -> datetime:
    """The moment the case's answer clock (calendar days: plain time) has used `share`."""
    clock = _answer_clock(case)
    return clock.started_at + (clock.due_at - clock.started_at) * share


def _told(case: Case) -> set[tuple[str, int, str]]:
    rows = Notification.objects.filter(case=case).values_list("user__username", "step", "audience")
    return set(rows)


def test_half_the_time_notifies_the_executor_once(
    world: World, department_head: User, django_capture_on_commit_callbacks: Any
) -> None:
    case = _appeal(world, django_capture_on_commit_callbacks)

    assert remind(now=_at(case, 0.4)) == 0
    assert remind(now=_at(case, 0.55)) == 1
    remind(now=_at(case, 0.55))
    remind(now=_at(case, 0.6))

    assert _told(case) == {("housing_executor", 50, "executor")}
    note = Notification.objects.get(case=case)
    assert note.text.startswith(f"Обращение {case.number}: прошло 50 % срока ответа, срок — ")
    # The next look is when 80 % is used, not at every run.
    assert abs(_answer_clock(case).next_reminder_at - _at(case, 0.8)) < timedelta(seconds=1)  # type: ignore[operator]


def test_eighty_percent_adds_the_department_head(
    world: World, department_head: User, django_capture_on_commit_callbacks: Any
) -> None:
    case = _appeal(world, django_capture_on_commit_callbacks)

    remind(now=_at(case, 0.55))
    remind(now=_at(case, 0.85))

    assert _told(case) == {
        ("housing_executor", 50, "executor"),
        ("housing_executor", 80, "executor"),
        ("housing_head", 80, "department_head"),
    }


def test_overdue_reaches_the_centre_head_and_nobody_outside_the_case(
    world: World, department_head: User, django_capture_on_commit_callbacks: Any
) -> None:
    case = _appeal(world, django_capture_on_commit_callbacks)
    # Named head of the block, but with no role in the municipality: cannot see the case.
    world.city_block.head = world.nobody
    world.city_block.save()

    remind(now=_at(case, 1.2))

    assert _told(case) == {
        ("housing_executor", 110, "executor"),
        ("housing_head", 110, "department_head"),
        ("block_head", 110, "block_head"),
        ("head", 110, "centre_head"),
    }
    assert "просрочен" in Notification.objects.filter(case=case).first().text  # type: ignore[union-attr]
    assert _answer_clock(case).next_reminder_at == REMINDED_ALL
    assert remind(now=_at(case, 1.5)) == 0


def test_an_extension_makes_the_clock_be_looked_at_again(
    world: World, department_head: User, django_capture_on_commit_callbacks: Any
) -> None:
    case = _appeal(world, django_capture_on_commit_callbacks)
    now = _at(case, 0.9)
    remind(now=now)
    assert _answer_clock(case).next_reminder_at is not None

    extend_deadline(case, 30, reason="экспертиза", by=world.head, now=now)

    assert _answer_clock(case).next_reminder_at is None
    assert remind(now=now) == 0  # used share fell under 80 %, which fired already
    assert _answer_clock(case).next_reminder_at is not None


def _moscow(day: int, hour: int, minute: int = 5) -> datetime:
    return datetime(2026, 11, day, hour - 3, minute, tzinfo=UTC)


def test_one_digest_a_day_lists_every_case(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    executor = world.housing_executor
    executor.email = "zhkh@example.ru"
    executor.save()
    cases = [_appeal(world, django_capture_on_commit_callbacks) for _ in range(3)]
    # Received a day later: its half of the time is passed on the 18th at about 17:00.
    late = _appeal(world, django_capture_on_commit_callbacks, received=RECEIVED + timedelta(days=1))
    assert remind(now=_moscow(18, 7)) == 3

    assert send_digests(now=_moscow(18, 7)) == 0  # before 8:00 local time
    assert send_digests(now=_moscow(18, 8)) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhkh@example.ru"]
    assert message.subject == "Вече: сроки на 18.11.2026 — обращений: 3"
    assert "Истекает позже (3):" in message.body
    for case in cases:
        assert f"— {case.number}: срок ответа — " in message.body
        assert f"http://localhost:8000/cases/{case.pk}/" in message.body
    assert late.number not in message.body

    assert remind(now=_moscow(18, 20)) == 1  # the late case, after today's digest
    assert send_digests(now=_moscow(18, 9)) == 0
    assert send_digests(now=_moscow(18, 21)) == 0
    assert len(mail.outbox) == 1

    assert send_digests(now=_moscow(19, 8)) == 1
    assert len(mail.outbox) == 2
    assert late.number in mail.outbox[1].body and cases[0].number not in mail.outbox[1].body
    assert send_digests(now=_moscow(19, 12)) == 0
    days = Digest.objects.filter(user=executor).order_by("day").values_list("day", flat=True)
    assert [f"{d:%d.%m}" for d in days] == ["18.11", "19.11"]


def test_a_term_ending_tonight_is_listed_as_due_today(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """A day term «по 18.11» ends at midnight after the 18th: on the 18th it is due today."""
    world.housing_executor.email = "zhkh@example.ru"
    world.housing_executor.save()
    case = _appeal(world, django_capture_on_commit_callbacks)
    tonight = datetime(2026, 11, 18, 21, 0, tzinfo=UTC)  # midnight in Moscow
    Clock.objects.filter(pk=_answer_clock(case).pk).update(due_at=tonight, next_reminder_at=None)
    assert remind(now=_moscow(18, 7)) == 1

    assert send_digests(now=_moscow(18, 8)) == 1

    body = mail.outbox[0].body
    assert "Истекает сегодня (1):" in body
    assert f"— {case.number}: срок ответа — по 18.11.2026" in body


@pytest.fixture
def fake_telegram(settings: Any) -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    settings.VECHE_STAFF_TELEGRAM_TOKEN = TOKEN
    settings.VECHE_STAFF_TELEGRAM_API_URL = server.url
    yield server
    server.stop()


def test_the_digest_goes_to_the_staff_telegram_chat(
    world: World, fake_telegram: FakeTelegram, django_capture_on_commit_callbacks: Any
) -> None:
    StaffContact.objects.create(user=world.housing_executor, telegram_chat_id="777001")
    cases = [_appeal(world, django_capture_on_commit_callbacks) for _ in range(2)]
    remind(now=_moscow(18, 7))

    assert send_digests(now=_moscow(18, 8)) == 1

    assert len(fake_telegram.sent) == 1
    sent = fake_telegram.sent[0]
    assert sent["chat_id"] == 777001
    assert sent["text"].startswith("Сроки обращений на 18.11.2026.")
    assert all(case.number in sent["text"] for case in cases)
    digest = Digest.objects.get(user=world.housing_executor)
    assert digest.telegram_at == _moscow(18, 8) and digest.emailed_at is None
    assert mail.outbox == []  # no address on the account


def test_a_telegram_failure_is_recorded_and_not_retried_that_day(
    world: World, fake_telegram: FakeTelegram, django_capture_on_commit_callbacks: Any
) -> None:
    StaffContact.objects.create(user=world.housing_executor, telegram_chat_id="777001")
    _appeal(world, django_capture_on_commit_callbacks)
    remind(now=_moscow(18, 7))
    fake_telegram.down = True

    send_digests(now=_moscow(18, 8))
    fake_telegram.down = False
    send_digests(now=_moscow(18, 9))

    digest = Digest.objects.get(user=world.housing_executor)
    assert digest.telegram_at is None and digest.error.startswith("Telegram:")
    assert TOKEN not in digest.error
    assert fake_telegram.sent == []


def test_the_notifications_page_and_the_unread_count(
    world: World,
    department_head: User,
    django_capture_on_commit_callbacks: Any,
    django_assert_num_queries: Any,
) -> None:
    case = _appeal(world, django_capture_on_commit_callbacks)
    remind(now=_at(case, 0.85))
    client = Client()
    client.force_login(world.housing_executor)

    inbox = client.get("/cases/").content.decode()
    assert 'aria-label="Непрочитанных уведомлений о сроках: 1"' in inbox
    page = client.get("/deadlines/notifications/").content.decode()
    assert f"Обращение {case.number}: прошло 80 % срока ответа" in page
    with django_assert_num_queries(1):
        assert unread_count(world.housing_executor) == 1

    note = Notification.objects.get(user=world.housing_executor)
    assert client.post("/deadlines/notifications/", {"id": note.pk}).status_code == 302
    assert Notification.objects.get(pk=note.pk).read_at is not None
    assert "Непрочитанных уведомлений" not in client.get("/cases/").content.decode()
    # The department head's stays unread: marking is one's own.
    assert unread_count(department_head) == 1

    client.force_login(world.roads_executor)
    assert "Уведомлений нет." in client.get("/deadlines/notifications/").content.decode()
    client.post("/deadlines/notifications/")
    assert unread_count(department_head) == 1


@pytest.mark.parametrize(
    ("unit", "amount"),
    [(Unit.CALENDAR_DAYS, 30), (Unit.WORKING_DAYS, 10), (Unit.HOURS, 8), (Unit.WORKING_HOURS, 9)],
)
@pytest.mark.parametrize("share", [0.5, 0.8, 1.0, 1.1])
def test_the_moment_of_a_share_is_the_inverse_of_the_used_share(
    unit: Unit, amount: int, share: float
) -> None:
    calendar = ProductionCalendar({}, time_zone="Europe/Moscow")
    term = Term(amount, unit)
    started = datetime(2026, 11, 2, 7, 30, tzinfo=UTC)
    due = due_at(calendar, term, started)
    now = started + timedelta(hours=1)

    moment = share_reached_at(calendar, term, started, due, share=share, now=now)

    assert moment > now
    assert used_share(calendar, term, started, due, now=moment) == pytest.approx(share, abs=1e-6)


def test_a_share_already_used_is_reached_now() -> None:
    calendar = ProductionCalendar({}, time_zone="Europe/Moscow")
    term = Term(8, Unit.HOURS)
    started = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    now = started + timedelta(hours=6)

    assert (
        share_reached_at(calendar, term, started, started + timedelta(hours=8), share=0.5, now=now)
        == now
    )


def test_a_run_with_nothing_due_reads_one_row_set_per_municipality(
    world: World, django_capture_on_commit_callbacks: Any, django_assert_num_queries: Any
) -> None:
    case = _appeal(world, django_capture_on_commit_callbacks)
    remind(now=_at(case, 0.1))  # schedules the clock's first look at 50 %

    later = _at(case, 0.3)

    # The municipalities, then per municipality (2) its due clocks inside a savepoint.
    with django_assert_num_queries(7):
        assert remind(now=later) == 0

"""The Telegram bot end to end, through python-telegram-bot against a local fake Bot API: a
chat becomes one case, the bot confirms with its number, photos and locations are kept, nothing
is accepted twice or lost when Telegram is down, and the answer goes back into the chat."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.intake.fake_telegram import JPEG, TOKEN, FakeTelegram
from tests.personas import NOW, World
from veche.cases.models import Answer, Case, Event
from veche.cases.services import approve_answer, assign_case, change_status, draft_answer
from veche.cases.workflow import Status
from veche.catalog.models import Channel
from veche.intake.connectors.base import split_text
from veche.intake.connectors.telegram import GREETING
from veche.intake.models import Outbound, Source
from veche.intake.services import fetch_source, queue_outbound

CHAT = 700_123


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture
def source(world: World, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> Source:
    monkeypatch.setenv("VECHE_TEST_BOT_TOKEN", TOKEN)
    return Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.TELEGRAM),
        name="Бот администрации",
        config={"token_env": "VECHE_TEST_BOT_TOKEN", "api_url": fake.url},
    )


@pytest.fixture
def poll(source: Source, django_capture_on_commit_callbacks: Any) -> Any:
    """Fetch the source as the scheduler does, running what it queues on commit (receipts)."""

    def run() -> int:
        fresh = Source.objects.select_related("channel", "municipality").get(pk=source.pk)
        with django_capture_on_commit_callbacks(execute=True):
            return fetch_source(fresh, now=NOW)

    return run


def test_a_message_becomes_a_case_and_the_bot_replies_with_its_number(
    fake: FakeTelegram, poll: Any
) -> None:
    sent = fake.message(CHAT, "Во дворе дома 5 по ул. Ленина яма, машины не проехать")

    assert poll() == 1

    case = Case.objects.get()
    assert case.channel.code == Channel.Code.TELEGRAM
    assert case.text == "Во дворе дома 5 по ул. Ленина яма, машины не проехать"
    assert case.deliveries.get().external_id == f"{CHAT}:{sent['message_id']}"
    assert case.author is not None
    assert case.author.full_name == "Мария Иванова"
    assert case.author.social_id == f"tg://user?id={CHAT}"
    [reply] = fake.sent
    assert reply["chat_id"] == CHAT
    assert case.number in reply["text"]
    assert reply["reply_parameters"]["message_id"] == sent["message_id"]
    receipt = Outbound.objects.get(case=case, kind=Outbound.Kind.RECEIPT)
    assert receipt.state == Outbound.State.SENT
    assert receipt.external_id.startswith(f"{CHAT}:")


def test_the_next_message_in_the_same_chat_goes_to_the_same_case(
    fake: FakeTelegram, poll: Any
) -> None:
    fake.message(CHAT, "Не вывозят мусор третий день")
    poll()
    fake.message(CHAT, "Контейнеры у дома 12 переполнены")
    fake.message(CHAT + 1, "Не горит фонарь у школы")

    assert poll() == 2

    assert Case.objects.count() == 2
    first = Case.objects.get(text="Не вывозят мусор третий день")
    messages = first.events.filter(kind=Event.Kind.CITIZEN_MESSAGE)
    assert [e.comment for e in messages] == ["Контейнеры у дома 12 переполнены"]
    # One receipt per case, not per message.
    assert [m["chat_id"] for m in fake.sent] == [CHAT, CHAT + 1]


def test_start_gets_a_greeting_and_no_case(fake: FakeTelegram, poll: Any) -> None:
    fake.message(CHAT, "/start")

    assert poll() == 0

    assert not Case.objects.exists()
    assert fake.sent == [{"chat_id": CHAT, "text": GREETING}]


def test_a_photo_becomes_an_attachment_and_its_caption_the_text(
    fake: FakeTelegram, poll: Any
) -> None:
    fake.message(CHAT, photo=JPEG, caption="Упало дерево на детскую площадку")

    poll()

    case = Case.objects.get()
    assert case.text == "Упало дерево на детскую площадку"
    [attachment] = case.attachments.all()
    assert attachment.content_type == "image/jpeg"
    assert attachment.size == len(JPEG)
    with attachment.file.open("rb") as stored:
        assert stored.read() == JPEG  # the largest size, not the thumbnail
    assert "getFile" in fake.calls


def test_a_location_becomes_the_case_coordinates(fake: FakeTelegram, poll: Any) -> None:
    fake.message(CHAT, location=(55.751244, 37.618423))

    poll()

    case = Case.objects.get()
    assert (case.lat, case.lon) == (55.751244, 37.618423)
    assert case.text == "Геопозиция: 55.751244, 37.618423"


def test_fetching_again_accepts_nothing_twice(
    fake: FakeTelegram, source: Source, poll: Any
) -> None:
    fake.message(CHAT, "Прорыв трубы на ул. Мира")
    update_id = fake.updates[0]["update_id"]
    poll()
    # As if the worker had died before saving its cursor: Telegram sends the same update again.
    Source.objects.filter(pk=source.pk).update(cursor={})
    poll()
    poll()

    assert Case.objects.count() == 1
    assert len(fake.sent) == 1
    source.refresh_from_db()
    assert source.cursor == {"offset": update_id + 1}
    assert fake.updates == []  # confirmed to Telegram by the higher offset of the last poll


def test_telegram_down_is_recorded_and_retried_later_with_nothing_lost(
    fake: FakeTelegram, source: Source, poll: Any
) -> None:
    fake.message(CHAT, "Нет отопления в доме 7")
    fake.down = True

    assert poll() == 0

    source.refresh_from_db()
    assert source.failures == 1
    assert source.last_error.startswith("Telegram:")
    assert source.next_attempt_at == NOW + timedelta(seconds=120)
    assert source.cursor == {}
    assert not Case.objects.exists()

    fake.down = False
    assert poll() == 1
    source.refresh_from_db()
    assert (source.failures, source.last_error) == (0, "")
    assert Case.objects.get().text == "Нет отопления в доме 7"


def test_a_rejected_token_is_reported_without_the_token(source: Source, poll: Any) -> None:
    source.config = {"token": "999:WRONG-secret", "api_url": source.config["api_url"]}
    source.save()

    poll()

    source.refresh_from_db()
    assert source.failures == 1
    assert source.last_error.startswith("Telegram:")
    assert "WRONG-secret" not in source.last_error


def test_the_approved_answer_goes_back_into_the_chat(
    world: World, fake: FakeTelegram, poll: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = fake.message(CHAT, "Яма у подъезда дома 3")
    poll()
    case = Case.objects.get()
    change_status(case, Status.REGISTERED, by=world.operator, now=NOW)
    assign_case(case, world.housing, by=world.operator, now=NOW)
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    answer = draft_answer(case, "Яма заделана 24.11.", by=world.housing_executor, now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        approve_answer(answer, by=world.head, now=NOW)

    reply, question = fake.sent[-2:]  # the satisfaction question follows (test_surveys.py)
    assert reply["chat_id"] == CHAT
    assert reply["text"] == "Яма заделана 24.11."
    assert "reply_markup" not in reply and "inline_keyboard" in question["reply_markup"]
    assert reply["reply_parameters"]["message_id"] == first["message_id"]
    answer.refresh_from_db()
    case.refresh_from_db()
    assert answer.state == Answer.State.SENT
    assert case.status == Status.ANSWERED
    outbound = Outbound.objects.get(answer=answer)
    assert outbound.state == Outbound.State.SENT
    assert outbound.external_id == f"{CHAT}:{fake._message_id - 1}"


def test_an_answer_that_cannot_be_sent_is_kept_for_a_retry(
    fake: FakeTelegram, source: Source, poll: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake.message(CHAT, "Не работает лифт")
    poll()
    case = Case.objects.get()
    fake.down = True

    with django_capture_on_commit_callbacks(execute=True):
        outbound = queue_outbound(case, source, Outbound.Kind.ANSWER, "Лифт починен.", now=NOW)

    assert outbound is not None
    outbound.refresh_from_db()
    assert outbound.state == Outbound.State.PENDING
    assert outbound.attempts == 1
    assert outbound.last_error.startswith("Telegram:")


def test_the_satisfaction_question_comes_with_buttons_one_to_five(
    fake: FakeTelegram, source: Source, poll: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake.message(CHAT, "Не убран снег")
    poll()
    case = Case.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        queue_outbound(case, source, Outbound.Kind.SURVEY, "Оцените ответ от 1 до 5", now=NOW)

    survey = fake.sent[-1]
    assert survey["text"] == "Оцените ответ от 1 до 5"
    [row] = survey["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in row] == ["1", "2", "3", "4", "5"]
    assert [b["callback_data"] for b in row] == [f"survey:{case.pk}:{n}" for n in range(1, 6)]


def test_a_long_answer_is_split_at_line_ends_within_the_limit() -> None:
    line = " ".join(["работы выполнены."] * 20)
    text = "\n".join(f"Пункт {n}: {line}" for n in range(30))

    parts = split_text(text, 4096)

    assert len(parts) == 3
    assert all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text

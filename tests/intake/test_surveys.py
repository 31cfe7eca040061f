"""The satisfaction question through the channels: the answer letter (through a real SMTP
server) carries a working rating link; in Telegram (a local fake Bot API) the question comes
with buttons 1–5, and a press rates the answer."""

import re
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.intake.fake_telegram import TOKEN, FakeTelegram
from tests.intake.mailservers import (  # noqa: F401  (fixtures)
    Dovecot,
    Mailbox,
    Outbox,
    certificate,
    dovecot,
    outbox,
    smtp_server,
)
from tests.intake.test_email import letter
from tests.personas import NOW, World
from veche.cases.models import Answer, Case, Event
from veche.cases.services import approve_answer, assign_case, change_status, draft_answer
from veche.cases.workflow import Status
from veche.catalog.models import Channel
from veche.feedback.models import Survey
from veche.intake.models import Outbound, Source
from veche.intake.services import fetch_source

CHAT = 700_321
LINK = re.compile(r"https?://\S+/feedback/r/\S+/")


def _answer(world: World, case: Case, text: str, capture: Any) -> Answer:
    if case.status == Status.NEW:
        change_status(case, Status.REGISTERED, by=world.operator, now=NOW)
    assign_case(case, world.housing, by=world.operator, now=NOW)
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    answer = draft_answer(case, text, by=world.housing_executor, now=NOW)
    with capture(execute=True):
        approve_answer(answer, by=world.head, now=NOW)
    return answer


# --- e-mail -------------------------------------------------------------------------------------


@pytest.fixture
def mail_source(world: World, dovecot: Dovecot, outbox: Outbox) -> Source:  # noqa: F811
    mailbox: Mailbox = dovecot.mailbox()
    mailbox.append(letter(), at=NOW)
    source = Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.EMAIL),
        name="Почта МЦУ",
        config=mailbox.config(**outbox.config()) | {"send_receipt": False},
    )
    fetch_source(source, now=NOW)
    return source


def test_the_answer_letter_carries_a_link_that_rates_and_reopens(
    world: World,
    mail_source: Source,
    outbox: Outbox,  # noqa: F811
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.VECHE_PUBLIC_URL = "https://обращения.example.ru"
    case = Case.objects.get()

    answer = _answer(world, case, "Яма заделана 25 ноября.", django_capture_on_commit_callbacks)

    [envelope] = outbox.envelopes
    body = message_from_bytes(envelope.content, policy=policy.default).get_content()
    [link] = LINK.findall(body)
    assert link.startswith("https://обращения.example.ru/feedback/r/")
    survey = Survey.objects.get(answer=answer)
    assert survey.asked_via == "email"
    client = Client()
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200 and case.number in page.content.decode()

    sent = client.post(path, {"rating": "2", "solved": "no", "comment": "Яма на месте"})

    assert sent.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.REOPENED
    rating = case.events.get(kind=Event.Kind.RATING)
    assert rating.comment == "Оценка заявителя: 2 из 5, не решено. Комментарий: Яма на месте"
    assert client.post(path, {"rating": "5"}).status_code == 400  # one rating per link
    assert len(outbox.envelopes) == 1  # no second letter: the link came with the answer


# --- Telegram -----------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture
def bot(world: World, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> Source:
    monkeypatch.setenv("VECHE_TEST_BOT_TOKEN", TOKEN)
    return Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.TELEGRAM),
        name="Бот администрации",
        config={"token_env": "VECHE_TEST_BOT_TOKEN", "api_url": fake.url, "send_receipt": False},
    )


@pytest.fixture
def poll(bot: Source, django_capture_on_commit_callbacks: Any) -> Callable[[], int]:
    def run() -> int:
        fresh = Source.objects.select_related("channel", "municipality").get(pk=bot.pk)
        with django_capture_on_commit_callbacks(execute=True):
            return fetch_source(fresh, now=NOW)

    return run


def test_a_button_under_the_question_rates_the_answer_and_reopens_the_case(
    world: World,
    fake: FakeTelegram,
    poll: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    fake.message(CHAT, "Яма у подъезда дома 3")
    poll()
    case = Case.objects.get()
    answer = _answer(world, case, "Яма заделана 24.11.", django_capture_on_commit_callbacks)
    reply, question = fake.sent[-2:]
    assert reply["text"] == "Яма заделана 24.11." and "reply_markup" not in reply
    assert question["text"].startswith(f"Оцените, пожалуйста, ответ на обращение {case.number}")
    [row] = question["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for b in row] == [f"survey:{case.pk}:{n}" for n in range(1, 6)]
    assert Outbound.objects.get(case=case, kind=Outbound.Kind.SURVEY).state == "sent"

    query = fake.press(CHAT, question, f"survey:{case.pk}:2")
    assert poll() == 0  # a press is no message: no case, nothing on the timeline but the rating

    survey = Survey.objects.get(answer=answer)
    assert (survey.rating, survey.solved, survey.answered_via) == (2, None, "telegram")
    case.refresh_from_db()
    assert case.status == Status.REOPENED
    assert case.events.get(kind=Event.Kind.RATING).comment == "Оценка заявителя: 2 из 5."
    [answered] = fake.answered
    assert answered["callback_query_id"] == query
    assert answered["text"].startswith("Спасибо! Ваша оценка: 2 из 5.")
    assert fake.sent[-1]["chat_id"] == CHAT and "возобновлено" in fake.sent[-1]["text"]

    fake.press(CHAT, question, f"survey:{case.pk}:5")  # pressed again: refused, kept as it was
    poll()
    assert fake.answered[-1]["text"] == "Оценка по этой ссылке уже получена. Спасибо!"
    survey.refresh_from_db()
    assert survey.rating == 2


def test_a_press_from_another_chat_rates_nothing(
    world: World,
    fake: FakeTelegram,
    poll: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    fake.message(CHAT, "Не убран снег во дворе")
    poll()
    case = Case.objects.get()
    _answer(world, case, "Снег убран 24.11.", django_capture_on_commit_callbacks)
    question = fake.sent[-1]

    fake.press(CHAT + 1, question, f"survey:{case.pk}:1")  # forged data from another chat
    poll()

    assert fake.answered[-1]["text"] == "Эта оценка не относится к вашим обращениям."
    assert Survey.objects.get(case=case).answered_at is None
    case.refresh_from_db()
    assert case.status == Status.ANSWERED

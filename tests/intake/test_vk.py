"""The VK community end to end, through vk_api against a local fake VK API: Callback API events
(through the real webhook view) and the long-poll fallback become cases exactly once, forged or
malformed callbacks are refused, and answers go back as a message or as a reply comment."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from tests.intake.fake_vk import GROUP_ID, JPEG, SECRET, TOKEN, FakeVk
from tests.personas import NOW, World
from veche.cases.models import Answer, Case, Event
from veche.cases.services import approve_answer, assign_case, change_status, draft_answer
from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel
from veche.intake.connectors.vk import connector
from veche.intake.models import Delivery, Outbound, Source
from veche.intake.services import fetch_source

CONFIRMATION = "a1b2c3d4"
USER = 1_234_567
NEIGHBOUR = 7_654_321
POST = 88


@pytest.fixture
def fake() -> Iterator[FakeVk]:
    server = FakeVk().start()
    yield server
    server.stop()


@pytest.fixture
def source(world: World, fake: FakeVk, monkeypatch: pytest.MonkeyPatch) -> Source:
    monkeypatch.setenv("VECHE_TEST_VK_TOKEN", TOKEN)
    return Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.VK),
        name="Сообщество администрации",
        config={
            "group_id": GROUP_ID,
            "token_env": "VECHE_TEST_VK_TOKEN",
            "secret": SECRET,
            "confirmation": CONFIRMATION,
            "api_url": fake.url,
        },
    )


@pytest.fixture
def post(source: Source, django_capture_on_commit_callbacks: Any) -> Any:
    """Post a Callback API event to the webhook, running what it queues on commit."""

    def run(event: Any = None, *, raw: bytes | None = None) -> Any:
        body = raw if raw is not None else json.dumps(event, ensure_ascii=False).encode()
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(
                f"/intake/hooks/{source.pk}/", data=body, content_type="application/json"
            )

    return run


@pytest.fixture
def poll(source: Source, django_capture_on_commit_callbacks: Any) -> Any:
    """The long-poll fallback: a source without a callback secret, fetched as the scheduler
    does."""
    Source.objects.filter(pk=source.pk).update(
        config={k: v for k, v in source.config.items() if k != "secret"}
    )

    def run() -> int:
        fresh = Source.objects.select_related("channel", "municipality").get(pk=source.pk)
        with django_capture_on_commit_callbacks(execute=True):
            return fetch_source(fresh, now=NOW)

    return run


# --- Callback API -------------------------------------------------------------------------------


def test_the_confirmation_handshake_returns_the_code(post: Any) -> None:
    response = post({"type": "confirmation", "group_id": GROUP_ID})

    assert response.status_code == 200
    assert response.content.decode() == CONFIRMATION
    assert not Case.objects.exists()


def test_a_callback_with_a_wrong_secret_is_refused(fake: FakeVk, post: Any) -> None:
    response = post(fake.message(USER, "Яма на дороге", number=1) | {"secret": "guess"})

    assert response.status_code == 403
    assert not Case.objects.exists()
    assert fake.sent == []


def test_a_callback_for_another_community_is_refused(fake: FakeVk, post: Any) -> None:
    event = fake.message(USER, "Яма на дороге", number=1) | {"group_id": 1}

    assert post(event).status_code == 403
    assert not Case.objects.exists()


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'{"object": {}}'])
def test_a_malformed_callback_is_refused_with_400(post: Any, raw: bytes) -> None:
    assert post(raw=raw).status_code == 400
    assert not Case.objects.exists()


def test_a_message_becomes_a_case_and_the_community_replies_with_its_number(
    fake: FakeVk, post: Any
) -> None:
    response = post(fake.message(USER, "Во дворе дома 5 не вывозят мусор", number=41))

    assert response.status_code == 200
    assert response.content == b"ok"
    case = Case.objects.get()
    assert case.channel.code == Channel.Code.VK
    assert case.regime == Regime.MESSAGE
    assert case.text == "Во дворе дома 5 не вывозят мусор"
    assert case.deliveries.get().external_id == f"msg{USER}_41"
    assert case.author is not None
    assert case.author.social_id == f"vk.com/id{USER}"
    [(method, sent)] = fake.sent
    assert method == "messages.send"
    assert sent["peer_id"] == str(USER)
    assert case.number in sent["message"]
    receipt = Outbound.objects.get(case=case, kind=Outbound.Kind.RECEIPT)
    assert sent["random_id"] == str(receipt.pk * 16)
    assert receipt.state == Outbound.State.SENT


def test_the_next_message_in_the_dialogue_goes_to_the_same_case(fake: FakeVk, post: Any) -> None:
    post(fake.message(USER, "Не горит фонарь у дома 3", number=1))
    post(fake.message(USER, "Уже третью неделю", number=2))
    post(fake.message(NEIGHBOUR, "Яма у школы", number=1))

    assert Case.objects.count() == 2
    first = Case.objects.get(deliveries__external_id=f"msg{USER}_1")
    messages = first.events.filter(kind=Event.Kind.CITIZEN_MESSAGE)
    assert [e.comment for e in messages] == ["Уже третью неделю"]


def test_the_same_event_twice_is_one_case(fake: FakeVk, post: Any) -> None:
    event = fake.message(USER, "Прорвало трубу", number=7)

    assert post(event).content == b"ok"
    assert post(event).content == b"ok"

    assert Case.objects.count() == 1
    assert Delivery.objects.count() == 1
    assert len(fake.sent) == 1


def test_a_photo_and_a_location_in_a_message_are_kept(fake: FakeVk, post: Any) -> None:
    post(fake.message(USER, "", number=3, photo=JPEG, geo=(54.98, 73.37)))

    case = Case.objects.get()
    assert (case.lat, case.lon) == (54.98, 73.37)
    assert case.text == "Геопозиция: 54.980000, 73.370000"
    [attachment] = case.attachments.all()
    with attachment.file.open("rb") as stored:
        assert stored.read() == JPEG  # the largest size


def test_a_file_address_outside_vk_is_not_fetched(fake: FakeVk, post: Any) -> None:
    event = fake.message(USER, "Смотрите фото", number=4, photo=JPEG)
    for size in event["object"]["message"]["attachments"][0]["photo"]["sizes"]:
        size["url"] = "http://10.0.0.1/admin/x.jpg"  # a forged event probing the network
    post(event)

    case = Case.objects.get()
    assert not case.attachments.exists()
    assert "не получено" in case.text


def test_a_comment_under_a_post_becomes_an_incident_and_the_reply_is_a_comment(
    fake: FakeVk, post: Any
) -> None:
    response = post(fake.comment(USER, "Когда починят дорогу?", post_id=POST, comment_id=501))

    assert response.content == b"ok"
    case = Case.objects.get()
    assert case.regime == Regime.INCIDENT
    assert case.deliveries.get().external_id == f"wall-{GROUP_ID}_{POST}_c501"
    [(method, sent)] = fake.sent
    assert method == "wall.createComment"
    assert sent["owner_id"] == str(-GROUP_ID)
    assert sent["post_id"] == str(POST)
    assert sent["reply_to_comment"] == "501"
    assert sent["from_group"] == str(GROUP_ID)
    assert case.number in sent["message"]


def test_replies_in_the_citizens_comment_thread_go_to_the_same_case(
    fake: FakeVk, post: Any
) -> None:
    post(fake.comment(USER, "Снег не убран", post_id=POST, comment_id=501))
    post(fake.comment(USER, "И тротуар тоже", post_id=POST, comment_id=509, thread_of=501))
    post(fake.comment(NEIGHBOUR, "У нас так же", post_id=POST, comment_id=510, thread_of=501))

    assert Case.objects.count() == 2
    first = Case.objects.get(deliveries__external_id=f"wall-{GROUP_ID}_{POST}_c501")
    assert [e.comment for e in first.events.filter(kind=Event.Kind.CITIZEN_MESSAGE)] == [
        "И тротуар тоже"
    ]


def test_the_communitys_own_comments_are_not_cases(fake: FakeVk, post: Any) -> None:
    response = post(fake.comment(-GROUP_ID, "Ответ администрации", post_id=POST, comment_id=520))

    assert response.content == b"ok"
    assert not Case.objects.exists()


def test_other_events_are_acknowledged_and_ignored(fake: FakeVk, post: Any) -> None:
    response = post(fake.event("group_join", {"user_id": USER, "join_type": "join"}))

    assert response.content == b"ok"
    assert not Case.objects.exists()


# --- long-poll fallback -------------------------------------------------------------------------


def test_long_poll_accepts_new_events_once_and_moves_its_cursor(
    fake: FakeVk, source: Source, poll: Any
) -> None:
    assert poll() == 0  # the first poll only learns where the stream is
    source.refresh_from_db()
    start = source.cursor["ts"]
    fake.message(USER, "Не работает светофор", number=1)
    fake.comment(NEIGHBOUR, "Когда откроют поликлинику?", post_id=POST, comment_id=601)

    assert poll() == 2
    assert poll() == 0
    # As if the worker had died before saving its cursor: the same events come again.
    Source.objects.filter(pk=source.pk).update(cursor={"ts": start})
    assert poll() == 2

    assert Case.objects.count() == 2
    assert len(fake.sent) == 2  # one receipt per case
    source.refresh_from_db()
    assert int(source.cursor["ts"]) == int(start) + 2


def test_vk_down_is_recorded_and_retried_later_with_nothing_lost(
    fake: FakeVk, source: Source, poll: Any
) -> None:
    poll()
    source.refresh_from_db()
    cursor = source.cursor
    fake.message(USER, "Нет воды в доме 9", number=1)
    fake.down = True

    assert poll() == 0

    source.refresh_from_db()
    assert source.failures == 1
    assert source.next_attempt_at == NOW + timedelta(seconds=120)
    assert source.cursor == cursor
    assert source.last_error == "ВКонтакте: Response code 500"
    assert not Case.objects.exists()

    fake.down = False
    assert poll() == 1
    assert Case.objects.get().text == "Нет воды в доме 9"


def test_a_rejected_token_is_reported_without_the_token(
    source: Source, poll: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VECHE_TEST_VK_TOKEN", "vk1.a.WRONG-secret-token")

    poll()

    source.refresh_from_db()
    assert source.failures == 1
    assert source.last_error.startswith("ВКонтакте:")
    assert "WRONG-secret" not in source.last_error


def test_a_source_with_callbacks_does_not_poll(fake: FakeVk, source: Source) -> None:
    assert connector.fetch(source, NOW) == ()
    assert fake.sent == []


# --- answers ------------------------------------------------------------------------------------


def _answer(world: World, case: Case, text: str, capture: Any) -> Answer:
    change_status(case, Status.REGISTERED, by=world.operator, now=NOW)
    assign_case(case, world.roads, by=world.operator, now=NOW)
    change_status(case, Status.IN_WORK, by=world.roads_executor, now=NOW)
    answer = draft_answer(case, text, by=world.roads_executor, now=NOW)
    with capture(execute=True):
        approve_answer(answer, by=world.head, now=NOW)
    answer.refresh_from_db()
    return answer


def test_the_approved_answer_to_a_message_goes_back_into_the_dialogue(
    world: World, fake: FakeVk, post: Any, django_capture_on_commit_callbacks: Any
) -> None:
    post(fake.message(USER, "Яма у остановки", number=5))
    case = Case.objects.get()

    answer = _answer(world, case, "Яма заделана 24.11.", django_capture_on_commit_callbacks)

    method, sent = fake.sent[-1]
    assert (method, sent["peer_id"], sent["message"]) == (
        "messages.send",
        str(USER),
        "Яма заделана 24.11.",
    )
    case.refresh_from_db()
    assert answer.state == Answer.State.SENT
    assert case.status == Status.ANSWERED


def test_the_approved_answer_to_a_comment_is_a_reply_under_it(
    world: World, fake: FakeVk, post: Any, django_capture_on_commit_callbacks: Any
) -> None:
    post(fake.comment(USER, "Когда починят мост?", post_id=POST, comment_id=777))
    case = Case.objects.get()

    answer = _answer(world, case, "Ремонт моста — до 1 июня.", django_capture_on_commit_callbacks)

    method, sent = fake.sent[-1]
    assert method == "wall.createComment"
    assert sent["reply_to_comment"] == "777"
    assert sent["message"] == "Ремонт моста — до 1 июня."
    outbound = Outbound.objects.get(answer=answer)
    assert sent["guid"] == f"veche-outbound-{outbound.pk}"
    assert outbound.external_id.startswith(f"wall-{GROUP_ID}_{POST}_c")
    case.refresh_from_db()
    assert answer.state == Answer.State.SENT
    assert case.status == Status.ANSWERED

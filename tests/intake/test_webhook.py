"""The generic push channel end to end: a signed POST to /intake/hooks/<id>/ becomes cases
exactly once, a forged or malformed one is refused with a 4xx, and an approved answer goes
back to the sender's callback, signed."""

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from django.test import Client

from tests.intake.local_server import LocalServer
from tests.personas import NOW, World
from veche.cases.models import Answer, Case, Event
from veche.cases.services import approve_answer, assign_case, change_status, draft_answer
from veche.cases.workflow import Status
from veche.catalog.models import Channel
from veche.intake.connectors.webhook import HEADER, sign
from veche.intake.models import Delivery, Outbound, Source
from veche.intake.services import dispatch_answer, send_outbound

SECRET = "s3cr3t-webhook"


@pytest.fixture
def source(world: World) -> Source:
    return Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.API),
        name="Региональный портал",
        config={"secret": SECRET},
    )


def post(source: Source, payload: Any, *, secret: str = SECRET, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    return Client().post(
        f"/intake/hooks/{source.pk}/",
        data=body,
        content_type="application/json",
        headers={HEADER: sign(secret, body)},
    )


ITEM = {
    "id": "P-1",
    "text": "Не убран снег во дворе дома 5 по ул. Ленина",
    "received_at": "2026-11-23T08:00:00+03:00",
    "address": "ул. Ленина, 5",
    "lat": 55.75,
    "lon": 37.61,
    "author": {"full_name": "Иванова Мария", "phone": "+79990001122"},
}


def test_signed_push_creates_cases_once(source: Source) -> None:
    second = ITEM | {"id": "P-2", "text": "Яма на дороге у школы №2"}
    response = post(source, [ITEM, second])
    assert response.status_code == 200, response.content
    assert response.content == b"ok"
    again = post(source, ITEM)

    assert again.status_code == 200
    cases = Case.objects.filter(channel__code="api").order_by("external_id")
    # Ids are the sender's own: the case key carries the source (another system has «P-1» too).
    assert [c.external_id for c in cases] == [f"{source.pk}:P-1", f"{source.pk}:P-2"]
    first = cases[0]
    assert (first.address_raw, first.lat, first.lon) == ("ул. Ленина, 5", 55.75, 37.61)
    assert first.author is not None and first.author.full_name == "Иванова Мария"
    assert first.received_at.isoformat() == "2026-11-23T05:00:00+00:00"
    assert Delivery.objects.filter(source=source).count() == 2
    assert not Outbound.objects.exists()  # no callback_url: nothing can go back
    source.refresh_from_db()
    assert source.received_total == 2


@pytest.mark.parametrize(
    ("payload", "secret", "status", "message"),
    [
        (ITEM, "wrong-secret", 403, "Неверная подпись"),
        ({"id": "X"}, SECRET, 400, "обязательны поля id и text"),
        ([ITEM, {"id": "", "text": "x"}], SECRET, 400, "обращение №2"),
        (ITEM | {"received_at": "вчера"}, SECRET, 400, "ISO 8601"),
        (ITEM | {"lat": 123}, SECRET, 400, "вне диапазона"),
        (ITEM | {"regime": "жалоба"}, SECRET, 400, "неизвестный режим"),
        ("просто строка", SECRET, 400, "ожидался объект"),
    ],
)
def test_bad_push_is_refused_and_creates_nothing(
    source: Source, payload: Any, secret: str, status: int, message: str
) -> None:
    response = post(source, payload, secret=secret)

    assert response.status_code == status
    assert message in response.content.decode()
    assert not Case.objects.exists()


def test_not_json_unknown_source_and_get_are_4xx(source: Source) -> None:
    assert post(source, None, raw=b"{not json").status_code == 400
    unknown = Client().post("/intake/hooks/999999/", data=b"{}", content_type="application/json")
    assert unknown.status_code == 404
    assert Client().get(f"/intake/hooks/{source.pk}/").status_code == 405
    source.is_active = False
    source.save()
    assert post(source, ITEM).status_code == 404


class Callback(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Callback.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def callback_url() -> Iterator[str]:
    Callback.received = []
    server = LocalServer(Callback)
    server.start()
    yield f"{server.url}/answers"
    server.stop()


def test_approved_answer_goes_back_to_the_callback_signed(
    world: World, source: Source, callback_url: str, django_capture_on_commit_callbacks: Any
) -> None:
    source.config["callback_url"] = callback_url
    source.save()
    with django_capture_on_commit_callbacks(execute=True):
        post(source, ITEM)
    case = Case.objects.get(deliveries__external_id="P-1")
    receipt = Outbound.objects.get(case=case, kind=Outbound.Kind.RECEIPT)
    assert receipt.state == Outbound.State.SENT
    assert case.number in receipt.text

    change_status(case, Status.REGISTERED, by=world.operator, now=NOW)
    assign_case(case, world.housing, by=world.operator, now=NOW)
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    answer = draft_answer(case, "Снег убран 23.11.", by=world.housing_executor, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        approve_answer(answer, by=world.head, now=NOW)

    headers, body = Callback.received[-1]
    assert headers[HEADER] == sign(SECRET, body)
    assert json.loads(body) == {
        "id": "P-1",
        "case": case.number,
        "kind": "answer",
        "text": "Снег убран 23.11.",
    }
    answer.refresh_from_db()
    case.refresh_from_db()
    assert answer.state == Answer.State.SENT
    assert case.status == Status.ANSWERED
    assert case.events.filter(kind=Event.Kind.ANSWER_SENT).count() == 1


def test_unreachable_callback_keeps_the_answer_for_a_retry(
    world: World, source: Source, django_capture_on_commit_callbacks: Any
) -> None:
    source.config["callback_url"] = "http://127.0.0.1:9/closed"
    source.save()
    with django_capture_on_commit_callbacks(execute=True):
        post(source, ITEM)

    receipt = Outbound.objects.get(kind=Outbound.Kind.RECEIPT)
    assert receipt.state == Outbound.State.PENDING
    assert receipt.attempts == 1
    assert "callback_url не ответил" in receipt.last_error


@pytest.fixture
def queued_answer(
    world: World, source: Source, callback_url: str, django_capture_on_commit_callbacks: Any
) -> Outbound:
    """An approved answer of a case from a source with a callback, queued and not yet sent."""
    source.config["callback_url"] = callback_url
    source.save()
    capture = django_capture_on_commit_callbacks
    with capture(execute=False):
        post(source, ITEM)
    case = Case.objects.get()
    change_status(case, Status.REGISTERED, by=world.operator, now=NOW)
    assign_case(case, world.housing, by=world.operator, now=NOW)
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    answer = draft_answer(case, "Снег убран 23.11.", by=world.housing_executor, now=NOW)
    with capture(execute=False):
        approve_answer(answer, by=world.head, now=NOW)
        outbound = dispatch_answer(answer, now=NOW)
    assert outbound is not None
    return outbound


def test_a_message_is_sent_once_even_if_two_workers_take_it(queued_answer: Outbound) -> None:
    stale_copy = Outbound.objects.get(pk=queued_answer.pk)

    assert send_outbound(queued_answer, now=NOW) is True
    assert send_outbound(stale_copy, now=NOW) is False  # already claimed and sent
    answers = [json.loads(body) for _, body in Callback.received if b'"answer"' in body]
    assert len(answers) == 1


def test_an_answer_sent_back_for_rework_before_sending_is_not_sent(
    world: World, queued_answer: Outbound
) -> None:
    change_status(queued_answer.case, Status.IN_WORK, by=world.head, now=NOW)

    assert send_outbound(queued_answer, now=NOW) is False
    queued_answer.refresh_from_db()
    assert queued_answer.state == Outbound.State.CANCELLED
    assert not [body for _, body in Callback.received if b'"answer"' in body]

"""`accept`, the heart of every channel: exactly once, threading, attachments, backoff."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, ClassVar

import pytest

from tests.personas import NOW, World
from veche.cases.models import Case, Event
from veche.cases.services import change_status, merge_case
from veche.cases.workflow import Status
from veche.catalog.models import Channel
from veche.intake import connectors
from veche.intake.connectors.base import ConnectorError, Inbound, InboundFile
from veche.intake.models import Delivery, Outbound, Source
from veche.intake.services import accept, due_sources, fetch_source

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def source(world: World) -> Source:
    return Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.TELEGRAM),
        name="Бот",
        config={"send_receipt": False},
    )


def message(n: int, text: str = "Нет света в подъезде", **kw: Any) -> Inbound:
    return Inbound(external_id=f"m{n}", text=text, received_at=NOW + timedelta(minutes=n), **kw)


def test_conversation_continues_its_open_case_and_starts_a_new_one_when_closed(
    world: World, source: Source
) -> None:
    first = accept(source, message(1, conversation="chat-7"), now=NOW)
    second = accept(source, message(2, "И в соседнем тоже", conversation="chat-7"), now=NOW)
    other = accept(source, message(3, conversation="chat-8"), now=NOW)

    assert second.case_id == first.case_id != other.case_id
    assert second.outcome == Delivery.Outcome.MESSAGE
    note = first.case.events.get(kind=Event.Kind.CITIZEN_MESSAGE)
    assert note.comment == "И в соседнем тоже"
    change_status(first.case, Status.REJECTED, by=world.operator, now=NOW)
    after_close = accept(source, message(4, conversation="chat-7"), now=NOW)
    assert after_close.case_id not in {first.case_id, other.case_id}
    assert Case.objects.count() == 3


def test_a_follow_up_location_places_the_case(source: Source) -> None:
    first = accept(source, message(1, conversation="c"), now=NOW)
    accept(
        source,
        message(2, "📍", conversation="c", lat=55.1, lon=37.2, address_raw="ТЦ «Радуга»"),
        now=NOW,
    )

    case = Case.objects.get(pk=first.case_id)
    assert (case.lat, case.lon, case.address_raw) == (55.1, 37.2, "ТЦ «Радуга»")
    located = case.events.get(kind=Event.Kind.LOCATED)
    assert located.before["lat"] is None and located.after["lon"] == 37.2


def test_redelivery_changes_nothing(source: Source) -> None:
    accept(source, message(1, conversation="c"), now=NOW)
    accept(source, message(2, conversation="c"), now=NOW)
    for n in (1, 2):
        accept(source, message(n, conversation="c"), now=NOW)

    assert Case.objects.count() == 1
    assert Event.objects.filter(kind=Event.Kind.CITIZEN_MESSAGE).count() == 1
    assert Delivery.objects.count() == 2


def test_reply_threads_by_reply_ids_even_across_conversations(source: Source) -> None:
    first = accept(source, message(1), now=NOW)
    reply = accept(source, message(2, "Ответа нет", reply_to=["zzz", "m1"]), now=NOW)

    assert reply.case_id == first.case_id


def test_reply_to_a_merged_case_opens_a_new_one(world: World, source: Source) -> None:
    first = accept(source, message(1), now=NOW)
    target = accept(source, message(2, conversation="x"), now=NOW)
    change_status(first.case, Status.REGISTERED, by=world.operator, now=NOW)
    change_status(target.case, Status.REGISTERED, by=world.operator, now=NOW)
    merge_case(first.case, target.case, by=world.operator, now=NOW)

    reply = accept(source, message(3, reply_to=["m1"]), now=NOW)
    assert reply.case_id not in {first.case_id, target.case_id}


def test_files_are_kept_and_a_bad_one_is_refused_with_a_note(source: Source) -> None:
    files = [
        InboundFile("photo.png", PNG, "image/png"),
        InboundFile("virus.exe", b"MZ\x90\x00" + b"\x00" * 200, "image/jpeg"),
    ]
    delivery = accept(source, message(1, text="", files=files), now=NOW)

    case = delivery.case
    assert case.text == "(сообщение без текста, см. вложения)"
    assert [(a.name, a.content_type) for a in case.attachments.all()] == [
        ("photo.png", "image/png")
    ]
    note = case.events.get(kind=Event.Kind.COMMENT)
    assert "virus.exe" in note.comment and "не принят" in note.comment


@pytest.mark.parametrize(("channel", "cases"), [("email", 1), ("telegram", 2)])
def test_the_same_id_at_two_sources(world: World, channel: str, cases: int) -> None:
    """A Message-ID names one letter whatever the mailbox: one case, its files once. A
    Telegram message id counts per bot: two bots' «m1» are two citizens' messages."""
    first_source, second_source = (
        Source.objects.create(
            municipality=world.municipality,
            channel=Channel.objects.get(code=channel),
            name=name,
            config={"send_receipt": False},
        )
        for name in ("Первый", "Второй")
    )
    photo = InboundFile("photo.png", PNG, "image/png")
    first = accept(first_source, message(1, "Яма на Ленина", files=[photo]), now=NOW)
    second = accept(second_source, message(1, "Нет отопления в школе", files=[photo]), now=NOW)

    assert Case.objects.count() == cases
    assert (first.case_id == second.case_id) is (cases == 1)
    assert sum(c.attachments.count() for c in Case.objects.all()) == cases
    if cases == 2:
        assert second.case.text == "Нет отопления в школе"


def test_what_no_column_can_hold_is_cleaned(source: Source) -> None:
    long_id = "x" * 500
    nul = Inbound(external_id=long_id, text="Текст\x00 с нулём", received_at=NOW)
    delivery = accept(source, nul, now=NOW)
    again = accept(source, Inbound(external_id=long_id, text="повтор", received_at=NOW), now=NOW)

    assert delivery.pk == again.pk
    assert delivery.case.text == "Текст с нулём"
    assert len(delivery.case.external_id) <= 200


class Flaky:
    channel: ClassVar[str] = "telegram"
    ack: ClassVar[str] = "ok"
    fail = True

    def fetch(self, source: Source, now: Any) -> Sequence[Inbound]:
        if Flaky.fail:
            raise ConnectorError("connection refused")
        source.cursor = {"offset": 2}
        return [message(1), message(2)]

    def receive(self, source: Source, request: Any) -> Sequence[Inbound]:
        return ()

    def send(self, source: Source, outbound: Outbound) -> str:
        return "sent"


def test_failing_source_backs_off_then_recovers(
    source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connectors, "connector_for", lambda code: Flaky())
    monkeypatch.setattr("veche.intake.services.connector_for", lambda code: Flaky())
    Flaky.fail = True

    assert fetch_source(source, now=NOW) == 0
    source.refresh_from_db()
    assert (source.failures, source.last_error) == (1, "connection refused")
    assert source.next_attempt_at == NOW + timedelta(seconds=120)
    assert fetch_source(source, now=NOW) == 0
    source.refresh_from_db()
    assert source.next_attempt_at == NOW + timedelta(seconds=240)
    assert due_sources(NOW) == []
    assert due_sources(NOW + timedelta(seconds=241)) == [source]

    Flaky.fail = False
    assert fetch_source(source, now=NOW) == 2
    source.refresh_from_db()
    assert (source.failures, source.last_error, source.cursor) == (0, "", {"offset": 2})
    assert Case.objects.count() == 2

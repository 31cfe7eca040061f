"""Hostile text and file names through the messenger and mail channels (issue 9): e-mail over
real IMAP (dovecot) and the connector's MIME parsing, Telegram against its fake Bot API, VK
through the signed webhook. The text is stored whole (e-mail: up to 100,000 characters, then
cut with a note on the timeline), shown escaped; a file name loses its direction overrides,
zero-width and control characters, and is sent back only as a download.

Size policy: e-mail cuts a text above 100,000 characters and says so on the timeline; Telegram
and VK messages are at most 4,096 characters on the remote side and are stored whole.
"""

import json
from collections.abc import Iterator
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from tests.intake.fake_telegram import TOKEN as TG_TOKEN
from tests.intake.fake_telegram import FakeTelegram
from tests.intake.fake_vk import GROUP_ID, SECRET, FakeVk
from tests.intake.fake_vk import TOKEN as VK_TOKEN
from tests.intake.mailservers import (  # noqa: F401  (fixtures)
    Dovecot,
    Mailbox,
    certificate,
    dovecot,
    free_port,
)
from tests.personas import NOW, PASSWORD, World
from tests.security.payloads import HUGE_TEXT, RTL_NAME, TEXTS, XSS, assert_safe_html, stored
from veche.cases.models import Attachment, Case, Event
from veche.catalog.models import Channel
from veche.intake.connectors.email import parse_letter
from veche.intake.models import Source
from veche.intake.services import accept, fetch_source

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HOSTILE_NAMES = [
    RTL_NAME,
    'a"b\r\nX-Evil: 1;.png',
    "../../etc/passwd",
    "<img src=x onerror=alert(7311)>.png",
    "я\u200bма\u200d\ufeff.png",
    "=HYPERLINK(1).png",
    "N" * 10_000 + ".png",
]
UNSAFE_IN_NAMES = ("\u202e", "\u202c", "\u200b", "\u200d", "\ufeff", "\r", "\n", '"', "/", "<")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def staff(world: World) -> Client:
    client = Client()
    assert client.login(username=world.operator.username, password=PASSWORD)
    return client


def letter(text: str, *, subject: str, name: str, files: list[tuple[str, bytes]]) -> bytes:
    m = EmailMessage()
    m["From"] = Address(name, addr_spec="citizen@example.ru")
    m["To"] = "mcu@admin.example.test"
    m["Subject"] = subject
    m["Date"] = "Mon, 23 Nov 2026 11:58:00 +0300"
    m["Message-ID"] = f"<hostile-{abs(hash((text, subject, name)))}@example.ru>"
    m.set_content(text)
    for number, (_, data) in enumerate(files):
        m.add_attachment(data, maintype="image", subtype="png", filename=f"slot{number}.png")
    raw = m.as_bytes(policy=policy.SMTP)
    for number, (filename, _) in enumerate(files):
        # RFC 2231, as mail clients send non-ASCII names: CR, LF and quotes arrive encoded.
        encoded = f"filename*=utf-8''{quote(filename, safe='')}".encode()
        raw = raw.replace(f'filename="slot{number}.png"'.encode(), encoded)
    return raw


def email_source(world: World, config: dict[str, Any] | None = None) -> Source:
    return Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.EMAIL),
        name="Почта МЦУ",
        config=(config or {}) | {"send_receipt": False},
    )


def assert_download_is_safe(client: Client, attachment: Attachment) -> None:
    response = client.get(f"/cases/{attachment.case_id}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename")
    assert all(ch not in disposition for ch in ("\u202e", "\r", "\n", "\u200b"))
    assert disposition.count('"') in (0, 2)  # one quoted name at most, never broken out of
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]


def test_a_hostile_letter_over_real_imap_keeps_its_text_and_defuses_its_file_names(
    world: World,
    dovecot: Dovecot,  # noqa: F811
) -> None:
    mailbox = dovecot.mailbox()
    source = email_source(world, mailbox.config())
    text = "\n".join(stored(t) for t in XSS.values())
    raw = letter(
        text,
        subject=XSS["svg_onload"],
        name=XSS["img_onerror"],
        files=[(name, PNG) for name in HOSTILE_NAMES],
    )
    mailbox.append(raw, at=NOW)

    assert fetch_source(source, now=NOW) == 1

    case = Case.objects.get()
    assert case.text == text and case.subject == XSS["svg_onload"]
    assert case.author is not None and case.author.full_name == XSS["img_onerror"]
    names = sorted(a.name for a in case.attachments.all())
    assert len(names) == len(HOSTILE_NAMES)
    assert "счет_fdp.png" in names  # the override is gone: the name reads as it is
    for name in names:
        assert not any(ch in name for ch in UNSAFE_IN_NAMES), name
        assert name.endswith(".png") and len(name) <= 124
    client = staff(world)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert_safe_html(page)
    assert "&lt;script&gt;alert(7311)&lt;/script&gt;" in page
    assert_safe_html(client.get("/cases/").content.decode())
    for attachment in case.attachments.all():
        assert_download_is_safe(client, attachment)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_a_parsed_letter_with_each_payload_is_stored_and_shown_inert(
    world: World, name: str
) -> None:
    payload = TEXTS[name]
    raw = letter(
        f"Яма во дворе. {payload}",
        subject=payload.replace("\r", " ").replace("\n", " "),
        name="Иван",
        files=[(f"{payload[:40]}.png", PNG)],
    )
    inbound = parse_letter(raw, received_at=NOW)
    assert inbound is not None

    accept(email_source(world), inbound, now=NOW)

    case = Case.objects.get()
    assert payload.replace("\r", "\n").replace("\x00", "").strip() in case.text
    [attachment] = case.attachments.all()
    assert not any(ch in attachment.name for ch in UNSAFE_IN_NAMES)
    client = staff(world)
    assert_safe_html(client.get(f"/cases/{case.pk}/").content.decode())
    assert_safe_html(client.get("/cases/").content.decode())
    assert_download_is_safe(client, attachment)


def test_a_1_mb_letter_is_cut_with_a_note_not_silently(world: World) -> None:
    inbound = parse_letter(letter(HUGE_TEXT, subject="Яма", name="Иван", files=[]), received_at=NOW)
    assert inbound is not None

    accept(email_source(world), inbound, now=NOW)

    case = Case.objects.get()
    assert case.text == HUGE_TEXT.strip()[:100_000]
    note = case.events.get(kind=Event.Kind.COMMENT).comment
    assert note == f"Текст письма сокращён до 100000 знаков из {len(HUGE_TEXT.strip())}."
    assert staff(world).get(f"/cases/{case.pk}/").status_code == 200


# --- Telegram and VK ----------------------------------------------------------------------------


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture
def vk() -> Iterator[FakeVk]:
    server = FakeVk().start()
    yield server
    server.stop()


def test_telegram_messages_and_names_with_payloads_are_inert(
    world: World, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VECHE_TEST_BOT_TOKEN", TG_TOKEN)
    source = Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.TELEGRAM),
        name="Бот",
        config={"token_env": "VECHE_TEST_BOT_TOKEN", "api_url": telegram.url},
    )
    payloads = [stored(p) for p in TEXTS.values()]
    for chat, payload in enumerate(payloads, start=700_000):
        telegram.message(chat, f"Яма. {payload}", first_name=XSS["img_onerror"], last_name=payload)

    assert fetch_source(source, now=NOW) == len(payloads)

    texts = set(Case.objects.values_list("text", flat=True))
    assert texts == {f"Яма. {p}".strip() for p in payloads}
    client = staff(world)
    assert_safe_html(client.get("/cases/").content.decode())
    for case in Case.objects.all():
        assert_safe_html(client.get(f"/cases/{case.pk}/").content.decode())


def test_vk_webhook_messages_with_payloads_are_inert(
    world: World, vk: FakeVk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VECHE_TEST_VK_TOKEN", VK_TOKEN)
    source = Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.VK),
        name="Сообщество",
        config={
            "group_id": GROUP_ID,
            "token_env": "VECHE_TEST_VK_TOKEN",
            "secret": SECRET,
            "confirmation": "c0nf",
            "api_url": vk.url,
        },
    )
    payloads = [stored(p) for p in TEXTS.values()]

    for number, payload in enumerate(payloads, start=1):
        event = vk.message(1_000 + number, f"Яма. {payload}", number=number)
        response = Client().post(
            f"/intake/hooks/{source.pk}/",
            data=json.dumps(event, ensure_ascii=False).encode(),
            content_type="application/json",
        )
        assert response.status_code == 200 and response.content == b"ok"

    texts = set(Case.objects.values_list("text", flat=True))
    assert texts == {f"Яма. {p}".strip() for p in payloads}
    client = staff(world)
    assert_safe_html(client.get("/cases/").content.decode())
    for case in Case.objects.all():
        assert_safe_html(client.get(f"/cases/{case.pk}/").content.decode())


def test_a_vk_webhook_with_nul_and_a_1_mb_text_keeps_the_text_whole(
    world: World, vk: FakeVk
) -> None:
    source = Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.VK),
        name="Сообщество",
        config={"group_id": GROUP_ID, "secret": SECRET, "confirmation": "c0nf"},
    )
    event = vk.message(1_001, "Яма\x00 во дворе " + HUGE_TEXT, number=1)

    response = Client().post(
        f"/intake/hooks/{source.pk}/",
        data=json.dumps(event).encode(),
        content_type="application/json",
    )

    assert (response.status_code, response.content) == (200, b"ok")
    # NUL dropped (no database column holds it), the rest kept whole
    assert Case.objects.get().text == ("Яма во дворе " + HUGE_TEXT).strip()

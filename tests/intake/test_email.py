"""E-mail through the real protocols: letters APPENDed to a real dovecot become cases, answers
reach a real SMTP server (tests/intake/mailservers.py)."""

import base64
from collections.abc import Callable, Sequence
from datetime import timedelta
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.intake.mailservers import (  # noqa: F401  (fixtures)
    Dovecot,
    Mailbox,
    Outbox,
    certificate,
    dovecot,
    free_port,
    outbox,
    smtp_server,
)
from tests.personas import NOW, World
from veche.cases.models import Answer, Case, Event
from veche.cases.services import approve_answer, assign_case, change_status, draft_answer
from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel
from veche.intake.connectors.email import html_to_text, parse_letter, reply_subject
from veche.intake.connectors.email import imap as email_connector
from veche.intake.models import Delivery, Outbound, Source
from veche.intake.services import due_sources, fetch_source

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
CITIZEN = ("Иванов Иван Иванович", "ivan@example.ru")


def letter(
    text: str = "Во дворе дома 5 по ул. Ленина глубокие ямы.",
    *,
    subject: str = "Яма во дворе",
    message_id: str = "<pit-1@example.ru>",
    sender: tuple[str, str] = CITIZEN,
    html: str = "",
    files: Sequence[tuple[str, bytes, str]] = (),
    headers: dict[str, str] | None = None,
) -> bytes:
    m = EmailMessage()
    m["From"] = Address(sender[0], addr_spec=sender[1])
    m["To"] = "mcu@admin.example.test"
    m["Subject"] = subject
    m["Date"] = "Mon, 23 Nov 2026 11:58:00 +0300"
    if message_id:
        m["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        m[name] = value
    m.set_content(text)
    if html:
        m.add_alternative(html, subtype="html")
    for name, data, mime in files:
        maintype, subtype = mime.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m.as_bytes(policy=policy.SMTP)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:  # noqa: F811
    return dovecot.mailbox()


@pytest.fixture
def make_source(
    world: World,
    mailbox: Mailbox,
    outbox: Outbox,  # noqa: F811
) -> Callable[..., Source]:
    def make(**config: Any) -> Source:
        return Source.objects.create(
            municipality=world.municipality,
            channel=Channel.objects.get(code=Channel.Code.EMAIL),
            name="Почта МЦУ",
            config=mailbox.config(**outbox.config()) | {"send_receipt": False} | config,
        )

    return make


@pytest.fixture
def source(make_source: Callable[..., Source]) -> Source:
    return make_source()


def fetched(source: Source, at: Any = NOW) -> int:
    source.refresh_from_db()
    return fetch_source(source, now=at)


# --- receiving ----------------------------------------------------------------------------------


def test_a_letter_becomes_a_case_with_its_sender_subject_text_and_files(
    mailbox: Mailbox, source: Source
) -> None:
    arrived = NOW - timedelta(minutes=5)
    mailbox.append(
        letter(
            html="<p>HTML-версия</p>",
            files=[("фото ямы.png", PNG, "image/png"), ("акт.pdf", PDF, "application/pdf")],
        ),
        at=arrived,
    )

    assert fetched(source) == 1

    case = Case.objects.get()
    assert case.channel.code == Channel.Code.EMAIL
    assert case.regime == Regime.MESSAGE
    assert case.external_id == "pit-1@example.ru"
    assert case.subject == "Яма во дворе"
    assert case.text == "Во дворе дома 5 по ул. Ленина глубокие ямы."
    assert case.received_at == arrived
    assert case.author is not None
    assert (case.author.full_name, case.author.email) == CITIZEN
    assert sorted(a.name for a in case.attachments.all()) == ["акт.pdf", "фото ямы.png"]
    source.refresh_from_db()
    assert source.received_total == 1
    assert source.last_error == ""
    assert source.cursor["uid"] == 1


def test_html_only_letter_in_russian_charsets_is_read_as_text(
    mailbox: Mailbox, source: Source
) -> None:
    html = (
        "<html><head><style>p {color: red}</style><script>alert(1)</script></head><body>"
        "<p>Не&nbsp;вывезен мусор</p><div>ул.&nbsp;Мира, 7 &amp; двор</div></body></html>"
    )
    raw = (
        b"From: =?koi8-r?B?8MXU0s/XwSDtwdLJ0Q==?= <maria@example.ru>\r\n"
        b"Subject: =?windows-1251?B?xuDr7uHgOg==?= \xec\xf3\xf1\xee\xf0\r\n"
        b"Message-ID: <cp1251@example.ru>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=windows-1251\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + html.encode("cp1251") + b"\r\n"
    )
    mailbox.append(raw, at=NOW)

    fetched(source)

    case = Case.objects.get()
    assert case.subject == "Жалоба: мусор"
    assert case.text == "Не вывезен мусор\n\nул. Мира, 7 & двор"
    assert case.author is not None
    assert (case.author.full_name, case.author.email) == ("Петрова Мария", "maria@example.ru")


def test_undeclared_8bit_body_and_koi8_text_are_decoded() -> None:
    undeclared = (
        b"From: a@example.ru\r\nSubject: test\r\nContent-Type: text/plain\r\n\r\n"
        + "Прорыв трубы".encode("cp1251")
    )
    koi8 = (
        b"From: a@example.ru\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n"
        + "Нет воды".encode("koi8-r")
    )

    first = parse_letter(undeclared, received_at=NOW)
    second = parse_letter(koi8, received_at=NOW)

    assert first is not None and first.text == "Прорыв трубы"
    assert second is not None and second.text == "Нет воды"
    assert second.external_id.startswith("sha256:")


def test_html_to_text_keeps_lines_and_drops_markup() -> None:
    text = html_to_text("<ul><li>один</li><li>два</li></ul><br><b>три</b> <i>слова</i>")

    assert text == "один\n\nдва\n\nтри слова"


def test_mailbox_can_make_appeals(mailbox: Mailbox, make_source: Callable[..., Source]) -> None:
    mailbox.append(letter(), at=NOW)

    fetched(make_source(regime="appeal"))

    assert Case.objects.get().regime == Regime.APPEAL


def test_no_letter_is_imported_twice_whatever_happens_to_flags_or_cursor(
    mailbox: Mailbox, source: Source
) -> None:
    mailbox.append(letter(), at=NOW)
    mailbox.append(letter("Без Message-ID", message_id=""), at=NOW)
    fetched(source)
    imap = mailbox.client()
    imap.select("INBOX")
    imap.store("1:*", "+FLAGS", "\\Seen")
    imap.logout()

    assert fetched(source) == 0
    Source.objects.filter(pk=source.pk).update(cursor={})  # the cursor was lost
    assert fetched(source) == 2

    assert Case.objects.count() == 2
    assert Delivery.objects.filter(source=source).count() == 2


def test_a_restarted_poll_continues_from_the_cursor(mailbox: Mailbox, source: Source) -> None:
    mailbox.append(letter(), at=NOW)
    fetched(source)
    mailbox.append(letter("Второе письмо", message_id="<pit-2@example.ru>"), at=NOW)

    restarted = Source.objects.get(pk=source.pk)
    assert restarted.cursor["uid"] == 1
    assert fetch_source(restarted, now=NOW) == 1

    assert sorted(Case.objects.values_list("text", flat=True)) == [
        "Во дворе дома 5 по ул. Ленина глубокие ямы.",
        "Второе письмо",
    ]
    assert Source.objects.get(pk=source.pk).cursor["uid"] == 2


def test_a_rebuilt_mailbox_is_read_again_without_duplicates(
    mailbox: Mailbox, source: Source
) -> None:
    mailbox.append(letter(), at=NOW)
    fetched(source)
    mailbox.append(letter("Новое", message_id="<new@example.ru>"), at=NOW)
    # Another UIDVALIDITY: the stored UID means nothing any more.
    Source.objects.filter(pk=source.pk).update(cursor={"uidvalidity": 1, "uid": 999})

    assert fetched(source) == 2

    assert Case.objects.count() == 2


def test_existing_letters_can_be_left_alone(
    mailbox: Mailbox, make_source: Callable[..., Source]
) -> None:
    mailbox.append(letter(), at=NOW)
    source = make_source(import_existing=False)
    fetched(source)
    mailbox.append(letter("Новое", message_id="<new@example.ru>"), at=NOW)

    fetched(source)

    assert list(Case.objects.values_list("text", flat=True)) == ["Новое"]


def test_a_poll_takes_a_bounded_batch_and_the_next_one_the_rest(
    mailbox: Mailbox, make_source: Callable[..., Source]
) -> None:
    for n in range(3):
        mailbox.append(letter(f"Письмо {n}", message_id=f"<b{n}@example.ru>"), at=NOW)
    source = make_source(batch_letters=2)

    assert fetched(source) == 2
    assert fetched(source) == 1
    assert fetched(source) == 0


def test_automatic_letters_are_skipped(mailbox: Mailbox, source: Source) -> None:
    mailbox.append(letter("Я в отпуске", headers={"Auto-Submitted": "auto-replied"}), at=NOW)
    mailbox.append(letter("Настоящее", message_id="<real@example.ru>"), at=NOW)

    fetched(source)

    assert list(Case.objects.values_list("text", flat=True)) == ["Настоящее"]
    source.refresh_from_db()
    assert source.cursor["uid"] == 2


def test_copies_of_our_own_letters_are_skipped(mailbox: Mailbox, source: Source) -> None:
    mailbox.append(letter("Ответ МЦУ", sender=("МЦУ", "MCU@admin.example.test")), at=NOW)

    fetched(source)

    assert Case.objects.count() == 0


# --- bad input ----------------------------------------------------------------------------------


def test_a_30_mb_attachment_is_refused_and_the_letter_and_the_rest_are_kept(
    mailbox: Mailbox, source: Source
) -> None:
    big = b"%PDF-1.4\n" + b"\x00" * (30 * 2**20)
    mailbox.append(
        letter(
            "Прилагаю видео и акт",
            files=[("видео.pdf", big, "application/pdf"), ("акт.pdf", PDF, "application/pdf")],
        ),
        at=NOW,
    )
    mailbox.append(letter("Следующее", message_id="<next@example.ru>"), at=NOW)

    assert fetched(source) == 2

    case = Case.objects.get(external_id="pit-1@example.ru")
    assert case.text == "Прилагаю видео и акт"
    assert [a.name for a in case.attachments.all()] == ["акт.pdf"]
    note = case.events.get(kind=Event.Kind.COMMENT)
    assert (
        note.comment == "Вложение не принято: Файл «видео.pdf» больше допустимого (30 МБ > 20 МБ)."
    )
    assert Case.objects.filter(text="Следующее").exists()
    source.refresh_from_db()
    assert (source.last_error, source.failures) == ("", 0)


def test_a_letter_above_the_hard_cap_is_not_downloaded_whole(
    mailbox: Mailbox, make_source: Callable[..., Source]
) -> None:
    mailbox.append(
        letter(
            "Текст важнее вложения", files=[("big.pdf", PDF + b"0" * 3 * 2**20, "application/pdf")]
        ),
        at=NOW,
    )

    fetched(make_source(max_letter_mb=2))

    case = Case.objects.get()
    assert case.text == "Текст важнее вложения"
    assert case.attachments.count() == 0
    note = case.events.get(kind=Event.Kind.COMMENT).comment
    assert note.startswith("Письмо размером 4 МБ больше предела 2 МБ")
    assert "UID 1" in note


@pytest.mark.parametrize("broken", ["password", "port"])
def test_a_broken_mailbox_backs_off_and_the_others_keep_working(
    dovecot: Dovecot,  # noqa: F811
    mailbox: Mailbox,
    make_source: Callable[..., Source],
    broken: str,
) -> None:
    breakage: dict[str, Any] = (
        {"password": "wrong"} if broken == "password" else {"port": free_port()}
    )
    bad = make_source(**breakage)
    good_box = dovecot.mailbox()
    good = make_source(**good_box.config())
    good_box.append(letter(), at=NOW)

    for source in due_sources(NOW):
        fetch_source(source, now=NOW)

    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.failures == 1
    assert bad.next_attempt_at == NOW + timedelta(seconds=120)
    expected = "сервер отклонил вход" if broken == "password" else "не удалось подключиться"
    assert expected in bad.last_error
    assert bad not in due_sources(NOW + timedelta(seconds=60))
    assert (good.failures, good.last_error, good.received_total) == (0, "", 1)


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"regime": "petition"}, "'petition' is not a valid Regime"),
        ({"batch_letters": "many"}, "invalid literal for int()"),
        ({"security": "tls"}, "Неизвестный способ защиты «tls»"),
        ({"host": ""}, "не задан параметр «host»"),
    ],
)
def test_a_wrong_config_is_reported_on_the_source(
    make_source: Callable[..., Source], config: dict[str, Any], error: str
) -> None:
    source = make_source(**config)

    fetched(source)

    source.refresh_from_db()
    assert error in source.last_error
    assert source.failures == 1


def test_the_password_may_come_from_the_environment(
    mailbox: Mailbox, make_source: Callable[..., Source], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VECHE_TEST_MAIL_PASSWORD", mailbox.password)
    source = make_source(password="", password_env="VECHE_TEST_MAIL_PASSWORD")
    mailbox.append(letter(), at=NOW)

    assert fetched(source) == 1

    monkeypatch.delenv("VECHE_TEST_MAIL_PASSWORD")
    fetched(source)
    source.refresh_from_db()
    assert "VECHE_TEST_MAIL_PASSWORD" in source.last_error


@pytest.mark.parametrize(("security", "port"), [("ssl", "tls_port"), ("starttls", "port")])
def test_the_mailbox_is_read_over_tls(
    mailbox: Mailbox, make_source: Callable[..., Source], security: str, port: str
) -> None:
    mailbox.append(letter(), at=NOW)
    source = make_source(host="localhost", security=security, port=getattr(mailbox, port))

    assert fetched(source) == 1


def test_an_untrusted_certificate_is_refused(
    mailbox: Mailbox, make_source: Callable[..., Source]
) -> None:
    source = make_source(host="localhost", security="ssl", port=mailbox.tls_port, ca_file="")

    assert fetched(source) == 0

    source.refresh_from_db()
    assert "CERTIFICATE_VERIFY_FAILED" in source.last_error


# --- threading and answers ----------------------------------------------------------------------


def test_a_reply_to_our_letter_goes_to_the_same_case(
    mailbox: Mailbox,
    make_source: Callable[..., Source],
    outbox: Outbox,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    source = make_source(send_receipt=True)
    mailbox.append(letter(), at=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        fetched(source)
    receipt = Outbound.objects.get(kind=Outbound.Kind.RECEIPT)
    assert receipt.state == Outbound.State.SENT
    sent = message_from_bytes(outbox.envelopes[0].content, policy=policy.default)
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["Message-ID"] == f"<{receipt.external_id}>"

    reply = letter(
        "Спасибо, добавлю фото",
        subject=f"Re: {sent['Subject']}",
        message_id="<reply-1@example.ru>",
        headers={"In-Reply-To": sent["Message-ID"], "References": sent["Message-ID"]},
        files=[("ещё фото.png", PNG, "image/png")],
    )
    mailbox.append(reply, at=NOW + timedelta(hours=1))
    fetched(source, NOW + timedelta(hours=1))

    case = Case.objects.get()
    message = case.events.get(kind=Event.Kind.CITIZEN_MESSAGE)
    assert message.comment == "Спасибо, добавлю фото"
    assert [a.name for a in case.attachments.all()] == ["ещё фото.png"]
    assert Delivery.objects.get(external_id="reply-1@example.ru").outcome == "message"


def test_a_reply_quoting_only_the_citizens_own_letter_threads_too(
    mailbox: Mailbox, source: Source
) -> None:
    mailbox.append(letter(), at=NOW)
    mailbox.append(
        letter(
            "И ещё одна яма",
            message_id="<pit-1b@example.ru>",
            headers={"References": "<other@x> <pit-1@example.ru>"},
        ),
        at=NOW,
    )

    fetched(source)

    assert Case.objects.count() == 1


def test_an_approved_answer_is_sent_by_smtp_as_a_reply(
    world: World,
    mailbox: Mailbox,
    source: Source,
    outbox: Outbox,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    mailbox.append(letter(), at=NOW)
    fetched(source)
    case = Case.objects.get()
    assign_case(case, world.housing, by=world.operator, now=NOW)
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    answer = draft_answer(case, "Яма заделана 25 ноября.", by=world.housing_executor, now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        approve_answer(answer, by=world.head, now=NOW)

    assert len(outbox.envelopes) == 1
    envelope = outbox.envelopes[0]
    assert envelope.rcpt_tos == ["ivan@example.ru"]
    sent = message_from_bytes(envelope.content, policy=policy.default)
    assert sent["To"] == "Иванов Иван Иванович <ivan@example.ru>"
    assert sent["From"] == "МЦУ Демо <mcu@admin.example.test>"
    assert sent["Subject"] == f"Re: Яма во дворе [{case.number}]"
    assert sent["In-Reply-To"] == "<pit-1@example.ru>"
    assert sent["References"] == "<pit-1@example.ru>"
    assert sent["Auto-Submitted"] is None
    text, invitation = sent.get_content().strip().split("\n\n")
    assert text == "Яма заделана 25 ноября."
    assert invitation.startswith("Оцените, пожалуйста, ответ")  # tests/intake/test_surveys.py
    outbound = Outbound.objects.get(answer=answer)
    assert sent["Message-ID"] == f"<{outbound.external_id}>"
    answer.refresh_from_db()
    case.refresh_from_db()
    assert answer.state == Answer.State.SENT
    assert case.status == Status.ANSWERED


def test_an_unreachable_smtp_server_keeps_the_answer_for_a_retry(
    world: World,
    mailbox: Mailbox,
    make_source: Callable[..., Source],
    django_capture_on_commit_callbacks: Any,
) -> None:
    source = make_source(smtp_port=free_port())
    mailbox.append(letter(), at=NOW)
    fetched(source)
    case = Case.objects.get()
    assign_case(case, world.housing, by=world.operator, now=NOW)
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    answer = draft_answer(case, "Яма заделана.", by=world.housing_executor, now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        approve_answer(answer, by=world.head, now=NOW)

    outbound = Outbound.objects.get(answer=answer)
    assert (outbound.state, outbound.attempts) == (Outbound.State.PENDING, 1)
    assert "не удалось подключиться" in outbound.last_error
    answer.refresh_from_db()
    assert answer.state == Answer.State.APPROVED


def test_a_wrong_smtp_password_is_reported(
    world: World,
    mailbox: Mailbox,
    make_source: Callable[..., Source],
    django_capture_on_commit_callbacks: Any,
) -> None:
    source = make_source(smtp_password="wrong", send_receipt=True)
    mailbox.append(letter(), at=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        fetched(source)

    receipt = Outbound.objects.get()
    assert "сервер отклонил вход «mcu-smtp»" in receipt.last_error


def test_reply_subject_is_not_prefixed_twice() -> None:
    assert reply_subject("RE: Fwd: Re[2]: Яма", "МЦУ-2026-000001") == "Re: Яма [МЦУ-2026-000001]"
    assert reply_subject("", "МЦУ-2026-000001") == "Обращение МЦУ-2026-000001"


def test_a_raw_8bit_file_name_and_a_huge_text_are_stored_safely(
    mailbox: Mailbox, source: Source
) -> None:
    raw = (
        b"From: a@example.ru\r\nSubject: scan\r\nMessage-ID: <raw8@example.ru>\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + "Дом ".encode() * 30_000
        + b"\r\n--b\r\nContent-Type: image/png\r\n"
        + 'Content-Disposition: attachment; filename="скан.png"\r\n'.encode()
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(PNG)
        + b"--b--\r\n"
    )
    mailbox.append(raw, at=NOW)

    fetched(source)

    case = Case.objects.get()
    assert [a.name for a in case.attachments.all()] == ["скан.png"]
    assert case.text == ("Дом " * 25_000).strip()
    note = case.events.get(kind=Event.Kind.COMMENT).comment
    assert note == "Текст письма сокращён до 100000 знаков из 119999."


def test_a_letter_that_cannot_be_parsed_is_kept_and_the_mailbox_goes_on(
    mailbox: Mailbox, source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(raw: bytes, **kwargs: Any) -> None:
        raise ValueError("parser bug")

    monkeypatch.setattr(email_connector, "parse_letter", broken)
    mailbox.append(letter(), at=NOW)

    assert fetched(source) == 1

    case = Case.objects.get()
    assert case.text == "(письмо не удалось разобрать, см. почтовый ящик: папка «INBOX», UID 1)"
    source.refresh_from_db()
    assert (source.last_error, source.cursor["uid"]) == ("", 1)

"""The whole answer path in a real browser, with a real IMAP and SMTP server: a letter becomes a
case; the executor's draft fails the brush-off check with a clear reason; it is fixed,
approved by the head and sent by e-mail with a rating link; the citizen rates it 2 through
the link, and the case reopens."""

import re
from email import message_from_bytes, policy
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.e2e.conftest import log_in, screenshot
from tests.intake.mailservers import (  # noqa: F401  (fixtures)
    Dovecot,
    Outbox,
    certificate,
    dovecot,
    outbox,
    smtp_server,
)
from tests.intake.test_email import PNG, letter
from tests.personas import World
from veche.cases.models import Case, Event
from veche.cases.services import assign_case, attach_file, change_status
from veche.cases.workflow import Status
from veche.catalog.models import Channel
from veche.feedback.models import QualityPolicy
from veche.intake.models import Source
from veche.intake.services import fetch_source

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUESTION = "Во дворе дома 5 по улице Ленина глубокая яма на дороге, машины бьют колёса."
BRUSH_OFF = (
    "Ваше обращение рассмотрено. Информация принята к сведению. Вопрос будет рассмотрен "
    "в рамках компетенции при наличии финансирования."
)
FIXED = (
    "Яму во дворе дома 5 по улице Ленина заделали асфальтом 20 ноября, работы выполнил "
    "подрядчик МБУ «Благоустройство»; фотографии после ремонта приложены."
)


def _draft(page: Any, text: str) -> None:
    page.check("#case-actions input[name=answer-kind][value=final]")
    page.fill("#case-actions textarea[name=answer-text]", text)
    page.click("#case-actions button:has-text('Сохранить проект')")


def test_a_brush_off_is_caught_fixed_sent_rated_2_and_the_case_reopens(
    world: World,
    live_server: Any,
    page: Any,
    browser: Any,
    dovecot: Dovecot,  # noqa: F811
    outbox: Outbox,  # noqa: F811
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.VECHE_PUBLIC_URL = live_server.url
    QualityPolicy.objects.create(municipality=world.municipality, blocking=["stock_phrases"])
    mailbox = dovecot.mailbox()
    source = Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.EMAIL),
        name="Почта МЦУ",
        config=mailbox.config(**outbox.config()) | {"send_receipt": False},
    )
    mailbox.append(letter(QUESTION, subject="Яма во дворе"), at=timezone.now())
    fetch_source(source, now=timezone.now())
    case = Case.objects.get()
    assign_case(case, world.housing, by=world.operator, now=timezone.now())
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=timezone.now())

    # The executor drafts a brush-off: the card says what is wrong.
    log_in(page, live_server, "housing_executor")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    _draft(page, BRUSH_OFF)
    page.wait_for_selector(".answer-check.failed")
    check = page.locator(".answer-check").inner_text()
    assert "Похоже на отписку" in check and "Без канцелярских штампов" in check
    screenshot(page, "answer-brush-off")

    # The head cannot approve it: the municipality made that criterion binding.
    head = browser.new_context(locale="ru-RU").new_page()
    log_in(head, live_server, "head")
    head.goto(f"{live_server.url}/cases/{case.pk}/")
    head.click("#case-actions button:has-text('Согласовать ответ')")
    head.wait_for_selector("#case-card [role=alert]:has-text('не прошёл проверку на отписку')")
    # The card's follow-up requests finish before this thread writes: the live server's
    # in-memory SQLite locks a table that a request is still reading.
    head.wait_for_load_state("networkidle")
    page.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.status == Status.ANSWER_DRAFTED

    # Back to work: the repair is photographed, a real answer drafted, and it passes.
    change_status(case, Status.IN_WORK, by=world.head, now=timezone.now(), comment="доработать")
    photo = SimpleUploadedFile("после ремонта.png", PNG, content_type="image/png")
    attach_file(case, photo, by=world.housing_executor, now=timezone.now())
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    _draft(page, FIXED)
    page.wait_for_selector(".answer-check:not(.failed)")
    head.goto(f"{live_server.url}/cases/{case.pk}/")
    head.click("#case-actions button:has-text('Согласовать ответ')")
    head.wait_for_selector("#case-card .badge:has-text('Ответ направлен')")
    sent = message_from_bytes(outbox.envelopes[-1].content, policy=policy.default)
    body = sent.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "асфальтом" in text
    link = re.search(r"https?://\S+/feedback/r/\S+", text)
    assert link is not None, text

    # The citizen rates it 2 through the link, without logging in.
    citizen = browser.new_context(locale="ru-RU").new_page()
    citizen.goto(link.group(0).rstrip("."))
    citizen.check("input[name=rating][value='2']")
    citizen.click("button[type=submit]")
    citizen.wait_for_selector("text=Спасибо")
    screenshot(citizen, "survey-rated")

    case.refresh_from_db()
    assert case.status == Status.REOPENED
    assert Event.objects.filter(case=case, comment__contains="2 из 5").exists()

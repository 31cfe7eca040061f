"""A resident on a phone votes in a poll with a code from his e-mail; the МЦУ closes the poll
and reads the results with bars."""

from typing import Any

import pytest
from django.core import mail

from tests.e2e.conftest import log_in, screenshot
from tests.participation.factories import open_repair_poll
from tests.personas import World
from veche.participation.models import Ballot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_resident_votes_and_the_mcu_reads_the_results(
    world: World, live_server: Any, browser: Any, page: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    poll = open_repair_poll(world)
    phone = browser.new_context(viewport={"width": 400, "height": 900}, locale="ru-RU").new_page()
    phone.goto(f"{live_server.url}/public/polls/{poll.public_key}/")
    phone.fill("#identity", "ivan@mail.ru")
    phone.click("button[type=submit]")
    phone.wait_for_selector("#code")
    code = str(mail.outbox[-1].body).split(": ", 1)[1][:6]
    phone.fill("#code", code)
    phone.click("button[type=submit]")
    phone.check("text=Тротуар")
    phone.check("text=Ночью")
    screenshot(phone, "poll-ballot")
    phone.click("button[type=submit]")
    phone.wait_for_selector("text=Ваш голос учтён")
    assert Ballot.objects.count() == 1

    log_in(page, live_server, world.operator.username)
    page.goto(f"{live_server.url}/participation/{poll.pk}/")
    page.click("text=Завершить голосование")
    page.wait_for_selector("text=завершён")
    page.click("text=итоги")
    page.wait_for_selector("table.bars")
    screenshot(page, "poll-results")
    assert "1 · 100 %" in page.inner_text("main")

"""The head's privacy desk in a real browser under the Content-Security-Policy: the nav
entry, a retention term set through the form, a legal hold, the access log and its check,
a subject's page — without one policy violation."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import log_in, screenshot
from tests.personas import World, make_case
from veche.cases.services import reveal_author
from veche.privacy.models import LegalHold, RetentionRule

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def strict_page(browser: Any) -> Iterator[Any]:
    """A page under the policy (the shared page fixture bypasses it)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = context.new_page()
    yield page
    context.close()


def test_the_head_manages_personal_data_without_policy_violations(
    world: World, live_server: Any, strict_page: Any
) -> None:
    page = strict_page
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    case = make_case(world.municipality, department=world.housing)
    reveal_author(case, by=world.housing_executor)

    log_in(page, live_server, "head")
    page.click("nav.mainnav >> text=ПДн")
    page.wait_for_url(f"{live_server.url}/privacy/")
    page.select_option("#id_rule_regime", "message")
    page.fill("#id_rule_days", "365")
    page.click("text=Сохранить срок")
    page.wait_for_selector("td:has-text('365')")
    page.fill("#id_subject_number", case.number)
    page.click("text=Найти заявителя")
    page.wait_for_url(f"{live_server.url}/privacy/citizens/{case.author_id}/")
    page.wait_for_selector("text=Срок ответа на запрос")
    screenshot(page, "privacy-subject")
    page.goto(f"{live_server.url}/privacy/")
    page.fill("#id_hold_number", case.number)
    page.fill("#id_hold_reason", "Запрос прокуратуры")
    page.click("text=Запретить уничтожение")
    page.wait_for_selector(f"td:has-text('{case.number}')")
    page.goto(f"{live_server.url}/privacy/access-log/")
    page.click("text=Проверить целостность журнала")
    page.wait_for_selector("text=Цепочка цела")
    page.wait_for_selector("td:has-text('housing_executor')")
    screenshot(page, "privacy-access-log")

    assert list(RetentionRule.objects.values_list("regime", "days")) == [("message", 365)]
    assert LegalHold.objects.get().case_id == case.pk
    assert violations == []

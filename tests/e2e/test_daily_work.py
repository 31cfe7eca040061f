"""An МЦУ officer's morning in a real browser: log in, find a case by a word form, route it,
and the executor of that department takes it into work; a stranger's department sees nothing.
"""

from typing import Any

import pytest

from tests.e2e.conftest import log_in, screenshot
from tests.personas import World, make_case
from veche.cases.models import Event
from veche.cases.workflow import Status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_routes_a_case_and_executor_takes_it(
    world: World, live_server: Any, page: Any, browser: Any
) -> None:
    pit = make_case(world.municipality, text="Во дворе дома 7 огромная яма, колёса пробиты.")
    make_case(world.municipality, text="Не горят фонари на улице Мира.")

    log_in(page, live_server, "operator")
    page.fill("#id_q", "ямы")
    page.press("#id_q", "Enter")
    page.wait_for_function(
        "document.querySelectorAll('#inbox-results tbody tr:not(.empty)').length === 1"
    )
    screenshot(page, "inbox-search")
    assert page.locator("#inbox-results").inner_text().count("МЦУ-2026-") == 1

    page.click(f"text={pit.number}")
    page.wait_for_url(f"**/cases/{pit.pk}/")
    page.select_option("#case-actions select[name$=department]", label="Комитет ЖКХ")
    page.click("#case-actions button:has-text('Назначить')")
    page.wait_for_selector("#case-card :text('Комитет ЖКХ')")
    screenshot(page, "case-assigned")
    pit.refresh_from_db()
    assert (pit.status, pit.department) == (Status.ASSIGNED, world.housing)
    assert pit.events.filter(kind=Event.Kind.ASSIGNED, actor=world.operator).count() == 1

    executor = browser.new_context(locale="ru-RU").new_page()
    log_in(executor, live_server, "housing_executor")
    rows = executor.locator("#inbox-results tbody tr:not(.empty)")
    assert rows.count() == 1
    executor.click(f"text={pit.number}")
    executor.click("#case-actions button:has-text('Взять в работу')")
    executor.wait_for_selector("#case-card .badge:has-text('В работе')")
    pit.refresh_from_db()
    assert pit.status == Status.IN_WORK


def test_other_department_sees_nothing(world: World, live_server: Any, page: Any) -> None:
    pit = make_case(world.municipality, department=world.housing)

    log_in(page, live_server, "roads_executor")
    assert page.locator("#inbox-results tbody tr:not(.empty)").count() == 0
    response = page.goto(f"{live_server.url}/cases/{pit.pk}/")

    assert response.status == 404
    assert pit.text not in page.content()

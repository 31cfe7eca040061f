"""The analytics pages in a real browser, on the hand-counted October (tests/analytics/
october.py): the head of the МЦУ opens the dashboard, follows a figure to the late case, cuts
an indicator by department and month, saves the slice and finds it again."""

from typing import Any

import pytest

from tests.analytics.october import build_october
from tests.e2e.conftest import log_in, screenshot
from tests.personas import World
from veche.cases.models import Case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OCTOBER = "from=2026-10-01&to=2026-10-31"


@pytest.fixture
def october(world: World, django_capture_on_commit_callbacks: Any) -> dict[str, Case]:
    return build_october(world, django_capture_on_commit_callbacks)


def test_from_a_figure_to_its_cases_and_a_saved_slice(
    world: World, october: dict[str, Case], live_server: Any, page: Any
) -> None:
    log_in(page, live_server, "head")

    page.click("nav >> text=Аналитика")
    page.goto(f"{live_server.url}/analytics/?{OCTOBER}")
    in_time = page.locator("a.kpi", has_text="Ответ в срок")
    assert "83" in in_time.locator(".kpi-value").inner_text()
    assert page.locator("a.kpi", has_text="Поступило").locator(".kpi-value").inner_text() == "7"
    screenshot(page, "analytics-dashboard")

    in_time.click()
    page.wait_for_url("**/analytics/cases/**")
    assert page.locator("table.list tbody tr").count() == 1
    assert october["E"].number in page.locator("table.list").inner_text()

    page.goto(f"{live_server.url}/analytics/slices/?{OCTOBER}")
    page.select_option("select[name=indicator]", "received")
    page.select_option("select[name=rows]", "department")
    page.select_option("select[name=columns]", "regime")
    page.click("form.analytics-query button[type=submit]")
    page.wait_for_url("**indicator=received**")
    table = page.locator("table.slice").inner_text()
    assert world.housing.name in table and "Обращение (59-ФЗ)" in table
    page.fill("input[name=name]", "Октябрь по режимам")
    page.get_by_role("button", name="Сохранить", exact=True).click()
    page.wait_for_selector("text=Срез «Октябрь по режимам» сохранён.")
    screenshot(page, "analytics-slice")

    page.goto(f"{live_server.url}/analytics/slices/")
    page.click("text=Октябрь по режимам")
    assert "Обращение (59-ФЗ)" in page.locator("table.slice").inner_text()

"""Recurring problems in a real browser: the МЦУ operator sees a yard that citizens write about
again and again, with its evidence, and names it a problem in one click."""

from typing import Any

import pytest

from tests.e2e.conftest import log_in, screenshot
from tests.personas import NOW, World
from tests.problems.test_recurring import Spec, _create, _weeks_apart
from veche.problems.models import Problem

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_operator_names_a_recurring_yard_a_problem(
    world: World, live_server: Any, page: Any
) -> None:
    pits = world.topic_pits
    times = _weeks_apart(NOW.replace(month=6), 5, days=20)
    wordings = ("опять огромная яма", "яму так и не засыпали", "машины бьют колёса",
                "дети падают в яму", "вода стоит в яме")  # fmt: skip
    cases = _create(
        world,
        [
            Spec(
                f"Во дворе дома 17 по ул. Мира {w}.",
                at,
                f"Житель {n}",
                ("pos", "vk")[n % 2],
                pits,
                "Мира",
                "17",
            )
            for n, (w, at) in enumerate(zip(wordings, times, strict=True))
        ],
        "e2e",
    )

    log_in(page, live_server, "operator")
    page.goto(f"{live_server.url}/problems/candidates/?at={NOW.date().isoformat()}")
    section = page.locator("section.candidate").first
    assert "Мира, д. 17" in section.locator("h2").inner_text()  # the street as triage read it
    assert "то же место и тема" in section.inner_text()
    assert "вода стоит в яме" in section.locator("blockquote").first.inner_text()
    screenshot(page, "recurring-candidates")

    section.locator("input[name=title]").fill("Яма во дворе дома 17 по ул. Мира")
    section.get_by_role("button", name="Назвать проблемой").click()
    page.wait_for_url(f"{live_server.url}/problems/*/")

    problem = Problem.objects.get(title="Яма во дворе дома 17 по ул. Мира")
    assert problem.named_by == world.operator
    assert set(problem.links.values_list("case_id", flat=True)) == {c.pk for c in cases}
    assert "Яма во дворе дома 17 по ул. Мира" in page.locator("h1").inner_text()
    screenshot(page, "recurring-named")

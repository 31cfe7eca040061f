"""A citizen on a phone: the public form with a pin on the map, then the status link.

The map has no tiles here (no network), as in a closed municipal network: the pin still works.
"""

from typing import Any

import pytest
from django.core.cache import cache

from tests.e2e.conftest import screenshot
from tests.personas import World
from veche.cases.models import Case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_citizen_pins_the_place_and_gets_a_number(
    world: World, live_server: Any, browser: Any
) -> None:
    cache.clear()
    page = browser.new_context(viewport={"width": 400, "height": 900}, locale="ru-RU").new_page()
    page.goto(f"{live_server.url}/report/{world.municipality.oktmo}/")
    page.fill("#id_text", "На детской площадке у дома 3 сломаны качели, торчат болты")
    page.fill("#id_address", "ул. Школьная, 3")
    page.wait_for_function("typeof L !== 'undefined' && document.querySelector('.leaflet-pane')")
    page.click("#report-map", position={"x": 150, "y": 120})
    assert page.input_value("#id_lat") != "" and page.input_value("#id_lon") != ""
    page.check("#id_consent")
    screenshot(page, "public-form")
    page.wait_for_timeout(3100)  # the form refuses what is sent faster than a person types
    page.click("button[type=submit]")
    page.wait_for_selector("text=Сообщение принято")

    case = Case.objects.get()
    assert case.number in page.inner_text("main")
    assert case.lat is not None and case.lon is not None
    page.click("a.status-link")
    page.wait_for_selector("text=Статус:")
    screenshot(page, "public-status")
    assert "качели" not in page.inner_text("main")

"""The heat map in a real browser, with the tile server out of reach (a closed network): the
cells are still drawn, on a plain background, with a legend and a popup per cell."""

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import h3
import pytest
from django.utils import timezone

from tests.e2e.conftest import log_in, screenshot
from tests.personas import World, make_case
from veche.analytics.rollups import update_rollups
from veche.cases.services import change_topic, locate_case
from veche.org.models import Territory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Nothing listens on port 9 (discard): every tile fails at once, without the internet.
UNREACHABLE_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"
CENTRE = h3.latlng_to_cell(55.7558, 37.6173, 9)


def test_cells_are_drawn_when_the_tile_server_is_unreachable(
    world: World, live_server: Any, page: Any, settings: Any
) -> None:
    settings.MAP_TILE_URL = UNREACHABLE_TILES
    received = timezone.now() - timedelta(hours=1)
    # Five cells: the centre and four of its ring, with 1 to 5 cases.
    cells = [CENTRE, *sorted(set(h3.grid_disk(CENTRE, 2)) - {CENTRE})[:4]]
    north, south = (
        Territory.objects.create(municipality=world.municipality, kind="unit", name=name)
        for name in ("Северный", "Южный")
    )
    for n, cell in enumerate(cells, start=1):
        lat, lon = h3.cell_to_latlng(cell)
        for i in range(n):
            case = make_case(world.municipality, received_at=received)
            place = (north if n % 2 else south).pk
            locate_case(case, lat=lat, lon=lon, territory_id=place, at=received, by=None)
            topic = world.topic_pits if i % 2 else world.topic_heating
            change_topic(case, topic, by=None, now=received)
    update_rollups()

    log_in(page, live_server, "operator")
    day = timezone.localtime(received, ZoneInfo(world.municipality.time_zone)).date()
    page.goto(f"{live_server.url}/analytics/map/?from={day}&to={day}&resolution=9")
    page.wait_for_function(
        "document.querySelectorAll('#heatmap path.leaflet-interactive').length > 0"
    )

    assert page.locator("#heatmap path.leaflet-interactive").count() == 5
    page.wait_for_selector("#heatmap .heatmap-note:has-text('подложка недоступна')")
    assert page.locator("#heatmap .heatmap-legend .row").count() == 5
    assert "Ячеек: 5, обращений в них: 15." in page.locator("#heatmap-status").inner_text()
    assert page.locator(".topic-territory tbody tr").count() == 2
    screenshot(page, "heatmap-no-tiles")

    page.locator("#heatmap path.leaflet-interactive").nth(0).click(force=True)
    popup = page.locator(".heatmap-popup")
    popup.wait_for()
    assert "Поступило:" in popup.inner_text()
    href = popup.locator("a").get_attribute("href")
    assert href.startswith("/analytics/cases/?indicator=received&from=")
    assert "&cell=89" in href
    # Leaflet fades a popup in.
    page.wait_for_function(
        "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )
    screenshot(page, "heatmap-popup")

    page.goto(f"{live_server.url}/analytics/map/?from={day}&to={day}&resolution=8&measure=share")
    page.wait_for_selector("#heatmap .heatmap-legend :text('Доля просроченных')")
    assert page.locator("#heatmap path.leaflet-interactive").count() >= 1
    screenshot(page, "heatmap-share")

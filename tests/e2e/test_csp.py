"""The Content-Security-Policy breaks nothing: the inbox, a case card (its panels load by htmx)
and the heat map (Leaflet, tiles from the configured server) run without one violation."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import h3
import pytest
from django.utils import timezone

from tests.e2e.conftest import log_in
from tests.personas import World, make_case
from veche.analytics.rollups import update_rollups
from veche.cases.services import locate_case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Nothing listens on port 9: tiles fail at once, but the policy allows their origin.
TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


@pytest.fixture
def strict_page(browser: Any) -> Iterator[Any]:
    """A page under the policy (the shared page fixture bypasses it). No wait_for_function
    here: Playwright evaluates its string with eval, which the policy refuses."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = context.new_page()
    yield page
    context.close()


def test_pages_run_without_policy_violations(
    world: World, live_server: Any, strict_page: Any, settings: Any
) -> None:
    page = strict_page
    settings.MAP_TILE_URL = TILES
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    received = timezone.now() - timedelta(hours=1)
    case = make_case(world.municipality, department=world.housing, received_at=received)
    lat, lon = h3.cell_to_latlng(h3.latlng_to_cell(55.7558, 37.6173, 9))
    locate_case(case, lat=lat, lon=lon, territory_id=None, at=received, by=None)
    update_rollups()

    log_in(page, live_server, "operator")
    page.wait_for_selector(f"text={case.number}")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.wait_for_load_state("networkidle")

    day = timezone.localtime(received, ZoneInfo(world.municipality.time_zone)).date()
    page.goto(f"{live_server.url}/analytics/map/?from={day}&to={day}&resolution=9")
    page.wait_for_selector("#heatmap path.leaflet-interactive")
    page.wait_for_load_state("networkidle")

    assert violations == []

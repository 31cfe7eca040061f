"""The information field in a real browser: the МЦУ operator reads the mentions, opens an alert
with its evidence, marks it handled with the response taken, and turns a mention into a case."""

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import log_in, screenshot
from tests.personas import NOW, World
from veche.cases.models import Case
from veche.monitoring.models import Alert, Mention, MonitoredSource, SourceKind

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_operator_handles_an_alert_and_opens_a_case(
    world: World, live_server: Any, page: Any
) -> None:
    source = MonitoredSource.objects.create(
        municipality=world.municipality, kind=SourceKind.VK, name="Подслушано Краснолесск",
        address="-555",
    )  # fmt: skip
    mentions = [
        Mention.objects.create(
            municipality=world.municipality,
            source=source,
            external_id=f"wall-555_{n}",
            url=f"https://vk.com/wall-555_{n}",
            text=f"На улице Мира нет воды уже {n} час",
            published_at=NOW - timedelta(minutes=5 * n),
            found_at=NOW,
            snapshot_at=NOW,
            places=["г. Краснолесск, ул. Мира"],
            content_hash=str(n),
            risk=0.3 + n / 10,
            views=100 * n,
        )
        for n in range(1, 6)
    ]
    alert = Alert.objects.create(
        municipality=world.municipality, kind=Alert.Kind.SPIKE, level=Alert.Level.CRITICAL,
        subject="место: г. Краснолесск, ул. Мира",
        summary="Всплеск обсуждения: 5 публикаций за 30 мин при обычных 0.25", created_at=NOW,
    )  # fmt: skip
    alert.evidence.add(*mentions)

    log_in(page, live_server, "operator")
    page.goto(f"{live_server.url}/monitoring/")
    assert page.locator("table.mentions tbody tr").count() == 5
    screenshot(page, "monitoring-mentions")

    page.goto(f"{live_server.url}/monitoring/alerts/")
    page.get_by_role("link", name="место: г. Краснолесск, ул. Мира").click()
    page.wait_for_url(f"{live_server.url}/monitoring/alerts/{alert.pk}/")
    assert "5 публикаций за 30 мин" in page.inner_text("main")
    page.fill("textarea[name=response]", "Аварийная бригада на месте, подвоз воды организован")
    screenshot(page, "monitoring-alert")
    page.get_by_role("button", name="Отработано").click()
    page.wait_for_url(f"{live_server.url}/monitoring/alerts/{alert.pk}/")
    assert "Подвоз воды организован".lower() in page.inner_text("main").lower()
    alert.refresh_from_db()
    assert alert.handled_by == world.operator

    page.get_by_role("button", name="Создать обращение").first.click()
    page.wait_for_url(f"{live_server.url}/cases/*/")
    case = Case.objects.get()
    assert case.regime == "incident"
    assert case.number in page.inner_text("main")
    screenshot(page, "monitoring-case")

"""Госпаблики in a real browser: the operator plans a post on the VK page, the head approves
it, the worker publishes it to a local fake of VK, and the post shows its publication record;
the register shows the page's checks."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.e2e.conftest import log_in, screenshot
from tests.personas import World
from tests.publishing.fakes import VK_TOKEN, FakeVkWall
from veche.publishing.models import Network, OfficialPage, Post
from veche.publishing.services import publish_due

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
GROUP = 220_000_777


@pytest.fixture
def fake_vk() -> Iterator[FakeVkWall]:
    server = FakeVkWall(GROUP).start()
    yield server
    server.stop()


@pytest.fixture
def vk_page(world: World, fake_vk: FakeVkWall, monkeypatch: pytest.MonkeyPatch) -> OfficialPage:
    monkeypatch.setenv("PUB_VK_TOKEN", VK_TOKEN)
    return OfficialPage.objects.create(
        municipality=world.municipality,
        network=Network.VK,
        name="Администрация Демо",
        remote_id=str(GROUP),
        token_env="PUB_VK_TOKEN",
        api_url=fake_vk.url,
    )


def test_plan_approve_publish_and_see_the_record(
    world: World, vk_page: OfficialPage, fake_vk: FakeVkWall, live_server: Any, page: Any
) -> None:
    log_in(page, live_server, "operator")
    page.goto(f"{live_server.url}/publishing/")
    assert "Администрация Демо" in page.locator("table.pages").inner_text()
    screenshot(page, "publishing-register")
    page.goto(f"{live_server.url}/publishing/posts/new/")
    page.select_option("select[name=page]", str(vk_page.pk))
    page.fill("textarea[name=text]", "Субботник в сквере у ДК в субботу, 10:00")
    when = (timezone.now() + timedelta(minutes=5)).astimezone(ZoneInfo("Europe/Moscow"))
    form = "form[action$='/posts/new/']"
    page.locator(f"{form} input[name=scheduled_at]").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.click(f"{form} button[type=submit]")
    page.wait_for_url("**/publishing/posts/*/")
    assert "черновик" in page.inner_text("main")
    post = Post.objects.get()

    page.context.clear_cookies()
    log_in(page, live_server, "head")
    page.goto(f"{live_server.url}/publishing/posts/{post.pk}/")
    page.click("text=Согласовать")
    page.wait_for_selector("text=согласован")

    assert publish_due(now=timezone.now() + timedelta(minutes=10)) == 1
    page.goto(f"{live_server.url}/publishing/posts/{post.pk}/")
    body = page.inner_text("main")
    assert "опубликован" in body and "в сети" in body
    assert [p["text"] for p in fake_vk.posts] == ["Субботник в сквере у ДК в субботу, 10:00"]
    screenshot(page, "publishing-post")
    page.goto(f"{live_server.url}/publishing/plan/")
    assert "опубликован" in page.locator("table.calendar").inner_text()
    screenshot(page, "publishing-plan")

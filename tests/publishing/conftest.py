from collections.abc import Iterator

import pytest

from tests.personas import World
from tests.publishing.fakes import (
    OK_APP_KEY,
    OK_SECRET,
    OK_TOKEN,
    TG_TOKEN,
    VK_TOKEN,
    FakeOk,
    FakeTelegram,
    FakeVkWall,
)
from veche.publishing.models import Network, OfficialPage

VK_GROUP = 220_000_777
OK_GROUP = "70000001234567"
TG_CHANNEL = "@demo_admin"


@pytest.fixture(autouse=True)
def _tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUB_VK_TOKEN", VK_TOKEN)
    monkeypatch.setenv("PUB_OK_TOKEN", OK_TOKEN)
    monkeypatch.setenv("PUB_OK_APP", OK_APP_KEY)
    monkeypatch.setenv("PUB_OK_SECRET", OK_SECRET)
    monkeypatch.setenv("PUB_TG_TOKEN", TG_TOKEN)


@pytest.fixture
def fake_vk() -> Iterator[FakeVkWall]:
    server = FakeVkWall(VK_GROUP).start()
    yield server
    server.stop()


@pytest.fixture
def fake_ok() -> Iterator[FakeOk]:
    server = FakeOk(OK_GROUP).start()
    yield server
    server.stop()


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TG_CHANNEL).start()
    yield server
    server.stop()


@pytest.fixture
def vk_page(world: World, fake_vk: FakeVkWall) -> OfficialPage:
    return OfficialPage.objects.create(
        municipality=world.municipality,
        network=Network.VK,
        name="Администрация Демо",
        remote_id=str(VK_GROUP),
        token_env="PUB_VK_TOKEN",
        api_url=fake_vk.url,
        owner=world.operator,
    )


@pytest.fixture
def ok_page(world: World, fake_ok: FakeOk) -> OfficialPage:
    return OfficialPage.objects.create(
        municipality=world.municipality,
        network=Network.OK,
        name="Администрация Демо в ОК",
        remote_id=OK_GROUP,
        token_env="PUB_OK_TOKEN",
        app_key_env="PUB_OK_APP",
        secret_env="PUB_OK_SECRET",
        api_url=fake_ok.url,
    )


@pytest.fixture
def tg_page(world: World, fake_tg: FakeTelegram) -> OfficialPage:
    return OfficialPage.objects.create(
        municipality=world.municipality,
        network=Network.TELEGRAM,
        name="Канал администрации",
        remote_id=TG_CHANNEL,
        token_env="PUB_TG_TOKEN",
        api_url=fake_tg.url,
    )

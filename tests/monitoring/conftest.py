from collections.abc import Iterator

import pytest

from tests.monitoring.fakes import FakeFeeds, FakeTelegramPreview, FakeVkWall


@pytest.fixture
def feeds() -> Iterator[FakeFeeds]:
    server = FakeFeeds().start()
    yield server
    server.stop()


@pytest.fixture
def telegram() -> Iterator[FakeTelegramPreview]:
    server = FakeTelegramPreview().start()
    yield server
    server.stop()


@pytest.fixture
def vk() -> Iterator[FakeVkWall]:
    server = FakeVkWall().start()
    yield server
    server.stop()

"""The background jobs through a real queue: Redis (production) and the SQLite file (embedded).

Elsewhere the tests run jobs at once; here a job is serialised into the broker, read back
and executed the way `veche run_huey` does, in the same order a consumer would.
"""

import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
import redis
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage, SqliteStorage

from tests.intake.test_accept import message
from veche.cases.models import Case
from veche.catalog.models import Channel
from veche.intake.connectors.base import Inbound
from veche.intake.models import Outbound, Source
from veche.intake.tasks import poll_sources
from veche.org.models import Municipality

REDIS_URL = os.environ.get("VECHE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: Redis must be reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}); CI always runs this test")


@pytest.fixture(params=["redis", "sqlite"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    name = f"veche-test-{uuid.uuid4().hex[:8]}"
    if request.param == "redis":
        _redis_or_skip()
        storage: Any = RedisStorage(name, url=REDIS_URL)
    else:
        storage = SqliteStorage(name, filename=str(tmp_path / "tasks.sqlite3"))
    HUEY.immediate = False
    HUEY.storage = storage
    try:
        yield request.param
    finally:
        storage.flush_all()
        HUEY.immediate = True  # back to in-memory, run-at-once


def run_queued() -> int:
    """Execute everything in the queue like a consumer; returns how many jobs ran."""
    ran = 0
    while (task := HUEY.dequeue()) is not None:
        HUEY.execute(task)
        ran += 1
    return ran


class Inbox:
    channel: ClassVar[str] = "telegram"
    ack: ClassVar[str] = "ok"

    def fetch(self, source: Source, now: Any) -> Sequence[Inbound]:
        return [message(1, conversation="a"), message(2, conversation="b")]

    def receive(self, source: Source, request: Any) -> Sequence[Inbound]:
        return ()

    def send(self, source: Source, outbound: Outbound) -> str:
        return f"tg:{outbound.pk}"


def test_poll_fetch_and_receipts_through_the_broker(
    queue: str, seeded_channels: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("veche.intake.services.connector_for", lambda code: Inbox())
    municipality = Municipality.objects.create(name="Очередь", oktmo="00000099")
    source = Source.objects.create(
        municipality=municipality,
        channel=Channel.objects.get(code=Channel.Code.TELEGRAM),
        name="Бот",
    )

    assert poll_sources.call_local() == 1  # the periodic job queues one fetch per due source
    assert HUEY.pending_count() == 1
    assert run_queued() == 3  # the fetch, then the two receipts it queued after commit

    assert Case.objects.count() == 2
    sent = Outbound.objects.filter(state=Outbound.State.SENT, kind=Outbound.Kind.RECEIPT)
    assert sent.count() == 2
    source.refresh_from_db()
    assert source.received_total == 2 and source.last_success_at is not None
    assert poll_sources.call_local() == 0  # not due again until poll_seconds have passed

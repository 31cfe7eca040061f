"""PostgreSQL restarts while cases are being posted: the app reconnects by itself and every
case whose POST was answered 2xx is in the database, exactly once.

Real processes: a private PostgreSQL cluster (initdb, on a free port) restarted with
`pg_ctl restart -m fast` (every connection is cut), Veche under gunicorn with persistent
connections (CONN_MAX_AGE, health checks), and a client that posts through the API and, on a
failure, posts the same `external_id` again (the API is idempotent by channel + external id).
"""

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.reliability.servers import (
    PrivatePostgres,
    django,
    seed,
    veche_env,
    wait_until,
    web_server,
)

CASES = 60


@pytest.fixture
def postgres() -> Any:
    server = PrivatePostgres().start()
    try:
        yield server
    finally:
        server.stop()


class Poster(threading.Thread):
    """Posts `cases` cases one after another, each until it gets a 2xx (or the deadline)."""

    def __init__(self, url: str, token: str, cases: int = CASES, seconds: float = 120) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.cases = url, token, cases
        self.accepted: list[str] = []
        self.failures: list[str] = []
        self.deadline = time.monotonic() + seconds

    def run(self) -> None:
        session = requests.Session()
        for n in range(self.cases):
            external_id = f"load-{n}"
            body = {
                "channel": "api",
                "regime": "message",
                "text": f"Сообщение номер {n}: на улице Мира, 5 не горит фонарь у подъезда.",
                "external_id": external_id,
            }
            while time.monotonic() < self.deadline:
                try:
                    answer = session.post(
                        f"{self.url}/api/v1/cases",
                        json=body,
                        headers={"Authorization": f"Bearer {self.token}"},
                        timeout=15,
                    )
                except requests.RequestException as exc:
                    self.failures.append(f"{external_id}: {type(exc).__name__}")
                    session = requests.Session()
                else:
                    if 200 <= answer.status_code < 300:
                        self.accepted.append(external_id)
                        break
                    self.failures.append(f"{external_id}: {answer.status_code}")
                time.sleep(0.2)


def test_cases_survive_a_postgres_restart(tmp_path: Path, postgres: PrivatePostgres) -> None:
    var = tmp_path / "var"
    var.mkdir()
    env = veche_env(var, postgres.create_database())
    seeded = seed(env)
    web, url = web_server(env, tmp_path / "web.log", threads=2)
    try:
        poster = Poster(url, seeded["token"])
        poster.start()
        wait_until(lambda: len(poster.accepted) >= 10, timeout=60, what="the first cases")
        before = len(poster.accepted)
        postgres.restart()
        poster.join(150)
        assert not poster.is_alive(), "the client did not finish"
        assert web.alive(), web.output()[-3000:]
    finally:
        web.kill()

    assert before < CASES, "every case was posted before the restart"
    assert poster.accepted == [f"load-{n}" for n in range(CASES)], poster.failures
    stored = django(
        """
        from django.db.models import Count
        from veche.cases.models import Case

        cases = Case.objects.with_external_id().filter(channel__code="api")
        result = {
            "ids": sorted(cases.values_list("external_id", flat=True)),
            "events": Case.objects.filter(channel__code="api")
            .annotate(n=Count("events")).filter(n=0).count(),
        }
        """,
        env,
    )
    assert len(stored["ids"]) == len(set(stored["ids"])), "a case was stored twice"
    assert set(stored["ids"]) == set(poster.accepted), "an accepted case was lost"
    assert stored["events"] == 0, "a case was stored without its history"

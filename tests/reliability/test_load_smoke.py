"""The load test's machinery (`bench/load.py`), briefly: 4 users for 20 s against gunicorn +
huey + PostgreSQL, each in its own process, on a scratch database the run makes and drops.

It asserts what must hold at any speed — no 5xx, no connection error, every request kind
answered with success at least once, every acknowledged write in the database — and nothing
about timings, which depend on the machine. pytest-django's test database is not used: the
server is a separate process. Without PostgreSQL the test is skipped with the reason, except
in CI (`CI=true`), where it fails.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from bench import load
from bench.load_traffic import KINDS, Sample, percentile, signed_pk, summarise


def _server() -> str:
    """The PostgreSQL server of the test run (its maintenance database), or the local one."""
    for name in ("DATABASE_URL", "DATABASE_URL_TEST"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            return urlunsplit(urlsplit(url)._replace(path="/postgres"))
    return load.DEFAULT_SERVER


@pytest.fixture
def server() -> str:
    url = _server()
    problem = load.postgres_reachable(url)
    if problem:
        reason = f"PostgreSQL is unreachable at {url}: {problem}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return url


def _databases(server: str) -> set[str]:
    with psycopg.connect(server.replace("postgres://", "postgresql://", 1)) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'veche_load_%'")
        return {row[0] for row in rows}


def test_short_mixed_run_loses_nothing_and_never_fails(server: str) -> None:
    before = _databases(server)
    options = load.Options(
        seconds=20,
        users=4,
        database=server,
        cases=150,
        workers=2,
        baseline_seconds=3,
        warmup_seconds=0,
        redis_db=8,
        results=False,
        quiet=True,
    )
    # In its own thread: the browser tests' sync Playwright keeps an event loop running in this
    # one for the rest of the session, and the driver's asyncio.run needs a thread without one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        result = thread.submit(load.run, options).result()

    assert result["verdict"]["errors"] == 0, result.get("server_errors")
    assert result["overall"]["error_count"] == 0
    assert result["baseline"]["count"] > 0
    assert result["baseline"]["error_count"] == 0
    assert result["verdict"]["unexercised"] == [], load.table(result)
    for kind in KINDS:
        answered = result["kinds"][kind]["count"] + result["warmup"]["kinds"][kind]["count"]
        assert answered > 0, kind
    assert result["verdict"]["lost_writes"] == {}, result["writes"]
    writes = result["writes"]
    for kind in ("api_intake", "open311", "public_submit", "survey", "comment", "assign"):
        assert writes[kind]["acknowledged"] > 0, kind
        assert writes[kind]["found"] == writes[kind]["acknowledged"], kind
    assert writes["api_intake"]["found_by_external_id"] == writes["api_intake"]["acknowledged"]
    new_cases = sum(writes[k]["acknowledged"] for k in ("api_intake", "open311", "public_submit"))
    assert writes["cases_total"] == result["seed"]["cases_before"] + new_cases
    assert result["verdict"]["clean"]
    # The scratch database is gone.
    assert _databases(server) == before


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]  # 1 … 100
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) == 0.0
    samples = [Sample("card", 200, 0.010), Sample("card", 302, 0.020)]
    samples += [Sample("card", 404, 0.030), Sample("card", 502, 0.040), Sample("card", 0, 5.0)]
    figures = summarise(samples, window_s=2.0)
    assert figures["count"] == 5
    assert figures["ok"] == 2
    assert figures["refused_4xx"] == {"404": 1}
    assert figures["error_count"] == 2
    assert figures["throughput_rps"] == 2.5
    assert figures["max_ms"] == 5000.0


def test_the_driver_reads_the_case_id_of_a_public_status_link() -> None:
    from django.core import signing

    from veche.intake.views.public import STATUS_SALT

    for pk in (1, 734, 10**9):
        assert signed_pk(signing.dumps(pk, salt=STATUS_SALT, compress=True)) == pk

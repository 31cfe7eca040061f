"""`bash bench/run faults [--scenario import|postgres|all] [--rows 20000] [--kills 5]
[--cases 400] [--restarts 5]`: the longer, repeated variants of tests/reliability/test_fault_*.

- import: one large ПОС import (bench/imports.py's rows) whose worker is SIGKILLed `--kills`
  times, each time after at least one more batch was saved; the run must end «done» with every
  row imported exactly once.
- postgres: a client posts `--cases` cases through the API (retrying the same external id on a
  failure) while the private PostgreSQL cluster is restarted `--restarts` times; every case
  answered 2xx must be stored exactly once.

Real processes throughout (tests/reliability/servers.py). Prints figures and exits 1 on a lost
or duplicated row or case.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run faults", description=__doc__)
    parser.add_argument("--scenario", choices=["import", "postgres", "all"], default="all")
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the import file")
    parser.add_argument("--kills", type=int, default=5, help="times the import worker dies")
    parser.add_argument("--cases", type=int, default=400, help="cases posted through the API")
    parser.add_argument("--restarts", type=int, default=5, help="PostgreSQL restarts")
    parser.add_argument("--seed", type=int, default=1, help="seed of the kill moments")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    ok = True
    with tempfile.TemporaryDirectory(prefix="veche-bench-faults-") as folder:
        if args.scenario in ("import", "all"):
            ok &= _import(Path(folder) / "import", args.rows, args.kills, args.seed)
        if args.scenario in ("postgres", "all"):
            ok &= _postgres(Path(folder) / "postgres", args.cases, args.restarts)
    print("OK" if ok else "FAILED: see above")
    return 0 if ok else 1


def _import(folder: Path, rows: int, kills: int, seed: int) -> bool:
    from tests.reliability.servers import (
        consumer,
        database_copy,
        django,
        queue_pos_import,
        sql,
        wait_until,
    )

    folder.mkdir(parents=True)
    env, _ = database_copy(folder)
    db = env["DATABASE_URL"]
    began = time.monotonic()
    run_id = queue_pos_import(folder, rows, env, timeout=600)

    def progress() -> tuple[str, int]:
        query = "select state, rows_done from intake_importrun where id = %s"
        [(state, done)] = sql(db, query, run_id)
        return str(state), int(done)

    killed = 0
    rng = random.Random(seed)
    log = folder / "consumer.log"
    for _ in range(kills):
        worker = consumer(env, log).start()
        seen = progress()[1]
        try:
            wait_until(
                lambda: progress()[1] > seen or progress()[0] == "done",  # noqa: B023
                timeout=600,
                every=0.05,
                what="one more batch",
            )
            # Somewhere inside the next batch, also between its cases and its counters.
            time.sleep(rng.uniform(0, 2))
        finally:
            worker.kill()
        if progress()[0] == "done":
            break
        killed += 1
        print(f"import: worker killed after row {progress()[1]:,} of {rows:,} was saved")
        django(
            f"""
            from datetime import timedelta
            from django.db.models import F
            from veche.intake.imports.tasks import requeue_stale_imports
            from veche.intake.models import ImportRun

            ImportRun.objects.filter(pk={run_id}).update(
                heartbeat_at=F("heartbeat_at") - timedelta(minutes=11)
            )
            requeue_stale_imports()
            """,
            env,
        )
    worker = consumer(env, log).start()
    try:
        wait_until(lambda: progress()[0] in ("done", "failed"), timeout=1800, what="the end")
    finally:
        worker.kill()
    ids = django(
        """
        from veche.cases.models import Case
        result = list(
            Case.objects.with_external_id().filter(channel__code="pos")
            .values_list("external_id", flat=True)
        )
        """,
        env,
        timeout=600,
    )
    expected = {f"{7_000_000 + n}" for n in range(rows) if n % 50 != 49}
    duplicates = len(ids) - len(set(ids))
    lost = len(expected - set(ids))
    print(
        f"import: {rows:,} rows, {killed} kills, {time.monotonic() - began:.0f} s, "
        f"state {progress()[0]}, duplicates {duplicates}, lost {lost}"
    )
    return progress()[0] == "done" and duplicates == 0 and lost == 0


def _postgres(folder: Path, cases: int, restarts: int) -> bool:
    from tests.reliability.servers import PrivatePostgres, django, seed, veche_env, web_server
    from tests.reliability.test_fault_postgres import Poster

    folder.mkdir(parents=True)
    server = PrivatePostgres().start()
    try:
        env = veche_env(folder, server.create_database())
        seeded = seed(env)
        web, url = web_server(env, folder / "web.log", threads=4)
        try:
            poster = Poster(url, seeded["token"], cases=cases, seconds=1800)
            began = time.monotonic()
            poster.start()
            for n in range(restarts):
                target = (n + 1) * cases // (restarts + 1)
                while len(poster.accepted) < target and poster.is_alive():
                    time.sleep(0.1)
                server.restart()
                print(f"postgres: restarted after {len(poster.accepted)} accepted cases")
            poster.join()
        finally:
            web.kill()
        stored = django(
            """
            from veche.cases.models import Case
            result = list(
                Case.objects.with_external_id().filter(channel__code="api")
                .values_list("external_id", flat=True)
            )
            """,
            env,
        )
    finally:
        server.stop()
    duplicates = len(stored) - len(set(stored))
    lost = len(set(poster.accepted) - set(stored))
    print(
        f"postgres: {len(poster.accepted)}/{cases} accepted, {restarts} restarts, "
        f"{len(poster.failures)} failed tries, {time.monotonic() - began:.0f} s, "
        f"duplicates {duplicates}, lost {lost}"
    )
    return len(poster.accepted) == cases and duplicates == 0 and lost == 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

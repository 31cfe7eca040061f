"""The worker is killed (SIGKILL) in the middle of a large ПОС import; after a restart the run
resumes and every row of the file is imported exactly once.

Real processes: the huey consumer `veche run_huey` on its embedded SQLite queue and a SQLite
database file, the import file a generated XLSX of a few thousand rows (bench/imports.py's
rows: every 50th has no text and is refused). The killed worker leaves the run «running»;
the time that makes its heartbeat stale (ten minutes) is skipped by moving the heartbeat back,
and the periodic reaper is queued at once rather than at the next five-minute mark.
"""

from pathlib import Path

from tests.reliability.servers import (
    consumer,
    database_copy,
    django,
    queue_pos_import,
    sql,
    wait_until,
)

ROWS = 3000
BROKEN = ROWS // 50  # bench/imports.py: every 50th row has no text


def _run_state(database_url: str, run_id: int) -> tuple[str, int]:
    [(state, rows_done)] = sql(
        database_url, "select state, rows_done from intake_importrun where id = %s", run_id
    )
    return str(state), int(rows_done)


def test_import_killed_mid_run_resumes_without_duplicates_or_loss(tmp_path: Path) -> None:
    env, _ = database_copy(tmp_path)
    db = env["DATABASE_URL"]
    run_id = queue_pos_import(tmp_path, ROWS, env)

    worker = consumer(env, tmp_path / "consumer.log").start()
    try:
        # Killed once at least one batch is saved and before the last one is.
        wait_until(
            lambda: _run_state(db, run_id)[1] >= 1000, timeout=60, every=0.05, what="a batch"
        )
        worker.kill()
        state, rows_done = _run_state(db, run_id)
        assert state == "running", "the import finished before the worker was killed"
        assert 0 < rows_done < ROWS

        # Ten minutes pass (the heartbeat moves back), and the periodic reaper runs.
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
        worker = consumer(env, tmp_path / "consumer.log").start()
        wait_until(
            lambda: _run_state(db, run_id)[0] in {"done", "failed"}, timeout=90, what="the end"
        )
    finally:
        worker.kill()

    end = django(
        f"""
        from django.db.models import Count
        from veche.cases.models import Case
        from veche.intake.models import ImportRun

        run = ImportRun.objects.get(pk={run_id})
        cases = Case.objects.with_external_id().filter(channel__code="pos")
        ids = list(cases.values_list("external_id", flat=True))
        problems = run.problems.filter(row_skipped=True)
        result = {{
            "state": run.state, "rows_done": run.rows_done, "rows_total": run.rows_total,
            "counted": run.created + run.updated + run.unchanged + run.failed,
            "failed": run.failed,
            "ids": ids,
            "problem_rows": list(problems.values_list("row", flat=True)),
        }}
        """,
        env,
    )
    assert end["state"] == "done", worker.output()[-3000:]
    assert "resumes after row" in worker.output()
    assert end["rows_done"] == end["rows_total"] == ROWS
    assert end["counted"] == ROWS
    assert end["failed"] == BROKEN
    expected = {f"{7_000_000 + n}" for n in range(ROWS) if n % 50 != 49}
    assert len(end["ids"]) == len(set(end["ids"])), "a row was imported twice"
    assert set(end["ids"]) == expected, "a row was lost"
    # Each refused row is reported once, even the ones of the batch the worker died in.
    assert len(end["problem_rows"]) == len(set(end["problem_rows"])) == BROKEN

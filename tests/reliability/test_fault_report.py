"""The worker is killed (SIGKILL) while it builds a report; after a restart the report is built
anew and exactly once: one report done, one XLSX and one PDF.

Real processes: the huey consumer `veche run_huey` on its embedded SQLite queue and a SQLite
database file. The killed worker leaves the report «running»; the ten minutes that make its
heartbeat stale are skipped by moving the heartbeat back, and the periodic reaper is queued
at once rather than at the next five-minute mark.
"""

from pathlib import Path

from tests.reliability.servers import consumer, database_copy, django, sql, wait_until

ORDER = """
from datetime import UTC, datetime
from veche.analytics.indicators import Period
from veche.org.models import Municipality, User
from veche.reports.models import ReportKind
from veche.reports.services import request_report
from veche.reports.tasks import generate_report

report = request_report(
    Municipality.objects.get(oktmo="00000001"), ReportKind.QUARTERLY, Period.quarter(2026, 3),
    by=User.objects.get(username="head"), now=datetime.now(UTC),
)
generate_report(report.pk)  # into the real queue; nobody consumes it yet
result = report.pk
"""


def test_report_killed_mid_build_is_built_again_once(tmp_path: Path) -> None:
    env, _ = database_copy(tmp_path)
    db = env["DATABASE_URL"]
    report_id = django(ORDER, env)

    def state() -> str:
        return str(sql(db, "select state from reports_report where id = %s", report_id)[0][0])

    worker = consumer(env, tmp_path / "consumer.log").start()
    try:
        wait_until(lambda: state() != "queued", timeout=60, every=0.01, what="the worker")
        worker.kill()
        assert state() == "running", "the report was built before the worker was killed"

        # Ten minutes pass (the heartbeat moves back), and the periodic reaper runs.
        django(
            f"""
            from datetime import timedelta
            from django.db.models import F
            from veche.reports.models import Report
            from veche.reports.tasks import requeue_stale_reports

            Report.objects.filter(pk={report_id}).update(
                heartbeat_at=F("heartbeat_at") - timedelta(minutes=11)
            )
            requeue_stale_reports()
            """,
            env,
        )
        worker = consumer(env, tmp_path / "consumer.log").start()
        wait_until(lambda: state() in {"done", "failed"}, timeout=90, what="the report")
    finally:
        worker.kill()

    [(done, xlsx, pdf, error)] = sql(
        db, "select state, xlsx, pdf, error from reports_report where id = %s", report_id
    )
    assert done == "done", error
    assert sql(db, "select count(*) from reports_report") == [(1,)]
    media = Path(env["VECHE_VAR_DIR"]) / "uploads"
    assert (media / xlsx).stat().st_size > 0
    assert (media / pdf).stat().st_size > 0
    # Files are written once, at the end: the killed build left none behind.
    assert sorted(p.suffix for p in media.rglob("*.*") if "reports" in p.parts) == [
        ".pdf",
        ".xlsx",
    ]

"""The pieces the fault tests rely on, one by one and fast, in the test's own database: which
runs and reports the reapers take back, which cases the analysis sweep finds, and what a
queue or cache that cannot be reached does to a request (a real Redis client on a port where
nothing listens, not a stand-in).
"""

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from huey import RedisHuey

from tests.personas import World, make_case
from tests.reliability.servers import free_port
from veche.analytics.indicators import Period
from veche.cases.models import Case
from veche.intake.imports import service as imports
from veche.intake.models import ImportKind, ImportRun
from veche.intake.throttle import within_limit
from veche.reports import services as reports
from veche.reports.models import Report, ReportKind
from veche.triage.services import SETTLE, missing_analysis
from veche.web import login_guard
from veche.web.outages import enqueue

pytestmark = pytest.mark.django_db


def _run(world: World, state: ImportRun.State, **fields: Any) -> ImportRun:
    return ImportRun.objects.create(
        municipality=world.municipality,
        kind=ImportKind.POS,
        file="imports/x.xlsx",
        file_name="x.xlsx",
        state=state,
        created_at=fields.pop("created_at", timezone.now()),
        **fields,
    )


def test_only_an_import_whose_heartbeat_stopped_is_taken_back(world: World) -> None:
    now = timezone.now()
    dead = _run(
        world, ImportRun.State.RUNNING, started_at=now, heartbeat_at=now - timedelta(minutes=11)
    )
    alive = _run(
        world, ImportRun.State.RUNNING, started_at=now, heartbeat_at=now - timedelta(minutes=9)
    )
    lost = _run(world, ImportRun.State.QUEUED, created_at=now - timedelta(minutes=11))
    waiting = _run(world, ImportRun.State.QUEUED, created_at=now - timedelta(minutes=1))
    done = _run(world, ImportRun.State.DONE, heartbeat_at=now - timedelta(days=1))

    assert sorted(imports.requeue_stale(now)) == sorted([dead.pk, lost.pk])

    states = dict(ImportRun.objects.values_list("pk", "state"))
    assert states[dead.pk] == ImportRun.State.QUEUED
    assert states[alive.pk] == ImportRun.State.RUNNING
    assert states[waiting.pk] == states[lost.pk] == ImportRun.State.QUEUED
    assert states[done.pk] == ImportRun.State.DONE


def test_only_a_report_whose_heartbeat_stopped_is_taken_back(world: World) -> None:
    now = timezone.now()
    made = [
        reports.request_report(
            world.municipality, ReportKind.QUARTERLY, Period.quarter(2026, 3), by=None, now=now
        )
        for _ in range(3)
    ]
    dead, alive, waiting = made
    Report.objects.filter(pk=dead.pk).update(
        state=Report.State.RUNNING, heartbeat_at=now - timedelta(minutes=11), progress=40
    )
    Report.objects.filter(pk=alive.pk).update(
        state=Report.State.RUNNING, heartbeat_at=now - timedelta(minutes=1)
    )

    assert reports.requeue_stale(now) == [dead.pk]
    dead.refresh_from_db()
    assert (dead.state, dead.progress) == (Report.State.QUEUED, 0)
    # Ten minutes later the one nobody took is queued again too (its job was lost).
    later = now + timedelta(minutes=11)
    assert sorted(reports.requeue_stale(later)) == sorted([alive.pk, dead.pk, waiting.pk])


def test_the_sweep_finds_recent_cases_without_analysis_only(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now()
    # Registered in the test's transaction: the analysis (run on commit) never happens...
    unanalysed, fresh, old = (make_case(world.municipality, external_id=f"a-{n}") for n in "123")
    # ...except for this one, analysed in the request as usual.
    with django_capture_on_commit_callbacks(execute=True):
        analysed = make_case(world.municipality, external_id="a-4")
    assert Case.objects.filter(analysis__isnull=False).get() == analysed
    settled = now - SETTLE - timedelta(minutes=1)
    Case.objects.filter(pk__in=[unanalysed.pk, analysed.pk]).update(updated_at=settled)
    Case.objects.filter(pk=fresh.pk).update(updated_at=now - timedelta(minutes=5))
    Case.objects.filter(pk=old.pk).update(updated_at=now - timedelta(days=4))

    assert missing_analysis(now) == [unanalysed.pk]


def test_a_queue_that_cannot_be_reached_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = RedisHuey("veche-faults", url=f"redis://127.0.0.1:{free_port()}/0")

    @down.task()  # type: ignore[untyped-decorator]
    def job(n: int) -> int:
        return n

    with caplog.at_level(logging.WARNING, logger="veche.web.outages"):
        assert enqueue(job, 1) is False
    assert "task queue unavailable" in caplog.text


@pytest.fixture
def cache_down(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }


def test_with_the_cache_down_the_form_limit_lets_through(
    cache_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert within_limit("form", "10.0.0.1", limit=1, window_s=3600, now=timezone.now())
    assert "cache unavailable" in caplog.text


def test_with_the_cache_down_the_login_guard_neither_locks_nor_fails(cache_down: None) -> None:
    assert login_guard.is_locked("operator", "10.0.0.1") is False
    assert login_guard.record_failure("operator", "10.0.0.1") is False
    login_guard.record_success("operator")

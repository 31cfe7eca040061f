"""The background job of an import: a thin wrapper over `service.run_import` (huey)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from veche.intake.imports import service
from veche.intake.models import ImportRun


@db_task()
def run_import_task(run_id: int) -> str:
    """Takes an id and re-reads the row; a run already taken by another worker is left alone."""
    run = ImportRun.objects.select_related("municipality", "mapping", "created_by").get(pk=run_id)
    return str(service.run_import(run).state)


@db_periodic_task(crontab(minute="*/5"))
def requeue_stale_imports() -> int:
    """Every five minutes: a run left «running» by a worker that died (killed, out of memory,
    the machine restarted) is queued again and resumes after its last saved batch; a queued
    run whose job was lost is queued again."""
    ids = service.requeue_stale(timezone.now())
    for pk in ids:
        run_import_task(pk)
    return len(ids)

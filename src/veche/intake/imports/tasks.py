"""The background job of an import: a thin wrapper over `service.run_import` (huey)."""

from huey.contrib.djhuey import db_task

from veche.intake.imports import service
from veche.intake.models import ImportRun


@db_task()
def run_import_task(run_id: int) -> str:
    """Takes an id and re-reads the row; a run already taken by another worker is left alone."""
    run = ImportRun.objects.select_related("municipality", "mapping", "created_by").get(pk=run_id)
    return str(service.run_import(run).state)

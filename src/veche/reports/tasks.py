"""Background jobs of the reports app (huey)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from veche.reports import services


@db_task()
def generate_report(report_id: int) -> str:
    """Takes the report's id and re-reads the row; a report already taken is left alone.
    The progress goes to the row after each section (the archive page polls it)."""
    return str(services.generate(report_id).state)


@db_periodic_task(crontab(minute="*/5"))
def requeue_stale_reports() -> int:
    """Every five minutes: a report left «running» by a worker that died is queued again and
    built anew; a queued report whose job was lost is queued again."""
    ids = services.requeue_stale(timezone.now())
    for pk in ids:
        generate_report(pk)
    return len(ids)

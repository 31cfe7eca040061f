"""Background jobs of the intake app: thin wrappers over its services (huey)."""

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from veche.intake import services
from veche.intake.imports import tasks as import_tasks  # noqa: F401  (registers its jobs)
from veche.intake.models import Outbound, Source


@db_periodic_task(crontab(minute="*"))
def poll_sources() -> int:
    """Every minute: queue a fetch of each source that is due (each on its own, so a slow or
    failing source never holds up the others)."""
    due = services.claim_due_sources(timezone.now())
    for source in due:
        fetch_source_task(source.pk)
    return len(due)


@db_task()
def fetch_source_task(source_id: int) -> int:
    source = Source.objects.select_related("channel", "municipality").filter(pk=source_id).first()
    if source is None or not source.is_active:
        return 0
    return services.fetch_source(source, now=timezone.now())


@db_task()
def send_outbound_task(outbound_id: int) -> bool:
    outbound = Outbound.objects.select_related("source__channel", "answer").get(pk=outbound_id)
    return services.send_outbound(outbound, now=timezone.now())


@db_periodic_task(crontab(minute="*/5"))
def retry_outbound() -> int:
    """Messages whose sending failed are tried again, up to MAX_SEND_ATTEMPTS."""
    now = timezone.now()
    services.release_stale_claims(now)
    stale = now - timedelta(minutes=2)
    pending = Outbound.objects.filter(state=Outbound.State.PENDING, created_at__lt=stale)
    ids = list(pending.values_list("pk", flat=True)[:500])
    for pk in ids:
        send_outbound_task(pk)
    return len(ids)

"""Background jobs of the monitoring app: thin periodic wrappers over its services (huey)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from veche.monitoring.digest import send_field_digests
from veche.monitoring.services import claim_due_sources, fetch_source


@db_periodic_task(crontab(minute="*"))
def fetch_due_sources_task() -> int:
    """Every minute: read the watched sources whose schedule is due."""
    now = timezone.now()
    return sum(fetch_source(source, now=now) for source in claim_due_sources(now))


@db_periodic_task(crontab(minute="5"))
def send_field_digests_task() -> int:
    """Hourly: the daily digest of the information field, to heads whose digest hour came."""
    return send_field_digests(now=timezone.now())

"""Background jobs of the participation app: thin periodic wrappers over its services."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from veche.participation.services import close_expired_polls


@db_periodic_task(crontab(minute="*/5"))
def close_expired_polls_task() -> int:
    """Every 5 minutes: close the polls whose closing time has passed."""
    return close_expired_polls(now=timezone.now())

"""Background jobs of the deadlines app: thin periodic wrappers over its services (huey)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from veche.deadlines.digests import send_digests
from veche.deadlines.reminders import remind


@db_periodic_task(crontab(minute="*/10"))
def remind_task() -> int:
    """Every 10 minutes: notify the steps of the reminder ladder the clocks have reached."""
    return remind(now=timezone.now())


@db_periodic_task(crontab(minute="5"))
def send_digests_task() -> int:
    """Hourly: the daily digests of those whose local digest hour has come."""
    return send_digests(now=timezone.now())

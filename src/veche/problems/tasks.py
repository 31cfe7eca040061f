"""Background jobs of the problems app: thin periodic wrappers over its services (huey)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from veche.problems.reminders import remind_items


@db_periodic_task(crontab(minute="*/10"))
def remind_instructions_and_actions_task() -> int:
    """Every 10 minutes: remind the owners of instructions and road-map actions due today or
    overdue (the deadlines app's hourly digest run sends them out with the cases')."""
    return remind_items(now=timezone.now())

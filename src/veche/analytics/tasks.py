"""Background jobs of analytics (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from veche.analytics.rollups import update_rollups


@db_periodic_task(crontab(minute="*"))
def update_rollups_task() -> int:
    """Every minute: count the events written since the last run into the daily rollups (the
    cursor's row lock keeps two runs from counting the same events)."""
    return update_rollups()

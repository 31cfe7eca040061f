"""Background jobs of triage: thin wrappers over its services (huey)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def analyse_cases_task(case_ids: list[int]) -> int:
    # The pipeline (numpy, scipy, the models) loads on first use, not with every process.
    from veche.triage.services import analyse_cases

    return analyse_cases(case_ids, now=timezone.now())


@db_periodic_task(crontab(minute="*/10"))
def analyse_missing_task() -> int:
    """Every ten minutes: analyse the recent cases left without analysis because their job
    could not be queued (the queue was down) or was lost with a killed worker."""
    from veche.triage.services import analyse_cases, missing_analysis

    now = timezone.now()
    return analyse_cases(missing_analysis(now), now=now)

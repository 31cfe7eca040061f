"""Background jobs of triage: thin wrappers over its services (huey)."""

from django.utils import timezone
from huey.contrib.djhuey import db_task


@db_task()
def analyse_cases_task(case_ids: list[int]) -> int:
    # The pipeline (numpy, scipy, the models) loads on first use, not with every process.
    from veche.triage.services import analyse_cases

    return analyse_cases(case_ids, now=timezone.now())

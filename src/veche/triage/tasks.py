"""Background jobs of triage: thin wrappers over its services (huey)."""

from django.utils import timezone
from huey.contrib.djhuey import db_task

from veche.triage import services


@db_task()
def analyse_cases_task(case_ids: list[int]) -> int:
    return services.analyse_cases(case_ids, now=timezone.now())

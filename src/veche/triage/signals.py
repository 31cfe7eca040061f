"""Receivers: newly registered cases are analysed after their transaction commits."""

from typing import Any

from django.conf import settings
from django.utils import timezone

from veche.cases.models import Case
from veche.cases.signals import cases_registered
from veche.triage import tasks
from veche.web.outages import enqueue

BATCH = 500  # cases per queued job


def analyse_registered(sender: type[Case], case_ids: list[int], **kwargs: Any) -> None:
    """One case is analysed at once (its officer may open it the next second); a batch from an
    import or the demo goes to the task queue in chunks. With the queue down the cases stay
    without analysis until `tasks.analyse_missing_task` finds them."""
    if len(case_ids) <= settings.VECHE_TRIAGE_INLINE:
        from veche.triage.services import analyse_cases  # heavy: loaded on first use

        analyse_cases(case_ids, now=timezone.now())
        return
    for start in range(0, len(case_ids), BATCH):
        enqueue(tasks.analyse_cases_task, list(case_ids[start : start + BATCH]))


cases_registered.connect(analyse_registered, dispatch_uid="triage.analyse_registered")
